"""The crawler's sink in production: every finding is recorded in its own short transaction."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parsers.types import Capture, ListingSeen
from regwatch.config import SIGNIFICANCE, AlertsConfig, SubscriptionConfig
from store.models import Change, Source, SourceRun
from store.models import Document as DocumentRow
from store.versions import Assess, Enqueue, RunContext, children, record_capture, record_listing, validators

log = logging.getLogger(__name__)


class StoreSink:
    """Implements `crawler.base.Sink` on top of the store."""

    def __init__(self, sessions: sessionmaker[Session], run_id: int, source_ids: dict[str, int],
                 agencies: dict[str, str], baselines: dict[str, bool], clock: Callable[[], datetime],
                 enqueue: Enqueue, assess: Assess) -> None:
        self.sessions = sessions
        self.run_id = run_id
        self.source_ids = source_ids
        self.agencies = agencies
        self.baselines = baselines
        self.clock = clock
        self.enqueue = enqueue
        self.assess = assess
        self.progress = Progress()

    def context(self, source: str) -> RunContext:
        return RunContext(run_id=self.run_id, source_id=self.source_ids[source], source_name=source,
                          agency=self.agencies[source], baseline=self.baselines[source], now=self.clock(),
                          enqueue=self.enqueue, assess=self.assess)

    def validators(self, source: str, key: str) -> dict[str, str]:
        with self.sessions() as session:
            return validators(session, self.source_ids[source], key)

    def children(self, source: str, key: str) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return children(session, self.source_ids[source], key)

    def accept(self, item: Capture | ListingSeen) -> None:
        with self.sessions.begin() as session:
            ctx = self.context(item.source)
            if isinstance(item, ListingSeen):
                record_listing(session, ctx, item)
            else:
                record_capture(session, ctx, item)
        self.progress.tick(item)

    def source_failed(self, source: str, reason: str) -> None:
        with self.sessions.begin() as session:
            row = session.scalar(select(SourceRun).where(SourceRun.run_id == self.run_id,
                                                         SourceRun.source_id == self.source_ids[source]))
            if row is not None:
                row.status = "blocked" if "bot protection" in reason else "failed"
                row.error = reason if not row.error else f"{row.error}; {reason}"


class Progress:
    """A line on stderr every few seconds during a long crawl: how many documents each source has recorded."""

    EVERY = 10.0

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.last = time.monotonic()

    def tick(self, item: Capture | ListingSeen) -> None:
        if isinstance(item, Capture):
            self.counts[item.source] = self.counts.get(item.source, 0) + 1
        now = time.monotonic()
        if now - self.last >= self.EVERY:
            self.last = now
            done = ", ".join(f"{name} {n}" for name, n in sorted(self.counts.items()))
            print(f"regwatch: documents recorded so far: {done}", file=sys.stderr, flush=True)


def route(alerts: AlertsConfig, clock: Callable[[], datetime]) -> Enqueue:
    """The outbox rows a change gets: with no subscriptions, every channel at once; otherwise each matching
    subscription's channel, at once or in the daily digest (at once wins when both match)."""
    from alerts.outbox import enqueue

    everyone = [c.name for c in alerts.channels]

    def _enqueue(session: Session, change: Change) -> None:
        if not alerts.subscriptions:
            enqueue(session, change, everyone, clock())
            return
        matching = [s for s in alerts.subscriptions if subscribed(s, session, change)]
        enqueue(session, change, [s.channel for s in matching if s.mode == "immediate"], clock(),
                digest=[s.channel for s in matching if s.mode == "digest"])

    return _enqueue


def subscribed(sub: SubscriptionConfig, session: Session, change: Change) -> bool:
    """Does `change` match every filter the subscription gives?"""
    doc = session.get(DocumentRow, change.document_id)
    source = session.get(Source, doc.source_id) if doc else None
    if doc is None or source is None:
        return False
    topics = set(change.details.get("topics") or doc.meta.get("topic_tags") or ())
    significance = change.details.get("significance") or _default_significance(change.kind)
    return (
        (not sub.agencies or doc.agency in sub.agencies)
        and (not sub.sources or source.name in sub.sources)
        and (not sub.kinds or change.kind in sub.kinds)
        and (not sub.topics or bool(topics & set(sub.topics)))
        and SIGNIFICANCE.index(significance) >= SIGNIFICANCE.index(sub.min_significance)
    )


def _default_significance(kind: str) -> str:
    return {"new": "new", "removed": "removed", "status": "status"}.get(kind, "editorial")
