"""Wiring for `scrapy crawl <agency>` run from the repo root: the same cycle as `regwatch run`."""

from __future__ import annotations

from typing import Any

from scrapy import signals

from regwatch.config import load_config
from regwatch.crawler import settings
from regwatch.pipeline import Cycle
from regwatch.report import print_run_summary


def standalone_settings() -> dict[str, Any]:
    """Scrapy settings from `config.yaml` (or $REGWATCH_CONFIG), naming `wire` as the spider's wiring."""
    config = load_config()
    return settings.standalone_settings(config.crawl, config.network.allowed(), wiring="regwatch.standalone.wire")


def wire(crawler: Any, spider: Any) -> None:
    """Give a spider started by `scrapy crawl` its configured sources and the store, and finish the cycle
    (summary and alerts) when it closes."""
    config = load_config()
    sources = [s for s in config.sources if s.enabled and s.spider_agency == spider.name]
    cycle = Cycle.start(config, sources)
    spider.sources, spider.sink = sources, cycle.sink

    def _closed(spider: Any, reason: str) -> None:
        print_run_summary(cycle.finish())

    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
