"""Deadlines recorded with versions, moves and reminders delivered once each across runs (fake clock, a real
webhook receiver and a real SMTP server on loopback), and the payloads valid against the webhook schema."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select

from regwatch.alerting import assess_change, deliver_all
from regwatch.alerts.routing import route
from regwatch.config import ConfigError, parse_config
from regwatch.deadline_alerts import reminder_threshold
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ListingSeen, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.deadlines import list_deadlines
from regwatch.store.models import Deadline, Run, Source, SourceRun, UnreadDate
from regwatch.store.versions import RunContext, record_capture, record_listing
from tests.conftest import FakeClock

SECRET = "whsec_ZGVhZGxpbmVzLXRlc3Qtc2VjcmV0LXZhbHVl"
PERIOD = "意見募集期間：令和8年11月1日～"
SCHEMA = json.loads((Path(__file__).parents[2] / "alerts" / "schemas" / "webhook.v1.json").read_text())


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def make_raw(db_url: str, hook: WebhookReceiver, smtp: SmtpReceiver, **alerts: Any) -> dict[str, Any]:
    return {"store": {"url": db_url},
            "sources": [{"name": "pmda-hub", "agency": "pmda", "url": "https://www.pmda.go.jp/x"},
                        {"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"}],
            "alerts": {"channels": [{"name": "hook", "type": "webhook", "url": hook.url, "secret_env": "HOOK_SECRET"},
                                    {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                                     "from": "r@localhost", "to": ["ra@localhost"]}], **alerts}}


class Runs:
    """Records pages the way runs do: one run row per call, the first run of the source its baseline."""

    def __init__(self, raw: dict[str, Any], clock: FakeClock) -> None:
        self.config = parse_config(raw, env={})
        self.sessions = open_store(self.config.store.url)
        self.clock = clock
        self.runs = 0
        with self.sessions.begin() as s:
            self.ids = {}
            for name, agency in (("pmda-hub", "pmda"), ("fda-guidance", "fda")):
                src = Source(name=name, agency=agency, baseline_done=False)
                s.add(src)
                s.flush()
                self.ids[name] = src.id

    def ctx(self, s: Any, source: str, agency: str) -> RunContext:
        run = Run(started_at=self.clock(), status="ok")
        s.add(run)
        s.flush()
        s.add(SourceRun(run_id=run.id, source_id=self.ids[source]))
        return RunContext(run.id, self.ids[source], source, agency, self.runs == 0, self.clock(),
                          route(self.config.alerts, self.clock), assess_change())

    def page(self, key: str, text: str) -> None:
        url = f"https://www.pmda.go.jp/{key}"
        with self.sessions.begin() as s:
            record_capture(s, self.ctx(s, "pmda-hub", "pmda"),
                           Parsed("pmda-hub", key, url, fetched=Fetched(url, 200, {}, text.encode()),
                                  document=Document(url=url, title=f"通知 {key}", text=text)))

    def catalogue(self, *entries: CatalogueEntry) -> None:
        with self.sessions.begin() as s:
            record_listing(s, self.ctx(s, "fda-guidance", "fda"),
                           ListingSeen("fda-guidance", Listing(entries, complete=True), frozenset()))

    def deliver(self) -> None:
        deliver_all(self.config, self.sessions, self.clock)

    def end_run(self) -> None:
        self.runs += 1


def types(hook: WebhookReceiver) -> list[str]:
    return [d.json["type"] for d in deadline_alerts(hook)]


def deadline_alerts(hook: WebhookReceiver) -> list[Any]:
    return [d for d in hook.deliveries if d.json["type"].startswith("deadline.")]


@pytest.mark.parametrize("left,expected", [(45, None), (30, 30), (29, 30), (8, 30), (7, 7), (2, 7), (1, 1),
                                           (0, 1), (-1, None)])
def test_the_nearest_reminder_threshold_is_due(left: int, expected: int | None) -> None:
    assert reminder_threshold(left, (30, 7, 1)) == expected


def test_reminders_and_moves_are_delivered_once_each_across_runs(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    with WebhookReceiver(secret=SECRET) as hook, SmtpReceiver() as smtp:
        runs = Runs(make_raw(db_url, hook, smtp), clock)
        runs.page("pc-1", f"意見募集について。\n{PERIOD}令和8年12月1日\n施行日は令和9年4月1日とする。")
        runs.deliver()
        runs.deliver()  # a second delivery in the same run adds nothing
        assert types(hook) == ["deadline.approaching"]  # 29 days before the close: the 30-day reminder
        first = hook.deliveries[0].json["data"]
        assert (first["kind"], first["date"], first["days_left"]) == ("comment_close", "2026-12-01", 29)
        assert first["evidence"] == "意見募集期間：令和8年11月1日～令和8年12月1日"
        assert any("deadline rule: 29 day(s) before" in r for r in first["reasons"])

        runs.end_run()
        clock.advance(days=1)
        runs.page("pc-1", f"意見募集について。\n{PERIOD}令和8年12月15日\n施行日は令和9年4月1日とする。")
        runs.deliver()
        runs.deliver()
        assert types(hook) == ["deadline.approaching", "deadline.changed"]
        moved = deadline_alerts(hook)[1].json["data"]
        assert (moved["before"], moved["after"], moved["previous_date"]) == ("2026-12-01", "2026-12-15", "2026-12-01")

        clock.advance(days=37)  # 2026-12-10: 5 days left, the 7-day reminder of the new date
        runs.deliver()
        runs.end_run()
        runs.deliver()
        assert types(hook) == ["deadline.approaching", "deadline.changed", "deadline.approaching"]
        assert deadline_alerts(hook)[2].json["data"]["days_left"] == 5
        assert [d.json["type"] for d in hook.deliveries].count("change.detected") == 1  # the wording change
        assert len(smtp.messages) == 4
        assert "Why you got this" in smtp.messages[-1].get_body(("plain",)).get_content()
        for d in hook.deliveries:
            jsonschema.validate(d.json, SCHEMA)
            assert d.verified


def test_baseline_moves_are_silent_and_catalogue_fields_win_over_text(db_url: str) -> None:
    clock = FakeClock(datetime(2026, 1, 5, tzinfo=UTC))
    with WebhookReceiver(secret=SECRET) as hook, SmtpReceiver() as smtp:
        runs = Runs(make_raw(db_url, hook, smtp, deadline_reminders=[]), clock)
        url = "https://www.fda.gov/regulatory-information/search-fda-guidance-documents/cells"
        entry = CatalogueEntry(key="cells", url=url, title="Cell products",
                               dates=(("field_comment_close_date", "03/16/2026"), ("open-comment", "Yes")))
        runs.catalogue(entry)
        runs.end_run()
        runs.catalogue(CatalogueEntry(key="cells", url=url, title="Cell products",
                                      dates=(("field_comment_close_date", "04/15/2026"), ("open-comment", "Yes"))))
        runs.deliver()
        assert types(hook) == ["deadline.changed"]
        with runs.sessions() as s:
            ((row, view),) = list_deadlines(s, today=date(2026, 1, 5))
        assert view.as_json() == {
            "kind": "comment_close", "date": "2026-04-15", "agency": "fda", "publisher": "fda-guidance",
            "document_id": row.document_id, "url": url, "title": "Cell products",
            "evidence": "field_comment_close_date: 04/15/2026", "first_seen": "2026-01-05T00:00:00+00:00",
            "previous_date": "2026-03-16"}


def test_impossible_dates_and_open_periods_are_kept_as_not_understood(db_url: str) -> None:
    with WebhookReceiver(secret=SECRET) as hook, SmtpReceiver() as smtp:
        runs = Runs(make_raw(db_url, hook, smtp), FakeClock())
        runs.page("bad", "この通知は令和8年2月30日から適用する。\n意見募集期間：令和8年5月1日～")
        with runs.sessions() as s:
            unread = sorted((u.kind, u.problem) for u in s.scalars(select(UnreadDate)))
            kinds = sorted(d.kind for d in s.scalars(select(Deadline)))
    assert unread == [("comment_close", "a period without an end"), ("effective", "not a date: '令和8年2月30日'")]
    assert kinds == ["comment_open"]  # the start of the open period is a date; nothing wrong was made up


@pytest.mark.parametrize("value,message", [
    ([30, "x"], "alerts.deadline_reminders"), ([7, 7], "each number of days may appear once"),
    (-1, "alerts.deadline_reminders"), ([-3], "alerts.deadline_reminders")])
def test_malformed_reminder_settings_are_one_line_config_errors(tmp_path: Path, value: Any, message: str) -> None:
    raw = {"store": {"url": f"sqlite:///{tmp_path / 'x.db'}"},
           "sources": [{"name": "s", "agency": "fda", "url": "https://www.fda.gov/x"}],
           "alerts": {"deadline_reminders": value}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, env={})
    assert message in str(caught.value) and "\n" not in str(caught.value)
