"""MFDS (www.mfds.go.kr): board lists (`list.do?page=N`, followed page by page) and per-board RSS feeds; each
watched post's `view.do` page, then the files it links (`down.do`: PDF, HWP, HWPX). Posts are keyed by board and
`seq` in both kinds of source. A source's `proxy` (a Korean egress, MFDS throttles foreign addresses) rides on
every request through `BaseSpider.source_meta`."""

from __future__ import annotations

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.sources import Source
from regwatch.parsers import mfds
from regwatch.parsers.types import Fetched, Listing


class MfdsSpider(BaseSpider):
    name = "mfds"
    agency = "mfds"

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        if source.type == "feed":
            return mfds.parse_board_feed(fetched)
        if source.type == "listing":
            return mfds.parse_board_list(fetched)
        return super().parse_listing(source, fetched)

    def document_kind(self, source: Source) -> str:
        return "mfds:guidance" if source.type != "page" else "mfds:page"
