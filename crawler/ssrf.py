"""Server-side request forgery guard: the crawler fetches only public http(s) addresses, unless the
configuration allows a host (`network.allow_hosts`, plus `$REGWATCH_ALLOW_HOSTS`).

Checked on every hop (start URLs, redirects, discovered links all pass through the downloader) by the
addresses the host name resolves to, so a public-looking name that resolves to 127.0.0.1 or to a cloud
metadata address is refused too. The address is resolved here and again by the downloader, so a DNS answer
that changes between the two (rebinding) is caught only afterwards: the answer from the address actually
connected to is checked too and thrown away when that address is not public (the request itself was sent).
Run regwatch behind an egress proxy that blocks private ranges where even that matters.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from regwatch.crawler.middlewares import UNRESOLVED, HostRefused

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]
CGNAT = ipaddress.ip_network("100.64.0.0/10")


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


def forbidden_address(ip: IPAddress) -> bool:
    """Loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved or unspecified."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or ip in CGNAT)


class HostGuard:
    """Decides whether a URL may be fetched. `allow` holds host names, IP addresses or CIDR ranges."""

    def __init__(self, allow: Iterable[str] = (), resolver: Resolver = resolve) -> None:
        self.names: set[str] = set()
        self.networks: list[Network] = []
        for item in (a.strip() for a in allow):
            if not item:
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.names.add(item.lower().rstrip("."))
        self.resolver = resolver
        self._cache: dict[str, str | None] = {}

    def refusal(self, url: str) -> str | None:
        """None when `url` may be fetched, else why not."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme or '(none)'}: is not fetched (only http and https)"
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            return "no host in the URL"
        if host in self.names:
            return None
        if host not in self._cache:
            self._cache[host] = self._check_host(host)
        return self._cache[host]

    def connected_refusal(self, url: str, address: str) -> str | None:
        """None when an answer to `url` that came from `address` (the peer actually connected to) may be used."""
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return f"{host} answered from an unreadable address {address!r}"
        if host in self.names or not forbidden_address(ip) or any(ip in net for net in self.networks):
            return None
        return (f"{host} answered from {ip}, a non-public address (DNS changed after the check?); allow it in "
                f"network.allow_hosts (or $REGWATCH_ALLOW_HOSTS) if that is intended")

    def _check_host(self, host: str) -> str | None:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host)]
        except (OSError, ValueError):
            return f"{host}: {UNRESOLVED}"  # no network (or no such name): not a refusal of the guard
        for ip in addresses:
            if forbidden_address(ip) and not any(ip in net for net in self.networks):
                return (f"{host} resolves to {ip}, a non-public address; allow it in network.allow_hosts "
                        f"(or $REGWATCH_ALLOW_HOSTS) if that is intended")
        return None


class SsrfGuardMiddleware:
    """Refuses requests the `HostGuard` refuses, on every hop."""

    def __init__(self, guard: HostGuard) -> None:
        self.guard = guard

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SsrfGuardMiddleware:
        return cls(HostGuard(crawler.settings.getlist("REGWATCH_ALLOW_HOSTS")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        why = self.guard.refusal(request.url)
        if why is not None and why.endswith(UNRESOLVED):
            log.info("cannot fetch %s: %s", request.url, why)
            raise HostRefused(why)
        if why is not None:
            log.error("refused to fetch %s: %s", request.url, why)
            raise HostRefused(f"refused (SSRF guard): {why}")

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        """Throw away an answer that came from a non-public address (not through a proxy, whose address is
        the proxy's own)."""
        if response.ip_address is None or request.meta.get("proxy"):
            return response
        why = self.guard.connected_refusal(request.url, str(response.ip_address))
        if why is not None:
            log.error("refused the answer to %s: %s", request.url, why)
            raise HostRefused(f"refused (SSRF guard): {why}")
        return response
