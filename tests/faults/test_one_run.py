"""Issue #12: one `regwatch run` at a time per store, and an outbox item is claimed by one process only.

Two runs started together on one store (SQLite and PostgreSQL) with 30 alerts waiting: every alert reaches the
real SMTP server and webhook receiver exactly once; the second run waited for the first. `--no-wait` exits at
once with one line (status 3) while another run holds the store. The claim itself is a compare-and-set: of two
processes that read the same pending item, only the first to write sends it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from regwatch.alerts.outbox import _claim
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import OutboxItem
from tests.faults.badserver import BadServer, page
from tests.faults.crawlrun import ROOT
from tests.faults.test_delivery_bounds import _record_changes


def _config(tmp_path: Path, db_url: str, page_url: str, smtp: SmtpReceiver, hook: WebhookReceiver) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "store": {"url": db_url}, "crawl": {"delay": 0, "timeout": 10, "retries": 0},
        "network": {"allow_hosts": ["127.0.0.0/8"]},
        "sources": [{"name": "page", "type": "page", "url": page_url}],
        "alerts": {"backoff_seconds": 0, "channels": [
            {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port, "from": "regwatch@localhost",
             "to": ["ra@localhost"], "timeout": 5},
            {"name": "hook", "type": "webhook", "url": hook.url, "timeout": 5}]}}))
    return path


def _start(config: Path, db_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REGWATCH_DATABASE_URL": db_url}
    return subprocess.Popen([sys.executable, "-m", "regwatch", "--config", str(config), "run", *args], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(300)
def test_two_concurrent_runs_deliver_each_alert_once(tmp_path: Path, db_url: str) -> None:
    with SmtpReceiver() as smtp, WebhookReceiver() as hook, MirrorServer() as mirror:
        config = _config(tmp_path, db_url, mirror.url("/robots.txt"), smtp, hook)
        _record_changes(config, 15)  # 15 changes × 2 channels
        runs = [_start(config, db_url) for _ in range(2)]
        outputs = [run.communicate(timeout=240) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    waited = [err for _, err in outputs if "another regwatch run" in err and "waiting for it to finish" in err]
    received = Counter([d.headers["webhook-id"] for d in hook.deliveries]
                       + [str(m["Message-ID"]).strip("<>").removesuffix("@regwatch") for m in smtp.messages])
    print(f"2 concurrent runs: {sum(received.values())} deliveries of {len(received)} alerts; "
          f"{len(waited)} run(s) said they waited")
    assert len(received) == 30 and set(received.values()) == {1}
    with open_store(db_url)() as s:
        assert set(s.scalars(select(OutboxItem.status))) == {"sent"}


@pytest.mark.timeout(120)
def test_no_wait_exits_at_once_while_another_run_holds_the_store(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    with (SmtpReceiver() as smtp, WebhookReceiver() as hook, BadServer() as bad):
        bad.route("/slow", page("Slow", "A page that takes its time.", delay=8))
        config = _config(tmp_path, db_url, bad.url("127.0.0.1", "/slow"), smtp, hook)
        first = _start(config, db_url)
        lock = tmp_path / "regwatch.db.run.lock"
        while not (lock.exists() and lock.read_text().strip()):  # the first run holds the store
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "run", "--no-wait"],
                                env={**os.environ, "REGWATCH_DATABASE_URL": db_url}, cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        out, err = first.communicate(timeout=120)
    assert second.returncode == 3, second.stderr
    assert second.stderr.count("\n") == 1 and "another regwatch run" in second.stderr, second.stderr
    assert first.returncode == 0, err


def test_an_outbox_item_is_claimed_by_one_process_only(tmp_path: Path, db_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db_url}, "sources": [
        {"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"}], "alerts": {"channels": [
            {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/hook"}]}}))
    _record_changes(config, 1)
    sessions = open_store(db_url)
    one, two = sessions(), sessions()  # two processes' views: each reads the pending item, then claims it
    try:
        mine = one.scalars(select(OutboxItem)).one()
        one.commit()
        theirs = two.scalars(select(OutboxItem)).one()
        two.commit()
        assert (mine.status, theirs.status) == ("pending", "pending")
        assert _claim(one, mine)
        one.commit()
        assert not _claim(two, theirs)  # its compare-and-set sees the item changed since it read it
        two.commit()
    finally:
        one.close()
        two.close()
    with sessions() as s:
        item = s.scalars(select(OutboxItem)).one()
        assert (item.status, item.attempts) == ("sending", 1)
