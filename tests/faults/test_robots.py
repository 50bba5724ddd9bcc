"""robots.txt failures and politeness measured at the server (issue #8, T7).

RFC 9309: a robots.txt answering 404 means everything is allowed; 5xx (and 429) or no answer at all means the
host is disallowed for the run, which is reported. With a Crawl-delay, the server sees at least that gap between
one answer and the next request, and never two requests of one host at once.
"""

from __future__ import annotations

from pathlib import Path

from regwatch.crawler.middlewares import ROBOTS_UNREACHABLE
from tests.faults.badserver import BadServer, Hit, cycle, hang, page, respond
from tests.faults.crawlrun import (
    FAILING,
    Ledger,
    exit_status_agrees,
    loopback_hosts,
    regwatch_run,
    reported,
    write_config,
)

TIMEOUT, RETRIES = 1.0, 1
CRAWL_DELAY = 0.5
SERVER_DELAY = 0.3  # each page takes this long to answer, so overlapping requests would show
EPSILON = 0.02  # the server logs its end a moment after the client has its last byte
RETRY_AFTER = 1


def concurrency(hits: list[Hit]) -> int:
    """The most requests of one host the server was handling at the same moment."""
    events = sorted([(h.arrived, 1) for h in hits] + [(h.finished - EPSILON, -1) for h in hits])
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def test_robots_404_allows_5xx_and_timeout_disallow_and_crawl_delay_is_kept(tmp_path: Path) -> None:
    names = ["robots-404", "robots-500", "robots-429", "robots-timeout", "crawl-delay", "one-at-a-time",
             "retry-after-host"]
    hosts = dict(zip(names, loopback_hosts(len(names), first=80), strict=True))
    pages = ["/p1", "/p2", "/p3", "/p4"]
    with BadServer(list(hosts.values())) as bad:
        bad.route("/robots.txt", respond(500, b"oops"), host=hosts["robots-500"])
        bad.route("/robots.txt", respond(429, b"slow down"), host=hosts["robots-429"])
        bad.route("/robots.txt", hang(), host=hosts["robots-timeout"])
        rules = f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\nDisallow: /private/\n".encode()
        bad.route("/robots.txt", respond(200, rules, ctype="text/plain"), host=hosts["crawl-delay"])
        for path in pages + ["/private/x"]:
            bad.route(path, page(f"Page {path}", f"Text of {path}.", delay=SERVER_DELAY))
            busy = respond(503, b"busy", [("Retry-After", str(RETRY_AFTER))])
            bad.route(path, cycle(busy, page(f"Page {path}", f"Text of {path}.")), host=hosts["retry-after-host"])
        sources = {name: [bad.url(host, p) for p in pages] for name, host in hosts.items()}
        sources["retry-after-host"] = sources["retry-after-host"][:2]
        sources["crawl-delay"].append(bad.url(hosts["crawl-delay"], "/private/x"))
        config = write_config(tmp_path / "c.yaml", sources, timeout=TIMEOUT, retries=RETRIES)
        db = f"sqlite:///{tmp_path / 'r.db'}"
        result = regwatch_run(config, db)
        hits = {name: [h for h in bad.hits() if h.host == host] for name, host in hosts.items()}

    ledger = Ledger(db)
    run_id = ledger.last_run_id()
    fetches = ledger.fetches(run_id)
    statuses = ledger.source_runs(run_id)
    assert exit_status_agrees(result, statuses), result.stderr[-3000:]

    allowed = [h.path for h in hits["robots-404"]]
    assert allowed[0] == "/robots.txt" and sorted(allowed[1:]) == pages  # 404: everything allowed, all crawled
    assert statuses["robots-404"].status == "ok" and statuses["robots-404"].new == len(pages)

    for name in ("robots-500", "robots-429", "robots-timeout"):
        assert {h.path for h in hits[name]} == {"/robots.txt"}, name  # the host is left alone for the run
        assert len(hits[name]) <= RETRIES + 1
        mine = [f for f in fetches if f.url.startswith(f"http://{hosts[name]}:")]
        assert sorted(f.url.rsplit("/", 1)[1] for f in mine) == ["p1", "p2", "p3", "p4"]  # one row per URL
        assert all(f.outcome == "error" and ROBOTS_UNREACHABLE in (f.error or "") for f in mine), name
        assert statuses[name].status in FAILING and ROBOTS_UNREACHABLE in (statuses[name].error or "")
        assert reported(result, name, ROBOTS_UNREACHABLE), result.stdout  # in the run summary
    assert "HTTP 500" in (statuses["robots-500"].error or "")
    assert "timed out" in (statuses["robots-timeout"].error or "")

    polite = hits["crawl-delay"]
    assert [h.path for h in polite if h.path.startswith("/private/")] == []  # Disallow obeyed
    after_answer = [b.arrived - a.finished for a, b in zip(polite, polite[1:], strict=False)]
    between_arrivals = [b.arrived - a.arrived for a, b in zip(polite, polite[1:], strict=False)]
    assert len(after_answer) == len(pages)  # robots.txt, then each page
    assert min(after_answer) >= CRAWL_DELAY - EPSILON, after_answer
    assert min(between_arrivals) >= CRAWL_DELAY, between_arrivals
    forbidden = next(f for f in fetches if f.url.endswith("/private/x"))
    assert forbidden.outcome == "error" and "forbidden by robots.txt" in (forbidden.error or "")

    assert concurrency(hits["one-at-a-time"]) == 1 and concurrency(polite) == 1

    held = [h for h in hits["retry-after-host"] if h.path != "/robots.txt"]
    assert [h.status for h in held].count(503) == 2 and statuses["retry-after-host"].status == "ok"
    first_503 = next(h for h in held if h.status == 503)
    after_503 = [h.arrived - first_503.finished for h in held if h.arrived > first_503.arrived]
    assert len(after_503) == 3 and min(after_503) >= RETRY_AFTER - 0.1, after_503  # the whole host waited
    print(f"\nrobots 404: {len(allowed) - 1} pages crawled; robots 500: {len(hits['robots-500'])} request(s), "
          f"429: {len(hits['robots-429'])}, timeout: {len(hits['robots-timeout'])}, no page requested")
    print(f"Crawl-delay {CRAWL_DELAY} s: gaps answer→next request {[round(g, 3) for g in after_answer]}, "
          f"arrival→arrival {[round(g, 3) for g in between_arrivals]}; max concurrent requests per host: "
          f"{concurrency(polite)} (crawl-delay host), {concurrency(hits['one-at-a-time'])} (no delay, "
          f"{SERVER_DELAY} s answers); after a 503 with Retry-After {RETRY_AFTER} s the host's next request "
          f"came {min(after_503):.2f} s later; run {result.seconds:.1f} s")
