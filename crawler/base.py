"""The shared spider flow: catalogue → watched documents → their attachments, all conditional requests.

A spider turns each Scrapy response into a `Fetched` and hands it to a pure parser; what comes out
(`ListingSeen`, `Capture`) goes to its `outlet` (in one process: through the item pipeline to the injected
`sink`). Spiders never touch the database and never hard-code a URL: sources (with their URLs) come from the
configuration. The same spider crawls in one process or in a distributed run, given other parts (`crawler.parts`).
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet.defer import DeferredSemaphore
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from regwatch.crawler.fetched import to_fetched
from regwatch.crawler.middlewares import UNRESOLVED, HostRefused
from regwatch.crawler.parts import BlockList, HostBlocks, ListedKeys, ListingMemory, Outlet, Output, ToItemPipeline
from regwatch.crawler.sources import Source, Watch
from regwatch.crawler.worker_parsers import parse_attachment  # noqa: F401 (re-exported: the spiders import it here)
from regwatch.parsers import parse_document
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.sandbox import BoundedParser
from regwatch.parsers.types import (
    Blocked,
    Capture,
    CatalogueEntry,
    Document,
    Failed,
    Fetched,
    Listing,
    ListingSeen,
    NotModified,
    Parsed,
    ParseError,
)

log = logging.getLogger(__name__)

Parser = Callable[[Fetched], Document]
PASS_STATUSES = [304, 404, 410]
PARSE_TIMEOUT = 60.0  # seconds a single file may take to parse
PARSE_MEMORY_MB = 1024  # address space the file parser may use
_PARSED = "regwatch_parsed"  # request meta: the file's Document (or ParseError), parsed before `_on_document`


class Sink(Protocol):
    """Where a spider's findings go (the store, in production; a list, in a unit test)."""

    def validators(self, source: str, key: str) -> dict[str, str]: ...

    def children(self, source: str, key: str) -> list[tuple[str, str]]: ...

    def accept(self, item: Capture | ListingSeen) -> None: ...

    def source_failed(self, source: str, reason: str, *, blocked: bool = False) -> None:
        """A source's listing failed; `blocked`: the site's bot protection answered."""

    def source_notice(self, source: str, note: str) -> None:
        """Something the run summary should say about a source that still worked (pager unreadable, layout
        changed); a sink that keeps no summary ignores it."""

    def plan(self, source: str, entries: Sequence[CatalogueEntry]) -> set[str]:
        """Keys of the watched `entries` not to request this cycle (the request plan); a sink without a plan
        returns an empty set."""


class FileParser:
    """The bounded worker processes the spiders of this process send their documents to: a pool of one worker per
    core (the crawl's thread only fetches and stores), each parsing one document at a time, so a document's time
    limit is its own and a killed worker loses only its document. One pool for all spiders: they share the
    machine. Workers start on first use and close when the last spider using them closes."""

    def __init__(self, workers: int | None = None) -> None:
        self.size = workers or max(os.cpu_count() or 1, 1)
        self.turn = DeferredSemaphore(self.size)  # callbacks queue here rather than block threads of the pool
        self._lock = threading.Lock()
        self._idle: list[BoundedParser] = []
        self._started: list[BoundedParser] = []
        self._users = 0

    def join(self) -> None:
        self._users += 1

    def leave(self) -> None:
        self._users -= 1
        if self._users <= 0:
            self._users = 0
            with self._lock:
                started, self._started, self._idle = self._started, [], []
            for bounded in started:
                bounded.close()

    def parse(self, parser: Parser, fetched: Fetched) -> Document:
        with self._lock:
            if self._idle:
                bounded = self._idle.pop()
            else:
                bounded = BoundedParser(timeout=PARSE_TIMEOUT, memory_mb=PARSE_MEMORY_MB)
                self._started.append(bounded)
        try:
            return bounded.parse(parser, fetched)
        finally:
            with self._lock:
                if bounded in self._started:
                    self._idle.append(bounded)


FILES = FileParser()


class BaseSpider(Spider):
    """One spider per agency; each source of that agency is crawled by the same instance (one politeness
    budget per host). Subclasses provide the listing parser, the watch filter and the document parser.

    Besides its sources and sink, a spider is given its parts: `outlet`, where its callbacks' output goes;
    `listed`, the memory of what listing pages have shown this run; `blocks`, the hosts found blocked (read by
    `BotProtectionMiddleware`). By default, those of one process."""

    name = "base"
    custom_settings: dict[str, Any] = {"HTTPERROR_ALLOWED_CODES": PASS_STATUSES}

    def __init__(self, sources: Sequence[Source] = (), sink: Sink | None = None, *, outlet: Outlet | None = None,
                 listed: ListingMemory | None = None, blocks: BlockList | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = list(sources)
        self.sink = sink
        self.outlet: Outlet = outlet if outlet is not None else ToItemPipeline()
        self.listed: ListingMemory = listed if listed is not None else ListedKeys()
        self.blocks: BlockList = blocks if blocks is not None else HostBlocks()

    def source_named(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"source {name!r} is not in this spider's configuration for {self.name}")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BaseSpider:
        """`regwatch run` passes sources and sink; under `scrapy crawl` the settings name a wiring function."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        wiring = crawler.settings.get("REGWATCH_STANDALONE")
        if spider.sink is None and wiring:
            load_object(wiring)(crawler, spider)
        return spider

    # --- what subclasses override ------------------------------------------------------------------

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        """Catalogues and listings are agency-specific; feeds (RSS 1.0/2.0, Atom) are generic."""
        if source.type == "feed":
            return parse_feed(fetched)
        raise ParseError(f"the {self.name} spider has no {source.type} parser")

    def watched_keys(self, source: Source, listing: Listing) -> frozenset[str]:
        return frozenset(entry.key for entry in listing.entries if is_watched(entry, source.watch))

    def document_kind(self, source: Source) -> str:
        """The `parsers.parse_document` kind for this source's pages ("page": any HTML page)."""
        return "page"

    def document_parser(self, source: Source, url: str) -> Parser:
        return partial(parse_document, kind=self.document_kind(source), selector=source.selector)

    def parse(self, parser: Parser, fetched: Fetched) -> Document:
        """Run a parser in a worker process with time and memory limits: files (PDF, office, HWP), whose parsers
        can hang or blow up on hostile input, and HTML pages, so the crawl's thread only fetches and stores. A
        parser that cannot be sent to a worker (a lambda, a closure) runs here."""
        if not _in_worker(parser, fetched):
            return parser(fetched)
        return self._file_parser().parse(parser, fetched)

    def _file_parser(self) -> FileParser:
        if getattr(self, "_files", None) is None:
            self._files = FILES
            FILES.join()
        return self._files

    async def _parse_file_first(self, response: Response, **kwargs: Any) -> AsyncIterator[Capture | Request]:
        """The document callback: a document bound for a worker process is parsed there while this process goes on
        downloading and recording (a thread waits for the worker; each worker parses one document at a time, so
        its time limit is the document's own); then the response is handled by `_on_document`."""
        parser = kwargs["parser"]
        if response.status == 200 and _in_worker(parser, fetched := to_fetched(response)):
            try:
                parsed: Document | ParseError = await maybe_deferred_to_future(
                    self._file_parser().turn.run(deferToThread, self.parse, parser, fetched))
            except ParseError as exc:
                parsed = exc
            response.meta[_PARSED] = parsed
        for out in self._on_document(response, **kwargs):
            yield out

    def closed(self, reason: str) -> None:
        files, self._files = getattr(self, "_files", None), None
        if files is not None:
            files.leave()

    # --- the flow ----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources:
            for url in source.urls:
                if source.type == "page":
                    yield self.document_request(source, key=page_key(url), url=url)
                else:
                    yield self.listing_request(source, url, page=1)

    def listing_request(self, source: Source, url: str, page: int) -> Request:
        return Request(url, callback=self._on_listing, errback=self._on_listing_error,
                       cb_kwargs={"source": source, "page": page}, dont_filter=True, meta=self.source_meta(source))

    def source_meta(self, source: Source) -> dict[str, Any]:
        """Request meta every request of a source carries (its optional proxy, e.g. for MFDS)."""
        return {"proxy": source.proxy} if source.proxy else {}

    def document_request(self, source: Source, key: str, url: str, parent_key: str | None = None,
                         parser: Parser | None = None, follow: bool = True) -> Request:
        """A conditional request for one document; `follow` fetches the attachments its page links to."""
        assert self.sink is not None
        kwargs = {"source": source, "key": key, "parent_key": parent_key,
                  "parser": parser or self.document_parser(source, url), "follow": follow and parent_key is None}
        meta = {"source": source.name, "key": key, "parent_key": parent_key, **self.source_meta(source)}
        return Request(url, headers=self.sink.validators(source.name, key), callback=self._parse_file_first,
                       errback=self._on_document_error, cb_kwargs=kwargs, dont_filter=True, meta=meta)

    def attachment_requests(self, source: Source, parent_key: str, urls: Sequence[str]) -> Iterator[Request]:
        for number, url in enumerate(urls, start=1):
            yield self.document_request(source, key=attachment_key(parent_key, number), url=url,
                                        parent_key=parent_key, parser=parse_attachment)

    def _on_listing(self, response: Response, source: Source, page: int = 1) -> Iterable[Output]:
        return self.outlet.deliver(response.meta, self._listing_outputs(response, source, page))

    def _listing_outputs(self, response: Response, source: Source, page: int) -> Iterator[Output]:
        fetched = to_fetched(response)
        if response.status != 200:
            self._listing_failed(source, f"listing {response.url} answered HTTP {response.status}")
            return
        try:
            listing = self.parse_listing(source, fetched)
        except ParseError as exc:
            self._listing_failed(source, f"listing {response.url} could not be parsed: {exc}")
            return
        watched = self.watched_keys(source, listing)
        log.info("%s: %d catalogue entries, %d watched", source.name, len(listing.entries), len(watched))
        candidates = [e for e in listing.entries if e.key in watched]
        left_alone = self._left_alone(source, candidates)
        requests = [r for entry in candidates if entry.key not in left_alone
                    for r in self.entry_requests(source, entry)]
        named: dict[str, list[tuple[str, str]]] = {}
        for r in requests:  # the files the catalogue names are recorded with it (see `_on_document`)
            if r.meta.get("parent_key"):
                named.setdefault(r.meta["parent_key"], []).append((r.meta["key"], r.url))
        yield ListingSeen(source=source.name, listing=listing, watched=watched,
                          named={k: tuple(v) for k, v in named.items()})
        for note in listing.notes:
            self._notice(source, f"listing {response.url}: {note}")
        yield from requests
        if listing.next_page and page < source.max_pages:
            yield self.listing_request(source, listing.next_page, page + 1)

    def _left_alone(self, source: Source, entries: list[CatalogueEntry]) -> set[str]:
        """Watched entries the sink's request plan skips this cycle (their entry did not change and it is not
        their re-check day); a sink without a plan requests them all."""
        assert self.sink is not None
        return self.sink.plan(source.name, entries) if entries else set()

    def entry_requests(self, source: Source, entry: CatalogueEntry) -> Iterator[Request]:
        """The page of a watched entry; its attachments as the catalogue names them, else as its page links them."""
        yield self.document_request(source, key=entry.key, url=entry.url, follow=not entry.attachments)
        yield from self.attachment_requests(source, entry.key, entry.attachments)

    def _on_listing_error(self, failure: Failure) -> Iterable[Output]:
        request = failure.request  # type: ignore[attr-defined]
        self._listing_failed(request.cb_kwargs["source"], describe_failure(failure), blocked=is_blocked(failure))
        return self.outlet.deliver(request.meta, ())

    def _notice(self, source: Source, note: str) -> None:
        log.warning("%s: %s", source.name, note)
        assert self.sink is not None
        self.sink.source_notice(source.name, note)

    def _listing_failed(self, source: Source, reason: str, *, blocked: bool = False) -> None:
        log.log(logging.INFO if UNRESOLVED in reason else logging.ERROR, "%s: %s", source.name, reason)
        assert self.sink is not None
        self.sink.source_failed(source.name, reason, blocked=blocked)

    def _on_document(self, response: Response, source: Source, key: str, parent_key: str | None,
                     parser: Parser, follow: bool = False) -> Iterable[Output]:
        return self.outlet.deliver(response.meta, self._document_outputs(response, source, key, parent_key, parser,
                                                                          follow))

    def _document_outputs(self, response: Response, source: Source, key: str, parent_key: str | None,
                          parser: Parser, follow: bool) -> Iterator[Capture | Request]:
        base = {"source": source.name, "key": key, "url": response.url, "parent_key": parent_key}
        if response.status == 304:
            yield NotModified(**base)
            if follow:  # an unchanged page can still link to a file replaced in place: check those too
                yield from self._known_children(source, key)
            return
        fetched = to_fetched(response)  # not for a 304: nothing of it is kept
        if response.status != 200:
            log.warning("%s: %s answered HTTP %s", source.name, response.url, response.status)
            yield Failed(**base, error=f"HTTP {response.status}", fetched=fetched)
            return
        try:
            parsed = response.meta.pop(_PARSED, None)  # parsed already, off the crawl's thread
            if isinstance(parsed, ParseError):
                raise parsed
            document = parsed if isinstance(parsed, Document) else self.parse(parser, fetched)
        except ParseError as exc:
            log.error("%s: %s could not be parsed: %s", source.name, response.url, exc)
            yield Failed(**base, error=f"parse error: {exc}", fetched=fetched)
            return
        if source.ignore:
            document = replace(document, text=strip_ignored(document.text, source.ignore))
        if follow and not document.attachments and document.extractor == "generic":
            files = list(self._known_children(source, key))  # a redesigned page: keep checking the files it had
            named: tuple[tuple[str, str], ...] = ()
        else:
            files = list(self.attachment_requests(source, key, document.attachments)) if follow else []
            named = tuple((r.meta["key"], r.url) for r in files)
        # the attachments are recorded (named) with the page, so a run killed before it fetched them (or a failed
        # fetch) leaves them for the next run to fetch, whatever the page answers then
        yield Parsed(**base, fetched=fetched, document=document, named=named)
        yield from files

    def _known_children(self, source: Source, key: str) -> Iterator[Request]:
        """Requests for the files the store has under this document."""
        assert self.sink is not None
        for child_key, child_url in self.sink.children(source.name, key):
            yield self.document_request(source, key=child_key, url=child_url, parent_key=key, parser=parse_attachment)

    def _on_document_error(self, failure: Failure) -> Iterable[Output]:
        return self.outlet.deliver(failure.request.meta, self._document_error_outputs(failure))  # type: ignore[attr-defined]

    def _document_error_outputs(self, failure: Failure) -> Iterator[Capture]:
        request = failure.request  # type: ignore[attr-defined]
        reason = describe_failure(failure)
        log.log(logging.INFO if UNRESOLVED in reason else logging.ERROR, "%s: %s failed: %s",
                request.meta["source"], request.url, reason)
        yield (Blocked if is_blocked(failure) else Failed)(
            source=request.meta["source"], key=request.meta["key"], url=request.url,
            parent_key=request.meta["parent_key"], error=reason)


def is_watched(entry: CatalogueEntry, watch: Watch) -> bool:
    """A listed document is watched when any filter of the source's `watch` block matches it (an empty block
    watches everything). Offices and topics match case-insensitively as substrings; keywords match at the
    start of a word in the title ("cell" matches "Cellular", not "Excellence"; CJK keywords match anywhere)."""
    if not any((watch.slugs, watch.dockets, watch.centers, watch.offices, watch.topics, watch.keywords)):
        return True
    offices = " | ".join(entry.offices).lower()
    topics = " | ".join(entry.topics).lower()
    return (
        entry.key in watch.slugs
        or (entry.docket or "").strip() in watch.dockets
        or any(n.lower() in offices for n in (*watch.centers, *watch.offices))
        or any(n.lower() in topics for n in watch.topics)
        or any(re.search(rf"(?<![^\W_]){re.escape(k)}" if k.isascii() else re.escape(k), entry.title, re.I)
               for k in watch.keywords)
    )


def _in_worker(parser: Parser, fetched: Fetched) -> bool:
    """Whether `BaseSpider.parse` sends this response to a worker process (any document, with a parser that can
    go there)."""
    return _picklable(parser)


def _picklable(parser: Parser) -> bool:
    """Only a parser that can be sent to the worker process runs there (module functions, partials of them)."""
    try:
        pickle.dumps(parser)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def strip_ignored(text: str, patterns: Sequence[str]) -> str:
    """Remove what a source's `ignore` patterns (regular expressions) match, before the text is hashed."""
    for pattern in patterns:
        text = re.sub(pattern, "", text, flags=re.MULTILINE)
    return text


def page_key(url: str) -> str:
    """A watched page is identified by its path and query, not its host: pointing a source at a mirror (or a
    site moving to a new host name) keeps the same document."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def attachment_key(parent_key: str, number: int) -> str:
    """Attachments are identified by their place in the parent document (their URLs change on reissue)."""
    return f"{parent_key}#file{number}"


def is_blocked(failure: Failure) -> bool:
    """Whether a request failed because the site's bot protection answered."""
    return isinstance(failure.value, HostRefused) and failure.value.blocked


def describe_failure(failure: Failure) -> str:
    """One line saying why a request failed."""
    exc = failure.value
    if isinstance(exc, HostRefused):
        return exc.reason
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"
