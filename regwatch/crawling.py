"""The crawl of a cycle, one way for all three commands that crawl: `regwatch run` (every spider in this process),
`regwatch worker` (this process's share of a distributed run) and the seeding of a distributed run by
`regwatch run --distributed`. The sources are grouped by the agency spider that crawls them (one spider instance
per agency: one politeness budget per host); the spiders differ only in the parts they are given
(`crawler.parts`; `crawler.distributed.RunOutlet.parts` for a distributed run)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from scrapy.crawler import Crawler, CrawlerProcess

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.sources import Source
from regwatch.crawler.spiders import SPIDERS
from regwatch.recording import StoreSink

S = TypeVar("S", bound=Source)
Parts = Callable[[str], dict[str, Any]]  # agency → its spider's parts (keyword arguments), see `BaseSpider`
Attach = Callable[[str, Crawler], None]  # agency, its crawler → called before the crawl starts


def by_agency(sources: Iterable[S]) -> dict[str, list[S]]:
    """The sources per agency spider, in agency order, each group in the order given."""
    groups: dict[str, list[S]] = {}
    for source in sorted(sources, key=lambda s: s.spider_agency):
        groups.setdefault(source.spider_agency, []).append(source)
    return groups


def log_level(verbose: int) -> str:
    return "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"  # -v, -vv


def one_process(agency: str) -> dict[str, Any]:
    """The parts of a spider crawling in one process: its defaults."""
    return {}


def crawl(settings: dict[str, Any], sources: Iterable[Source], sink: StoreSink, *, verbose: int = 0,
          parts: Parts = one_process, attach: Attach | None = None) -> None:
    """Crawl `sources` here, one spider per agency, until every spider has closed; the store failing stops them
    all (the sink's `failure` says why)."""
    logging.root.handlers.clear()  # Scrapy installs its own root handler at the chosen level
    process = CrawlerProcess(settings | {"LOG_LEVEL": log_level(verbose)})
    sink.on_failure = process.stop  # the store failed: stop every spider, store nothing more
    for agency, group in by_agency(sources).items():
        crawler = process.create_crawler(SPIDERS[agency])
        if attach is not None:
            attach(agency, crawler)
        process.crawl(crawler, sources=group, sink=sink, **parts(agency))
    process.start()


def spiders(sources: Iterable[Source], sink: StoreSink, parts: Parts = one_process) -> list[BaseSpider]:
    """The crawl's spiders, made outside Scrapy (to seed a distributed run's queues with their start requests)."""
    return [SPIDERS[agency](sources=group, sink=sink, **parts(agency)) for agency, group in by_agency(sources).items()]
