"""Issue #8: SIGKILL at seeded random points of `regwatch run` over the FDA mirror, on SQLite and PostgreSQL.

After every kill the store passes its integrity and foreign-key checks, every blob re-hashes to its key, and no
fetched version lacks its bytes; the next run completes; the final store equals an uninterrupted run's (same
documents, versions, changes with their words, outbox rows); every alert arrives, and each duplicate is the one
message a killed sender had sent but not yet recorded (at most one per kill).

Replay: `REGWATCH_KILL_SEEDS=3,7 pytest tests/faults/test_sigkill.py` (the kill log names each seed's kill point).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from regwatch.alerting import assess_change
from regwatch.alerts.routing import route
from regwatch.config import Config, load_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import OutboxItem, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.e2e.conftest import SECRET, SECRET_ENV
from tests.faults.killing import ROOT, KillPlan, Launcher, Outcome, Scenario, compare

SEEDS = 20


def seeds() -> list[int]:
    chosen = os.environ.get("REGWATCH_KILL_SEEDS")
    return [int(s) for s in chosen.split(",")] if chosen else list(range(SEEDS))


@pytest.fixture(scope="module")
def launcher() -> Iterator[Launcher]:
    with Launcher() as started:
        yield started


@pytest.fixture(scope="module")
def reference(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The scenario uninterrupted (SQLite): the expected final store and alerts, and the kill windows."""
    work = tmp_path_factory.mktemp("reference")
    with Scenario(work, f"sqlite:///{work / 'reference.db'}", launcher) as scenario:
        outcome = scenario.run([], None)
    assert outcome.problems == []
    assert sorted(c[2] for c in outcome.picture.changes) == ["changed", "new", "removed"]
    assert len(outcome.delivered) == 6 and set(outcome.delivered.values()) == {1}  # 3 changes × mail + webhook
    return outcome


@pytest.mark.timeout(600)
def test_sigkill_at_random_points_loses_nothing(db_url: str, tmp_path: Path, launcher: Launcher,
                                                reference: Outcome) -> None:
    plans = [KillPlan.of(seed) for seed in seeds()]
    log: list[str] = []
    with Scenario(tmp_path / "killed", db_url, launcher, say=log.append) as scenario:
        outcome = scenario.run(plans, reference.windows())
    kills = outcome.kills
    phases = Counter(a.phase for a in kills)
    log.append(f"{len(kills)} kills of {len(plans)} seeds; phases {dict(phases)}; "
               f"{len(outcome.duplicates)} duplicate alert(s): {outcome.duplicates}")
    print("\n".join(log))
    problems = outcome.problems + compare(outcome, reference)
    assert not problems, (f"seeds {[p.seed for p in plans]} on {db_url.split(':')[0]}:\n" + "\n".join(problems)
                          + "\nkill log:\n" + "\n".join(log))
    if len(plans) == SEEDS:  # the full set must really kill, in the store writes and in alert delivery
        assert len(kills) >= SEEDS // 2, "\n".join(log)
        assert phases["crawl"] + phases["store"] >= 1 and phases["delivery"] >= 1, "\n".join(log)


DELIVER = ("import sys; from datetime import UTC, datetime; from pathlib import Path; "
           "from regwatch.config import load_config; from regwatch.alerting import deliver_all; "
           "from regwatch.store.db import open_store; config = load_config(Path(sys.argv[1])); "
           "deliver_all(config, open_store(config.store.url), lambda: datetime.now(UTC))")


def _record_new_document(config: Config, key: str, text: str) -> None:
    """A new document of an FDA source (past its baseline), recorded with the configuration's routing."""
    sessions = open_store(config.store.url)
    now = datetime.now(UTC)
    with sessions.begin() as s:
        source = s.scalar(select(Source).where(Source.name == "fda-guidance"))
        if source is None:
            source = Source(name="fda-guidance", agency="fda", baseline_done=True)
            s.add(source)
            s.flush()
        run = Run(started_at=now, status="ok")
        s.add(run)
        s.flush()
        s.add(SourceRun(run_id=run.id, source_id=source.id))
        ctx = RunContext(run.id, source.id, "fda-guidance", "fda", False, now,
                         route(config.alerts, lambda: now), assess_change())
        url = f"https://www.fda.gov/{key}"
        record_capture(s, ctx, Parsed("fda-guidance", key, url, fetched=Fetched(url, 200, {}, text.encode()),
                                      document=Document(url=url, title=f"Guidance {key}", text=text)))


def test_digest_killed_after_the_receivers_ack_is_resent_under_the_same_id(tmp_path: Path) -> None:
    """Regression: a digest whose send was acknowledged but not recorded went out again merged with the changes
    recorded since, under a new webhook-id, so the receiver could not drop the duplicate."""
    victim: list[subprocess.Popen[bytes]] = []

    def kill_on_first_ack(delivery: object) -> None:
        if len(hook.deliveries) == 1 and victim:
            os.killpg(victim[0].pid, signal.SIGKILL)

    with WebhookReceiver(secret=SECRET) as hook:
        hook.on_delivery = kill_on_first_ack
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump({
            "store": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
            "sources": [{"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"}],
            "alerts": {"channels": [{"name": "hook", "type": "webhook", "url": hook.url, "secret_env": SECRET_ENV}],
                       "subscriptions": [{"channel": "hook", "mode": "digest"}]}}))
        config = load_config(path, env={})
        _record_new_document(config, "a", "Cell products should be tested.")
        _record_new_document(config, "b", "Exosome products must be registered.")
        env = {**os.environ, SECRET_ENV: SECRET}
        command = [sys.executable, "-c", DELIVER, str(path)]
        victim.append(subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
        assert victim[0].wait(timeout=60) == -signal.SIGKILL
        victim.clear()
        _record_new_document(config, "c", "Stem cell clinics must report.")  # waits for the next digest
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    ids = [d.headers["webhook-id"] for d in hook.deliveries]
    changes = {d.headers["webhook-id"]: sorted(c["id"] for c in d.json["data"]["changes"]) for d in hook.deliveries}
    assert len(ids) == 3 and ids[0] == ids[1] != ids[2], ids  # the interrupted digest again, under its own id
    assert changes[ids[0]] == [1, 2] and changes[ids[2]] == [3]  # a receiver dropping by id sees each change once
    with open_store(config.store.url)() as s:
        assert set(s.scalars(select(OutboxItem.status))) == {"sent"}
