"""What a spider is given besides its sources and sink, so the same agency spider crawls in one process or as a
worker of a distributed run (`crawler.distributed`): where its callbacks' output goes, the memory of what
listing pages have shown, and the hosts found blocked. Here are the protocols and the one-process parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from scrapy import Request

from regwatch.parsers.types import Capture, ListingSeen

Output = Capture | ListingSeen | Request  # what a spider's callbacks yield


class Outlet(Protocol):
    def deliver(self, meta: Mapping[str, Any], outputs: Iterable[Output]) -> Iterable[Output]:
        """What a callback hands Scrapy, given what the spider made of the response to a request with `meta`."""
        ...


class ToItemPipeline:
    """In one process: everything goes to Scrapy as is, findings through the item pipeline to the sink."""

    def deliver(self, meta: Mapping[str, Any], outputs: Iterable[Output]) -> Iterable[Output]:
        return outputs


class ListingMemory(Protocol):
    def first_listed(self, source: str, keys: list[str]) -> list[bool]:
        """For each key: is this the first listing page of `source` in this run to show it?"""
        ...


class ListedKeys:
    """In one process: the listing keys seen this run, per source."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {}

    def first_listed(self, source: str, keys: list[str]) -> list[bool]:
        seen = self.seen.setdefault(source, set())
        first = [key not in seen for key in keys]
        seen.update(keys)
        return first


class BlockList(Protocol):
    """Hosts whose bot protection answered during this run (see `BotProtectionMiddleware`)."""

    def block(self, host: str, reason: str) -> None: ...

    def blocked(self, host: str) -> str | None:
        """Why `host` is blocked, or None."""
        ...


class HostBlocks:
    """In one process: a dict."""

    def __init__(self) -> None:
        self.hosts: dict[str, str] = {}

    def block(self, host: str, reason: str) -> None:
        self.hosts[host] = reason

    def blocked(self, host: str) -> str | None:
        return self.hosts.get(host)
