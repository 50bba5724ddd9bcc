"""The SSRF guard: only public http(s) addresses unless allowed; checked by resolved address."""

from __future__ import annotations

import pytest

from regwatch.crawler.ssrf import HostGuard


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


def test_an_answer_from_a_non_public_address_is_refused_unless_allowed() -> None:
    guard = HostGuard(["127.0.0.10", "intranet.example"], resolver=DNS)
    assert guard.connected_refusal("https://www.fda.gov/x", "23.1.2.3") is None
    assert guard.connected_refusal("http://127.0.0.10:8000/x", "127.0.0.10") is None
    assert guard.connected_refusal("http://intranet.example/x", "10.9.8.7") is None  # allowed by name
    rebound = guard.connected_refusal("https://www.fda.gov/x", "169.254.169.254")
    assert rebound is not None and "169.254.169.254" in rebound and "network.allow_hosts" in rebound
    assert guard.connected_refusal("https://www.fda.gov/x", "::ffff:10.0.0.1") is not None


def test_the_middleware_checks_the_address_actually_connected_to() -> None:
    import ipaddress

    from scrapy import Request
    from scrapy.http import HtmlResponse

    from regwatch.crawler.middlewares import HostRefused
    from regwatch.crawler.ssrf import SsrfGuardMiddleware

    middleware = SsrfGuardMiddleware(HostGuard(resolver=DNS))
    request = Request("https://www.fda.gov/guidance")
    public = HtmlResponse(request.url, body=b"<html></html>", ip_address=ipaddress.ip_address("23.1.2.3"))
    assert middleware.process_response(request, public) is public
    rebound = HtmlResponse(request.url, body=b"<html></html>", ip_address=ipaddress.ip_address("10.0.0.5"))
    with pytest.raises(HostRefused, match="SSRF guard.*10.0.0.5"):
        middleware.process_response(request, rebound)
    proxied = Request(request.url, meta={"proxy": "http://10.1.1.1:3128"})  # the peer is the proxy itself
    assert middleware.process_response(proxied, rebound) is rebound


def test_redirects_to_non_public_addresses_are_refused_at_the_hop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real crawl: an allowed loopback host redirects to a loopback address that is not allowed, and to the
    cloud metadata address; neither is ever contacted, and the ledger says why."""
    from tests.faults.badserver import BadServer, respond
    from tests.faults.crawlrun import Ledger, exit_status_agrees, regwatch_run, write_config

    allowed, other = "127.0.0.50", "127.0.0.51"
    with BadServer([allowed, other]) as bad:
        secret = bad.url(other, "/secret")
        bad.route("/secret", respond(200, b"<html><body>internal</body></html>"), host=other)
        bad.route("/to-other", respond(302, b"", [("Location", secret)]), host=allowed)
        bad.route("/to-metadata", respond(302, b"", [("Location", "http://169.254.169.254/latest/meta-data/")]),
                  host=allowed)
        sources = {"to-other": [bad.url(allowed, "/to-other")], "to-metadata": [bad.url(allowed, "/to-metadata")]}
        config = write_config(tmp_path / "c.yaml", sources, allow_hosts=(allowed,), timeout=2, retries=0)
        db = f"sqlite:///{tmp_path / 'r.db'}"
        result = regwatch_run(config, db)
        assert bad.hits_for("/secret") == []  # never contacted
        assert len(bad.hits_for("/to-other")) == 1 and len(bad.hits_for("/to-metadata")) == 1
    assert exit_status_agrees(result, Ledger(db).source_runs(Ledger(db).last_run_id()))
    errors = {f.url: f.error or "" for f in Ledger(db).fetches()}  # the ledger names the refused hop
    metadata = "http://169.254.169.254/latest/meta-data/"
    assert set(errors) == {secret, metadata}, errors
    assert "SSRF guard" in errors[secret] and "network.allow_hosts" in errors[secret]
    assert "SSRF guard" in errors[metadata] and "169.254.169.254" in errors[metadata]
