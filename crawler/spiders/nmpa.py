"""NMPA: see shared/sources for the site's structure."""

from __future__ import annotations

from typing import Any

from crawler.base import BaseSpider


class NmpaSpider(BaseSpider):
    name = "nmpa"
    agency = "nmpa"

    def document_kind(self, source: Any) -> str:
        return "nmpa:guidance" if source.type != "page" else "nmpa:page"
