"""Downloader middlewares for an honest, polite crawler.

- `PoliteRobotsMiddleware`: obeys robots.txt including `Crawl-delay` (Scrapy ignores it), and follows
  RFC 9309: a robots.txt that answers 5xx (or 429) or cannot be fetched disallows the whole host for this
  run; any other 4xx means everything is allowed.
- `BotProtectionMiddleware`: fda.gov's bot protection answers 302 → `/apology_objects/...` (which then
  404s). That is a block, not a missing page: the host is marked blocked (in the spider's `blocks`, shared by
  the workers of a distributed run) and left alone for the run.
- `BackoffRetryMiddleware`: Scrapy's retry plus exponential backoff and `Retry-After` (which holds the whole
  host); a body cut off with the connection is retried, never passed on; giving up raises `FetchFailed`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from protego import Protego
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectionDone, ConnectionLost

from regwatch.crawler.fetched import to_fetched
from regwatch.crawler.parts import BlockList, HostBlocks
from regwatch.parsers.challenge import is_challenge

log = logging.getLogger(__name__)

BLOCKED = "blocked by the site's bot protection"
UNRESOLVED = "name does not resolve: is this machine offline?"  # after "<host>: "; said once per host by the CLI
CHALLENGED = "blocked by the site's bot protection (a JavaScript challenge; regwatch never forges its tokens)"
ROBOTS_UNREACHABLE = "robots.txt unreachable (RFC 9309: host disallowed for this run)"
MAX_RETRY_AFTER = 120.0


class HostRefused(IgnoreRequest):
    """A request the crawler refuses to make (robots, a block); `reason` says why, and `blocked` whether the
    site's bot protection answered (a source so refused is reported as blocked, not as failed)."""

    def __init__(self, reason: str, *, blocked: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.blocked = blocked


class FetchFailed(HostRefused):
    """A fetch given up on (no attempt left, or a Retry-After beyond this run); `reason` says why."""


class PoliteRobotsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent: str = crawler.settings["USER_AGENT"]
        self.obey: bool = crawler.settings.getbool("REGWATCH_OBEY_ROBOTS", True)
        self._rules: dict[str, Protego | HostRefused] = {}  # netloc → parsed rules or the refusal
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRobotsMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware._downloaded, signal=signals.response_downloaded)
        return middleware

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get("dont_obey_robotstxt") or not self.obey:
            return
        url = urlparse_cached(request)
        lock = self._locks.setdefault(url.netloc, asyncio.Lock())
        async with lock:  # one robots.txt fetch per host, however many requests wait for it
            rules = self._rules.get(url.netloc)
            if rules is None:
                rules = self._rules[url.netloc] = await self._fetch_rules(url.scheme, url.netloc, request)
        if isinstance(rules, HostRefused):
            raise HostRefused(rules.reason, blocked=rules.blocked)
        if not rules.can_fetch(request.url, self.user_agent):
            raise HostRefused("forbidden by robots.txt")

    def _downloaded(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        """Count the delay from the end of each answer (Scrapy counts from the start of the request), so the
        site sees at least the spacing it asked for even when one request travelled slower than the next."""
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is not None and slot.delay:
            slot.lastseen = time.monotonic()

    async def _fetch_rules(self, scheme: str, netloc: str, request: Request) -> Protego | HostRefused:
        meta = {"dont_obey_robotstxt": True, "handle_httpstatus_all": True}
        if request.meta.get("proxy"):
            meta["proxy"] = request.meta["proxy"]  # the same way out as the page (e.g. a KR egress for MFDS)
        robots = Request(f"{scheme}://{netloc}/robots.txt", priority=1000, meta=meta)
        try:
            response = await self.crawler.engine.download_async(robots)
        except FetchFailed as exc:  # retries exhausted: RFC 9309 says disallow
            log.error("robots.txt of %s could not be fetched (%s): host disallowed for this run", netloc, exc.reason)
            return HostRefused(f"{ROBOTS_UNREACHABLE}: {exc.reason}")
        except HostRefused as exc:  # e.g. the bot protection answered for robots.txt too
            return exc
        except Exception as exc:  # network error or timeout: RFC 9309 says disallow
            cause = f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"
            log.error("robots.txt of %s could not be fetched (%s): host disallowed for this run", netloc, cause)
            return HostRefused(f"{ROBOTS_UNREACHABLE}: {cause}")
        if response.status >= 500 or response.status == 429:  # 429 ("slow down") is treated like a 5xx
            log.error("robots.txt of %s answered HTTP %s: host disallowed for this run", netloc, response.status)
            return HostRefused(f"{ROBOTS_UNREACHABLE}: HTTP {response.status}")
        if response.status >= 400:  # "unavailable": no rules, everything allowed
            return Protego.parse("")
        rules = Protego.parse(response.body.decode("utf-8", errors="replace"))
        self._apply_crawl_delay(netloc, request, rules)
        return rules

    def _apply_crawl_delay(self, netloc: str, request: Request, rules: Protego) -> None:
        delay = rules.crawl_delay(self.user_agent)
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        key, slot = downloader._get_slot(request)  # noqa: SLF001 — the slot this host's requests use
        slot.delay = max(slot.delay, float(delay))
        slot.lastseen = time.monotonic()  # robots.txt has just been answered: the delay starts now
        log.info("robots.txt of %s asks for Crawl-delay %s s; spacing requests %s s apart", netloc, delay,
                 slot.delay)


class BotProtectionMiddleware:
    APOLOGY = "/apology_objects/"

    def __init__(self, blocks: BlockList | None = None) -> None:
        self.blocks = blocks if blocks is not None else HostBlocks()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotProtectionMiddleware:
        """The block list is the spider's (`BaseSpider.blocks`)."""
        return cls(getattr(crawler.spider, "blocks", None))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """After a block, leave the host's pages alone; its static files (often served without the
        challenge, like NMPA's attachments) are still tried."""
        if not _static_file(request.url) and self.blocks.blocked(urlparse_cached(request).netloc):
            raise HostRefused(BLOCKED, blocked=True)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get(b"Location", b"").decode("latin-1")
        if self.APOLOGY in location or self.APOLOGY in response.url:
            self._block(request, BLOCKED)
        if is_challenge(to_fetched(response, request)):
            self._block(request, CHALLENGED)
        return response

    def _block(self, request: Request, reason: str) -> None:
        host = urlparse_cached(request).netloc
        self.blocks.block(host, reason)
        log.error("%s answered %s with its bot protection: backing off from this host for the run", host,
                  request.url)
        raise HostRefused(reason, blocked=True)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx/429/timeouts/lost connections like Scrapy, but wait first: `Retry-After` when given (seconds or
    an HTTP-date; the host's other requests wait too), else exponential. A `Retry-After` beyond
    `MAX_RETRY_AFTER` is honoured by not retrying in this run. A body without length framing that ended before
    its document did (a reset HTML page or PDF) is retried like a lost connection, never passed on. Giving up
    raises `FetchFailed` saying why and after how many attempts."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base_delay: float = settings.getfloat("REGWATCH_RETRY_BACKOFF", 1.0)
        self.max_size: int = settings.getint("DOWNLOAD_MAXSIZE")

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Spider | None = None) -> Request | Response:
        if "partial" in response.flags and not _looks_whole(response):
            return await self._again(request, None, CUT_OFF)
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry_after = _retry_after(response)
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            log.warning("%s answered HTTP %s with Retry-After %.0f s: not retried in this run", request.url,
                        response.status, retry_after)
            raise FetchFailed(f"HTTP {response.status}, Retry-After {retry_after:.0f} s: not retried before then "
                              f"(this run waits at most {MAX_RETRY_AFTER:.0f} s)")
        if retry_after is not None:
            self._hold_host(request, retry_after)
        await self._wait(request, retry_after)
        return self._retry(request, f"HTTP {response.status}") or response

    async def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                                spider: Spider | None = None) -> Request | None:
        if isinstance(exception, DownloadCancelledError):  # the size limit, at the headers or mid-body
            limit = request.meta.get("download_maxsize", self.max_size)
            detail = str(exception).strip() or f"cancelled: the body passed the size limit ({limit} bytes)"
            raise FetchFailed(f"too large (crawl.max_size_mb): {detail}")
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        return await self._again(request, exception, _explain(exception))

    async def _again(self, request: Request, exception: Exception | None, why: str) -> Request:
        """The retry of `request`, after the backoff; `FetchFailed` when no attempt is left."""
        if request.meta.get("dont_retry"):
            raise FetchFailed(why)
        await self._wait(request, None)
        retry = self._retry(request, exception or why)
        if retry is None:
            attempts = request.meta.get("retry_times", 0) + 1
            raise FetchFailed(f"{why} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})")
        return retry

    def _hold_host(self, request: Request, seconds: float) -> None:
        """`Retry-After` speaks for the host: none of its other requests starts before then either."""
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is not None and slot.delay:
            slot.lastseen = max(slot.lastseen, time.monotonic() + seconds - slot.delay)

    async def _wait(self, request: Request, retry_after: float | None) -> None:
        attempt = request.meta.get("retry_times", 0)
        delay = retry_after if retry_after is not None else self.base_delay * 2**attempt
        if delay > 0 and attempt < self.max_retry_times:
            await asyncio.sleep(delay)


CUT_OFF = "the body ended with the connection before the document did (no Content-Length; cut off)"


def _looks_whole(response: Response) -> bool:
    """For a body that simply ended when the connection closed: does it end like a whole document? HTML ends
    with `</html>` or `</body>`, a PDF with `%%EOF`; other formats cannot be told and are taken as they are."""
    tail = response.body[-4096:].lower()
    if response.body.startswith(b"%PDF-"):
        return b"%%eof" in tail
    ctype = response.headers.get(b"Content-Type", b"").lower()
    if b"html" in ctype:
        return b"</html>" in tail or b"</body>" in tail
    return True


def _explain(exc: Exception) -> str:
    """One line for a transport failure, in the reader's terms."""
    if isinstance(exc, ResponseDataLossError):
        return "the connection closed before the announced body was complete (data loss)"
    if isinstance(exc, DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, DownloadTimeoutError):
        return f"timed out: {exc}"
    if isinstance(exc, (DownloadFailedError, ConnectionLost, ConnectionDone)):
        return "the connection was closed or reset before a complete answer"
    return f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}"


STATIC_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".hwp", ".hwpx", ".zip", ".txt", ".csv")


def _static_file(url: str) -> bool:
    return url.split("?", 1)[0].lower().endswith(STATIC_SUFFIXES)


def _retry_after(response: Response, now: datetime | None = None) -> float | None:
    """Seconds `Retry-After` asks to wait (RFC 9110: delay-seconds or an HTTP-date), None if absent or invalid."""
    value = response.headers.get(b"Retry-After", b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
