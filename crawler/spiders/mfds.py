"""MFDS: see shared/sources for the site's structure."""

from __future__ import annotations

from typing import Any

from crawler.base import BaseSpider


class MfdsSpider(BaseSpider):
    name = "mfds"
    agency = "mfds"

    def document_kind(self, source: Any) -> str:
        return "mfds:guidance" if source.type != "page" else "mfds:page"
