"""PMDA (and the MHLW pages filed under it): hub pages and news lists as listings, RSS 1.0 feeds, pages; the
notices themselves are mostly PDFs in Japanese. Listed notices are keyed by title, pages by URL path (+ query),
never by host."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from scrapy import Request

from regwatch.crawler.base import BaseSpider, Parser
from regwatch.crawler.sources import Source
from regwatch.crawler.worker_parsers import parse_any  # a worker imports it without Scrapy
from regwatch.parsers import pmda
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.types import Fetched, Listing


class PmdaSpider(BaseSpider):
    name = "pmda"
    agency = "pmda"

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        if source.type == "feed":
            return pmda.localize_feed(parse_feed(fetched), fetched)
        return pmda.parse_catalogue(fetched)

    def document_kind(self, source: Source) -> str:
        return "pmda:guidance" if source.type != "page" else "pmda:page"

    def document_parser(self, source: Source, url: str) -> Parser:
        """A partial of a module function, so files are sent to the bounded worker process (a lambda cannot be)."""
        return partial(parse_any, kind=self.document_kind(source), selector=source.selector)

    def attachment_requests(self, source: Source, parent_key: str, urls: Sequence[str]) -> Iterator[Request]:
        """Attachments keyed by their file path, not their place: a hub page lists dozens of files and a new
        notice at the top would otherwise shift every one of them onto another file."""
        for url in urls:
            yield self.document_request(source, key=f"{parent_key}#{pmda.path_key(url)}", url=url,
                                        parent_key=parent_key, parser=partial(parse_any, kind="pmda:page"))
