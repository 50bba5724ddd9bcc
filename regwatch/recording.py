"""The crawler's sink in production: every finding is recorded in its own short transaction, except 304s.

A 304 stores no version and raises no change — only its ledger row and the run's counters (the request plan
and a document's `last seen` read the ledger) — so those are recorded in batches (`BATCH` findings or
`BATCH_SECONDS`, whichever comes first; any other finding, a source failure and the end of the crawl write the
batch first, so the store sees everything in the order it arrived). Validators and attachment lists, asked for
before each request, are loaded once per source and kept up to date from what is recorded.

When several processes record one run (the workers of a distributed run), the same sink is made with other
parameters: every finding written at once (`batch=1`), each transaction first taking the run's row lock
(`lock=run_row_lock(run_id)`), and validators and attachment lists asked of the store each time
(`cache_per_source=False`: other processes record this run's documents too).
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.parsers.boilerplate import Overrides
from regwatch.parsers.types import Capture, CatalogueEntry, ListingSeen, NotModified
from regwatch.plan import PlanCounts, checks, reason_to_fetch
from regwatch.store.db import StoreUnavailable, read, write
from regwatch.store.models import Run, SourceRun
from regwatch.store.versions import (
    Assess,
    Enqueue,
    Recorded,
    RunContext,
    add_run_note,
    children,
    record_capture,
    record_listing,
    record_not_modified,
    source_children,
    source_validators,
    validators,
)
from regwatch.store.vocabulary import RunStatus

log = logging.getLogger(__name__)
T = TypeVar("T")
Lock = Callable[[Session], object]  # run first in each transaction that records something


@dataclass(frozen=True)
class RunTarget:
    """The run a sink records into: its id, and per source name its row id, its agency and whether this run is
    its baseline (its first complete one)."""

    run_id: int
    source_ids: dict[str, int]
    agencies: dict[str, str]
    baselines: dict[str, bool]


def run_row_lock(run_id: int) -> Lock:
    """A sink's `lock` when several processes record one run: each transaction first locks the run's row
    (SELECT … FOR UPDATE), so recordings are serialized across the processes exactly as they are in one (counters,
    shared blobs, one alert for a file reached through two sources)."""
    query = select(Run.id).where(Run.id == run_id).with_for_update()
    return lambda session: session.execute(query)


class StoreSink:
    """Implements `crawler.base.Sink` on top of the store.

    `recheck_days`: the request plan's `crawl.recheck_days` (1: every watched document, every cycle);
    `boilerplate`: each source's `boilerplate:` config; `batch`: 304s recorded per transaction; `lock`: run
    first in every transaction that records; `cache_per_source`: load validators and attachment lists once per
    source (one writer), or ask the store each time (several)."""

    BATCH = 200  # 304s recorded per transaction, by default
    BATCH_SECONDS = 1.0  # … or fewer, when the oldest has waited this long

    def __init__(self, sessions: sessionmaker[Session], run: RunTarget, *, clock: Callable[[], datetime],
                 enqueue: Enqueue, assess: Assess, recheck_days: int = 1,
                 boilerplate: dict[str, Overrides] | None = None, batch: int = BATCH, lock: Lock | None = None,
                 cache_per_source: bool = True) -> None:
        self.sessions = sessions
        self.run = run
        self.clock = clock
        self.enqueue = enqueue
        self.assess = assess
        self.recheck_days = recheck_days
        self.boilerplate: dict[str, Overrides] = boilerplate or {}  # source → its `boilerplate:` config (issue 15)
        self.batch = batch
        self.lock = lock
        self.cache_per_source = cache_per_source
        self.progress = Progress()
        self.failure: str | None = None  # set when the store became unusable: the crawl stops, nothing more stored
        self.on_failure: Callable[[], object] | None = None  # how to stop the crawl (set by whoever runs it)
        self._batch: list[Capture] = []  # 304s not yet written
        self._batch_since = 0.0
        self._validators: dict[str, dict[str, dict[str, str]]] = {}  # source → key → validators
        self._children: dict[str, dict[str, list[tuple[str, str]]]] = {}  # source → parent key → [(key, url)]
        self.plans: dict[str, PlanCounts] = {}  # source → what the request plan decided this cycle

    def _failed(self, exc: StoreUnavailable) -> None:
        log.info("store failed, stopping the crawl: %s", exc)
        if self.failure is None:
            self.failure = str(exc)
            if self.on_failure is not None:
                self.on_failure()

    def context(self, source: str) -> RunContext:
        return RunContext(run_id=self.run.run_id, source_id=self.run.source_ids[source], source_name=source,
                          agency=self.run.agencies[source], baseline=self.run.baselines[source], now=self.clock(),
                          enqueue=self.enqueue, assess=self.assess, boilerplate=self.boilerplate.get(source))

    def validators(self, source: str, key: str) -> dict[str, str]:
        if not self.cache_per_source:
            return self._fresh(lambda session: validators(session, self.run.source_ids[source], key), {})
        rows = self._per_source(self._validators, source, source_validators)
        return dict(rows.get(key, {})) if rows is not None else {}

    def children(self, source: str, key: str) -> list[tuple[str, str]]:
        if not self.cache_per_source:
            return self._fresh(lambda session: children(session, self.run.source_ids[source], key), [])
        rows = self._per_source(self._children, source, source_children)
        return list(rows.get(key, [])) if rows is not None else []

    def plan(self, source: str, entries: Sequence[CatalogueEntry]) -> set[str]:
        """Keys of the watched `entries` left alone this cycle (regwatch/plan.py); every other one is requested.
        A document never checked, or whose last check failed, is always requested."""
        counts = self.plans.setdefault(source, PlanCounts(Counter()))
        day = self.clock().date()
        try:
            known = read(self.sessions, lambda session: checks(session, self.run.source_ids[source],
                                                                [e.key for e in entries]))
        except StoreUnavailable as exc:
            self._failed(exc)
            return set()
        skipped = set()
        for entry in entries:
            reason = reason_to_fetch(entry.key, entry.changed, known.get(entry.key), day, self.recheck_days)
            if reason is None:
                skipped.add(entry.key)
            else:
                counts.requested[reason] += 1
        counts.skipped += len(skipped)
        return skipped

    def _fresh(self, query: Callable[[Session], T], fallback: T) -> T:
        try:
            return read(self.sessions, query)
        except StoreUnavailable as exc:
            self._failed(exc)
            return fallback

    def _per_source(self, cache: dict[str, dict[str, Any]], source: str,
                    query: Callable[[Session, int], dict[str, Any]]) -> dict[str, Any] | None:
        """`cache[source]`, loaded by one `query` over the whole source the first time; None when the store failed."""
        if source not in cache:
            loaded = self._fresh(lambda session: query(session, self.run.source_ids[source]), None)
            if loaded is None:
                return None
            cache[source] = loaded
        return cache[source]

    def accept(self, item: Capture | ListingSeen) -> None:
        """Record one finding in its own transaction (retried whole after a lost connection) — a 304 in the next
        batch; once the store has failed, nothing more is recorded and the crawl is being stopped."""
        if self.failure is not None:
            return
        if isinstance(item, NotModified):
            if not self._batch:
                self._batch_since = time.monotonic()
            self._batch.append(item)
            if len(self._batch) >= self.batch or time.monotonic() - self._batch_since >= self.BATCH_SECONDS:
                self.flush()
            self.progress.tick(item)
            return
        self.flush()
        if self.failure is not None:
            return
        try:
            stored = write(self.sessions, lambda session: self._record(session, item))
        except StoreUnavailable as exc:
            self._failed(exc)
            return
        self._remember(item, stored)
        self.progress.tick(item)

    def flush(self) -> None:
        """Write the batched 304s (one transaction; one at a time if the batch fails for another reason than
        the store, so a bad finding loses only itself)."""
        batch, self._batch = self._batch, []
        if not batch or self.failure is not None:
            return
        try:
            write(self.sessions, lambda session: self._record_all(session, batch))
        except StoreUnavailable as exc:
            self._failed(exc)
        except Exception:  # noqa: BLE001 — a bug in one finding's recording: keep the others
            log.exception("a batch of %d not-modified findings failed; recording them one by one", len(batch))
            for item in batch:
                try:
                    write(self.sessions, lambda session, item=item: self._record(session, item))
                except StoreUnavailable as exc:
                    self._failed(exc)
                    return
                except Exception:  # noqa: BLE001
                    log.exception("could not record %s", item.url)

    def _record_all(self, session: Session, items: list[Capture]) -> None:
        self._locked(session)
        by_source: dict[str, list[Capture]] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item)
        for source, captures in by_source.items():
            record_not_modified(session, self.context(source), captures)

    def _remember(self, item: Capture | ListingSeen, stored: Recorded | None) -> None:
        """Keep the cached validators and attachment lists as the store now has them (`stored`: what
        `record_capture` said it stored)."""
        if isinstance(item, ListingSeen) or stored is None:  # may have removed or brought back documents: load again
            self._validators.pop(item.source, None)
            self._children.pop(item.source, None)
            return
        children = self._children.get(item.source)
        if children is not None and stored.filed_under:
            siblings = children.setdefault(stored.filed_under, [])
            if all(key != item.key for key, _ in siblings):
                siblings.append((item.key, item.url))
        if children is not None and stored.named:
            known = dict(children.get(item.key, []))
            for key, url in stored.named:
                if known.get(key) != url:
                    self._validators.get(item.source, {}).pop(key, None)
                known[key] = url
            children[item.key] = list(known.items())
        if item.source in self._validators and stored.validators is not None:
            self._validators[item.source][item.key] = stored.validators

    def _locked(self, session: Session) -> None:
        if self.lock is not None:
            self.lock(session)

    def _record(self, session: Session, item: Capture | ListingSeen) -> Recorded | None:
        self._locked(session)
        ctx = self.context(item.source)
        if isinstance(item, ListingSeen):
            record_listing(session, ctx, item)
            return None
        return record_capture(session, ctx, item)

    def source_failed(self, source: str, reason: str, *, blocked: bool = False) -> None:
        """A source's listing failed; `blocked`: its site's bot protection answered."""
        self._write_run_row(lambda session: self._source_failed(session, source, reason, blocked))

    def source_notice(self, source: str, note: str) -> None:
        """One line for the run summary about a source that still worked; the same line is kept once."""
        self._write_run_row(lambda session: add_run_note(self._run_row(session, source), note))

    def _write_run_row(self, change: Callable[[Session], None]) -> None:
        self.flush()
        if self.failure is not None:
            return
        def locked(session: Session) -> None:
            self._locked(session)
            change(session)

        try:
            write(self.sessions, locked)
        except StoreUnavailable as exc:
            self._failed(exc)

    def _run_row(self, session: Session, source: str) -> SourceRun | None:
        return session.scalar(select(SourceRun).where(SourceRun.run_id == self.run.run_id,
                                                      SourceRun.source_id == self.run.source_ids[source]))

    def _source_failed(self, session: Session, source: str, reason: str, blocked: bool) -> None:
        row = self._run_row(session, source)
        if row is not None:
            row.errors += 1  # a listing that failed is an error like a document that failed, whatever the type
            row.status = RunStatus.BLOCKED if blocked else RunStatus.FAILED
            row.error = reason if not row.error else f"{row.error}; {reason}"


class Progress:
    """A line on stderr every few seconds during a long crawl: documents checked, of about how many, the time
    left at the pace so far, and each source's count. "About how many" is the larger of what the last completed
    run checked (`expected`) and what the catalogues of this run have listed for fetching so far."""

    EVERY = 10.0

    def __init__(self, expected: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.counts: dict[str, int] = {}
        self.listed: dict[str, int] = {}
        self.expected = expected
        self.clock = clock
        self.started = self.last = clock()

    def tick(self, item: Capture | ListingSeen) -> None:
        if isinstance(item, Capture):
            self.counts[item.source] = self.counts.get(item.source, 0) + 1
        else:
            self.listed[item.source] = self.listed.get(item.source, 0) + len(item.watched)
        now = self.clock()
        if now - self.last >= self.EVERY:
            self.last = now
            print(f"regwatch: {self.line(now)}", file=sys.stderr, flush=True)

    def line(self, now: float) -> str:
        done = sum(self.counts.values())
        total = max(self.expected, sum(self.listed.values()))
        per_source = ", ".join(f"{name} {n}" for name, n in sorted(self.counts.items()))
        if total <= done or done == 0:
            return f"documents recorded so far: {done} ({per_source})"
        left = (now - self.started) / done * (total - done)
        return f"documents recorded so far: {done} of about {total}, about {_duration(left)} left ({per_source})"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "1 min"
    return f"{minutes} min" if minutes < 90 else f"{minutes / 60:.1f} h"
