"""The one item pipeline: hand every finding to the spider's sink (the store, injected by the caller)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from regwatch.parsers.types import Capture, ListingSeen


class SinkPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SinkPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        sink = getattr(self.crawler.spider, "sink", None)
        if isinstance(item, Capture | ListingSeen) and sink is not None:
            sink.accept(item)
        return item

    def close_spider(self, spider: Any = None) -> None:
        """A sink that batches (the store's, for 304s) writes what it holds before the run is summed up."""
        flush = getattr(getattr(self.crawler.spider, "sink", None), "flush", None)
        if callable(flush):
            flush()
