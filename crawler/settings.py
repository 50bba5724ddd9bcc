"""Scrapy settings built from the regwatch configuration (no secrets ever go in here: Scrapy logs them)."""

from __future__ import annotations

from typing import Any

BOT_NAME = "regwatch"
SPIDER_MODULES = ["regwatch.crawler.spiders"]


def _scrapy(package: str, *names: str) -> list[str]:
    """Dotted paths of Scrapy components in `scrapy.<package>`."""
    return [f"scrapy.{package}.{name}" for name in names]


def scrapy_settings(crawl: Any, allow_hosts: list[str] | None = None) -> dict[str, Any]:
    """Settings for one regwatch crawl, from the `crawl` block of the configuration; `allow_hosts` are the
    non-public hosts the SSRF guard lets through (mirrors on 127.0.0.1 in tests and the demo)."""
    contact = f" {crawl.contact}" if crawl.contact else ""
    return {
        "BOT_NAME": BOT_NAME,
        "USER_AGENT": crawl.user_agent + contact,
        "ROBOTSTXT_OBEY": False,  # replaced by PoliteRobotsMiddleware (Crawl-delay, RFC 9309 5xx rule)
        "REGWATCH_OBEY_ROBOTS": crawl.obey_robots,
        # never 0: Scrapy 2.19 under asyncio starts every queued request of a host at once when the delay is 0
        # (the per-domain limit is checked before started downloads count); tests/faults/test_robots.py
        "DOWNLOAD_DELAY": max(crawl.delay, 0.001),
        "DOWNLOAD_DELAY_JITTER": 0,  # a Crawl-delay is a minimum, never jittered below
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
        "CONCURRENT_ITEMS": 1,  # the sink records one finding at a time; Scrapy starts this many tasks per response
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_size_mb * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": min(32, crawl.max_size_mb) * 1024 * 1024,
        "DOWNLOAD_VERIFY_CERTIFICATES": True,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "REGWATCH_RETRY_BACKOFF": min(crawl.delay, 5.0) or 0.5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "REGWATCH_ALLOW_HOSTS": list(allow_hosts or []),
        "DOWNLOADER_MIDDLEWARES": {
            "regwatch.crawler.ssrf.SsrfGuardMiddleware": 50,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "regwatch.crawler.middlewares.PoliteRobotsMiddleware": 100,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "regwatch.crawler.middlewares.BackoffRetryMiddleware": 550,
            "regwatch.crawler.middlewares.BotProtectionMiddleware": 650,
            # unused by regwatch: no allowed_domains, no http_user, cookies and the HTTP cache are off, no stats read
            **dict.fromkeys(_scrapy("downloadermiddlewares", "offsite.OffsiteMiddleware", "httpauth.HttpAuthMiddleware",
                                    "cookies.CookiesMiddleware", "httpcache.HttpCacheMiddleware",
                                    "stats.DownloaderStats")),
        },
        # no depth limit, no URL-length cut (a silently dropped document would be a missed change), no meta copying;
        # the Referer middleware stays: some sites check the Referer of a file download
        "SPIDER_MIDDLEWARES": dict.fromkeys(_scrapy("spidermiddlewares", "depth.DepthMiddleware",
                                                    "urllength.UrlLengthMiddleware",
                                                    "metacopy.MetaCopyDetectionMiddleware")),
        # the base list itself (Scrapy imports every entry of it, even one set to None): regwatch keeps its own progress
        # and memory figures, and configures none of the others (the remote control alone imports aiohttp, 0.2 s)
        "EXTENSIONS_BASE": dict.fromkeys(_scrapy("extensions", "corestats.CoreStats", "logcount.LogCount"), 0),
        "ITEM_PIPELINES": {"regwatch.crawler.pipelines.SinkPipeline": 100},
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }


def standalone_settings(crawl: Any, allow_hosts: list[str] | None, wiring: str) -> dict[str, Any]:
    """Settings for `scrapy crawl <agency>`: one crawl's settings, the spider modules, and `wiring`, the dotted
    name of the function that gives a spider started that way its sources and sink (see `BaseSpider`)."""
    return scrapy_settings(crawl, allow_hosts) | {"SPIDER_MODULES": SPIDER_MODULES, "REGWATCH_STANDALONE": wiring}
