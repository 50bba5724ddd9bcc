"""Database faults under a real `regwatch run`: SQLite writers colliding, PostgreSQL connections dropped as a
restart drops them, the disk filling up under a blob write. Each run either waits and completes or stops with one
line (exit 1), nothing half-stored, and the next run completes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.pool import Pool

from regwatch.cli import main
from regwatch.config import load_config
from regwatch.mirror.edits import copy_site
from regwatch.mirror.faults import LoggedRequest, RequestLog
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.pipeline import Cycle
from regwatch.store.db import open_store, write
from regwatch.store.models import Blob, Fetch, Run, Source, SourceRun, Version
from regwatch.store.models import Document as DocumentRow
from tests.conftest import PG_URL, FakeClock, fresh_pg_schema
from tests.e2e.conftest import FAST_CRAWL_DELAY, ROOT, Regwatch, set_crawl_delay, write_config
from tests.e2e.test_fda_crawl import fda_sources


class HookedLog(RequestLog):
    """The mirror's request log, calling `hooks[n]` when the n-th request arrives (before it is answered)."""

    def __init__(self, hooks: dict[int, Callable[[], None]]) -> None:
        super().__init__()
        self.hooks = hooks

    def add(self, entry: LoggedRequest) -> None:
        super().add(entry)
        hook = self.hooks.get(len(self.entries()))
        if hook is not None:
            hook()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[MirrorServer]:
    """The FDA mirror (a writable copy, short Crawl-delay) on loopback."""
    site = copy_site(tmp_path / "site-fda")
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    with MirrorServer(site) as server:
        yield server


def hooked(mirror: MirrorServer, hooks: dict[int, Callable[[], None]]) -> None:
    mirror.log = HookedLog(hooks)


def with_store(config: Path, **store: Any) -> Path:
    raw = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**raw, "store": store}, sort_keys=False))
    return config


# --- checks on the store after a fault -------------------------------------------------------------

def check_nothing_half_stored(db_url: str) -> None:
    """Every stored document fetch has its version, raw blob and counts, recorded in one transaction."""
    with open_store(db_url)() as s:
        for run_id in s.scalars(select(Run.id)):
            stored = {f.url for f in s.scalars(select(Fetch).where(Fetch.run_id == run_id, Fetch.outcome.in_(
                ("stored", "new", "changed", "quiet"))))}
            fetched_versions = list(s.scalars(select(Version).where(Version.run_id == run_id,
                                                                    Version.http_status.is_not(None))))
            assert {v.url for v in fetched_versions} == stored
            for v in fetched_versions:
                assert v.raw_sha256 and s.get(Blob, v.raw_sha256) is not None
            new, changed, unchanged = s.execute(select(func.sum(SourceRun.new), func.sum(SourceRun.changed),
                                                       func.sum(SourceRun.unchanged))
                                                .where(SourceRun.run_id == run_id)).one()
            recorded = s.scalar(select(func.count()).select_from(Version).where(Version.run_id == run_id)) or 0
            # every version was counted in its own transaction (a quiet version counts as unchanged)
            assert (new or 0) + (changed or 0) <= recorded <= (new or 0) + (changed or 0) + (unchanged or 0)


def sqlite_integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def one_line(stderr: str) -> str:
    progress = "regwatch: documents recorded so far"  # the every-10-seconds progress line of a slow crawl
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(progress)]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def runs(db_url: str) -> list[str]:
    with open_store(db_url)() as s:
        return list(s.scalars(select(Run.status).order_by(Run.id)))


def versions_per_document(db_url: str) -> list[int]:
    with open_store(db_url)() as s:
        rows = s.execute(select(func.count(Version.id)).select_from(DocumentRow)
                         .outerjoin(Version, Version.document_id == DocumentRow.id).group_by(DocumentRow.id))
        return [n for (n,) in rows]


# --- SQLite: another process holding the write lock -------------------------------------------------

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


class LockHolder:
    """Another process taking the database's write lock (BEGIN IMMEDIATE) for `seconds`."""

    def __init__(self, db: Path, seconds: float) -> None:
        self.db, self.seconds = db, seconds
        self.process: subprocess.Popen[str] | None = None

    def __call__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, str(self.db), str(self.seconds)],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def wait(self) -> None:
        assert self.process is not None, "the lock was never taken: the run ended before the fault"
        assert self.process.wait(timeout=30) == 0


def test_sqlite_lock_held_past_the_timeout_fails_cleanly_and_within_it_waits(tmp_path: Path,
                                                                              mirror: MirrorServer) -> None:
    db = tmp_path / "regwatch.db"
    config = with_store(write_config(tmp_path / "config.yaml", fda_sources(mirror)), busy_timeout_seconds=1.0)
    regwatch = Regwatch(config, f"sqlite:///{db}")

    # held 1.7 s against a 1 s busy timeout: the next write gives up, the crawl stops, the run is marked failed
    # once the lock is released (the marking waits its own busy timeout)
    long = LockHolder(db, 1.7)
    hooked(mirror, {6: long})
    first = regwatch("run")
    long.wait()
    assert first.returncode == 1, first.stdout + first.stderr
    line = one_line(first.stderr)
    assert line.startswith("regwatch: the database stayed locked by another process longer than "
                           "store.busy_timeout_seconds"), line
    assert "recorded as failed" in line
    assert runs(regwatch.db_url) == ["failed"]
    assert sqlite_integrity(db) == "ok"
    check_nothing_half_stored(regwatch.db_url)
    stored_before = sum(versions_per_document(regwatch.db_url))
    assert 0 < stored_before < 53  # stopped mid-crawl (the mirror's watched FDA set is 53 documents)

    # held 0.5 s against a 5 s busy timeout: the run waits for it and completes, catching everything the failed
    # run missed
    with_store(config, busy_timeout_seconds=5)
    short = LockHolder(db, 0.5)
    hooked(mirror, {6: short})
    second = regwatch("run")
    short.wait()
    assert second.returncode == 0, second.stdout + second.stderr
    assert "locked" not in second.stderr and "Traceback" not in second.stderr
    assert runs(regwatch.db_url) == ["failed", "ok"]
    assert versions_per_document(regwatch.db_url) == [1] * 53  # each document once: nothing lost, nothing twice
    assert sqlite_integrity(db) == "ok"
    check_nothing_half_stored(regwatch.db_url)


WRITER = """
import sys
from datetime import UTC, datetime
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store, write
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture

url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sessions = open_store(url)
def start(s):
    src = Source(name=name, agency="fda", baseline_done=True)
    run = Run(started_at=datetime.now(UTC), status="running")
    s.add_all([src, run]); s.flush()
    s.add(SourceRun(run_id=run.id, source_id=src.id))
    return RunContext(run.id, src.id, name, "fda", False, datetime.now(UTC), lambda *_: None)
ctx = write(sessions, start)
for i in range(count):
    page = f"https://www.fda.gov/{name}/{i}"
    text = f"{name} guidance {i}: sponsors should submit the potency assay."
    capture = Parsed(name, f"k{i}", page, fetched=Fetched(page, 200, {}, (text * 40).encode()),
                     document=Document(url=page, title=f"{name} {i}", text=text))
    write(sessions, lambda s: record_capture(s, ctx, capture))
print("done", flush=True)
"""


def test_sqlite_concurrent_writers_and_readers_never_see_a_locked_database(tmp_path: Path) -> None:
    db = tmp_path / "regwatch.db"
    url = f"sqlite:///{db}"
    open_store(url)  # migrated once, as the first command does
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": url}}))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"writer-{i}", "20"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    readers = [subprocess.Popen([sys.executable, "-m", "regwatch", "--config", str(config), "history", "--format",
                                 "json"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in writers + readers]
    for _out, err, code in results:
        assert code == 0 and "locked" not in err.lower() and "Traceback" not in err, err
    assert [out.strip() for out, _, _ in results[:3]] == ["done"] * 3
    with open_store(url)() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 60
        assert s.scalar(select(func.count()).select_from(Blob)) == 60
        assert s.scalar(select(func.sum(SourceRun.new))) == 60
    assert sqlite_integrity(db) == "ok"


def test_sqlite_write_paths_never_upgrade_a_deferred_read_transaction(tmp_path: Path) -> None:
    """Regression: every statement that writes runs inside a transaction begun IMMEDIATE (a deferred
    transaction that reads, then writes, must upgrade its lock, and that fails at once with "database is locked"
    whatever the busy timeout). Traced from SQLite itself, over the run's write paths and a read command."""
    url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump({"store": {"url": url}, "sources": [
        {"name": "fda-page", "agency": "fda", "url": "https://www.fda.gov/a"}]}))
    trace: list[tuple[int, str]] = []

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            key = id(dbapi_conn)
            dbapi_conn.set_trace_callback(lambda sql: trace.append((key, sql)))

    event.listen(Pool, "connect", on_connect)
    try:
        config = load_config(config_path, env={})
        clock = FakeClock()
        for day, text in enumerate(["Sponsors should test.", "Sponsors must test."]):
            clock.now = clock.now.replace(day=2 + day)
            cycle = Cycle.start(config, list(config.sources), clock)
            sink = cycle.sink
            assert sink.validators("fda-page", "a") == ({} if day == 0 else {"If-None-Match": '"v1"'})
            assert sink.children("fda-page", "a") == []
            sink.accept(Parsed("fda-page", "a", "https://www.fda.gov/a",
                               fetched=Fetched("https://www.fda.gov/a", 200, {"ETag": '"v1"'}, text.encode()),
                               document=Document(url="https://www.fda.gov/a", title="A", text=text)))
            if day:
                sink.source_failed("fda-page", "listing answered HTTP 503")
            cycle.finish()
        assert CliRunner().invoke(main, ["--config", str(config_path), "history"]).exit_code == 0
    finally:
        event.remove(Pool, "connect", on_connect)
    assert sink.failure is None
    writes = 0
    for conn in {c for c, _ in trace}:
        in_tx = False
        for _, sql in ((c, s) for c, s in trace if c == conn):
            word = sql.lstrip().split(None, 1)[0].upper()
            if word == "BEGIN":
                assert sql.strip().upper() == "BEGIN IMMEDIATE", sql
                in_tx = True
            elif word in ("COMMIT", "ROLLBACK", "END"):
                in_tx = False
            elif word in ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"):
                assert in_tx, f"write outside a BEGIN IMMEDIATE transaction: {sql}"
                writes += 1
    assert writes > 20  # the run's rows, the versions, the changes, the summary were all traced


# --- PostgreSQL: connections terminated mid-run, as a server restart does ---------------------------

@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    """A fresh schema in the test database; the run's connections carry their own application_name."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432 (required and never skipped in CI)")
    with fresh_pg_schema() as url:
        yield f"{url}&application_name=regwatch-{url.rsplit('%3D', 1)[1]}"


class BackendKiller:
    """Terminates the run's database connections (by application name) as a server restart drops them. A kill
    triggered by the mirror's n-th request goes to a thread that waits (up to `patience` s) until the run holds
    a connection and then terminates it: the mirror answers on, and a kill is not wasted on a moment when the run
    has none open (its parse workers can hold back the next store write, and with it the reconnection, for
    longer than a few requests take). Kills run one after another, each on the connections opened since the
    previous one. `killed`: connections terminated per kill."""

    def __init__(self, application_name: str, patience: float = 30.0) -> None:
        self.application_name, self.patience = application_name, patience
        self.killed: list[int] = []
        self._turn = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __call__(self) -> None:
        thread = threading.Thread(target=self._kill, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _kill(self) -> None:
        import psycopg

        with self._turn, psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            deadline = time.monotonic() + self.patience
            while True:
                rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE application_name = %s", (self.application_name,)).fetchall()
                terminated = sum(1 for (ok,) in rows if ok)
                if terminated or time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            self.killed.append(terminated)

    def join(self) -> list[int]:
        for thread in self._threads:
            thread.join(self.patience + 10)
        return self.killed


def test_postgresql_connections_terminated_mid_run_reconnect_and_complete(tmp_path: Path, pg_url: str,
                                                                          mirror: MirrorServer) -> None:
    config = write_config(tmp_path / "config.yaml", fda_sources(mirror))
    regwatch = Regwatch(config, pg_url)
    kill = BackendKiller(pg_url.rsplit("application_name=", 1)[1])
    hooked(mirror, {3: kill, 6: kill, 9: kill})
    first = regwatch("run")
    killed = kill.join()
    print(f"connections terminated per kill: {killed}")
    assert len(killed) == 3 and min(killed) >= 1, killed  # each fault really hit the run's connections, mid-run
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stderr and first.stderr.strip() == ""
    assert versions_per_document(pg_url) == [1] * 53  # the store a clean run leaves: each document once
    check_nothing_half_stored(pg_url)

    hooked(mirror, {})
    second = regwatch("run", "--source", "fda-consumer-alert")  # the next run works on the same store
    assert second.returncode == 0, second.stdout + second.stderr
    assert runs(pg_url) == ["ok", "ok"]
    assert versions_per_document(pg_url) == [1] * 53


def test_postgresql_transaction_cut_by_a_restart_is_retried_whole(pg_url: str) -> None:
    """The connection dies inside a write transaction (after a row was flushed): the server rolled it back, so
    `write` reconnects and runs the whole unit again — one row in the end, not zero, not two."""
    import psycopg

    sessions = open_store(pg_url)
    attempts: list[int] = []

    def work(session: Any) -> None:
        attempts.append(1)
        session.add(Source(name="fda-guidance", agency="fda", baseline_done=False))
        session.flush()
        if len(attempts) == 1:
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as admin:
                assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
            session.connection().exec_driver_sql("SELECT 1")  # the server is gone for this connection

    write(sessions, work)
    assert len(attempts) == 2
    with sessions() as s:
        assert list(s.scalars(select(Source.name))) == ["fda-guidance"]


# --- disk full under a blob write ---------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB filesystem (tmpfs), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small tmpfs for the disk-full test: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the filesystem so that only about `leave` bytes stay free."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    filler = disk / "filler"
    with filler.open("wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


CONSUMER_ALERT = ("/vaccines-blood-biologics/consumers-biologics/consumer-alert-regenerative-medicine-products-"
                  "including-stem-cells-and-exosomes")


def test_disk_full_under_a_blob_write_stops_cleanly_and_the_next_run_catches_up(tmp_path: Path, small_disk: Path,
                                                                               mirror: MirrorServer) -> None:
    page = mirror.site / CONSUMER_ALERT.lstrip("/") / "index.html"
    page.write_bytes(page.read_bytes() + b"<!-- " + os.urandom(768 * 1024).hex().encode() + b" -->\n")  # 1.5 MiB
    db = small_disk / "regwatch.db"
    regwatch = Regwatch(write_config(tmp_path / "config.yaml", fda_sources(mirror)), f"sqlite:///{db}")
    open_store(regwatch.db_url)  # the schema fits, and so do the small captures; the 1.5 MiB raw page does not
    filler = fill(small_disk, leave=1024 * 1024)
    first = regwatch("run")
    assert first.returncode == 1, first.stdout + first.stderr
    line = one_line(first.stderr)
    assert line.startswith("regwatch: the database's disk is full (database or disk is full)"), line
    assert line.endswith("(run 1 stopped and recorded as failed)"), line
    assert runs(regwatch.db_url) == ["failed"]
    assert sqlite_integrity(db) == "ok"
    check_nothing_half_stored(regwatch.db_url)
    with open_store(regwatch.db_url)() as s:  # the page whose blob did not fit left no trace at all
        assert s.scalar(select(func.count()).select_from(Fetch).where(Fetch.url.endswith(CONSUMER_ALERT))) == 0
        assert s.scalar(select(func.count()).select_from(Version).where(Version.url.endswith(CONSUMER_ALERT))) == 0
    assert sum(versions_per_document(regwatch.db_url)) < 53

    filler.unlink()
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Traceback" not in second.stderr
    assert versions_per_document(regwatch.db_url) == [1] * 53
    with open_store(regwatch.db_url)() as s:
        raw = s.scalar(select(Blob.size).join(Version, Version.raw_sha256 == Blob.sha256)
                       .where(Version.url.endswith(CONSUMER_ALERT)))
        assert raw == page.stat().st_size  # the exact bytes, stored once there was room
    assert sqlite_integrity(db) == "ok"
    check_nothing_half_stored(regwatch.db_url)


def test_database_failure_under_a_read_command_is_one_line(tmp_path: Path) -> None:
    """A store another process keeps locked: `history` waits its busy timeout, then says so in one line."""
    db = tmp_path / "regwatch.db"
    url = f"sqlite:///{db}"
    sessions = open_store(url)
    write(sessions, lambda s: s.add(Source(name="x", agency="fda", baseline_done=True)))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": url, "busy_timeout_seconds": 0.3}}))
    holder = LockHolder(db, 1.0)
    holder()
    result = CliRunner().invoke(main, ["--config", str(config), "history"])
    holder.wait()
    assert result.exit_code != 0, result.output
    assert one_line(result.output).startswith("regwatch: ")
    assert "stayed locked by another process longer than store.busy_timeout_seconds" in result.output
