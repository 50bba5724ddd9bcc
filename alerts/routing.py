"""Alert routing: which channels a change goes to, at once or in a digest, by the configured subscriptions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from regwatch.alerts.outbox import enqueue
from regwatch.store.models import Change, Source
from regwatch.store.models import Document as DocumentRow
from regwatch.store.versions import Enqueue
from regwatch.store.vocabulary import Significance


class Subscription(Protocol):
    """What one channel wants (the `alerts.subscriptions` entries of the configuration)."""

    channel: str
    agencies: Sequence[str]
    sources: Sequence[str]
    topics: Sequence[str]
    kinds: Sequence[str]
    min_significance: Significance
    mode: str  # immediate | digest | weekly


class Named(Protocol):
    name: str


class Routing(Protocol):
    """The `alerts` block of the configuration, as far as routing reads it."""

    channels: Sequence[Named]
    subscriptions: Sequence[Subscription]


def route(alerts: Routing, clock: Callable[[], datetime]) -> Enqueue:
    """The outbox rows a change gets: with no subscriptions, every channel at once; otherwise each matching
    subscription's channel, at once or in the daily digest (at once wins when both match)."""
    everyone = [c.name for c in alerts.channels]

    def _enqueue(session: Session, change: Change) -> None:
        if not alerts.subscriptions:
            enqueue(session, change, everyone, clock())
            return
        matching = [s for s in alerts.subscriptions if subscribed(s, session, change)]
        enqueue(session, change, [s.channel for s in matching if s.mode == "immediate"], clock(),
                digest=[s.channel for s in matching if s.mode == "digest"],
                weekly=[s.channel for s in matching if s.mode == "weekly"])

    return _enqueue


def subscribed(sub: Subscription, session: Session, change: Change) -> bool:
    """Does `change` match every filter the subscription gives?"""
    doc = session.get(DocumentRow, change.document_id)
    source = session.get(Source, doc.source_id) if doc else None
    if doc is None or source is None:
        return False
    topics = set(change.details.topics or ())
    significance = Significance.of_change(change.kind, change.significance)
    return (
        (not sub.agencies or doc.agency in sub.agencies)
        and (not sub.sources or source.name in sub.sources)
        and (not sub.kinds or change.kind in sub.kinds)
        and (not sub.topics or bool(topics & set(sub.topics)))
        and significance.rank >= sub.min_significance.rank
    )
