"""Downloader middlewares for an honest, polite crawler.

- `PoliteRobotsMiddleware`: obeys robots.txt including `Crawl-delay` (Scrapy ignores it), and follows
  RFC 9309: a robots.txt that answers 5xx or cannot be fetched disallows the whole host for this run;
  a 4xx means everything is allowed.
- `BotProtectionMiddleware`: fda.gov's bot protection answers 302 → `/apology_objects/...` (which then
  404s). That is a block, not a missing page: the host is marked blocked and left alone for the run.
- `BackoffRetryMiddleware`: Scrapy's retry without backoff, plus exponential backoff and `Retry-After`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from protego import Protego
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.fetched import to_fetched
from parsers.challenge import is_challenge

log = logging.getLogger(__name__)

BLOCKED = "blocked by the site's bot protection"
CHALLENGED = "blocked by the site's bot protection (a JavaScript challenge; regwatch never forges its tokens)"
ROBOTS_UNREACHABLE = "robots.txt unreachable (RFC 9309: host disallowed for this run)"
MAX_RETRY_AFTER = 120.0


class HostRefused(IgnoreRequest):
    """A request the crawler refuses to make (robots, a block); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PoliteRobotsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.user_agent: str = crawler.settings["USER_AGENT"]
        self.obey: bool = crawler.settings.getbool("REGWATCH_OBEY_ROBOTS", True)
        self._rules: dict[str, Protego | str] = {}  # netloc → parsed rules or a refusal reason
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
        if isinstance(rules, str):
            raise HostRefused(rules)
        if not rules.can_fetch(request.url, self.user_agent):
            raise HostRefused("forbidden by robots.txt")

    def _downloaded(self, response: Response, request: Request, spider: Spider | None = None) -> None:
        """Count the delay from the end of each answer (Scrapy counts from the start of the request), so the
        site sees at least the spacing it asked for even when one request travelled slower than the next."""
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is not None and slot.delay:
            slot.lastseen = time.monotonic()

    async def _fetch_rules(self, scheme: str, netloc: str, request: Request) -> Protego | str:
        meta = {"dont_obey_robotstxt": True, "handle_httpstatus_all": True}
        if request.meta.get("proxy"):
            meta["proxy"] = request.meta["proxy"]  # the same way out as the page (e.g. a KR egress for MFDS)
        robots = Request(f"{scheme}://{netloc}/robots.txt", priority=1000, meta=meta)
        try:
            response = await self.crawler.engine.download_async(robots)
        except HostRefused as exc:  # e.g. the bot protection answered for robots.txt too
            return exc.reason
        except Exception as exc:  # network error or timeout: RFC 9309 says disallow
            log.error("robots.txt of %s could not be fetched (%s): host disallowed for this run", netloc, exc)
            return ROBOTS_UNREACHABLE
        if response.status >= 500:
            log.error("robots.txt of %s answered HTTP %s: host disallowed for this run", netloc, response.status)
            return ROBOTS_UNREACHABLE
        if response.status >= 400:
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

    def __init__(self) -> None:
        self.blocked_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotProtectionMiddleware:
        return cls()

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        """After a block, leave the host's pages alone; its static files (often served without the
        challenge, like NMPA's attachments) are still tried."""
        if urlparse_cached(request).netloc in self.blocked_hosts and not _static_file(request.url):
            raise HostRefused(BLOCKED)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get(b"Location", b"").decode("latin-1")
        if self.APOLOGY in location or self.APOLOGY in response.url:
            self._block(request, BLOCKED)
        if is_challenge(to_fetched(response, request)):
            self._block(request, CHALLENGED)
        return response

    def _block(self, request: Request, reason: str) -> None:
        host = urlparse_cached(request).netloc
        self.blocked_hosts.add(host)
        log.error("%s answered %s with its bot protection: backing off from this host for the run", host,
                  request.url)
        raise HostRefused(reason)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 5xx/429/timeouts like Scrapy, but wait first: `Retry-After` when given, else exponential."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base_delay: float = settings.getfloat("REGWATCH_RETRY_BACKOFF", 1.0)

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Spider | None = None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        await self._wait(request, _retry_after(response))
        return self._retry(request, f"HTTP {response.status}") or response

    async def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                                spider: Spider | None = None) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        await self._wait(request, None)
        return self._retry(request, exception)

    async def _wait(self, request: Request, retry_after: float | None) -> None:
        attempt = request.meta.get("retry_times", 0)
        delay = retry_after if retry_after is not None else self.base_delay * 2**attempt
        if delay > 0 and attempt < self.max_retry_times:
            await asyncio.sleep(delay)


STATIC_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".hwp", ".hwpx", ".zip", ".txt", ".csv")


def _static_file(url: str) -> bool:
    return url.split("?", 1)[0].lower().endswith(STATIC_SUFFIXES)


def _retry_after(response: Response) -> float | None:
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    try:
        return min(max(float(value.decode("latin-1")), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None
