"""URL facts shared by the crawler and the read side, without Scrapy."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_name(url: str) -> str:
    """The host a URL's requests go to (with its port when one is given: mirrors on loopback differ by port)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host
