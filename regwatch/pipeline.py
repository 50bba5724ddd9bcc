"""One cycle: crawl, parse, version, diff, alert (`run_once`). Scrapy's reactor runs once per process,
so a process runs at most one cycle; the scheduler starts each cycle as a child process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerting import assess_change, deliver_all, glossary, terms_of
from regwatch.alerts.outbox import DeliveryReport
from regwatch.alerts.routing import route
from regwatch.config import Config, ConfigError, SourceConfig
from regwatch.crawler.hosts import HostFigures, HostLedger
from regwatch.crawler.settings import scrapy_settings
from regwatch.crawling import crawl as crawl_here
from regwatch.parsers.agencies import NO_AGENCY
from regwatch.parsers.boilerplate import Overrides
from regwatch.plan import PlanCounts
from regwatch.recording import RunTarget, StoreSink, run_row_lock
from regwatch.store.db import StoreUnavailable, open_store, retrying, write
from regwatch.store.models import CrawlHost, Fetch, Run, Source, SourceRun
from regwatch.store.settle import settle_run
from regwatch.store.vocabulary import FetchOutcome, RunStatus

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SourceSummary:
    name: str
    status: RunStatus
    seen: int
    new: int
    changed: int
    removed: int
    unchanged: int
    errors: int
    error: str | None
    baseline: bool
    notes: tuple[str, ...] = ()  # what the run noticed without the source failing (pager, layout changed)


@dataclass
class RunSummary:
    run_id: int
    sources: list[SourceSummary]
    alerts: DeliveryReport = field(default_factory=DeliveryReport)
    hosts: list[HostFigures] = field(default_factory=list)  # requests per host and the spacing they imposed
    plans: dict[str, PlanCounts] = field(default_factory=dict)  # per catalogue/feed source: the request plan

    @property
    def failed(self) -> list[SourceSummary]:
        return [s for s in self.sources if s.status.failed]


def select_sources(config: Config, names: Sequence[str] = ()) -> list[SourceConfig]:
    """The sources a run covers: the named ones (each must exist), else every enabled one."""
    if names:
        return [config.source(n) for n in names]
    return [s for s in config.sources if s.enabled]


@dataclass
class Cycle:
    """One run's bookkeeping around a crawl: the run row, the sink, then the summary and the alerts."""

    config: Config
    sources: list[SourceConfig]
    sessions: sessionmaker[Session]
    run_id: int
    sink: StoreSink
    clock: Clock

    @classmethod
    def start(cls, config: Config, sources: list[SourceConfig], clock: Clock = utcnow, *,
              shared: bool = False) -> Cycle:
        """Start the run in the store; `shared`: several processes will record it (a distributed run)."""
        if not sources:
            raise ConfigError("no sources to run: add some under `sources` in the config")
        sessions = open_store(config.store.url, config.store.busy_timeout_seconds)
        run_id, ids, baselines = retrying(lambda: _start_run(sessions, sources, clock()))
        agencies = {s.name: s.agency or NO_AGENCY for s in sources}
        sink = store_sink(config, sessions, RunTarget(run_id, ids, agencies, baselines), clock, shared=shared)
        sink.progress.expected = retrying(lambda: _last_seen(sessions, list(ids.values()), run_id))
        return cls(config, sources, sessions, run_id, sink, clock)

    def finish(self) -> RunSummary:
        """Close the run: the summary, then the alerts. If the store failed under the crawl, record the run as
        failed (if the store lets us) and raise `StoreUnavailable` saying why."""
        if self.sink.failure is not None:
            self.abort(self.sink.failure)
        try:
            summaries = retrying(lambda: _finish_run(self.sessions, self.run_id, self.sources, self.clock()))
        except StoreUnavailable as exc:
            self.abort(str(exc))
        return RunSummary(run_id=self.run_id, sources=summaries, alerts=deliver_all(self.config, self.sessions,
                                                                                      self.clock))

    def abort(self, why: str) -> NoReturn:
        """Mark the run and its sources failed (their recorded documents stay: each was stored whole), raise."""

        def mark(session: Session) -> None:
            now = self.clock()
            run = session.get(Run, self.run_id)
            if run is not None:
                run.status, run.finished_at = "failed", now
            for row in session.scalars(select(SourceRun).where(SourceRun.run_id == self.run_id)):
                row.status, row.error = "failed", why
                source = session.get(Source, row.source_id)
                if source is not None:
                    source.last_run_at, source.last_status, source.last_error = now, "failed", why

        try:
            write(self.sessions, mark)
        except StoreUnavailable:
            raise StoreUnavailable(f"{why} (run {self.run_id} stopped; it could not be marked failed)") from None
        raise StoreUnavailable(f"{why} (run {self.run_id} stopped and recorded as failed)")


def store_sink(config: Config, sessions: sessionmaker[Session], run: RunTarget, clock: Clock, *,
               shared: bool = False) -> StoreSink:
    """The sink a cycle records into, from the configuration: its alert routing, change assessment, request plan
    and boilerplate settings; `shared`: one of several processes recording the run (every finding written at
    once under the run's row lock, validators asked of the store each time)."""
    sources = [config.source(name) for name in run.source_ids]
    return StoreSink(sessions, run, clock=clock, enqueue=route(config.alerts, clock),
                     assess=assess_change(glossary(config), terms_of(config)),
                     recheck_days=config.crawl.recheck_days,
                     boilerplate={s.name: Overrides(**s.boilerplate.model_dump()) for s in sources},
                     # shared: a unit of work is finished only once its findings are in the store, so no 304 waits
                     batch=1 if shared else StoreSink.BATCH, lock=run_row_lock(run.run_id) if shared else None,
                     cache_per_source=not shared)


def run_once(config: Config, names: Sequence[str] = (), clock: Clock = utcnow, *,
             verbose: int = 0) -> RunSummary:
    """Run one full cycle over the selected sources and deliver the alerts it produced."""
    cycle = Cycle.start(config, select_sources(config, names), clock)
    ledger = crawl(config, cycle.sources, cycle.sink, verbose=verbose)
    summary = cycle.finish()
    summary.hosts, summary.plans = ledger.figures(), dict(cycle.sink.plans)
    try:
        retrying(lambda: write(cycle.sessions, lambda session: remember_hosts(session, summary.hosts, clock())))
    except StoreUnavailable as exc:  # the estimates of `regwatch sources` only: the run itself is recorded
        log.warning("could not record the hosts' figures: %s", exc)
    return summary


def crawl(config: Config, sources: list[SourceConfig], sink: StoreSink, *, verbose: int = 0) -> HostLedger:
    """Run the agency spiders over `sources` in this process (`regwatch.crawling`); returns the requests per
    host they sent."""
    ledger = HostLedger()
    crawl_here(scrapy_settings(config.crawl, config.network.allowed()), sources, sink, verbose=verbose,
               attach=lambda agency, crawler: ledger.attach(crawler))
    return ledger


def remember_hosts(session: Session, hosts: list[HostFigures], now: datetime) -> None:
    """Keep each host's Crawl-delay and last cycle's figures for the next cycle's estimate."""
    for figures in hosts:
        row = session.get(CrawlHost, figures.host) or CrawlHost(host=figures.host)
        row.crawl_delay, row.requests = figures.robots_delay, figures.requests
        row.politeness_seconds, row.updated_at = figures.politeness, now
        session.add(row)


def _start_run(sessions: sessionmaker[Session], sources: list[SourceConfig],
               now: datetime) -> tuple[int, dict[str, int], dict[str, bool]]:
    with sessions.begin() as session:
        run = Run(started_at=now, status=RunStatus.RUNNING)
        session.add(run)
        session.flush()
        ids, baselines = {}, {}
        for src in sources:
            row = session.scalar(select(Source).where(Source.name == src.name))
            if row is None:
                row = Source(name=src.name, agency=src.agency or NO_AGENCY, baseline_done=False)
                session.add(row)
                session.flush()
            row.agency = src.agency or NO_AGENCY
            ids[src.name], baselines[src.name] = row.id, not row.baseline_done
            session.add(SourceRun(run_id=run.id, source_id=row.id, status=RunStatus.RUNNING))
        return run.id, ids, baselines


def _last_seen(sessions: sessionmaker[Session], source_ids: list[int], run_id: int) -> int:
    """How many documents the last completed run of each source checked (the progress line's estimate)."""
    with sessions() as session:
        total = 0
        for source_id in source_ids:
            seen = session.scalar(select(SourceRun.seen).join(Run, SourceRun.run_id == Run.id)
                                  .where(SourceRun.source_id == source_id, Run.id != run_id,
                                         Run.finished_at.isnot(None)).order_by(Run.id.desc()).limit(1))
            total += seen or 0
        return total


def _finish_run(sessions: sessionmaker[Session], run_id: int, sources: list[SourceConfig],
                now: datetime) -> list[SourceSummary]:
    out = []
    with sessions.begin() as session:
        settle_run(session, run_id)  # one event, one change: before any alert of this run is delivered
        for src in sources:
            source = session.scalar(select(Source).where(Source.name == src.name))
            assert source is not None
            row = session.scalar(select(SourceRun).where(SourceRun.run_id == run_id,
                                                         SourceRun.source_id == source.id))
            assert row is not None
            status, row.error = _final_status(session, run_id, source.id, row)
            row.status = status
            baseline = not source.baseline_done
            if not status.failed:
                source.baseline_done = True
            source.last_run_at, source.last_status, source.last_error = now, row.status, row.error
            out.append(SourceSummary(src.name, status, row.seen, row.new, row.changed, row.removed,
                                     row.unchanged, row.errors, row.error, baseline,
                                     tuple(row.notes.split("\n")) if row.notes else ()))
        run = session.get(Run, run_id)
        assert run is not None
        run.finished_at = now
        run.status = RunStatus.FAILED if any(s.status.failed for s in out) else RunStatus.OK
    return out


def _final_status(session: Session, run_id: int, source_id: int, row: SourceRun) -> tuple[RunStatus, str | None]:
    if RunStatus(row.status).failed:
        return RunStatus(row.status), row.error
    unfetched = (FetchOutcome.ERROR, FetchOutcome.BLOCKED)
    bad = list(session.scalars(select(Fetch).where(Fetch.run_id == run_id, Fetch.source_id == source_id,
                                                   Fetch.outcome.in_(unfetched))))
    if any(f.outcome == FetchOutcome.BLOCKED for f in bad):
        return RunStatus.BLOCKED, "blocked by the site's bot protection (backed off; nothing marked removed)"
    good = session.scalar(select(Fetch.id).where(Fetch.run_id == run_id, Fetch.source_id == source_id,
                                                 Fetch.outcome.not_in(unfetched)).limit(1))
    if bad and good is None and row.seen <= len(bad):  # nothing of this source could be checked this run
        return RunStatus.FAILED, "; ".join(sorted({f"{f.url}: {f.error}" for f in bad}))[:2000]
    if bad:
        return RunStatus.PARTIAL, f"{len(bad)} document(s) failed: " + "; ".join(f"{f.url}: {f.error}"
                                                                                  for f in bad[:5])
    return RunStatus.OK, None
