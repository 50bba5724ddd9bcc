"""EMA: see shared/sources for the site's structure."""

from __future__ import annotations

from typing import Any

from crawler.base import BaseSpider


class EmaSpider(BaseSpider):
    name = "ema"
    agency = "ema"

    def document_kind(self, source: Any) -> str:
        return "ema:guidance" if source.type != "page" else "ema:page"
