"""Deadline alerts: `deadline.approaching` reminders and `deadline.changed` moves, each put in the outbox once.

`queue_deadline_alerts` runs before every delivery: it adds an `approaching` event when a deadline comes within
one of `alerts.deadline_reminders` days (the nearest threshold only, keyed by the date, so a moved date is
reminded again), then routes every new event to the subscribed channels in the same transaction. The events'
unique keys and the outbox's idempotency keys make each alert exactly once, however often it runs.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.significance import short_title
from regwatch.alerts.types import Message
from regwatch.config import AlertsConfig, Config, SubscriptionConfig
from regwatch.store.deadlines import publisher
from regwatch.store.models import Deadline, DeadlineEvent, OutboxItem, Source
from regwatch.store.models import Document as DocumentRow

log = logging.getLogger(__name__)
REMINDED = ("comment_close", "effective", "transition_end")
LABELS = {"comment_close": "comment period closes", "effective": "takes effect", "transition_end":
          "transition period ends", "comment_open": "comment period opens"}


def queue_deadline_alerts(config: Config, sessions: sessionmaker[Session], now: datetime) -> int:
    """Add due reminders and route new deadline events into the outbox; returns the outbox rows added.

    Another process doing the same at the same moment makes one of the two transactions fail on a unique key
    (event key, idempotency key): that one adds nothing, the other's rows stand."""
    try:
        with sessions.begin() as session:
            add_reminders(session, config.alerts.deadline_reminders, now)
            return route_events(session, config.alerts, now)
    except IntegrityError:
        log.info("deadline alerts were queued by another process at the same time")
        return 0


def reminder_threshold(days_left: int, reminders: tuple[int, ...]) -> int | None:
    """The nearest reminder a deadline `days_left` away is due for (None when none is due or it has passed)."""
    if days_left < 0:
        return None
    due = [r for r in reminders if days_left <= r]
    return min(due) if due else None


def add_reminders(session: Session, reminders: tuple[int, ...], now: datetime) -> None:
    today = now.date()
    horizon = date.fromordinal(today.toordinal() + max(reminders, default=0))
    rows = session.scalars(select(Deadline).join(DocumentRow, Deadline.document_id == DocumentRow.id)
                           .where(Deadline.kind.in_(REMINDED), Deadline.date >= today, Deadline.date <= horizon,
                                  DocumentRow.removed_at.is_(None)))
    for row in rows:
        left = (row.date - today).days
        threshold = reminder_threshold(left, reminders)
        if threshold is None:
            continue
        key = f"approaching-{row.id}-{row.date.isoformat()}-{threshold}"
        if session.scalar(select(DeadlineEvent.id).where(DeadlineEvent.key == key)) is None:
            session.add(DeadlineEvent(deadline_id=row.id, kind="approaching", key=key, before=None, after=row.date,
                                      days=left, created_at=now, routed=False))
    session.flush()


def route_events(session: Session, alerts: AlertsConfig, now: datetime) -> int:
    """One outbox row per subscribed channel for every event not routed yet (deadline alerts go out at once)."""
    added = 0
    for event in session.scalars(select(DeadlineEvent).where(DeadlineEvent.routed.is_(False))
                                 .order_by(DeadlineEvent.id)):
        doc = session.get(DocumentRow, event.deadline.document_id)
        source = session.get(Source, doc.source_id) if doc else None
        channels = subscribed_channels(alerts, doc, source.name if source else "")
        for name in channels:
            session.add(OutboxItem(change_id=None, deadline_event_id=event.id, channel=name,
                                   idempotency_key=f"deadline-{event.id}-{name}", status="pending", attempts=0,
                                   next_attempt_at=now, created_at=now))
            added += 1
        event.routed = True
    session.flush()
    return added


def deadline_subscriptions(alerts: AlertsConfig, doc: DocumentRow | None,
                           source: str) -> list[tuple[SubscriptionConfig | None, str]]:
    """(subscription, channel) pairs a deadline of `doc` goes to: every channel when there are no subscriptions,
    else the subscriptions that want deadlines and whose agency, source and topic filters match."""
    if not alerts.subscriptions:
        return [(None, c.name) for c in alerts.channels]
    if doc is None:
        return []
    topics = set(doc.meta.get("topics") or ())
    return [(s, s.channel) for s in alerts.subscriptions
            if s.deadlines and (not s.agencies or doc.agency in s.agencies)
            and (not s.sources or source in s.sources) and (not s.topics or bool(topics & set(s.topics)))]


def subscribed_channels(alerts: AlertsConfig, doc: DocumentRow | None, source: str) -> list[str]:
    return list(dict.fromkeys(name for _, name in deadline_subscriptions(alerts, doc, source)))


def render_deadline(session: Session, item: OutboxItem, alerts: AlertsConfig) -> Message:
    """The message of a deadline outbox item: what date, of which document, and why it was sent."""
    event = session.get(DeadlineEvent, item.deadline_event_id)
    assert event is not None
    row = event.deadline
    doc = session.get(DocumentRow, row.document_id)
    assert doc is not None
    source = session.get(Source, doc.source_id)
    source_name = source.name if source else ""
    label = LABELS.get(row.kind, row.kind)
    title = short_title(doc.title, 200) or "(untitled)"  # the document's own title, not a generic tail
    if event.kind == "changed":
        kind = "deadline.changed"
        headline = f"date moved: {label} {event.before} → {event.after}"
    else:
        kind = "deadline.approaching"
        headline = f"{label} on {event.after} ({event.days} day{'s' if event.days != 1 else ''} left)"
    subject = f"[regwatch] {doc.agency.upper()} · {headline} · {title}"
    reasons = deadline_reasons(alerts, doc, source_name, item.channel, event)
    lines = [subject.removeprefix("[regwatch] "), "", headline, "", f"Document: {doc.url}",
             f"Publisher: {publisher(doc, source_name)}", f"Evidence: {row.evidence}", "",
             "Why you got this:", *(f"- {r}" for r in reasons)]
    text = "\n".join(lines) + "\n"
    data = {"kind": row.kind, "date": row.date.isoformat(), "agency": doc.agency,
            "publisher": publisher(doc, source_name), "document_id": doc.id, "url": doc.url, "title": doc.title,
            "evidence": row.evidence, "first_seen": row.first_seen_at.isoformat(timespec="seconds"),
            "previous_date": row.previous_date.isoformat() if row.previous_date else None,
            "before": event.before.isoformat() if event.before else None,
            "after": event.after.isoformat() if event.after else None, "days_left": event.days, "reasons": reasons}
    return Message(kind=kind, idempotency_key=item.idempotency_key, subject=subject, text=text,
                   html=_html(subject, headline, doc.url, row.evidence, reasons), data=data,
                   thread_key=f"doc-{doc.id}")


def deadline_reasons(alerts: AlertsConfig, doc: DocumentRow, source: str, channel: str,
                     event: DeadlineEvent) -> list[str]:
    """Why this channel got this deadline alert: the rule, and the subscription that let it through."""
    rule = (f"deadline rule: {event.days} day(s) before the date (alerts.deadline_reminders "
            f"{list(alerts.deadline_reminders)})" if event.kind == "approaching"
            else f"deadline rule: the stated date moved from {event.before} to {event.after}")
    subs = [s for s, name in deadline_subscriptions(alerts, doc, source) if name == channel]
    if not subs or subs == [None]:
        return [rule, f"channel {channel}: every alert (no subscriptions configured)"]
    return [rule, *(describe_subscription(s, doc.agency, source) for s in subs if s is not None)]


def describe_subscription(sub: SubscriptionConfig, agency: str, source: str) -> str:
    parts = [f"subscription of channel {sub.channel}"]
    if sub.agencies:
        parts.append(f"agency {agency}")
    if sub.sources:
        parts.append(f"source {source}")
    return ", ".join(parts)


def _html(subject: str, headline: str, url: str, evidence: str, reasons: list[str]) -> str:
    from html import escape

    link = f'<a href="{escape(url)}">{escape(url)}</a>' if url.startswith(("http://", "https://")) else escape(url)
    items = "".join(f"<li>{escape(r)}</li>" for r in reasons)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(subject)}</title></head>'
            f"<body><h1 style=\"font-size: 18px\">{escape(headline)}</h1><p>Document: {link}</p>"
            f"<p>Evidence: {escape(evidence)}</p><p><strong>Why you got this</strong></p><ul>{items}</ul>"
            "</body></html>")
