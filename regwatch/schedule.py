"""`regwatch schedule`: the cycle at a cron time, in the foreground, under APScheduler 3.x.

- One active scheduler per database: it holds a lease row (`leases`), renewed while it lives; a second scheduler
  on the same database stands by, saying so, and takes over only when the lease is released or expires.
- The job is stored (SQLAlchemyJobStore, the project's database) under the textual reference
  `regwatch.schedule:run_cycle`, re-added at every start with `replace_existing=True`, no misfire grace limit,
  coalescing, one instance at a time (APScheduler's 1-second default grace silently drops late runs).
- After downtime, a missed run is caught up once at start: the last completed run in `runs` is compared with
  the last time the cron expression fired.
- Each cycle is a child process (`python -m regwatch --config … run`): Scrapy's reactor cannot restart.
- SIGTERM/SIGINT: the running cycle is asked to stop (it finishes its crawl cleanly), killed after
  `stop_grace_seconds`, and the lease is released.

Time is a parameter: the clock and the child launcher are injected, so tests use a fake clock and never sleep.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.config import Config, ScheduleConfig
from regwatch.cron import crontab_trigger
from regwatch.store.leases import acquire_lease, lease_holder, release_lease, renew_lease
from regwatch.store.models import Run

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

LEASE = "regwatch.scheduler"
JOB_ID = "regwatch-cycle"
JOB_FUNC = "regwatch.schedule:run_cycle"  # stable: a renamed function would get the stored job deleted
TICK = 1.0  # seconds between looks at a running child


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- when ------------------------------------------------------------------------------------------


def make_trigger(cfg: ScheduleConfig) -> Any:
    return crontab_trigger(cfg.cron, cfg.timezone)


def next_fire_time(cfg: ScheduleConfig, now: datetime) -> datetime:
    """The first time at or after `now` that the cron expression fires (in the configured time zone)."""
    fire = make_trigger(cfg).get_next_fire_time(None, now.astimezone(ZoneInfo(cfg.timezone)))
    assert fire is not None, "a crontab expression always fires again"
    return fire  # type: ignore[no-any-return]


def last_fire_time(cfg: ScheduleConfig, now: datetime) -> datetime | None:
    """The latest time at or before `now` that the cron expression fired (None if not within a year)."""
    trigger = make_trigger(cfg)
    now = now.astimezone(ZoneInfo(cfg.timezone))
    window = timedelta(hours=1)
    while window <= timedelta(days=400):
        last, fire = None, trigger.get_next_fire_time(None, now - window)
        while fire is not None and fire <= now:
            last, fire = fire, trigger.get_next_fire_time(fire, fire)
        if last is not None:
            return last  # type: ignore[no-any-return]
        window *= 2
    return None


def catch_up_due(sessions: sessionmaker[Session], cfg: ScheduleConfig, now: datetime) -> tuple[bool, str]:
    """Whether the last scheduled run was missed (no run completed since it was due), and why, for the log."""
    fired = last_fire_time(cfg, now)
    with sessions() as session:
        any_run = session.scalar(select(func.count()).select_from(Run)) or 0
        done = session.scalar(select(func.max(Run.started_at)).where(Run.finished_at.is_not(None)))
    if fired is None:
        return False, "no scheduled time has passed yet"
    if not any_run:
        return False, "no run recorded yet: nothing was missed"
    if done is not None and done >= fired:
        return False, f"the run due at {fired.isoformat()} was done (completed run started {done.isoformat()})"
    last = done.isoformat() if done else "never"
    return True, f"missed the run due at {fired.isoformat()} (last completed run started {last}): catching up once"


# --- the child -------------------------------------------------------------------------------------

class Child(Protocol):
    pid: int

    def wait(self, timeout: float | None = None) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


class PopenChild:
    """A real child process (its own process group, so a terminal's Ctrl-C reaches only the scheduler). `kill`
    ends the whole group: the cycle and every process it started (parser workers included)."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, start_new_session=True)
        self.pid = self.proc.pid

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.sweep()
        if self.proc.poll() is None:
            self.proc.kill()

    def sweep(self) -> None:
        """SIGKILL whatever is left of the cycle's process group (the group outlives its leader)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


Launcher = Callable[[list[str]], Child]


def cycle_argv(config_path: Path, verbose: bool = False) -> list[str]:
    return [sys.executable, "-m", "regwatch", "--config", str(config_path.resolve()),
            *(["-v"] if verbose else []), "run"]


# --- the scheduler ---------------------------------------------------------------------------------

_ACTIVE: CycleScheduler | None = None  # the live scheduler: a stored job can only name a module-level function


def run_cycle() -> None:
    """APScheduler's job, stored by the textual reference `regwatch.schedule:run_cycle`."""
    if _ACTIVE is None:
        log.error("the regwatch cycle fired but no scheduler is active in this process; skipped")
        return
    _ACTIVE.cycle("scheduled")


class CycleScheduler:
    """One process's scheduler: lease, catch-up, the APScheduler loop, the child, a clean stop."""

    def __init__(self, config: Config, sessions: sessionmaker[Session], argv: list[str], *,
                 clock: Clock, launcher: Launcher = PopenChild, holder: str | None = None) -> None:
        self.config, self.cfg, self.sessions, self.argv = config, config.schedule, sessions, argv
        self.clock, self.launcher = clock, launcher
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.lost = threading.Event()

    @property
    def renew_every(self) -> float:
        return self.cfg.lease_seconds / 3

    def acquire_or_stand_by(self) -> bool:
        """Hold the lease, or wait (passive) until it is free; False if told to stop while waiting."""
        announced = False
        while not self.stopping.is_set():
            if acquire_lease(self.sessions, LEASE, self.holder, self.clock(), self.cfg.lease_seconds):
                log.info("scheduler lease acquired (%s)", self.holder)
                return True
            if not announced:
                held = lease_holder(self.sessions, LEASE)
                who, until = held if held else ("another process", self.clock())
                log.warning("standing by: another scheduler (%s) holds the lease until %s; this one stays passive "
                            "and takes over if that one stops", who, until.isoformat(timespec="seconds"))
                announced = True
            self.stopping.wait(self.renew_every)
        return False

    def heartbeat(self) -> bool:
        """Renew the lease; on loss, stop everything (another scheduler may now be running a cycle)."""
        if renew_lease(self.sessions, LEASE, self.holder, self.clock(), self.cfg.lease_seconds):
            return True
        log.error("lost the scheduler lease (it expired and another scheduler took it); stopping this one")
        self.lost.set()
        self.stopping.set()
        return False

    def catch_up(self) -> None:
        if not self.cfg.catch_up:
            return
        due, why = catch_up_due(self.sessions, self.cfg, self.clock())
        log.info("catch-up: %s", why)
        if due:
            self.cycle("catch-up")

    def cycle(self, reason: str) -> int | None:
        """Run one cycle as a child process while we hold the lease; its exit code (None if it was stopped)."""
        if self.stopping.is_set():
            return None
        if not renew_lease(self.sessions, LEASE, self.holder, self.clock(), self.cfg.lease_seconds):
            log.error("not running the %s cycle: this process no longer holds the scheduler lease", reason)
            self.lost.set()
            self.stopping.set()
            return None
        child = self.launcher(self.argv)
        log.info("%s cycle started (child pid %s)", reason, child.pid)
        try:
            code = self._watch(child, self.clock() + timedelta(minutes=self.cfg.max_run_minutes))
        finally:
            sweep = getattr(child, "sweep", None)
            if sweep is not None:
                sweep()  # nothing of a cycle outlives it, stopped or not
        if code is None:
            log.warning("%s cycle stopped before it finished (child pid %s)", reason, child.pid)
        elif code == 0:
            log.info("%s cycle finished", reason)
        else:
            log.warning("%s cycle finished with exit code %s (%s)", reason, code,
                        "a source failed or was blocked" if code == 1 else "see its messages above")
        return code

    def _watch(self, child: Child, deadline: datetime) -> int | None:
        """Wait for the child, renewing the lease (the catch-up cycle runs before the main loop's heartbeat)."""
        renew_at = self.clock() + timedelta(seconds=self.renew_every)
        while True:
            code = child.wait(TICK)
            if code is not None:
                return code
            if self.clock() >= renew_at:
                self.heartbeat()
                renew_at = self.clock() + timedelta(seconds=self.renew_every)
            if self.stopping.is_set():
                return self._stop(child)
            if self.clock() >= deadline:
                log.error("cycle ran longer than schedule.max_run_minutes (%s); stopping it", self.cfg.max_run_minutes)
                return self._stop(child)

    def _stop(self, child: Child) -> int | None:
        child.terminate()  # Scrapy finishes in-flight work and records the run on the first SIGTERM
        code = child.wait(self.cfg.stop_grace_seconds)
        if code is None:
            log.warning("cycle did not stop within %ss; killing it", self.cfg.stop_grace_seconds)
            child.kill()
            child.wait(None)
        return None

    def run(self) -> int:
        """Stand by or hold the lease, catch up, then run the cron schedule until stopped. The exit status."""
        global _ACTIVE
        if not self.acquire_or_stand_by():
            return 0
        _ACTIVE = self
        scheduler = None
        try:
            self.catch_up()
            if not self.stopping.is_set():
                scheduler = self._start_apscheduler()
                while not self.stopping.wait(self.renew_every):
                    self.heartbeat()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=True)  # waits for a running cycle, which sees `stopping`
            _ACTIVE = None
            if not self.lost.is_set():
                release_lease(self.sessions, LEASE, self.holder)
                log.info("scheduler stopped; lease released")
        return 1 if self.lost.is_set() else 0

    def _start_apscheduler(self) -> Any:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        defaults = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
        engine = self.sessions.kw["bind"]
        scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)},
                                        executors={"default": ThreadPoolExecutor(1)}, job_defaults=defaults,
                                        timezone=ZoneInfo(self.cfg.timezone))
        scheduler.add_job(JOB_FUNC, make_trigger(self.cfg), id=JOB_ID, name="regwatch cycle",
                          replace_existing=True, **defaults)
        scheduler.add_listener(lambda _event: self._log_next(scheduler),
                               EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.start()
        self._log_next(scheduler)
        return scheduler

    def _log_next(self, scheduler: Any) -> None:
        job = scheduler.get_job(JOB_ID)
        when = job.next_run_time if job is not None else None
        if when is not None:
            log.info("next run at %s (%s, cron %r)", when.isoformat(), self.cfg.timezone, self.cfg.cron)

    def stop(self, signum: int, _frame: Any = None) -> None:
        log.warning("received %s: stopping (a running cycle gets %ss to finish)", signal.Signals(signum).name,
                    self.cfg.stop_grace_seconds)
        self.stopping.set()


def run_now(service: CycleScheduler) -> int:
    """`--now`: one cycle at once under the lease (refused, not queued, while another scheduler holds it)."""
    if not acquire_lease(service.sessions, LEASE, service.holder, service.clock(), service.cfg.lease_seconds):
        held = lease_holder(service.sessions, LEASE)
        log.error("not running: another scheduler (%s) holds the lease", held[0] if held else "?")
        return 3
    try:
        code = service.cycle("requested")
    finally:
        release_lease(service.sessions, LEASE, service.holder)
    return 0 if code is None else code
