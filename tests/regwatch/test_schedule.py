"""`regwatch schedule`: cron times, the stored job, catch-up after downtime, the lease, a clean stop — on a fake
clock (no test sleeps), and two real processes contending on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select, text

from regwatch.config import Config, ScheduleConfig, parse_config
from regwatch.pipeline import Cycle
from regwatch.schedule import (
    JOB_FUNC,
    JOB_ID,
    LEASE,
    CycleScheduler,
    catch_up_due,
    last_fire_time,
    next_fire_time,
    run_cycle,
)
from regwatch.store.db import open_store
from regwatch.store.leases import acquire_lease, lease_holder, release_lease, renew_lease
from regwatch.store.models import Run
from tests.conftest import FakeClock

ROOT = Path(__file__).resolve().parents[2]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- when ------------------------------------------------------------------------------------------

def test_daily_trigger_next_fire_time_utc() -> None:
    cfg = ScheduleConfig()  # "0 6 * * *", UTC
    assert next_fire_time(cfg, utc(2026, 11, 2, 5, 59)) == utc(2026, 11, 2, 6, 0)
    assert next_fire_time(cfg, utc(2026, 11, 2, 6, 0)) == utc(2026, 11, 2, 6, 0)
    assert next_fire_time(cfg, utc(2026, 11, 2, 6, 0, 1)) == utc(2026, 11, 3, 6, 0)
    assert next_fire_time(cfg, utc(2026, 12, 31, 23, 0)) == utc(2027, 1, 1, 6, 0)
    assert last_fire_time(cfg, utc(2026, 11, 2, 5, 59)) == utc(2026, 11, 1, 6, 0)
    assert last_fire_time(cfg, utc(2026, 11, 2, 6, 0)) == utc(2026, 11, 2, 6, 0)


def test_daily_trigger_across_a_day_in_a_dst_free_zone() -> None:
    cfg = ScheduleConfig(cron="0 6 * * *", timezone="Asia/Tokyo")  # UTC+9 all year: 06:00 JST = 21:00 UTC
    assert next_fire_time(cfg, utc(2026, 11, 2, 20, 59)) == utc(2026, 11, 2, 21, 0)
    assert next_fire_time(cfg, utc(2026, 11, 2, 21, 30)) == utc(2026, 11, 3, 21, 0)  # 06:30 JST on the 3rd
    assert next_fire_time(cfg, utc(2026, 12, 31, 22, 0)) == utc(2027, 1, 1, 21, 0)  # over the year's end
    assert last_fire_time(cfg, utc(2026, 11, 3, 20, 0)) == utc(2026, 11, 2, 21, 0)
    weekdays = ScheduleConfig(cron="30 7 * * 1-5", timezone="Asia/Seoul")
    assert next_fire_time(weekdays, utc(2026, 11, 6, 23, 0)) == utc(2026, 11, 8, 22, 30)  # Fri → Mon 07:30 KST


# --- a scheduler on a fake clock -------------------------------------------------------------------

class FakeChild:
    """A child process that runs a script: each `wait` call takes the next step (time moves on the fake clock)."""

    pid = 4242

    def __init__(self, steps: list[Callable[[], int | None]]) -> None:
        self.steps, self.signals = steps, []  # type: ignore[var-annotated]

    def wait(self, timeout: float | None = None) -> int | None:
        return self.steps.pop(0)() if self.steps else 0

    def terminate(self) -> None:
        self.signals.append("TERM")

    def kill(self) -> None:
        self.signals.append("KILL")


def make_config(url: str, **schedule: object) -> Config:
    return parse_config({"store": {"url": url}, "schedule": schedule,
                         "sources": [{"name": "fda-x", "agency": "fda", "url": "https://example.org/x"}]})


def completed_run(config: Config, clock: FakeClock) -> int:
    """What a real child does: a run recorded by the pipeline's own bookkeeping (here with nothing crawled)."""
    cycle = Cycle.start(config, list(config.sources), clock)
    clock.advance(minutes=3)
    cycle.finish()
    return cycle.run_id


class Harness:
    def __init__(self, url: str, clock: FakeClock, **schedule: object) -> None:
        self.config = make_config(url, **schedule)
        self.sessions = open_store(url)
        self.clock = clock
        self.launched: list[FakeChild] = []
        self.script: Callable[[], list[Callable[[], int | None]]] = lambda: [self.finish]

    def finish(self) -> int:
        completed_run(self.config, self.clock)
        return 0

    def launch(self, argv: list[str]) -> FakeChild:
        assert argv[-1] == "run"
        child = FakeChild(self.script())
        self.launched.append(child)
        return child

    def service(self, holder: str = "test-holder") -> CycleScheduler:
        return CycleScheduler(self.config, self.sessions, ["python", "-m", "regwatch", "run"], clock=self.clock,
                              launcher=self.launch, holder=holder)

    def fire(self) -> None:
        """The cron time comes while a scheduler runs: APScheduler calls the job."""
        s = self.service()
        assert s.acquire_or_stand_by()
        s.cycle("scheduled")
        release_lease(self.sessions, LEASE, s.holder)

    def start(self, holder: str = "test-holder") -> CycleScheduler:
        """A scheduler process starting up: lease, catch-up (then it would enter the APScheduler loop)."""
        s = self.service(holder)
        assert s.acquire_or_stand_by()
        s.catch_up()
        release_lease(self.sessions, LEASE, s.holder)
        return s


def test_missed_run_is_caught_up_exactly_once_after_downtime(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock)
    clock.now = utc(2026, 11, 2, 5, 0)
    h.start()
    assert h.launched == []  # an empty store: nothing was missed
    clock.now = utc(2026, 11, 2, 6, 0)
    h.fire()  # the 06:00 run happens
    assert len(h.launched) == 1
    clock.now = utc(2026, 11, 2, 12, 0)
    h.start()  # restarted the same day: nothing missed
    assert len(h.launched) == 1
    clock.now = utc(2026, 11, 5, 9, 30)  # down across three 06:00 firings
    assert catch_up_due(h.sessions, h.config.schedule, clock())[0]
    h.start()
    assert len(h.launched) == 2  # one catch-up run, not three
    clock.advance(minutes=30)
    h.start()
    assert len(h.launched) == 2
    clock.now = utc(2026, 11, 6, 5, 59)  # before the next firing: still nothing due
    h.start()
    assert len(h.launched) == 2
    clock.now = utc(2026, 11, 6, 6, 1)  # the 11-06 firing was missed by a scheduler down since 11-05
    h.start()
    assert len(h.launched) == 3


def test_a_crashed_run_counts_as_missed(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock)
    completed_run(h.config, clock)
    clock.now = utc(2026, 11, 3, 6, 0)
    Cycle.start(h.config, list(h.config.sources), clock)  # started, never finished (the machine died)
    clock.now = utc(2026, 11, 3, 8, 0)
    due, why = catch_up_due(h.sessions, h.config.schedule, clock())
    assert due and "2026-11-03T06:00:00+00:00" in why


def test_catch_up_can_be_switched_off(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock, catch_up=False)
    completed_run(h.config, clock)
    clock.advance(days=3)
    h.start()
    assert h.launched == []


def test_lease_one_holder_renewal_expiry_and_loss(db_url: str, clock: FakeClock) -> None:
    sessions = open_store(db_url)
    assert acquire_lease(sessions, LEASE, "a", clock(), 300)
    assert acquire_lease(sessions, LEASE, "a", clock(), 300)  # re-entrant for its holder
    assert not acquire_lease(sessions, LEASE, "b", clock(), 300)
    clock.advance(seconds=200)
    assert renew_lease(sessions, LEASE, "a", clock(), 300)
    clock.advance(seconds=299)
    assert not acquire_lease(sessions, LEASE, "b", clock(), 300)  # renewed: not expired yet
    clock.advance(seconds=2)
    assert acquire_lease(sessions, LEASE, "b", clock(), 300)  # "a" fell silent: its lease expired
    assert not renew_lease(sessions, LEASE, "a", clock(), 300)
    release_lease(sessions, LEASE, "a")  # releasing someone else's lease does nothing
    assert lease_holder(sessions, LEASE) == ("b", clock() + timedelta(seconds=300))
    release_lease(sessions, LEASE, "b")
    assert lease_holder(sessions, LEASE) is None


def test_a_scheduler_that_lost_its_lease_stops_its_cycle(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock, lease_seconds=30)
    s = h.service("a")
    assert s.acquire_or_stand_by()

    def silent_too_long() -> None:
        clock.advance(seconds=60)
        assert acquire_lease(h.sessions, LEASE, "b", clock(), 30)  # another scheduler takes the expired lease
        s.heartbeat()

    h.script = lambda: [silent_too_long, lambda: -15]  # type: ignore[list-item, return-value]
    assert s.cycle("scheduled") is None
    assert h.launched[0].signals == ["TERM"] and s.lost.is_set()
    assert lease_holder(h.sessions, LEASE)[0] == "b"  # type: ignore[index]
    assert s.cycle("scheduled") is None and len(h.launched) == 1  # and it never starts another


def test_an_overrunning_cycle_is_stopped_then_killed(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock, max_run_minutes=10, stop_grace_seconds=5)
    s = h.service()
    assert s.acquire_or_stand_by()

    def minutes_pass() -> None:
        clock.advance(minutes=4)
        assert not acquire_lease(h.sessions, LEASE, "b", clock(), 300)  # renewed while the child runs

    h.script = lambda: [minutes_pass, minutes_pass, minutes_pass, lambda: None, lambda: -9]  # type: ignore[list-item]
    assert s.cycle("scheduled") is None
    assert h.launched[0].signals == ["TERM", "KILL"]
    assert renew_lease(h.sessions, LEASE, s.holder, clock(), 30)  # the lease was kept throughout


def test_sigterm_during_a_cycle_stops_it_cleanly_and_releases_the_lease(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock)
    completed_run(h.config, clock)
    clock.advance(days=2)  # so that start-up catches up and a cycle is running when the signal comes
    s = h.service()

    def signal_arrives() -> None:
        s.stop(signal.SIGTERM)

    def child_finishes_its_crawl() -> int:
        return h.finish() - 15  # the pipeline records the run, then the child exits on the signal

    h.script = lambda: [signal_arrives, child_finishes_its_crawl]  # type: ignore[list-item]
    assert s.run() == 0
    assert h.launched[0].signals == ["TERM"]
    assert lease_holder(h.sessions, LEASE) is None
    with h.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run).where(Run.finished_at.is_not(None))) == 2


def test_the_job_is_stored_by_textual_reference_with_safe_options(db_url: str, clock: FakeClock) -> None:
    h = Harness(db_url, clock, cron="0 6 1 1 *")  # yearly: it will not fire during the test
    for _ in range(2):  # a restart re-adds the job over the stored one
        s = h.service()
        scheduler = s._start_apscheduler()
        try:
            job = scheduler.get_job(JOB_ID)
            assert job.func_ref == JOB_FUNC and job.func is run_cycle
            assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
            assert job.next_run_time == next_fire_time(h.config.schedule, datetime.now(UTC))
        finally:
            scheduler.shutdown(wait=True)
    with h.sessions() as session:
        rows = session.execute(text("SELECT id, job_state FROM apscheduler_jobs")).all()
    assert [r[0] for r in rows] == [JOB_ID]
    assert JOB_FUNC.encode() in rows[0][1]  # the pickle names the function by its stable reference


def test_run_cycle_delegates_to_the_active_scheduler(db_url: str, clock: FakeClock) -> None:
    import regwatch.schedule as module

    h = Harness(db_url, clock)
    s = h.service()
    assert s.acquire_or_stand_by()
    run_cycle()  # no active scheduler in this process: logged and skipped
    assert h.launched == []
    module._ACTIVE = s
    try:
        run_cycle()
    finally:
        module._ACTIVE = None
    assert len(h.launched) == 1


# --- real processes --------------------------------------------------------------------------------

CONTENDER = textwrap.dedent("""
    import os, sys
    from datetime import UTC, datetime
    from sqlalchemy import func, select
    from regwatch.schedule import LEASE
    from regwatch.store.leases import acquire_lease, release_lease
    from regwatch.store.db import open_store
    from regwatch.store.models import Run
    url, log, me, wins = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sessions = open_store(url)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    won = tries = 0
    while won < wins and tries < 100000:
        tries += 1
        if acquire_lease(sessions, LEASE, me, datetime.now(UTC), 60):
            os.write(fd, f"in {me}\\n".encode())
            with sessions() as s:  # some work while holding it
                s.scalar(select(func.count()).select_from(Run))
            os.write(fd, f"out {me}\\n".encode())
            release_lease(sessions, LEASE, me)
            won += 1
    print(won, tries, flush=True)
""")


def test_two_processes_never_hold_the_lease_at_once(db_url: str, tmp_path: Path) -> None:
    open_store(db_url)  # migrate once, before the race
    log = tmp_path / "holders.log"
    procs = [subprocess.Popen([sys.executable, "-c", CONTENDER, db_url, str(log), name, "6"], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for name in ("p1", "p2")]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=60)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert [int(r[0]) for r in results] == [6, 6]
    lines = log.read_text().split("\n")[:-1]
    assert len(lines) == 24
    for enter, leave in zip(lines[::2], lines[1::2], strict=True):  # strictly in/out pairs of one holder
        assert enter.startswith("in ") and leave == "out " + enter[3:]


class Lines:
    """A process's stderr read line by line on a thread; `wait_for` blocks until a line matches."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stderr is not None
        threading.Thread(target=lambda: [self.queue.put(line) for line in proc.stderr], daemon=True).start()  # type: ignore[union-attr]

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        while True:
            line = self.queue.get(timeout=timeout)
            self.seen.append(line)
            if needle in line:
                return line


def test_a_second_scheduler_stands_by_then_takes_over(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db_url}, "schedule": {"cron": "0 6 1 1 *",
                                                                              "lease_seconds": 3}}))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REGWATCH_DATABASE_URL", None)

    def start(*extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "regwatch", "--config", str(config), "schedule", *extra],
                                cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)

    a = start()
    a_out = Lines(a)
    try:
        assert "next run at 2027-01-01T06:00:00+00:00" in a_out.wait_for("next run at")
        b, now = start(), start("--now")  # a second scheduler, and a one-off run asked for meanwhile
        b_out = Lines(b)
        try:
            assert "standing by" in b_out.wait_for("standing by")
            assert now.wait(timeout=30) == 3
            assert now.stderr is not None and "another scheduler" in now.stderr.read()
            a.send_signal(signal.SIGTERM)
            assert a.wait(timeout=30) == 0
            assert "lease released" in a_out.wait_for("lease released")
            b_out.wait_for("scheduler lease acquired")
            assert "next run at" in b_out.wait_for("next run at")
            b.send_signal(signal.SIGINT)
            assert b.wait(timeout=30) == 0
        finally:
            b.kill()
    finally:
        a.kill()
    assert lease_holder(open_store(db_url), LEASE) is None
