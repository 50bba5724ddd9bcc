"""Subscriptions route changes to channels (at once or in a daily digest); digests group by agency and
document; Apprise reaches chat services; a crash between send and record never double-delivers to a receiver
that honours the webhook id. Real SMTP server and HTTP receivers on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from regwatch.alerting import assess_change, deliver_all
from regwatch.alerts.routing import route
from regwatch.config import parse_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import OutboxItem, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

SECRET = "whsec_c3Vic2NyaXB0aW9ucy10ZXN0LXNlY3JldA=="


def make_config(tmp_path: Path, hook: WebhookReceiver, smtp: SmtpReceiver | None = None,
                subscriptions: list[dict[str, Any]] | None = None, **extra_channel: Any) -> dict[str, Any]:
    channels: list[dict[str, Any]] = [{"name": "hook", "type": "webhook", "url": hook.url, "secret_env": "HOOK_SECRET"}]
    if smtp is not None:
        channels.append({"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                         "from": "r@localhost", "to": ["ra@localhost"]})
    if extra_channel:
        channels.append(extra_channel)
    return {"store": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
            "sources": [{"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"},
                        {"name": "pmda-hub", "agency": "pmda", "url": "https://www.pmda.go.jp/x"}],
            "alerts": {"channels": channels, "subscriptions": subscriptions or []}}


def record_changes(raw: dict[str, Any], clock: FakeClock) -> None:
    """Two documents at FDA (one changed twice), one at PMDA, recorded with the config's routing."""
    config = parse_config(raw, env={})
    sessions = open_store(config.store.url)
    enqueue = route(config.alerts, clock)
    with sessions.begin() as s:
        ids = {}
        for name, agency in (("fda-guidance", "fda"), ("pmda-hub", "pmda")):
            src = Source(name=name, agency=agency, baseline_done=True)
            s.add(src)
            s.flush()
            ids[name] = src.id
    steps = [("fda-guidance", "fda", "a", "You should test."), ("fda-guidance", "fda", "b", "Exosome products."),
             ("pmda-hub", "pmda", "c", "細胞加工物の品質を確認すること。"),
             ("fda-guidance", "fda", "a", "You must test."),
             ("fda-guidance", "fda", "a", "You must test within 24 months.")]
    for source, agency, key, text in steps:
        clock.advance(minutes=5)
        with sessions.begin() as s:
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=ids[source]))
            ctx = RunContext(run.id, ids[source], source, agency, False, clock(), enqueue, assess_change())
            url = f"https://example.org/{key}"
            record_capture(s, ctx, Parsed(source, key, url, fetched=Fetched(url, 200, {}, text.encode()),
                                          document=Document(url=url, title=f"Guidance {key}", text=text)))


@pytest.fixture
def hook() -> Any:
    with WebhookReceiver(secret=SECRET) as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def outbox(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with open_store(raw["store"]["url"])() as s:
        return [(i.channel, i.status) for i in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]


def test_without_subscriptions_every_channel_gets_every_change(tmp_path: Path, hook: WebhookReceiver) -> None:
    with SmtpReceiver() as smtp:
        raw = make_config(tmp_path, hook, smtp)
        record_changes(raw, clock := FakeClock())
        assert sorted(set(outbox(raw))) == [("hook", "pending"), ("mail", "pending")]
        assert len(outbox(raw)) == 2 * 5  # 3 new + 2 changed, on two channels
        report = deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
    assert report.sent == 10 and len(smtp.messages) == 5 and len(hook.deliveries) == 5


def test_subscription_filters_agency_kind_and_mode(tmp_path: Path, hook: WebhookReceiver) -> None:
    with SmtpReceiver() as smtp:
        raw = make_config(tmp_path, hook, smtp, subscriptions=[
            {"channel": "hook", "agencies": ["pmda"]},
            {"channel": "mail", "kinds": ["changed"], "mode": "digest"},
        ])
        record_changes(raw, clock := FakeClock())
        assert outbox(raw) == [("hook", "pending"), ("mail", "digest"), ("mail", "digest")]
        report = deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
        assert report.sent == 2
        assert [d.json["data"]["agency"] for d in hook.deliveries] == ["pmda"]
        (digest,) = smtp.messages
    assert "daily digest" in digest["Subject"] and "2 changes" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()
    assert text.splitlines().count("  Guidance a") == 1  # grouped by document: one heading for both changes
    assert "changed: FDA · Guidance a · obligation: 'should' → 'must'" in text
    assert set(outbox(raw)) == {("hook", "sent"), ("mail", "sent")}


def test_digest_webhook_groups_by_agency_and_document(tmp_path: Path, hook: WebhookReceiver) -> None:
    raw = make_config(tmp_path, hook, subscriptions=[{"channel": "hook", "mode": "digest"}])
    record_changes(raw, clock := FakeClock())
    deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
    (delivery,) = hook.deliveries
    payload = delivery.json
    assert payload["type"] == "digest.daily" and delivery.verified
    groups = payload["data"]["groups"]
    assert [g["agency"] for g in groups] == ["FDA", "PMDA"]
    assert [len(d["changes"]) for d in groups[0]["documents"]] == [3, 1]  # doc a: new + 2 changes; doc b: new
    assert len(payload["data"]["changes"]) == 5
    deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
    assert len(hook.deliveries) == 1  # sent once


def test_apprise_channel_reaches_a_json_endpoint(tmp_path: Path, hook: WebhookReceiver,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with WebhookReceiver() as chat:
        monkeypatch.setenv("CHAT_URLS", chat.url.replace("http://", "json://"))
        raw = make_config(tmp_path, hook, name="chat", type="apprise", urls_env="CHAT_URLS")
        raw["alerts"]["subscriptions"] = [{"channel": "chat", "agencies": ["pmda"]}]
        record_changes(raw, clock := FakeClock())
        deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
        (message,) = chat.deliveries
    assert "PMDA" in message.json["title"] and "細胞加工物" not in message.json["title"]
    assert "new" in message.json["title"]


def test_apprise_failure_says_why(tmp_path: Path, hook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from regwatch.receivers import free_port

    monkeypatch.setenv("CHAT_URLS", f"json://127.0.0.1:{free_port()}/x")
    raw = make_config(tmp_path, hook, name="chat", type="apprise", urls_env="CHAT_URLS")
    raw["alerts"]["subscriptions"] = [{"channel": "chat"}]
    record_changes(raw, clock := FakeClock())
    report = deliver_all(parse_config(raw, env={}), open_store(raw["store"]["url"]), clock)
    assert report.retrying == 5 and "Apprise could not deliver on chat" in report.errors[0]
    assert "Connection error" in report.errors[0]


def test_crash_between_send_and_record_is_not_delivered_twice(tmp_path: Path) -> None:
    """The receiver acknowledges, then the sender is SIGKILLed before it records the send: the item stays
    `sending`, is sent again on the next delivery with the same webhook-id, and the receiver drops it."""
    victim: list[subprocess.Popen[bytes]] = []

    def kill_after_first(delivery: Any) -> None:
        if len(hook.deliveries) == 1 and victim:
            os.kill(victim[0].pid, signal.SIGKILL)

    with WebhookReceiver(secret=SECRET) as hook:
        hook.on_delivery = kill_after_first
        raw = make_config(tmp_path, hook)
        record_changes(raw, FakeClock())
        config_path = tmp_path / "c.yaml"
        config_path.write_text(yaml.safe_dump(raw))
        env = {**os.environ, "HOOK_SECRET": SECRET}
        command = [sys.executable, "-m", "regwatch", "--config", str(config_path), "alerts", "retry"]
        victim.append(subprocess.Popen(command, env=env))
        assert victim[0].wait(timeout=60) == -signal.SIGKILL
        assert ("hook", "sending") in outbox(raw)
        victim.clear()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    assert len(hook.deliveries) == 6  # one duplicate, from the one kill
    assert len(hook.unique) == 5  # a receiver that honours webhook-id processes each alert once
    assert all(status == "sent" for _, status in outbox(raw))
