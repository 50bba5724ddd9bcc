"""A failed alert waits out an exponential backoff before its next attempt, then is parked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from regwatch.alerts.outbox import Policy, deliver, enqueue
from regwatch.alerts.types import DeliveryError, Message
from regwatch.store.db import open_store
from regwatch.store.models import Change, OutboxItem, Source
from regwatch.store.models import Document as DocumentRow
from tests.conftest import FakeClock


class Flaky:
    name = "hook"

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def send(self, message: Message) -> None:
        self.attempts.append(message.idempotency_key)
        raise DeliveryError("HTTP 503 from hooks.example.org")


def render(session, item):  # type: ignore[no-untyped-def]
    return Message(kind="change.detected", idempotency_key=item.idempotency_key, subject="s", text="t", html="h",
                   data={})


def test_backoff_doubles_then_parks(tmp_path: Path) -> None:
    sessions = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    clock = FakeClock()
    with sessions.begin() as s:
        src = Source(name="s", agency="fda", baseline_done=True)
        s.add(src)
        s.flush()
        doc = DocumentRow(source_id=src.id, key="k", agency="fda", url="u", first_seen_at=clock(),
                          last_seen_at=clock())
        s.add(doc)
        s.flush()
        change = Change(document_id=doc.id, detected_at=clock(), kind="changed", summary="x")
        s.add(change)
        s.flush()
        enqueue(s, change, ["hook"], clock())
    channel, policy = Flaky(), Policy(max_attempts=3, backoff_seconds=60)
    tried_at = []
    for _ in range(400):  # every 10 s for a bit more than an hour
        before = len(channel.attempts)
        deliver(sessions, {"hook": channel}, render, clock, policy)
        if len(channel.attempts) > before:
            tried_at.append((clock() - FakeClock().now).total_seconds())
        clock.advance(seconds=10)
    assert tried_at == [0, 60, 180]  # at once, after 60 s, after 120 s more
    assert len(set(channel.attempts)) == 1  # the same idempotency key every time
    with sessions() as s:
        item = s.scalars(select(OutboxItem)).one()
    assert item.status == "failed" and item.attempts == 3 and "HTTP 503" in (item.last_error or "")
