"""PMDA: see shared/sources for the site's structure."""

from __future__ import annotations

from typing import Any

from crawler.base import BaseSpider


class PmdaSpider(BaseSpider):
    name = "pmda"
    agency = "pmda"

    def document_kind(self, source: Any) -> str:
        return "pmda:guidance" if source.type != "page" else "pmda:page"
