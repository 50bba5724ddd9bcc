"""Fetch failures against a misbehaving loopback server, through a real `regwatch run` (issue #8, T5 and T6).

Every fault sits on its own loopback address, so the crawler treats each as a separate host and the whole
matrix runs in one crawl. Measured at the server: attempts, the gaps between them, the time from the first
arrival to the last answer. Read from the store: the one ledger state each URL ended in, and the versions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import pytest

from regwatch.crawler.middlewares import ROBOTS_UNREACHABLE
from regwatch.receivers import WebhookReceiver
from tests.faults.badserver import (
    BadServer,
    Behaviour,
    Exchange,
    Hit,
    cycle,
    drip,
    hang,
    html,
    page,
    reset_before,
    reset_mid_body,
    respond,
    short_body,
)
from tests.faults.crawlrun import (
    FAILING,
    Ledger,
    RunResult,
    exit_status_agrees,
    free_port,
    loopback_hosts,
    regwatch_run,
    reported,
    write_config,
)

TIMEOUT = 1.0  # crawl.timeout, seconds
RETRIES = 2  # crawl.retries: at most 3 attempts
BACKOFF = 0.5  # the first backoff step with crawl.delay 0 (then 1.0)
BACKOFF_BUDGET = BACKOFF * (2**RETRIES - 1)
SLACK = 1.0  # scheduling, process and reactor latency on a loaded 2-core machine
BODY = html("Guidance on cells", "Sponsors should submit the data. " * 40)


def retry_after_date(seconds: int) -> Behaviour:
    """503 with Retry-After as an HTTP-date `seconds` from now (computed when the request arrives)."""
    def behave(ex: Exchange) -> None:
        respond(503, b"busy", [("Retry-After", formatdate(time.time() + seconds, usegmt=True))])(ex)
    return behave


@dataclass(frozen=True)
class Case:
    name: str
    behaviour: Behaviour | None  # None: nothing listens (connection refused)
    outcome: str  # the Fetch ledger state expected
    attempts: int | None  # exact attempts expected at the server (None: the server cannot see them)
    error: str = ""  # a substring of the recorded error
    retry_after: float | None = None  # the gap the server must see between attempts (±1 s)


CASES = [
    Case("ok", page("Guidance on cells", "Sponsors should submit the data."), "stored", 1),
    Case("http-500", respond(500, b"oops"), "error", RETRIES + 1, "HTTP 500"),
    Case("http-503", respond(503, b"busy"), "error", RETRIES + 1, "HTTP 503"),
    Case("429-retry-after", respond(429, b"slow down", [("Retry-After", "2")]), "error", RETRIES + 1, "HTTP 429",
         retry_after=2.0),
    Case("503-retry-after-date", cycle(retry_after_date(3), respond(200, BODY)), "stored", 2, retry_after=3.0),
    Case("503-retry-after-1h", respond(503, b"busy", [("Retry-After", "3600")]), "error", 1, "Retry-After"),
    Case("refused", None, "error", None, ROBOTS_UNREACHABLE),
    Case("reset-before-bytes", reset_before(), "error", RETRIES + 1, "closed or reset before a complete answer"),
    Case("reset-mid-body", reset_mid_body(BODY), "error", RETRIES + 1, "data loss"),
    Case("reset-mid-chunked", reset_mid_body(BODY, "chunked"), "error", RETRIES + 1, "data loss"),
    Case("reset-mid-close-delimited", reset_mid_body(BODY, "close"), "error", RETRIES + 1, "cut off"),
    Case("short-content-length", short_body(BODY), "error", RETRIES + 1, "data loss"),
    Case("hang", hang(), "error", RETRIES + 1, "timed out"),
    Case("drip-1-byte-per-s", drip(BODY), "error", RETRIES + 1, "timed out"),
    Case("recovers-on-3rd", cycle(respond(503, b"busy"), reset_before(), respond(200, BODY)), "stored", 3),
    Case("gone-404", respond(404, b"<html>not here</html>"), "gone", 1),
]


def _gaps(hits: list[Hit]) -> list[float]:
    """Seconds from the end of each answer to the arrival of the next attempt."""
    return [b.arrived - a.finished for a, b in zip(hits, hits[1:], strict=False)]


def test_each_fault_ends_in_one_recorded_state_with_bounded_attempts(tmp_path: Path) -> None:
    hosts = dict(zip((c.name for c in CASES), loopback_hosts(len(CASES)), strict=True))
    refused_port = free_port(hosts["refused"])
    with BadServer([h for n, h in hosts.items() if n != "refused"]) as bad:
        urls = {}
        for case in CASES:
            host = hosts[case.name]
            if case.behaviour is None:
                urls[case.name] = f"http://{host}:{refused_port}/doc"
            else:
                bad.route("/doc", case.behaviour, host=host)
                urls[case.name] = bad.url(host, "/doc")
        config = write_config(tmp_path / "c.yaml", {n: [u] for n, u in urls.items()}, timeout=TIMEOUT,
                              retries=RETRIES)
        db = f"sqlite:///{tmp_path / 'r.db'}"
        result = regwatch_run(config, db)
        hits = {case.name: bad.hits_for("/doc", hosts[case.name]) for case in CASES}
        robots = {case.name: bad.hits_for("/robots.txt", hosts[case.name]) for case in CASES}

    ledger = Ledger(db)
    run_id = ledger.last_run_id()
    fetches = ledger.fetches(run_id)
    statuses = ledger.source_runs(run_id)
    assert exit_status_agrees(result, statuses), result.stderr[-3000:]
    rows = []
    for case in CASES:
        url = urls[case.name]
        mine = [f for f in fetches if f.url == url]
        assert len(mine) == 1, (case.name, [(f.outcome, f.error) for f in mine])  # exactly one terminal state
        fetch = mine[0]
        assert fetch.outcome == case.outcome, (case.name, fetch.outcome, fetch.error)
        assert case.error in (fetch.error or ""), (case.name, fetch.error)
        if case.outcome == "error" and case.attempts == RETRIES + 1 and "HTTP" not in case.error:
            assert f"gave up after {RETRIES + 1} attempts" in (fetch.error or ""), (case.name, fetch.error)
        attempts = hits[case.name]
        if case.attempts is not None:
            assert len(attempts) == case.attempts, (case.name, [(h.status, h.end) for h in attempts])
        assert len(attempts) <= RETRIES + 1
        assert len(robots[case.name]) <= (1 if case.behaviour is not None else 0)  # robots.txt once per host
        wall = (attempts[-1].finished - attempts[0].arrived) if attempts else 0.0
        waited = (case.retry_after or 0.0) * (len(attempts) - 1)
        budget = TIMEOUT * max(len(attempts), 1) + BACKOFF_BUDGET + waited + SLACK
        assert wall <= budget, (case.name, wall, budget)
        gaps = _gaps(attempts)
        if case.retry_after is not None:
            assert gaps and all(abs(g - case.retry_after) <= 1.0 for g in gaps), (case.name, gaps)
        elif len(gaps) >= 2:  # exponential backoff: 0.5 s, then 1 s
            assert gaps[0] >= BACKOFF - 0.05 and gaps[1] >= 2 * BACKOFF - 0.05, (case.name, gaps)
        versions = ledger.versions(url)
        if case.outcome == "stored":
            assert len(versions) == 1 and "Sponsors should submit the data." in versions[0].text
        else:
            assert versions == [], case.name  # nothing half-received is ever stored
        if case.outcome == "error":  # reported apart from any change, with its reason
            assert statuses[case.name].status in FAILING and reported(result, case.name, fetch.error or "?")
        else:
            assert statuses[case.name].status == "ok", (case.name, statuses[case.name].error)
        rows.append((case.name, f"{fetch.outcome} ({fetch.error or fetch.http_status})", len(attempts), wall,
                     ", ".join(f"{g:.2f}" for g in gaps)))
    _print_table(rows, result)


def _print_table(rows: list[tuple[str, str, int, float, str]], result: RunResult) -> None:
    print(f"\n{'fault':26} {'attempts':>8} {'wall s':>7}  {'gaps s':18} recorded state")
    for name, state, attempts, wall, gaps in rows:
        print(f"{name:26} {attempts:>8} {wall:>7.2f}  {gaps:18} {state[:110]}")
    print(f"run: {result.seconds:.1f} s, exit {result.returncode}, peak RSS {result.peak_rss_mb:.0f} MB")


RUNS = 10
CHANGE_RUN = 6  # the run (0-based) in which the real page's wording changes
FLAKY_TEXT = "Sponsors should submit the potency data before the first patient is dosed."
FLAKY = ["200", "503", "timeout", "200", "cut-off", "503", "200", "timeout", "short", "200"]  # one per run


def flaky(kind: str) -> Behaviour:
    """The flaky page's answer in one run: the same text whenever it answers in full."""
    body = html("Potency assurance", FLAKY_TEXT)
    return {"200": respond(200, body), "503": respond(503, b"maintenance"), "timeout": hang(),
            "cut-off": reset_mid_body(body, "close"), "short": short_body(body)}[kind]


@pytest.mark.timeout(300)
def test_alternating_failures_raise_no_change_alerts_and_a_real_change_is_caught(tmp_path: Path) -> None:
    flaky_host, real_host = loopback_hosts(2, first=40)
    db = f"sqlite:///{tmp_path / 'r.db'}"
    exits, seconds = [], []
    with BadServer([flaky_host, real_host]) as bad, WebhookReceiver() as hook:
        flaky_url, real_url = bad.url(flaky_host, "/potency"), bad.url(real_host, "/cells")
        config = write_config(tmp_path / "c.yaml", {"flaky": [flaky_url], "real": [real_url]}, hook.url,
                              timeout=1, retries=0)  # kept short: ten child runs
        for run, kind in enumerate(FLAKY):
            bad.route("/potency", flaky(kind))
            verb = "must" if run >= CHANGE_RUN else "should"
            bad.route("/cells", page("Cell therapy", f"Manufacturers {verb} validate the master cell bank."))
            result = regwatch_run(config, db)
            exits.append(result.returncode)
            seconds.append(round(result.seconds, 1))
            statuses = Ledger(db).source_runs(Ledger(db).last_run_id())
            assert exit_status_agrees(result, statuses) and statuses["real"].status == "ok", result.stderr[-2000:]
            if kind == "200":
                assert statuses["flaky"].status == "ok", statuses["flaky"].error
            else:  # the anomaly is reported as the flaky source's fetch failure, not as a change
                assert statuses["flaky"].status in FAILING and reported(result, "flaky", flaky_url), result.stdout
        flaky_hits = bad.hits_for("/potency")

    ledger = Ledger(db)
    real_doc = ledger.versions(real_url)[0].document_id
    change_run = sorted({f.run_id for f in ledger.fetches()})[CHANGE_RUN]
    assert [(c.kind, c.document_id, c.run_id) for c in ledger.changes()] == [("changed", real_doc, change_run)]
    assert len(hook.unique) == 1  # one notification: the real change
    delivered = hook.unique[0].json["data"]
    assert delivered["url"] == real_url and delivered["kind"] == "changed"
    assert [v.number for v in ledger.versions(flaky_url)] == [1]  # the flaky page: one version, never a change
    assert [v.number for v in ledger.versions(real_url)] == [1, 2]
    flaky_fetches = [f for f in ledger.fetches() if f.url == flaky_url]
    assert len(flaky_fetches) == RUNS  # one ledger row per run
    assert [f.outcome == "error" for f in flaky_fetches] == [kind != "200" for kind in FLAKY]
    errors = [f.error or "" for f in flaky_fetches if f.outcome == "error"]
    assert [e.startswith("HTTP 503") for e in errors].count(True) == FLAKY.count("503")
    assert ["timed out" in e for e in errors].count(True) == FLAKY.count("timeout")
    assert ["cut off" in e for e in errors].count(True) == FLAKY.count("cut-off")
    assert ["data loss" in e for e in errors].count(True) == FLAKY.count("short")
    assert {f.outcome for f in flaky_fetches if f.outcome != "error"} == {"stored", "unchanged"}
    assert len(flaky_hits) == RUNS  # retries 0: one attempt per run
    print(f"\nflaky page per run: {FLAKY}\nexit statuses: {exits}\nrun seconds: {seconds}\n"
          f"changes: 1 (run {CHANGE_RUN}, the real page); webhook notifications: {len(hook.unique)}; "
          f"flaky-page ledger errors: {errors}")


@pytest.mark.parametrize(("value", "seconds"), [
    ("7", 7.0), (" 0 ", 0.0), ("Wed, 02 Dec 2026 06:00:30 GMT", 30.0), ("Wed, 02 Dec 2026 05:59:00 GMT", 0.0),
    ("soon", None), ("-5", None), ("1.5", None), ("", None),
])
def test_retry_after_is_read_as_seconds_or_an_http_date(value: str, seconds: float | None) -> None:
    from datetime import UTC, datetime

    from scrapy.http import Response

    from regwatch.crawler.middlewares import _retry_after

    response = Response("https://www.fda.gov/x", status=503, headers={"Retry-After": value} if value else {})
    assert _retry_after(response, now=datetime(2026, 12, 2, 6, 0, tzinfo=UTC)) == seconds


@pytest.mark.parametrize(("body", "ctype", "whole"), [
    (b"<html><body><p>all</p></body></html>\n", "text/html", True),
    (b"<html><body><p>all</p></body>", "text/html; charset=utf-8", True),
    (b"<html><body><p>half of the", "text/html", False),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "application/pdf", True),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendo", "application/octet-stream", False),
    (b'{"a": 1', "application/json", True),  # cannot be told: taken as it is
])
def test_a_close_delimited_body_must_end_like_a_whole_document(body: bytes, ctype: str, whole: bool) -> None:
    from scrapy.http import Response

    from regwatch.crawler.middlewares import _looks_whole

    assert _looks_whole(Response("https://www.fda.gov/x", body=body, headers={"Content-Type": ctype})) is whole
