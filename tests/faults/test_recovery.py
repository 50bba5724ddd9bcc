"""Issue #12: work a killed run started is finished by a later run.

A crawl of FDA guidance pages whose PDFs are linked from the pages (the pages are fetched first, their files a
Crawl-delay later) is SIGKILLed at chosen stages, each found by watching the store, not by timing:
  - page:     a guidance entry is half stored: its page's new version without its files, or (pages and files are
              parsed in a worker pool, so either may be stored first) a file without its page;
  - between:  one file of the run is stored, others not yet;
  - delivery: the webhook receiver has acknowledged the run's first alert.
Kills stack: the run after a kill is itself killed at the next stage, then two runs complete. The final store
(documents, versions, changes, outbox) must equal an uninterrupted scenario's, every alert must arrive, and an
alert may arrive twice only when a kill fell between its send and its record (the same id, so receivers drop it).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from regwatch.mirror.edits import demo_edits
from tests.e2e.conftest import SECRET, SECRET_ENV
from tests.faults.killing import Launcher, Rig, kill_group
from tests.faults.store_checks import Picture, check_store, picture

CRAWL_DELAY = 0.4  # seconds between two requests to the mirror: the window a kill must fall in
RUN_TIMEOUT = 180.0


def _this_run(engine: Engine, before: int) -> tuple[int, list[str]]:
    """The run started after `before` (0 if none yet) and the keys of the documents it stored versions of."""
    try:
        with engine.connect() as conn:
            run = conn.execute(text("SELECT coalesce(max(id), 0) FROM runs")).scalar_one()
            if run <= before:
                return 0, []
            keys = [k for (k,) in conn.execute(text("SELECT d.key FROM versions v JOIN documents d ON d.id = "
                                                     "v.document_id WHERE v.run_id = :r"), {"r": run})]
    except DBAPIError:  # the run has not created the schema yet
        return 0, []
    return run, keys


def page_without_files(keys: list[str]) -> bool:
    """A guidance entry stored in part: a page without any of its files, or files without their page."""
    pages = {k for k in keys if "#" not in k and not k.startswith("/")}
    parents = {k.split("#", 1)[0] for k in keys if "#" in k}
    return bool(pages ^ parents)


def one_file(keys: list[str]) -> bool:
    return any("#" in k for k in keys)


class Recovery(Rig):
    """One store, the FDA mirror copy, real receivers; runs that complete or are killed at a stage."""

    def __init__(self, work: Path, db_url: str, launcher: Launcher) -> None:
        super().__init__(work, db_url, launcher, CRAWL_DELAY)
        self.hook.on_delivery = self._on_ack
        self.kills: list[str] = []
        self.attempts = 0
        self._victim: int | None = None
        self._acked = 0

    def _on_ack(self, _delivery: object) -> None:
        victim, self._victim = self._victim, None
        if victim is not None:
            self._acked += 1
            os.killpg(victim, signal.SIGKILL)

    def run(self, kill_at: str | None = None) -> None:
        """One `regwatch run`: to its end, or SIGKILLed (with its process group) at `kill_at`."""
        self.attempts += 1
        log = self.work / f"run-{self.attempts:02d}.log"
        env = {**os.environ, SECRET_ENV: SECRET, "REGWATCH_DATABASE_URL": self.db_url,
               "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
        before = self._max_run()
        acked = self._acked
        pid = self.launcher.spawn(["--config", str(self.config), "run"], env, log)
        if kill_at == "delivery":
            self._victim = pid
        reached: Callable[[list[str]], bool] | None = {"page": page_without_files, "between": one_file}.get(
            kill_at or "")
        started = time.monotonic()
        while (code := self.launcher.exit_code(pid)) is None:
            if reached is not None and reached(_this_run(self.engine, before)[1]):
                kill_group(pid)
                code = self.launcher.wait(pid, 30)
                break
            if time.monotonic() - started > RUN_TIMEOUT:
                kill_group(pid)
                self.problems.append(f"run {self.attempts} hung for {RUN_TIMEOUT:g} s")
                return
            time.sleep(0.01)
        self._victim = None
        if kill_at is not None:
            if code == -signal.SIGKILL and (kill_at != "delivery" or self._acked > acked):
                self.kills.append(kill_at)
            else:
                self.problems.append(f"run {self.attempts} ended ({code}) before its kill at {kill_at}: "
                                     + log.read_text(errors="replace")[-800:])
        elif code != 0:
            self.problems.append(f"run {self.attempts} exited {code}: " + log.read_text(errors="replace")[-1500:])
        self.problems += [f"after run {self.attempts}: {p}" for p in check_store(self.engine, self.db_url)]

    def _max_run(self) -> int:
        try:
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT coalesce(max(id), 0) FROM runs")).scalar_one()
        except DBAPIError:  # no schema yet
            return 0

    def scenario(self, kills: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        """Baseline then the demo's edits; in each stage the kills in order, then two runs that complete."""
        for stage, stage_kills in enumerate(kills):
            if stage == 1:
                demo_edits(self.site)
            for point in stage_kills:
                self.run(point)
            self.run()
            self.run()

    def picture(self) -> Picture:
        return picture(self.engine, self.mirror.url("").rstrip("/"))

    def delivered(self) -> Counter[str]:
        keys = [d.headers.get("webhook-id", "") for d in self.hook.deliveries]
        keys += [str(m["Message-ID"]).strip("<>").removesuffix("@regwatch") for m in self.smtp.messages]
        return Counter(keys)


@pytest.fixture(scope="module")
def launcher() -> Iterator[Launcher]:
    with Launcher() as started:
        yield started


@pytest.mark.timeout(900)
def test_killed_runs_are_finished_by_later_runs(db_url: str, tmp_path: Path, launcher: Launcher) -> None:
    with Recovery(tmp_path / "reference", f"sqlite:///{tmp_path / 'reference.db'}", launcher) as reference:
        reference.scenario(((), ()))
        expected, expected_alerts = reference.picture(), reference.delivered()
    assert reference.problems == []
    assert sorted(c[2] for c in expected.changes) == ["changed", "new", "removed"]
    assert len(expected_alerts) == 6 and set(expected_alerts.values()) == {1}

    with Recovery(tmp_path / "killed", db_url, launcher) as killed:
        killed.scenario((("page", "between"), ("page", "between", "delivery")))
        got, alerts = killed.picture(), killed.delivered()
    print(f"kills survived: {len(killed.kills)} ({', '.join(killed.kills)}); alerts received: {dict(alerts)}")
    assert killed.problems == [], "\n".join(killed.problems)
    assert killed.kills == ["page", "between", "page", "between", "delivery"]
    assert got.differences(expected) == []
    sent = {got.alert_of_key[k] for k in alerts}
    assert sent == {expected.alert_of_key[k] for k in expected_alerts}, "an alert was lost or invented"
    assert sum(alerts.values()) - len(alerts) <= 1  # only the delivery kill may cause one duplicate (same id)
