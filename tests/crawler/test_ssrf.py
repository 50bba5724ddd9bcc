"""The SSRF guard: only public http(s) addresses unless allowed; checked by resolved address."""

from __future__ import annotations

import pytest

from crawler.ssrf import HostGuard


def fake_dns(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str) -> list[str]:
        if host in table:
            return table[host]
        import ipaddress

        ipaddress.ip_address(host)  # IP literals resolve to themselves; anything else is unknown
        return [host]

    return resolve


DNS = fake_dns({"www.fda.gov": ["23.1.2.3"], "evil.example": ["10.0.0.5"], "meta.example": ["169.254.169.254"],
                "mixed.example": ["23.1.2.4", "127.0.0.1"], "v6local.example": ["::1"]})


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://[::1]/x", "http://[::ffff:127.0.0.1]/x", "http://10.1.2.3/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://0.0.0.0/",
    "http://evil.example/", "http://meta.example/", "http://mixed.example/", "http://v6local.example/",
    "file:///etc/passwd", "ftp://ftp.example.org/x", "data:text/html,hi", "gopher://x/", "http:///nohost",
    "http://unknown.invalid/",
])
def test_refused(url: str) -> None:
    assert HostGuard(resolver=DNS).refusal(url) is not None


def test_public_addresses_pass() -> None:
    assert HostGuard(resolver=DNS).refusal("https://www.fda.gov/media/1/download") is None


def test_allow_list_by_name_ip_and_cidr() -> None:
    guard = HostGuard(["127.0.0.1", "evil.example", "192.168.0.0/16"], resolver=DNS)
    assert guard.refusal("http://127.0.0.1:8000/x") is None
    assert guard.refusal("http://evil.example/") is None
    assert guard.refusal("http://192.168.3.4/") is None
    assert guard.refusal("http://10.0.0.1/") is not None
    assert "network.allow_hosts" in (guard.refusal("http://10.0.0.1/") or "")
