"""US FDA: the whole guidance catalogue from one static JSON file; pages and PDFs only for watched records."""

from __future__ import annotations

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.sources import Source
from regwatch.parsers import fda
from regwatch.parsers.types import Fetched, Listing


class FdaSpider(BaseSpider):
    name = "fda"
    agency = "fda"

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        return fda.parse_catalogue(fetched)

    def document_kind(self, source: Source) -> str:
        return "fda:guidance" if source.type == "catalogue" else "fda:page"

