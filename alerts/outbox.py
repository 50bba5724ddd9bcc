"""The durable outbox: alerts are written with their change, then delivered, retried and parked.

Delivery protocol per item: mark `sending` and commit, send, then mark `sent` and commit. A crash between
the send and the second commit leaves the item `sending`; it is sent again later with the same idempotency
key (email Message-ID, webhook-id), so a receiver that honours the key drops the duplicate. Digests follow the
same protocol with `digest-sending` (see `deliver_digests`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.types import Channel, DeliveryError, Message
from store.models import Change, OutboxItem

log = logging.getLogger(__name__)

Render = Callable[[Session, OutboxItem], Message]
MAX_BACKOFF = timedelta(hours=24)


def idempotency_key(change_id: int, channel: str) -> str:
    return f"change-{change_id}-{channel}"


def enqueue(session: Session, change: Change, channels: Iterable[str], now: datetime, *,
            digest: Iterable[str] = (), weekly: Iterable[str] = ()) -> None:
    """Add one outbox row per channel for `change`, in the caller's transaction: `pending` for immediate
    delivery, `digest` for channels that get it in the next daily digest, `weekly` in the next weekly one (the
    most frequent wins when a channel is in several)."""
    statuses: dict[str, str] = {}
    for status, names in (("pending", channels), ("digest", digest), ("weekly", weekly)):
        for name in names:
            statuses.setdefault(name, status)
    for name, status in statuses.items():
        session.add(OutboxItem(change_id=change.id, channel=name, idempotency_key=idempotency_key(change.id, name),
                               status=status, attempts=0, next_attempt_at=now, created_at=now))


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_seconds: float = 60.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        delay = timedelta(seconds=self.backoff_seconds * 2 ** max(attempts - 1, 0))
        return now + min(delay, MAX_BACKOFF)


def deliver(sessions: sessionmaker[Session], channels: dict[str, Channel], render: Render,
            clock: Callable[[], datetime], policy: Policy, *, due_only: bool = True) -> DeliveryReport:
    """Try every pending (or interrupted) item once; `due_only=False` ignores the backoff schedule."""
    report = DeliveryReport()
    for item_id in _pending_ids(sessions, clock(), due_only):
        _deliver_one(sessions, item_id, channels, render, clock, policy, report)
    return report


RenderDigest = Callable[[Session, str, list[OutboxItem]], Message]
DIGEST_STATES = ("digest-sending", "digest")  # an interrupted digest first
WEEKLY_STATES = ("weekly-sending", "weekly")


def deliver_digests(sessions: sessionmaker[Session], channels: dict[str, Channel], render: RenderDigest,
                    clock: Callable[[], datetime], policy: Policy,
                    states: tuple[str, str] = DIGEST_STATES) -> DeliveryReport:
    """Send each channel one message with all its waiting digest items; all are marked sent together.

    The items of a digest are marked `digest-sending` before it goes out. A crash between the send and the
    record leaves them so; the next delivery sends that same digest first (same items, so the same idempotency
    key, which lets the receiver drop it), and only then a digest of the items that arrived since."""
    report = DeliveryReport()
    with sessions() as session:
        names = list(session.scalars(select(OutboxItem.channel).where(OutboxItem.status.in_(states))
                                     .distinct()))
    for name in names:
        for state in states:
            if not _deliver_digest(sessions, name, state, channels.get(name), render, clock, policy, report,
                                   states):
                break
    return report


def _deliver_digest(sessions: sessionmaker[Session], name: str, state: str, channel: Channel | None,
                    render: RenderDigest, clock: Callable[[], datetime], policy: Policy,
                    report: DeliveryReport, states: tuple[str, str] = DIGEST_STATES) -> bool:
    """One digest of `name`'s items in `state`; False when it failed (the channel's other items wait)."""
    with sessions.begin() as session:
        items = list(session.scalars(select(OutboxItem).where(OutboxItem.status == state, OutboxItem.channel == name)
                                     .order_by(OutboxItem.id)))
        if not items:
            return True
        message = render(session, name, items) if channel is not None else None
        ids = [i.id for i in items]
        for item in items:
            item.status = states[0]
    try:
        if channel is None or message is None:
            raise DeliveryError(f"channel {name!r} is no longer configured", transient=False)
        channel.send(message)
    except DeliveryError as exc:
        with sessions.begin() as session:
            for item in session.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids))):
                item.attempts += 1
                park = not exc.transient or item.attempts >= policy.max_attempts
                item.status, item.last_error = ("failed" if park else states[1]), exc.reason
        report.failed += 1 if not exc.transient else 0
        report.retrying += 1 if exc.transient else 0
        report.errors.append(f"{name} (digest): {exc.reason}")
        return False
    with sessions.begin() as session:
        for item in session.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids))):
            item.status, item.sent_at, item.attempts = "sent", clock(), item.attempts + 1
    report.sent += 1
    return True


def retry_parked(session: Session, now: datetime, channel: str | None = None) -> int:
    """Move parked (failed) items back to pending; returns how many."""
    q = select(OutboxItem).where(OutboxItem.status == "failed")
    if channel:
        q = q.where(OutboxItem.channel == channel)
    items = list(session.scalars(q))
    for item in items:
        item.status, item.attempts, item.next_attempt_at = "pending", 0, now
    return len(items)


def _pending_ids(sessions: sessionmaker[Session], now: datetime, due_only: bool) -> list[int]:
    q = select(OutboxItem.id).where(OutboxItem.status.in_(("pending", "sending")))
    if due_only:
        q = q.where(or_(OutboxItem.next_attempt_at <= now, OutboxItem.status == "sending"))
    with sessions() as session:
        return list(session.scalars(q.order_by(OutboxItem.id)))


def _deliver_one(sessions: sessionmaker[Session], item_id: int, channels: dict[str, Channel], render: Render,
                 clock: Callable[[], datetime], policy: Policy, report: DeliveryReport) -> None:
    with sessions.begin() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.status not in ("pending", "sending"):
            return
        channel = channels.get(item.channel)
        if channel is None:
            _fail(item, f"channel {item.channel!r} is no longer configured", report, park=True)
            return
        message = render(session, item)
        item.status, item.attempts = "sending", item.attempts + 1
    try:
        channel.send(message)
    except DeliveryError as exc:
        with sessions.begin() as session:
            item = session.get(OutboxItem, item_id)
            assert item is not None
            park = not exc.transient or item.attempts >= policy.max_attempts
            item.next_attempt_at = policy.next_attempt(item.attempts, clock())
            _fail(item, exc.reason, report, park=park)
        return
    with sessions.begin() as session:
        item = session.get(OutboxItem, item_id)
        assert item is not None
        item.status, item.sent_at, item.last_error = "sent", clock(), None
    report.sent += 1


def _fail(item: OutboxItem, reason: str, report: DeliveryReport, *, park: bool) -> None:
    item.last_error = reason
    item.status = "failed" if park else "pending"
    if park:
        report.failed += 1
    else:
        report.retrying += 1
    report.errors.append(f"{item.channel}: {reason}")
    log.warning("alert %s on %s %s: %s", item.idempotency_key, item.channel,
                "parked" if park else "will be retried", reason)
