"""Scrapy parts of a distributed crawl: the agency spiders, made to take their requests from a run's shared queue
on Redis (scrapy-redis's Scheduler and RFPDupeFilter, with the queue class below), and to share what a single
process keeps in memory (listing keys already seen, blocked hosts, the per-host pace).

Requests travel between processes as Scrapy request dicts (pickled): callbacks by method name, the source by
name (looked up in the worker's configuration), the parser as itself when it pickles, else rebuilt by the spider.
A worker finishes a unit of work (see `crawler.board`) only once its findings are recorded and the requests it
led to are queued, so an empty `pending` hash means the run is drained.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueue
from twisted.python.failure import Failure

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.board import RunBoard
from regwatch.crawler.middlewares import BotProtectionMiddleware
from regwatch.parsers.types import Listing

log = logging.getLogger(__name__)

RID = "regwatch_rid"  # request meta: the unit of work a request belongs to
PARENT = "regwatch_parent"  # request meta, until queued: the unit whose callback produced it


@dataclass(frozen=True)
class Rebuild:
    """Stands in for a parser that does not pickle (a lambda, a closure): the worker's spider builds it again."""

    attachment: bool


class Tracker:
    """The units of work this spider took, and when each is finished: its callback has ended and every request
    it yielded has been queued (or dropped)."""

    def __init__(self, run: RunBoard | None) -> None:
        self.run = run
        self.held: dict[str, int] = {}  # rid → requests yielded and not yet queued
        self.ended: set[str] = set()
        self.finished = 0

    def took(self, rid: str) -> None:
        self.held[rid] = 0

    def emitted(self, rid: str) -> None:
        if rid in self.held:
            self.held[rid] += 1

    def settled(self, rid: str) -> None:
        if rid in self.held:
            self.held[rid] -= 1
            self._check(rid)

    def end(self, rid: str | None) -> None:
        if rid in self.held:
            self.ended.add(rid)
            self._check(rid)

    def handed_back(self, rid: str) -> None:
        self.held.pop(rid, None)
        self.ended.discard(rid)

    def flush(self) -> None:
        """The engine is idle: nothing this spider took is still being worked on."""
        self._finish(list(self.held))

    def _check(self, rid: str) -> None:
        if rid in self.ended and self.held.get(rid, 0) <= 0:
            self._finish([rid])

    def _finish(self, rids: list[str]) -> None:
        if rids and self.run is not None:
            self.run.finish(rids)
        for rid in rids:
            self.held.pop(rid, None)
            self.ended.discard(rid)
        self.finished += len(rids)


class DistributedSpider(BaseSpider):
    """Mixed in before an agency spider (see `distributed_spider`). `run` is the run's board."""

    def __init__(self, *args: Any, run: RunBoard | None = None, poll_seconds: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = run
        self.poll_seconds = poll_seconds
        self.tracker = Tracker(run)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DistributedSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, DistributedSpider)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider._stopping, signal=signals.spider_closed)
        return spider

    # --- where requests come from ----------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Workers take every request from the run's queue; the coordinator seeds it (`seeds`)."""
        return
        yield  # pragma: no cover  (an async generator that yields nothing)

    async def seeds(self) -> list[Request]:
        return [request async for request in super().start()]

    def source_named(self, name: str) -> Any:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"source {name!r} is not in this worker's configuration for {self.name}")

    def listing_request(self, source: Any, url: str, page: int) -> Request:
        request = super().listing_request(source, url, page)
        request.dont_filter = False  # the run's duplicate filter (shared by all workers) sees it
        return request

    def document_request(self, source: Any, key: str, url: str, parent_key: str | None = None,
                         parser: Any = None, follow: bool = True) -> Request:
        request = super().document_request(source, key, url, parent_key, parser, follow)
        request.dont_filter = False
        return request

    # --- callbacks: findings recorded here, in order; the unit finishes when its requests are queued --------

    def _on_listing(self, response: Response, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._settle(response.meta, super()._on_listing(response, **kwargs))

    def _on_document(self, response: Response, **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        return self._settle(response.meta, super()._on_document(response, **kwargs))

    def _on_document_error(self, failure: Failure) -> Iterator[Any]:
        return self._settle(failure.request.meta, super()._on_document_error(failure))  # type: ignore[attr-defined]

    def _on_listing_error(self, failure: Failure) -> None:
        try:
            super()._on_listing_error(failure)
        finally:
            self.tracker.end(failure.request.meta.get(RID))  # type: ignore[attr-defined]

    def _settle(self, meta: dict[str, Any], outputs: Iterable[Any] | None) -> Iterator[Request]:
        rid = meta.get(RID)
        try:
            for out in outputs or ():
                if isinstance(out, Request):
                    if rid is not None:
                        out.meta[PARENT] = rid
                        self.tracker.emitted(rid)
                    yield out
                elif self.sink is not None:
                    self.sink.accept(out)  # at once: a parent is recorded before its attachments are queued
        finally:
            self.tracker.end(rid)

    def _unseen(self, source: str, listing: Listing) -> Listing:
        """EmaSpider's paging rule (entries not listed on an earlier page of this run; a page with nothing new
        ends the paging), with the keys seen kept in the run's board, since the pages go to different workers."""
        fresh = tuple(e for e, first in zip(listing.entries, self._first_listed(source, listing), strict=True)
                      if first)
        return Listing(entries=fresh, complete=False, next_page=listing.next_page if fresh else None)

    def _first_listed(self, source: str, listing: Listing) -> list[bool]:
        assert self.run is not None
        return self.run.first_listed(source, [e.key for e in listing.entries])

    # --- the spider's life in a worker ---------------------------------------------------------------

    def _opened(self, spider: Spider) -> None:
        # Scrapy looks at its scheduler every 5 s when idle; work that other workers queue is picked up sooner.
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.poll_seconds  # noqa: SLF001

    def _idle(self, spider: Spider) -> None:
        self.tracker.flush()
        if self.run is not None and self.run.active():
            raise DontCloseSpider

    def _dropped(self, request: Request, spider: Spider) -> None:
        parent = request.meta.pop(PARENT, None)
        if parent is not None:
            self.tracker.settled(parent)
        if request.meta.get(RID) in self.tracker.held:  # a redirect or retry the duplicate filter refused
            self.tracker.end(request.meta[RID])

    def _stopping(self, spider: Spider, reason: str) -> None:
        """Stopping before the run is drained (Ctrl-C, SIGTERM): hand back what this worker took."""
        if self.run is not None and self.tracker.held:
            self.run.hand_back(list(self.tracker.held))
            self.tracker.held.clear()


def distributed_spider(cls: type[BaseSpider]) -> type[DistributedSpider]:
    """The agency spider `cls` with the distributed behaviour mixed in (same name, same parsers)."""
    return type(f"Distributed{cls.__name__}", (DistributedSpider, cls), {})


# --- requests through Redis ------------------------------------------------------------------------------

def portable(request: Request, spider: DistributedSpider) -> dict[str, Any]:
    """The request as a dict that pickles: callbacks by name, the source by name, the parser or how to rebuild it."""
    kwargs = dict(request.cb_kwargs)
    if "source" in kwargs:
        kwargs["source"] = kwargs["source"].name
    if "parser" in kwargs and not _pickles(kwargs["parser"]):
        kwargs["parser"] = Rebuild(attachment=kwargs.get("parent_key") is not None)
    return request.replace(cb_kwargs=kwargs).to_dict(spider=spider)


def restore(data: dict[str, Any], spider: DistributedSpider) -> Request:
    request = request_from_dict(data, spider=spider)
    kwargs = request.cb_kwargs
    if isinstance(kwargs.get("source"), str):
        kwargs["source"] = spider.source_named(kwargs["source"])
    parser = kwargs.get("parser")
    if isinstance(parser, Rebuild):
        source = kwargs["source"]
        if parser.attachment:  # the spider's own attachment parser for this URL
            built = next(iter(spider.attachment_requests(source, kwargs["parent_key"], [request.url])))
            kwargs["parser"] = built.cb_kwargs["parser"]
        else:
            kwargs["parser"] = spider.document_parser(source, request.url)
    return request


def _pickles(obj: Any) -> bool:
    try:
        pickle.dumps(obj)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def describe(request: Request) -> dict[str, Any]:
    """What the coordinator needs to record a request it has to give up on."""
    kwargs = request.cb_kwargs
    source = kwargs.get("source")
    return {"source": getattr(source, "name", source), "url": request.url, "key": kwargs.get("key"),
            "parent_key": kwargs.get("parent_key"), "kind": "document" if "key" in kwargs else "listing"}


class RunQueue(RedisQueue):
    """scrapy-redis queue class (`SCHEDULER_QUEUE_CLASS`) over the run's board: ids in a sorted set by priority,
    requests in the `pending` hash, taking an id records who holds it."""

    def __init__(self, server: Any, spider: DistributedSpider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        assert spider.run is not None, "a distributed spider needs its run's board"
        self.run: RunBoard = spider.run

    def _encode_request(self, request: Request) -> bytes:
        return self.serializer.dumps(portable(request, self.spider))

    def _decode_request(self, encoded_request: bytes) -> Request:
        return restore(self.serializer.loads(encoded_request), self.spider)

    def __len__(self) -> int:
        return self.run.queued(self.spider.name)

    def push(self, request: Request) -> None:
        parent = request.meta.pop(PARENT, None)
        rid = request.meta.get(RID) or self.run.new_rid()
        request.meta[RID] = rid
        self.run.push(self.spider.name, rid, self._encode_request(request), request.priority, describe(request))
        tracker: Tracker = self.spider.tracker
        tracker.handed_back(rid)  # a retry or a redirect of a unit this spider held: queued again, maybe elsewhere
        if parent is not None:
            tracker.settled(parent)

    def pop(self, timeout: int = 0) -> Request | None:
        got = self.run.take(self.spider.name)
        if got is None:
            return None
        rid, payload = got
        self.spider.tracker.took(rid)
        return self._decode_request(payload)

    def clear(self) -> None:
        """Never flushed by a worker: the queue belongs to the run (the coordinator deletes it at the end)."""


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis duplicate filter (key per run), told which source and document a request is for:
    two sources may fetch the same URL, each for itself (as a single-process run does), but never twice."""

    def request_fingerprint(self, request: Request) -> str:
        base = super().request_fingerprint(request)
        spec = describe(request)
        return f"{base}:{spec['source']}:{spec['key']}"


def seed(spider: DistributedSpider, requests: Iterable[Request]) -> int:
    """Queue a run's first requests (the coordinator does this; a worker's `start` yields nothing)."""
    assert spider.run is not None
    queue = RunQueue(spider.run.redis, spider, spider.run.queue_key(spider.name))
    count = 0
    for request in requests:
        queue.push(request)
        count += 1
    return count


def seed_requests(spider: DistributedSpider) -> list[Request]:
    return asyncio.run(spider.seeds())


# --- downloader middlewares that share state across workers ------------------------------------------------

class SharedBotProtectionMiddleware(BotProtectionMiddleware):
    """A host one worker found blocked is left alone by all workers for the rest of the run."""

    def __init__(self, run: RunBoard | None) -> None:
        super().__init__()
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedBotProtectionMiddleware:
        return cls(getattr(crawler.spider, "run", None))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = urlparse_cached(request).netloc
        if self.run is not None and host not in self.blocked_hosts and self.run.blocked(host):
            self.blocked_hosts.add(host)
        super().process_request(request, spider)

    def _block(self, request: Request, reason: str) -> None:
        if self.run is not None:
            self.run.block(urlparse_cached(request).netloc, reason)
        super()._block(request, reason)


class SharedPaceMiddleware:
    """Keeps the delay a host asked for (`crawl.delay`, robots.txt `Crawl-delay`) between the requests of *all*
    workers, not only within each: a request reserves its send time on the board, and a worker sends one request
    per host at a time from there until the request leaves the downloader."""

    HOLDS = "regwatch_pace_held"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run: RunBoard | None = getattr(crawler.spider, "run", None)
        self.default_delay = crawler.settings.getfloat("DOWNLOAD_DELAY")
        self.locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPaceMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware._left, signal=signals.request_left_downloader)
        return middleware

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if self.run is None:
            return
        host = urlparse_cached(request).netloc
        lock = self.locks.setdefault(host, asyncio.Lock())
        await lock.acquire()
        request.meta[self.HOLDS] = True
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        delay = slot.delay if slot is not None else self.default_delay  # the board may know a larger one
        local = slot.lastseen + delay - time.monotonic() if slot is not None and slot.lastseen else 0.0
        wait = self.run.board.pace(host, delay, local)
        while True:  # the reserved slot orders the workers; the last real send keeps the gap if one woke late
            if wait > 0:
                await asyncio.sleep(wait)
            wait = self.run.board.confirm_send(host, delay)
            if wait <= 0:
                return

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        self._left(request)  # refused before it reached the downloader (robots, a blocked host)

    def _left(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.pop(self.HOLDS, False):
            lock = self.locks.get(urlparse_cached(request).netloc)
            if lock is not None and lock.locked():
                lock.release()
