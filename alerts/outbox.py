"""The durable outbox: alerts are written with their change, then delivered, retried and parked.

Delivery protocol per item: claim it (`sending`, attempts + 1) and commit, send, then mark `sent` and commit.
The claim is a compare-and-set on (status, attempts), so of two processes that read the same item only one sends
it (on SQLite and PostgreSQL alike). A crash between the send and the second commit leaves the item `sending`;
it is sent again later with the same idempotency key (email Message-ID, webhook-id), so a receiver that honours
the key drops the duplicate. Digests follow the same protocol with `digest-sending` (see `deliver_digests`).

Bounded: each send has its channel's deadline; a channel that misses it is left alone for the rest of the
delivery (its alerts wait for a later run, the one that missed with backoff), and no new send starts once the
delivery's budget is spent (`Pacing`). So one delivery lasts at most budget + the longest channel deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from regwatch.alerts.types import Channel, DeadlineMissed, DeliveryError, Message
from regwatch.store.models import Change, OutboxItem

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


@dataclass
class Pacing:
    """What bounds one delivery: channels that missed their deadline (skipped from then on) and the time after
    which no new send starts (`budget` seconds from creation; None: no budget)."""

    budget: float | None = None
    skipped: set[str] = field(default_factory=set)
    ends_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.ends_at = time.monotonic() + self.budget if self.budget is not None else float("inf")

    def spent(self) -> bool:
        return time.monotonic() >= self.ends_at

    def missed(self, channel: str, report: DeliveryReport) -> None:
        if channel not in self.skipped:
            self.skipped.add(channel)
            report.errors.append(f"{channel}: missed its deadline; its other alerts wait for the next run")
            log.warning("channel %s missed its delivery deadline: left alone for the rest of this run", channel)


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_seconds: float = 60.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        delay = timedelta(seconds=self.backoff_seconds * 2 ** max(attempts - 1, 0))
        return now + min(delay, MAX_BACKOFF)


def deliver(sessions: sessionmaker[Session], channels: dict[str, Channel], render: Render,
            clock: Callable[[], datetime], policy: Policy, *, due_only: bool = True,
            pacing: Pacing | None = None) -> DeliveryReport:
    """Try every pending (or interrupted) item once; `due_only=False` ignores the backoff schedule."""
    report = DeliveryReport()
    pacing = pacing or Pacing()
    for item_id, channel in _pending_ids(sessions, clock(), due_only):
        if pacing.spent():
            report.errors.append("the delivery budget is spent: the remaining alerts wait for the next run")
            break
        if channel not in pacing.skipped:
            _deliver_one(sessions, item_id, channels, render, clock, policy, report, pacing)
    return report


RenderDigest = Callable[[Session, str, list[OutboxItem]], Message]
DIGEST_STATES = ("digest-sending", "digest")  # an interrupted digest first
WEEKLY_STATES = ("weekly-sending", "weekly")


def deliver_digests(sessions: sessionmaker[Session], channels: dict[str, Channel], render: RenderDigest,
                    clock: Callable[[], datetime], policy: Policy,
                    states: tuple[str, str] = DIGEST_STATES, pacing: Pacing | None = None) -> DeliveryReport:
    """Send each channel one message with all its waiting digest items; all are marked sent together.

    The items of a digest are marked `digest-sending` before it goes out. A crash between the send and the
    record leaves them so; the next delivery sends that same digest first (same items, so the same idempotency
    key, which lets the receiver drop it), and only then a digest of the items that arrived since."""
    report = DeliveryReport()
    with sessions() as session:
        names = list(session.scalars(select(OutboxItem.channel).where(OutboxItem.status.in_(states))
                                     .distinct()))
    pacing = pacing or Pacing()
    for name in names:
        for state in states:
            if name in pacing.skipped or pacing.spent():
                break
            if not _deliver_digest(sessions, name, state, channels.get(name), render, clock, policy, report,
                                   pacing, states):
                break
    return report


def _deliver_digest(sessions: sessionmaker[Session], name: str, state: str, channel: Channel | None,
                    render: RenderDigest, clock: Callable[[], datetime], policy: Policy,
                    report: DeliveryReport, pacing: Pacing, states: tuple[str, str] = DIGEST_STATES) -> bool:
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
        if isinstance(exc, DeadlineMissed):
            pacing.missed(name, report)
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


def _pending_ids(sessions: sessionmaker[Session], now: datetime, due_only: bool) -> list[tuple[int, str]]:
    q = select(OutboxItem.id, OutboxItem.channel).where(OutboxItem.status.in_(("pending", "sending")))
    if due_only:
        q = q.where(or_(OutboxItem.next_attempt_at <= now, OutboxItem.status == "sending"))
    with sessions() as session:
        return [(i, c) for i, c in session.execute(q.order_by(OutboxItem.id))]


def _deliver_one(sessions: sessionmaker[Session], item_id: int, channels: dict[str, Channel], render: Render,
                 clock: Callable[[], datetime], policy: Policy, report: DeliveryReport, pacing: Pacing) -> None:
    with sessions.begin() as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.status not in ("pending", "sending"):
            return
        channel = channels.get(item.channel)
        if channel is None:
            _fail(item, f"channel {item.channel!r} is no longer configured", report, park=True)
            return
        message = render(session, item)
        if not _claim(session, item):
            return  # another process claimed it between our read and our write: it sends it, not us
    try:
        channel.send(message)
    except DeliveryError as exc:
        if isinstance(exc, DeadlineMissed):
            pacing.missed(item.channel, report)
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


def _claim(session: Session, item: OutboxItem) -> bool:
    """Mark `item` sending (one more attempt) only if no one else did since we read it: a compare-and-set on
    (status, attempts) in one UPDATE, which SQLite (its write lock) and PostgreSQL (the row lock, then the
    re-checked WHERE) both make atomic. False when another process won."""
    seen_status, seen_attempts = item.status, item.attempts
    claimed = session.execute(update(OutboxItem)
                              .where(OutboxItem.id == item.id, OutboxItem.status == seen_status,
                                     OutboxItem.attempts == seen_attempts)
                              .values(status="sending", attempts=seen_attempts + 1)
                              .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.expunge(item)
        return False
    set_committed_value(item, "status", "sending")  # as the UPDATE left it, without a second write
    set_committed_value(item, "attempts", seen_attempts + 1)
    return True


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
