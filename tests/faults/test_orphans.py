"""Issue #12: no process outlives its run.

- `regwatch run` over the FDA mirror is SIGKILLed (the run's own process only, as `kill -9 PID` does) while its
  parser forkserver and worker are up: they and multiprocessing's resource tracker must all end by themselves.
- `regwatch schedule` ends a stuck cycle (one that ignores SIGTERM and has started a process of its own): the
  cycle's whole process group must be gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from regwatch.config import parse_config
from regwatch.mirror.edits import copy_site
from regwatch.mirror.server import MirrorServer
from regwatch.schedule import CycleScheduler, PopenChild
from regwatch.store.db import open_store
from tests.e2e.conftest import set_crawl_delay, write_config
from tests.e2e.test_fda_crawl import fda_sources
from tests.faults.crawlrun import ROOT


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # it may end between the two looks
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


def _gone_within(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """The processes still alive after waiting up to `seconds` for them to end (a hang guard, not a timing)."""
    deadline = time.monotonic() + seconds
    while (left := _alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.timeout(180)
def test_no_process_survives_a_sigkilled_run(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site-fda")
    set_crawl_delay(site, 0.5)  # the run is still crawling files when it is killed
    with MirrorServer(site) as mirror:
        config = write_config(tmp_path / "config.yaml", fda_sources(mirror))
        env = {**os.environ, "REGWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
               "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
        run = subprocess.Popen([sys.executable, "-m", "regwatch", "--config", str(config), "run"], env=env, cwd=ROOT,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        me = psutil.Process(run.pid)
        try:
            while len(kids := me.children(recursive=True)) < 3:  # resource tracker, forkserver, parser worker
                assert run.poll() is None, "the run ended before its parser worker started"
                time.sleep(0.02)
            os.kill(run.pid, signal.SIGKILL)
            run.wait(30)
            left = _gone_within(kids, 15)
        finally:  # whatever happens, leave nothing behind for the other tests
            if _pgroup_alive(run.pid):
                os.killpg(run.pid, signal.SIGKILL)
    print(f"SIGKILLed run: {len(kids)} child processes, {len(left)} survived")
    assert left == [], [(p.pid, p.cmdline()[-1][:80]) for p in left]


def _pgroup_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


STUCK = textwrap.dedent("""
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a cycle that does not stop when asked
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(sys.argv[1], "w").write(str(helper.pid))
    time.sleep(600)
""")


class Ticking:
    """A real child whose every look (`wait`), once its helper is up, moves the scheduler's fake clock on by a
    minute."""

    def __init__(self, child: PopenChild, clock, ready) -> None:  # type: ignore[no-untyped-def]
        self.child, self.clock, self.ready, self.pid = child, clock, ready, child.pid

    def wait(self, timeout: float | None = None) -> int | None:
        code = self.child.wait(min(timeout, 0.2) if timeout is not None else None)
        if self.ready():
            self.clock.advance(minutes=1)
        return code

    def terminate(self) -> None:
        self.child.terminate()

    def kill(self) -> None:
        self.child.kill()

    def sweep(self) -> None:
        self.child.sweep()


@pytest.mark.timeout(120)
def test_the_scheduler_ends_a_stuck_cycles_whole_process_group(tmp_path: Path, clock) -> None:  # type: ignore
    url = f"sqlite:///{tmp_path / 's.db'}"
    config = parse_config({"store": {"url": url}, "schedule": {"max_run_minutes": 3, "stop_grace_seconds": 0.5},
                           "sources": [{"name": "fda-x", "agency": "fda", "url": "https://example.org/x"}]})
    pid_file = tmp_path / "helper.pid"
    started: list[Ticking] = []

    def launch(argv: list[str]) -> Ticking:
        child = PopenChild([sys.executable, "-c", STUCK, str(pid_file)])
        started.append(Ticking(child, clock, lambda: pid_file.exists() and pid_file.read_text().strip()))
        return started[0]

    service = CycleScheduler(config, open_store(url), ["regwatch", "run"], clock=clock, launcher=launch,
                             holder="test")
    assert service.acquire_or_stand_by()
    assert service.cycle("scheduled") is None  # stopped at max_run_minutes: TERM ignored, then killed
    helper, cycle = int(pid_file.read_text()), started[0].pid
    processes = []
    for pid in (cycle, helper):
        with contextlib.suppress(psutil.NoSuchProcess):
            processes.append(psutil.Process(pid))
    survivors = [p.pid for p in _gone_within(processes, 5)]  # SIGKILL is delivered, not awaited
    print(f"stuck cycle: pids {cycle} (cycle) and {helper} (its helper); {len(survivors)} survived")
    assert survivors == []
