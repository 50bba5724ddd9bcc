"""Alerts survive a mail server that is down and a webhook receiver that fails: kept, retried, delivered once."""

from __future__ import annotations

from pathlib import Path

import yaml

from regwatch.mirror.edits import reword
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver, free_port
from tests.e2e.conftest import SECRET, Regwatch, write_config
from tests.e2e.test_fda_crawl import MINIMAL, fda_sources


def test_mail_server_down_then_up_delivers_every_alert_once(tmp_path: Path, fda_mirror: MirrorServer,
                                                            fda_site: Path) -> None:
    port = free_port()
    smtp = SmtpReceiver(port)  # not started yet: the mail server is down
    config = write_config(tmp_path / "c.yaml", fda_sources(fda_mirror), smtp)
    regwatch = Regwatch(config, f"sqlite:///{tmp_path / 'r.db'}")
    assert regwatch("run").returncode == 0
    reword(fda_site, MINIMAL, "should", "must")
    down = regwatch("run")
    assert down.returncode == 0  # a delivery failure is not a crawl failure
    assert "1 to retry" in down.stdout and "connection refused" in down.stdout
    listed = regwatch("alerts")
    assert "1 pending" in listed.stdout and "connection refused" in listed.stdout
    with smtp:
        up = regwatch("run")
        assert "1 sent" in up.stdout
        assert regwatch("run").returncode == 0
    assert len(smtp.messages) == 1
    assert "changed" in smtp.messages[0]["Subject"]


def test_failing_webhook_is_retried_then_parked_and_retry_resends_the_same_id(tmp_path: Path,
                                                                               fda_mirror: MirrorServer,
                                                                               fda_site: Path) -> None:
    with WebhookReceiver(secret=SECRET, status=500) as hook:
        config = write_config(tmp_path / "c.yaml", fda_sources(fda_mirror), hook=hook)
        raw = yaml.safe_load(config.read_text())
        raw["alerts"]["max_attempts"] = 2
        config.write_text(yaml.safe_dump(raw))
        regwatch = Regwatch(config, f"sqlite:///{tmp_path / 'r.db'}")
        assert regwatch("run").returncode == 0
        reword(fda_site, MINIMAL, "should", "must")
        first = regwatch("run")
        assert "1 to retry" in first.stdout and "HTTP 500" in first.stdout
        second = regwatch("run")
        assert "1 parked as failed" in second.stdout
        assert "1 failed" in regwatch("alerts").stdout
        assert len(hook.deliveries) == 2
        hook.status = 204
        retried = regwatch("alerts", "retry")
        assert retried.returncode == 0, retried.stdout
        assert "1 sent" in retried.stdout
    ids = {d.headers["webhook-id"] for d in hook.deliveries}
    assert len(hook.deliveries) == 3 and len(ids) == 1  # the same alert, the same id every time
    assert len(hook.unique) == 1
    assert all(d.verified for d in hook.deliveries)


def test_alerts_test_command_says_what_failed(tmp_path: Path, fda_mirror: MirrorServer) -> None:
    smtp = SmtpReceiver(free_port())
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", fda_sources(fda_mirror), smtp),
                        f"sqlite:///{tmp_path / 'r.db'}")
    down = regwatch("alerts", "test", "mail")
    assert down.returncode == 1 and "connection refused" in down.stderr
    with smtp:
        assert regwatch("alerts", "test", "mail").returncode == 0
    assert len(smtp.messages) == 1
    unknown = regwatch("alerts", "test", "nope")
    assert unknown.returncode == 2 and "no channel named 'nope'" in unknown.stderr
