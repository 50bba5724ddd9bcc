"""The crawler's sink in production: every finding is recorded in its own short transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parsers.types import Capture, ListingSeen
from store.models import Change, SourceRun
from store.versions import Enqueue, RunContext, record_capture, record_listing, validators

log = logging.getLogger(__name__)


class StoreSink:
    """Implements `crawler.base.Sink` on top of the store."""

    def __init__(self, sessions: sessionmaker[Session], run_id: int, source_ids: dict[str, int],
                 agencies: dict[str, str], baselines: dict[str, bool], clock: Callable[[], datetime],
                 enqueue: Enqueue, describe: Callable[[str, str], str]) -> None:
        self.sessions = sessions
        self.run_id = run_id
        self.source_ids = source_ids
        self.agencies = agencies
        self.baselines = baselines
        self.clock = clock
        self.enqueue = enqueue
        self.describe = describe

    def context(self, source: str) -> RunContext:
        return RunContext(run_id=self.run_id, source_id=self.source_ids[source], source_name=source,
                          agency=self.agencies[source], baseline=self.baselines[source], now=self.clock(),
                          enqueue=self.enqueue, describe=self.describe)

    def validators(self, source: str, key: str) -> dict[str, str]:
        with self.sessions() as session:
            return validators(session, self.source_ids[source], key)

    def accept(self, item: Capture | ListingSeen) -> None:
        with self.sessions.begin() as session:
            ctx = self.context(item.source)
            if isinstance(item, ListingSeen):
                record_listing(session, ctx, item)
            else:
                record_capture(session, ctx, item)

    def source_failed(self, source: str, reason: str) -> None:
        with self.sessions.begin() as session:
            row = session.scalar(select(SourceRun).where(SourceRun.run_id == self.run_id,
                                                         SourceRun.source_id == self.source_ids[source]))
            if row is not None:
                row.status = "blocked" if "bot protection" in reason else "failed"
                row.error = reason if not row.error else f"{row.error}; {reason}"


def enqueue_all(channels: list[str], clock: Callable[[], datetime]) -> Enqueue:
    """With no subscriptions configured, every channel receives every change."""
    from alerts.outbox import enqueue

    def _enqueue(session: Session, change: Change) -> None:
        enqueue(session, change, channels, clock())

    return _enqueue
