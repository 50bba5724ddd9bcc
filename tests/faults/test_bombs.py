"""Hostile sizes over HTTP (issue #8, T8): compression bombs, a huge declared length, an oversized body and an
endless chunked stream are each refused or cut off within `crawl.max_size_mb`, recorded as a failure of that
document only, while the rest of the run goes on; the crawl child's memory stays bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.badserver import BadServer, Behaviour, bomb, encoded, endless_chunked, huge_length, page, respond
from tests.faults.crawlrun import (
    FAILING,
    Ledger,
    exit_status_agrees,
    loopback_hosts,
    regwatch_run,
    reported,
    write_config,
)

MAX_MB = 1  # crawl.max_size_mb
INFLATED = {"gzip": 128, "deflate": 64, "br": 512, "zstd": 512}  # MiB each bomb inflates to
RSS_LIMIT_MB = 320  # a crawl child idles near 150 MB; inflating any one bomb would pass 128 MB more
CONTROL_TEXT = "Sponsors should report adverse events within 15 days."


@pytest.fixture(scope="module")
def behaviours() -> dict[str, Behaviour]:
    cases: dict[str, Behaviour] = {f"{enc}-bomb": encoded(enc, bomb(enc, mib << 20)) for enc, mib in INFLATED.items()}
    cases["gzip-in-gzip-bomb"] = respond(200, _double_gzip(), [("Content-Encoding", "gzip, gzip")])
    cases["huge-content-length"] = huge_length(10 * 1024**3)
    cases["oversized-body"] = respond(200, b"<html><body>" + b"x" * (2 * MAX_MB << 20) + b"</body></html>")
    cases["endless-chunked"] = endless_chunked()
    cases["control"] = page("Safety reporting", CONTROL_TEXT)
    return cases


def _double_gzip() -> bytes:
    """A gzip bomb gzipped again: small on the wire, each layer passes the limit only once fully inflated."""
    import gzip

    return gzip.compress(bomb("gzip", 64 << 20))


def test_bombs_and_endless_bodies_are_cut_off_and_the_run_goes_on(tmp_path: Path,
                                                                   behaviours: dict[str, Behaviour]) -> None:
    hosts = dict(zip(behaviours, loopback_hosts(len(behaviours), first=60), strict=True))
    with BadServer(list(hosts.values())) as bad:
        for name, behaviour in behaviours.items():
            bad.route("/doc", behaviour, host=hosts[name])
        urls = {name: bad.url(host, "/doc") for name, host in hosts.items()}
        config = write_config(tmp_path / "c.yaml", {n: [u] for n, u in urls.items()}, max_size_mb=MAX_MB,
                              timeout=10, retries=1)
        db = f"sqlite:///{tmp_path / 'r.db'}"
        result = regwatch_run(config, db)
        hits = {name: bad.hits_for("/doc", host) for name, host in hosts.items()}

    ledger = Ledger(db)
    fetches = ledger.fetches(ledger.last_run_id())
    statuses = ledger.source_runs(ledger.last_run_id())
    assert exit_status_agrees(result, statuses), result.stderr[-3000:]
    print(f"\n{'case':22} {'attempts':>8} {'server sent':>12} {'served s':>8}  recorded state")
    for name, url in urls.items():
        mine = [f for f in fetches if f.url == url]
        assert len(mine) == 1, (name, [(f.outcome, f.error) for f in mine])
        fetch, served = mine[0], hits[name]
        print(f"{name:22} {len(served):>8} {sum(h.sent for h in served):>12} "
              f"{sum(h.finished - h.arrived for h in served):>8.2f}  {fetch.outcome} ({(fetch.error or '')[:90]})")
        if name == "control":
            assert fetch.outcome == "stored"
            assert CONTROL_TEXT in ledger.versions(url)[0].text
            continue
        assert fetch.outcome == "error", (name, fetch.outcome)
        assert "MAXSIZE" in (fetch.error or "") or "max_size_mb" in (fetch.error or ""), (name, fetch.error)
        assert ledger.versions(url) == []
        assert statuses[name].status in FAILING and reported(result, name, (fetch.error or "?")[:80]), name
        assert len(served) == 1, name  # refused for size: never retried
        if name in ("huge-content-length", "endless-chunked"):
            hit = served[0]
            assert hit.end == "client closed", (name, hit)  # the crawler hung up on it …
            assert hit.finished - hit.arrived < 5.0, (name, hit)  # … well before the 10 s timeout
            assert hit.sent < 16 * (MAX_MB << 20), (name, hit.sent)  # and stopped reading near the limit
    print(f"run: {result.seconds:.1f} s, exit {result.returncode}, peak RSS of the crawl child "
          f"{result.peak_rss_mb:.0f} MB")
    assert result.peak_rss_mb < RSS_LIMIT_MB
    assert statuses["control"].status == "ok"
