"""Requests per host and the time politeness imposed on them, counted from Scrapy's downloader signals.

Every request that reaches a host's download slot is counted (robots.txt and retries included; a request the
middlewares refused never left, so it is not). With a delay, a slot sends one request at a time, at least `delay`
seconds apart: a host with `n` requests cannot be done in less than `(n - 1) × delay`, the time politeness imposed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from scrapy import Request, signals

from regwatch.parsers.urls import host_name

MIN_DELAY = 0.01  # below this (Scrapy's 0.001 stand-in for "no delay"), no spacing is counted


@dataclass
class HostFigures:
    host: str
    requests: int = 0
    delay: float = 0.0  # the spacing its slot used (crawl.delay, or a larger robots Crawl-delay)
    robots_delay: float | None = None  # a Crawl-delay above crawl.delay, as robots.txt asked
    first: float = 0.0  # monotonic time of its first request, and of the last answer
    last: float = 0.0

    @property
    def politeness(self) -> float:
        """Seconds the spacing alone takes: (requests - 1) × delay."""
        return max(self.requests - 1, 0) * self.delay if self.delay >= MIN_DELAY else 0.0

    @property
    def span(self) -> float:
        return max(self.last - self.first, 0.0)


class HostLedger:
    """Collects `HostFigures` from every crawler attached to it (one per agency spider)."""

    def __init__(self) -> None:
        self.hosts: dict[str, HostFigures] = {}

    def attach(self, crawler: Any) -> None:
        configured = crawler.settings.getfloat("DOWNLOAD_DELAY")

        def reached(request: Request, spider: Any = None) -> None:
            figures = self._figures(request)
            figures.requests += 1
            if not figures.first:
                figures.first = time.monotonic()

        def left(request: Request, spider: Any = None) -> None:
            figures = self._figures(request)
            figures.last = time.monotonic()
            engine = getattr(crawler, "engine", None)
            slot = engine.downloader.slots.get(request.meta.get("download_slot", "")) if engine else None
            if slot is not None:
                figures.delay = max(figures.delay, slot.delay)
                if slot.delay > configured + 1e-9:
                    figures.robots_delay = max(figures.robots_delay or 0.0, slot.delay)

        crawler.signals.connect(reached, signal=signals.request_reached_downloader, weak=False)
        crawler.signals.connect(left, signal=signals.request_left_downloader, weak=False)

    def _figures(self, request: Request) -> HostFigures:
        name = host_name(request.url)
        return self.hosts.setdefault(name, HostFigures(name))

    def figures(self) -> list[HostFigures]:
        return sorted(self.hosts.values(), key=lambda f: f.host)
