"""Digest cadence: daily and weekly digests, quiet days that hold digests until the next one (fake clock, real SMTP
server and webhook receiver), and one-line errors for malformed cadence settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from regwatch.alerting import deliver_all
from regwatch.alerts.routing import route
from regwatch.config import ConfigError, parse_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

SCHEMA = json.loads((Path(__file__).parents[2] / "alerts" / "schemas" / "webhook.v1.json").read_text())


def raw_config(tmp_path: Path, hook: WebhookReceiver, smtp: SmtpReceiver, **alerts: Any) -> dict[str, Any]:
    return {"store": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
            "sources": [{"name": "ema-guidelines", "agency": "ema", "url": "https://www.ema.europa.eu/x"}],
            "alerts": {"channels": [{"name": "hook", "type": "webhook", "url": hook.url},
                                    {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                                     "from": "r@localhost", "to": ["ra@localhost"]}],
                       "subscriptions": [{"channel": "hook", "mode": "weekly"}, {"channel": "mail", "mode": "digest"}],
                       **alerts}}


class Week:
    def __init__(self, raw: dict[str, Any], clock: FakeClock) -> None:
        self.config = parse_config(raw, env={})
        self.sessions = open_store(self.config.store.url)
        self.clock = clock
        with self.sessions.begin() as s:
            src = Source(name="ema-guidelines", agency="ema", baseline_done=True)
            s.add(src)
            s.flush()
            self.source_id = src.id

    def change(self, key: str) -> None:
        url = f"https://www.ema.europa.eu/{key}"
        with self.sessions.begin() as s:
            run = Run(started_at=self.clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=self.source_id))
            ctx = RunContext(run.id, self.source_id, "ema-guidelines", "ema", False, self.clock(),
                             route(self.config.alerts, self.clock))
            record_capture(s, ctx, Parsed("ema-guidelines", key, url, fetched=Fetched(url, 200, {}, key.encode()),
                                          document=Document(url=url, title=f"Guideline {key}", text=key)))

    def day(self, iso: str) -> None:
        self.clock.now = datetime.fromisoformat(f"{iso}T07:00:00+00:00")
        deliver_all(self.config, self.sessions, self.clock)


def test_weekly_digest_and_quiet_days_catch_up(tmp_path: Path) -> None:
    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        week = Week(raw_config(tmp_path, hook, smtp, weekly_digest_day="friday", quiet_days=["saturday", "sunday"]),
                    FakeClock(datetime(2026, 11, 2, 6, tzinfo=UTC)))  # a Monday
        week.change("monday-doc")
        week.day("2026-11-02")
        assert len(smtp.messages) == 1 and hook.deliveries == []  # the daily digest; the weekly one waits
        week.clock.now = datetime(2026, 11, 7, 6, tzinfo=UTC)
        week.change("saturday-doc")
        week.day("2026-11-07")  # Saturday and Sunday are quiet: nothing goes out
        week.day("2026-11-08")
        assert len(smtp.messages) == 1
        week.day("2026-11-09")  # Monday: the held daily digest catches up
        assert len(smtp.messages) == 2 and "saturday-doc" in smtp.messages[1].get_body(("plain",)).get_content()
        week.day("2026-11-10")
        assert len(smtp.messages) == 2 and hook.deliveries == []
        week.day("2026-11-13")  # Friday: the weekly digest with both changes, once
        week.day("2026-11-13")
        (weekly,) = hook.deliveries
    assert weekly.json["type"] == "digest.weekly"
    assert [c["title"] for c in weekly.json["data"]["changes"]] == ["Guideline monday-doc", "Guideline saturday-doc"]
    assert all(r for r in weekly.json["data"]["reasons"].values())
    jsonschema.validate(weekly.json, SCHEMA)
    assert "daily digest" in smtp.messages[0]["Subject"]


@pytest.mark.parametrize("alerts,message", [
    ({"weekly_digest_day": "funday"}, "alerts.weekly_digest_day"),
    ({"quiet_days": ["sunday", "someday"]}, "alerts.quiet_days"),
    ({"weekly_digest_day": "sunday", "quiet_days": ["sunday"]}, "quiet_days includes weekly_digest_day"),
    ({"subscriptions": [{"channel": "hook", "mode": "monthly"}]}, "mode"),
])
def test_malformed_cadence_settings_are_one_line_errors(tmp_path: Path, alerts: dict[str, Any],
                                                        message: str) -> None:
    raw = {"store": {"url": f"sqlite:///{tmp_path / 'x.db'}"},
           "sources": [{"name": "s", "agency": "ema", "url": "https://www.ema.europa.eu/x"}],
           "alerts": {"channels": [{"name": "hook", "type": "webhook", "url": "https://hooks.example.com/x"}],
                      **alerts}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, env={})
    assert message in str(caught.value) and "\n" not in str(caught.value)
