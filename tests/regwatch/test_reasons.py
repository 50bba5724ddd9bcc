""""Why you got this": every alert says which subscription, topic (with the words), watch filter or deadline rule
sent it — in the email text and HTML and in the webhook's `data.reasons` (real SMTP server and receiver)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from regwatch.alerting import assess_change, deliver_all, glossary
from regwatch.alerts.routing import route
from regwatch.config import parse_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

SCHEMA = json.loads((Path(__file__).parents[2] / "alerts" / "schemas" / "webhook.v1.json").read_text())


def record(raw: dict[str, Any], text: str, title: str) -> None:
    config = parse_config(raw, env={})
    sessions = open_store(config.store.url)
    clock = FakeClock()
    with sessions.begin() as s:
        src = Source(name="nmpa-cde", agency="nmpa", baseline_done=True)
        s.add(src)
        s.flush()
        run = Run(started_at=clock(), status="ok")
        s.add(run)
        s.flush()
        s.add(SourceRun(run_id=run.id, source_id=src.id))
        ctx = RunContext(run.id, src.id, "nmpa-cde", "nmpa", False, clock(), route(config.alerts, clock),
                         assess_change(glossary(config)))
        url = "https://www.cde.org.cn/x"
        record_capture(s, ctx, Parsed("nmpa-cde", "x", url, fetched=Fetched(url, 200, {}, text.encode()),
                                      document=Document(url=url, title=title, text=text)))
    deliver_all(config, sessions, clock)


@pytest.mark.parametrize("subscribed", [True, False])
def test_reasons_name_the_subscription_topic_words_and_watch_filter(tmp_path: Path, subscribed: bool) -> None:
    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        subs = [{"channel": "hook", "agencies": ["nmpa"], "topics": ["exosomes"]},
                {"channel": "mail", "topics": ["exosomes"]}] if subscribed else []
        raw = {"store": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
               "sources": [{"name": "nmpa-cde", "agency": "nmpa", "url": "https://www.cde.org.cn/list",
                            "watch": {"keywords": ["细胞"]}}],
               "alerts": {"channels": [{"name": "hook", "type": "webhook", "url": hook.url},
                                       {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                                        "from": "r@localhost", "to": ["ra@localhost"]}],
                          "subscriptions": subs}}
        record(raw, "本指导原则适用于外泌体产品的药学研究。", "细胞来源外泌体产品药学研究技术指导原则")
        (delivery,) = hook.deliveries
        (mail,) = smtp.messages
    reasons = delivery.json["data"]["reasons"]
    jsonschema.validate(delivery.json, SCHEMA)
    if subscribed:
        assert reasons[0] == "subscription of channel hook (immediate), agency nmpa, topic exosomes via '外泌体'"
    else:
        assert reasons[0] == "channel hook: every change (no subscriptions configured)"
        assert "topic exosomes via '外泌体'" in reasons
    assert "watch keyword '细胞' via '细胞' in the title" in reasons
    text = mail.get_body(("plain",)).get_content()
    assert "Why you got this:" in text and "topic exosomes via '外泌体'" in text
    assert "Why you got this" in mail.get_body(("html",)).get_content()
