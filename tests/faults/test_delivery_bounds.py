"""Issue #12: hostile alert receivers cannot hold a run or grow its memory.

Real receivers on loopback, each behind its own channel of one configuration: a webhook that trickles its status
line a byte at a time, one that never answers, one that answers 200 and then streams for ever, one that answers
200 and then trickles its body, one that answers 500 with an endless body, one that answers 500 with a gzip bomb;
an SMTP server that trickles its greeting and one whose EHLO reply is an endless `250-` list; and a well-behaved
webhook receiver. Two alerts wait for each.
`regwatch run` (a real child process, its memory sampled with psutil) must end, having spent no more than its
stated bound on delivery (`alerts.delivery_budget_seconds` + the longest channel `timeout`), stay under 300 MB,
leave every undelivered alert in the outbox for a retry, and the next run must be bounded the same way.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from regwatch.alerting import assess_change
from regwatch.alerts.routing import route
from regwatch.config import load_config
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import OutboxItem, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.faults.badserver import BadServer, Exchange, bomb, drip, endless_chunked, hang
from tests.faults.crawlrun import regwatch_run

TIMEOUT = 2.0  # every channel's deadline
BUDGET = 12.0  # alerts.delivery_budget_seconds
BOUND = BUDGET + TIMEOUT  # what the README promises a run spends on delivery at most
MEMORY_MB = 300


def trickle_head(ex: Exchange) -> None:
    """A status line that never ends: one byte every 0.3 s."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 100_000:
        ex.body(bytes([byte]))
        ex.pause(0.3)


def error_forever(ex: Exchange) -> None:
    """500, then a chunked body that never ends."""
    ex.head(500, [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")])
    data = b"%x\r\n%s\r\n" % (65536, b"e" * 65536)
    while True:
        ex.body(data)


GZIP_BOMB = bomb("gzip", 1 << 30)  # 1 GiB of spaces in about 1 MB


def error_bomb(ex: Exchange) -> None:
    ex.head(500, [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], len(GZIP_BOMB))
    ex.body(GZIP_BOMB)


WEBHOOKS: dict[str, Callable[[Exchange], None]] = {
    "trickle": trickle_head, "silent": hang(), "endless-200": endless_chunked(), "trickle-200": drip(b"k" * 1000, 0.3),
    "endless-500": error_forever, "bomb-500": error_bomb}


class HostileSmtp:
    """An SMTP server on loopback that misbehaves: `trickle` sends its greeting one byte every 0.3 s for ever;
    `endless` greets, then answers EHLO with `250-` lines that never end."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn:
                if self.mode == "trickle":
                    while not self.stop.is_set():
                        conn.sendall(b"2")
                        time.sleep(0.3)
                conn.sendall(b"220 hostile ESMTP\r\n")
                conn.recv(1024)  # EHLO
                line = b"250-" + b"X" * 1000 + b"\r\n"
                while not self.stop.is_set():
                    conn.sendall(line * 64)
        except OSError:
            return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def receivers() -> Iterator[tuple[BadServer, dict[str, HostileSmtp], WebhookReceiver]]:
    with BadServer() as bad, WebhookReceiver() as good:
        for path, behaviour in WEBHOOKS.items():
            bad.route(f"/{path}", behaviour)
        smtp = {mode: HostileSmtp(mode) for mode in ("trickle", "endless")}
        try:
            yield bad, smtp, good
        finally:
            for server in smtp.values():
                server.close()


def _record_changes(config_path: Path, count: int) -> None:
    """`count` new documents of an FDA source past its baseline, each routed to every channel."""
    config = load_config(config_path, env={})
    sessions = open_store(config.store.url)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        source = Source(name="fda-guidance", agency="fda", baseline_done=True)
        s.add(source)
        s.flush()
        run = Run(started_at=now, finished_at=now, status="ok")
        s.add(run)
        s.flush()
        s.add(SourceRun(run_id=run.id, source_id=source.id, status="ok"))
        ctx = RunContext(run.id, source.id, "fda-guidance", "fda", False, now, route(config.alerts, lambda: now),
                         assess_change())
        for n in range(count):
            url = f"https://www.fda.gov/guidance-{n}"
            text = f"Exosome products must be registered (guidance {n})."
            record_capture(s, ctx, Parsed("fda-guidance", f"g{n}", url, fetched=Fetched(url, 200, {}, text.encode()),
                                          document=Document(url=url, title=f"Guidance {n}", text=text)))


@pytest.mark.timeout(300)
def test_hostile_receivers_cannot_hold_a_run(tmp_path: Path, receivers) -> None:  # type: ignore[no-untyped-def]
    bad, smtp, good = receivers
    channels = [{"name": f"hook-{path}", "type": "webhook", "url": bad.url("127.0.0.1", f"/{path}"),
                 "timeout": TIMEOUT} for path in WEBHOOKS]
    channels += [{"name": f"mail-{mode}", "type": "email", "host": "127.0.0.1", "port": server.port,
                  "from": "regwatch@localhost", "to": ["ra@localhost"], "timeout": TIMEOUT}
                 for mode, server in smtp.items()]
    channels.append({"name": "good", "type": "webhook", "url": good.url, "timeout": TIMEOUT})
    db_url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    with MirrorServer() as mirror:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "store": {"url": db_url}, "crawl": {"delay": 0, "timeout": 5, "retries": 0},
            "network": {"allow_hosts": ["127.0.0.0/8"]},
            "sources": [{"name": "page", "type": "page", "url": mirror.url("/robots.txt")}],
            "alerts": {"channels": channels, "backoff_seconds": 0, "delivery_budget_seconds": BUDGET}}))
        _record_changes(config, 2)
        runs = [regwatch_run(config, db_url, timeout=120, verbose=True) for _ in range(2)]
    sessions = open_store(db_url)
    with sessions() as s:
        items = {(i.channel, i.change_id): i for i in s.scalars(select(OutboxItem))}
    took = [float(re.search(r"alert delivery took ([\d.]+) s", r.stderr).group(1)) for r in runs]  # type: ignore
    print(f"receivers tried: {len(channels) - 1} hostile + 1 good; delivery took {took} s (bound {BOUND:g} s); "
          f"whole runs {[round(r.seconds, 1) for r in runs]} s; peak RSS {[round(r.peak_rss_mb) for r in runs]} MB")
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.peak_rss_mb < MEMORY_MB
    assert max(took) <= BOUND
    assert len(good.deliveries) == 2 and {items[("good", c)].status for c in (1, 2)} == {"sent"}
    for name in ["hook-endless-200", "hook-trickle-200"]:  # a 2xx is enough: its body is not read
        assert {items[(name, c)].status for c in (1, 2)} == {"sent"}, name
    for name in ["hook-trickle", "hook-silent", "mail-trickle"]:  # missed the deadline: one try per run
        first, second = items[(name, 1)], items[(name, 2)]
        assert (first.status, second.status) == ("pending", "pending"), name
        assert first.attempts + second.attempts == 2 and "timeout" in (first.last_error or ""), name
    for name in ["hook-endless-500", "hook-bomb-500", "mail-endless"]:  # failed fast: retried with backoff
        assert [items[(name, c)].status for c in (1, 2)] == ["pending", "pending"], name
        assert [items[(name, c)].attempts for c in (1, 2)] == [2, 2], name
    assert "reply longer than 64 KB" in (items[("mail-endless", 1)].last_error or "")
    assert "HTTP 500" in (items[("hook-bomb-500", 1)].last_error or "")
