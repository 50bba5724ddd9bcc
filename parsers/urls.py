"""URL facts shared by the crawler and the read side, without Scrapy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urljoin, urlsplit


def host_name(url: str) -> str:
    """The host a URL's requests go to (with its port when one is given: mirrors on loopback differ by port)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def absolute_links(base: str, hrefs: Iterable[object]) -> Iterator[str]:
    """The links among `hrefs` (attribute values) made absolute against `base`, in order; a value that is not a
    string, is blank or is not a URL at all (`http://[::1`: urljoin raises) is skipped, so one malformed link
    costs only itself, never the page."""
    for href in hrefs:
        if not isinstance(href, str) or not href.strip():
            continue
        try:
            url = urljoin(base, href.strip())
            urlsplit(url).port  # noqa: B018 — a port that is not a number raises here, not later
        except ValueError:
            continue
        yield url
