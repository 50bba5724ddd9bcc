"""Scrapy parts of a distributed crawl: the same agency spiders, given the parts of a run (`RunOutlet.parts`),
take their requests from the run's shared queue on Redis (scrapy-redis's Scheduler and RFPDupeFilter, with the
queue class below) and share what a single process keeps in memory (listing keys already seen, blocked hosts —
both on the run's board — and the per-host pace).

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
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueue

from regwatch.crawler.base import BaseSpider, Sink
from regwatch.crawler.board import RunBoard
from regwatch.crawler.parts import Output

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


class RunOutlet:
    """A spider's part in a distributed run, given to it as its `outlet` (see `parts`): each finding is recorded
    at once (a parent before its attachments are queued), each request it leads to is shown to the run's shared
    duplicate filter, and a unit of work is finished (`Tracker`) once the requests it led to are queued.
    `attach` connects the Scrapy signals a worker's crawler needs."""

    def __init__(self, run: RunBoard, sink: Sink, poll_seconds: float = 1.0) -> None:
        self.run = run
        self.sink = sink
        self.poll_seconds = poll_seconds
        self.tracker = Tracker(run)

    def parts(self) -> dict[str, Any]:
        """A spider's keyword arguments besides its sources and sink: this outlet, and the run's board as the
        memory of listing pages and as the block list (a listing's pages go to different workers)."""
        return {"outlet": self, "listed": self.run, "blocks": self.run}

    @staticmethod
    def find(spider: Spider | None) -> RunOutlet | None:
        """The spider's outlet when it is assembled for a distributed run, else None."""
        outlet = getattr(spider, "outlet", None)
        return outlet if isinstance(outlet, RunOutlet) else None

    @staticmethod
    def of(spider: Spider) -> RunOutlet:
        """The spider's outlet; TypeError when it is not assembled for a distributed run."""
        outlet = RunOutlet.find(spider)
        if outlet is None:
            raise TypeError(f"the {spider.name} spider is not assembled for a distributed run (see RunOutlet.parts)")
        return outlet

    def deliver(self, meta: Mapping[str, Any], outputs: Iterable[Output]) -> Iterator[Request]:
        rid = meta.get(RID)
        try:
            for out in outputs:
                if isinstance(out, Request):
                    shared(out)
                    if rid is not None:
                        out.meta[PARENT] = rid
                        self.tracker.emitted(rid)
                    yield out
                else:
                    self.sink.accept(out)  # at once: a parent is recorded before its attachments are queued
        finally:
            self.tracker.end(rid)

    # --- the spider's life in a worker ---------------------------------------------------------------

    def attach(self, crawler: Crawler) -> None:
        crawler.signals.connect(self._opened, signal=signals.spider_opened, weak=False)
        crawler.signals.connect(self._idle, signal=signals.spider_idle, weak=False)
        crawler.signals.connect(self._dropped, signal=signals.request_dropped, weak=False)
        crawler.signals.connect(self._stopping, signal=signals.spider_closed, weak=False)

    def _opened(self, spider: Spider) -> None:
        # Scrapy looks at its scheduler every 5 s when idle; work that other workers queue is picked up sooner.
        spider.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.poll_seconds  # noqa: SLF001

    def _idle(self, spider: Spider) -> None:
        self.tracker.flush()
        if self.run.active():
            raise DontCloseSpider

    def _dropped(self, request: Request, spider: Spider) -> None:
        parent = request.meta.pop(PARENT, None)
        if parent is not None:
            self.tracker.settled(parent)
        if request.meta.get(RID) in self.tracker.held:  # a redirect or retry the duplicate filter refused
            self.tracker.end(request.meta[RID])

    def _stopping(self, spider: Spider, reason: str) -> None:
        """Stopping before the run is drained (Ctrl-C, SIGTERM): hand back what this worker took."""
        if self.tracker.held:
            self.run.hand_back(list(self.tracker.held))
            self.tracker.held.clear()


def shared(request: Request) -> Request:
    """Let the run's duplicate filter (shared by all workers) see the request."""
    request.dont_filter = False
    return request


class QueueOnlyStart:
    """A worker's spider middleware: the spider's start requests are not crawled here (the coordinator seeded them
    into the run's queues, `seed`); every request comes from the queue."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return
        yield  # pragma: no cover  (an async generator that yields nothing)


# --- requests through Redis ------------------------------------------------------------------------------

def portable(request: Request, spider: BaseSpider) -> dict[str, Any]:
    """The request as a dict that pickles: callbacks by name, the source by name, the parser or how to rebuild it."""
    kwargs = dict(request.cb_kwargs)
    if "source" in kwargs:
        kwargs["source"] = kwargs["source"].name
    if "parser" in kwargs and not _pickles(kwargs["parser"]):
        kwargs["parser"] = Rebuild(attachment=kwargs.get("parent_key") is not None)
    return request.replace(cb_kwargs=kwargs).to_dict(spider=spider)


def restore(data: dict[str, Any], spider: BaseSpider) -> Request:
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

    def __init__(self, server: Any, spider: BaseSpider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.outlet = RunOutlet.of(spider)
        self.run: RunBoard = self.outlet.run

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
        tracker = self.outlet.tracker
        tracker.handed_back(rid)  # a retry or a redirect of a unit this spider held: queued again, maybe elsewhere
        if parent is not None:
            tracker.settled(parent)

    def pop(self, timeout: int = 0) -> Request | None:
        got = self.run.take(self.spider.name)
        if got is None:
            return None
        rid, payload = got
        self.outlet.tracker.took(rid)
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


def seed(spider: BaseSpider) -> int:
    """Queue the spider's start requests, the run's first (the coordinator does this; a worker's spider takes
    every request from the queue, see `QueueOnlyStart`)."""
    run = RunOutlet.of(spider).run
    queue = RunQueue(run.redis, spider, run.queue_key(spider.name))
    requests = asyncio.run(_collect(spider.start()))
    for request in requests:
        queue.push(shared(request))
    return len(requests)


async def _collect(requests: AsyncIterator[Request]) -> list[Request]:
    return [request async for request in requests]


# --- downloader middlewares that share state across workers ------------------------------------------------

class SharedPaceMiddleware:
    """Keeps the delay a host asked for (`crawl.delay`, robots.txt `Crawl-delay`) between the requests of *all*
    workers, not only within each: a request reserves its send time on the board, and a worker sends one request
    per host at a time from there until the request leaves the downloader."""

    HOLDS = "regwatch_pace_held"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        outlet = RunOutlet.find(crawler.spider)
        self.run: RunBoard | None = outlet.run if outlet is not None else None
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
