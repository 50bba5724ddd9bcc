"""One email per document and run: what a run found about one document (a page and its attachments) goes out as
one message on each email channel. Webhooks and chat channels keep one message per change (their contract).

Runs before the outbox's per-item delivery and follows its protocol for each group as a whole: every item of
the group is marked `sending` and committed, the one message is sent (its idempotency key is the first item's,
so a re-send after a crash carries the same Message-ID), then every item is marked `sent` — or, on failure,
retried or parked together. An item left alone in its group is left to the per-item delivery.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.outbox import DeliveryReport, Pacing, Policy, Render
from regwatch.alerts.types import Channel, DeadlineMissed, DeliveryError, Message
from regwatch.store.models import Change, Document, OutboxItem

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def deliver_grouped(sessions: sessionmaker[Session], channels: dict[str, Channel], grouped: set[str],
                    render: Render, clock: Callable[[], datetime], policy: Policy,
                    pacing: Pacing | None = None) -> DeliveryReport:
    """Send each group of two or more due items (same channel in `grouped`, same run, same document or its
    attachments) as one message; returns what happened, like `alerts.outbox.deliver`, within the same `pacing`."""
    report = DeliveryReport()
    pacing = pacing or Pacing()
    for channel, ids in _groups(sessions, grouped, clock()):
        if pacing.spent():
            break
        if channel not in pacing.skipped:
            _deliver_group(sessions, ids, channels, render, clock, policy, report, pacing)
    return report


def _groups(sessions: sessionmaker[Session], grouped: set[str], now: datetime) -> list[tuple[str, list[int]]]:
    if not grouped:
        return []
    q = (select(OutboxItem.id, OutboxItem.channel, Change.run_id, Document.id, Document.parent_id)
         .join(Change, OutboxItem.change_id == Change.id).join(Document, Change.document_id == Document.id)
         .where(OutboxItem.status == "pending", OutboxItem.channel.in_(grouped), Change.run_id.isnot(None),
                OutboxItem.next_attempt_at <= now)
         .order_by(OutboxItem.id))
    found: dict[tuple[str, int, int], list[int]] = {}
    with sessions() as session:
        for item_id, channel, run_id, doc_id, parent_id in session.execute(q):
            found.setdefault((channel, run_id, parent_id or doc_id), []).append(item_id)
    return [(key[0], ids) for key, ids in found.items() if len(ids) > 1]


def _deliver_group(sessions: sessionmaker[Session], ids: list[int], channels: dict[str, Channel], render: Render,
                   clock: Callable[[], datetime], policy: Policy, report: DeliveryReport, pacing: Pacing) -> None:
    with sessions.begin() as session:
        items = [i for i in session.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id))
                 if i.status == "pending"]
        if len(items) < 2:
            return  # taken meanwhile: the per-item delivery sees what is left
        channel = channels.get(items[0].channel)
        if channel is None:
            return
        parents_first = sorted(items, key=lambda i: (i.change.document.parent_id is not None, i.id))
        message = combine([render(session, item) for item in parents_first])
        for item in items:
            item.status, item.attempts = "sending", item.attempts + 1
    try:
        channel.send(message)
    except DeliveryError as exc:
        if isinstance(exc, DeadlineMissed):
            pacing.missed(items[0].channel, report)
        with sessions.begin() as session:
            for item in session.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids))):
                park = not exc.transient or item.attempts >= policy.max_attempts
                item.next_attempt_at = policy.next_attempt(item.attempts, clock())
                item.status, item.last_error = ("failed" if park else "pending"), exc.reason
        report.failed += 0 if exc.transient else 1
        report.retrying += 1 if exc.transient else 0
        report.errors.append(f"{message.subject}: {exc.reason}")
        return
    with sessions.begin() as session:
        for item in session.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids))):
            item.status, item.sent_at, item.last_error = "sent", clock(), None
    report.sent += 1


def combine(messages: list[Message]) -> Message:
    """One message from several about one document: the first's subject (with how many more), every body."""
    first, more = messages[0], len(messages) - 1
    subject = f"{first.subject} (+{more} more about this document)"
    text = "\n\n".join(m.text.rstrip("\n") for m in messages) + "\n"
    bodies = [(_BODY.search(m.html) or re.match(r"(.*)", m.html, re.S)).group(1) for m in messages[1:]]
    html = first.html.replace("</body>", "".join(f"<hr>{b}" for b in bodies) + "</body>", 1)
    return replace(first, subject=subject, text=text, html=html)
