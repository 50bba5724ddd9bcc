"""`regwatch run --distributed`: one cycle whose crawl is done by `regwatch worker` processes on any machines.

The coordinator starts the run in the store (PostgreSQL: every worker writes to it), publishes it on Redis, seeds
the first requests into the run's queues, and waits while workers crawl: it re-queues what a dead worker held,
records as errors what it had to give up on (never silently lost), and, when no request is pending, tells the
workers to stop, computes the per-source statuses and delivers the alerts — exactly as a single-process run.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TextIO

import redis
from sqlalchemy.engine import make_url

from regwatch.config import Config, ConfigError, SourceConfig
from regwatch.crawler.board import Board, RunBoard, connect
from regwatch.crawler.distributed import RunOutlet, seed
from regwatch.crawling import by_agency, spiders
from regwatch.parsers.types import Failed
from regwatch.pipeline import Clock, Cycle, RunSummary, select_sources, utcnow

PROGRESS_EVERY = 10.0


class DistributedError(Exception):
    """Redis cannot be reached, or another coordinator is running: one line for the user."""


def redis_url(config: Config, env: dict[str, str] | None = None) -> str:
    return (os.environ if env is None else env).get("REGWATCH_REDIS_URL") or config.distributed.redis_url


def shown(url: str) -> str:
    """The Redis URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 — not a URL SQLAlchemy understands: show the scheme and host only
        return url.split("@")[-1]


def require_shared_store(config: Config) -> None:
    if make_url(config.store.url).get_backend_name() == "sqlite":
        raise ConfigError("distributed mode needs a database every machine can reach, and store.url is SQLite "
                          f"({config.store.url}): use PostgreSQL (e.g. postgresql+psycopg://host/regwatch)")


def open_board(config: Config) -> Board:
    url = redis_url(config)
    try:
        client = connect(url)
    except (redis.RedisError, ValueError) as exc:
        detail = " ".join(str(exc).split()) or "no detail"
        raise DistributedError(f"cannot reach Redis at {shown(url)} ({type(exc).__name__}: {detail}); "
                               "check distributed.redis_url or $REGWATCH_REDIS_URL") from None
    return Board(client, config.distributed.prefix)


def config_digest(config: Config) -> str:
    """What must be the same on the coordinator and every worker: the sources, the crawl, alerts and topics."""
    data = config.model_dump(mode="json", include={"sources", "crawl", "alerts", "topics"}, by_alias=True)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Coordinator:
    """One distributed run, from seeding to the drained queue."""

    config: Config
    board: Board
    cycle: Cycle
    out: TextIO = sys.stderr
    monotonic: Callable[[], float] = time.monotonic

    @property
    def run(self) -> RunBoard:
        return self.board.run(self.cycle.run_id)

    @property
    def spiders(self) -> list[str]:
        return list(by_agency(self.cycle.sources))

    def publish(self, holder: str) -> None:
        sink = self.cycle.sink
        self.board.forget_other_runs(keep=self.cycle.run_id)
        self.run.publish({**asdict(sink.run), "sources": [s.name for s in self.cycle.sources],
                          "digest": config_digest(self.config), "coordinator": holder})
        self.board.renew(holder, self.cycle.run_id, self.lease)

    @property
    def lease(self) -> float:
        return 3 * self.config.distributed.heartbeat_seconds

    def seed(self) -> int:
        """Queue every spider's start requests: the run's first."""
        sink = self.cycle.sink
        return sum(seed(spider) for spider in spiders(self.cycle.sources, sink,
                                                      lambda agency: RunOutlet(self.run, sink).parts()))

    def drain(self, holder: str) -> None:
        """Wait until no request is pending; re-queue what dead workers held; give up on what keeps failing."""
        settings = self.config.distributed
        run, started, last_shown, lonely_since = self.run, self.monotonic(), -PROGRESS_EVERY, None
        while True:
            self.board.renew(holder, run.run_id, self.lease)
            self.reconcile()
            pending = run.pending()
            if pending == 0:
                return
            workers = self.board.workers()
            now = self.monotonic()
            lonely_since = None if workers else (lonely_since or now)
            if lonely_since is not None and now - lonely_since > settings.worker_timeout_seconds:
                self.abandon(f"no worker took it within {settings.worker_timeout_seconds:g} s")
                return
            if now - last_shown >= PROGRESS_EVERY:
                last_shown = now
                self.progress(pending, workers, now - started)
            time.sleep(settings.poll_seconds)

    def progress(self, pending: int, workers: dict[str, Any], elapsed: float) -> None:
        queued = sum(self.run.queued(name) for name in self.spiders)
        done = sum(self.run.done().values())
        who = f"{len(workers)} worker(s)" if workers else "no worker yet: start `regwatch worker`"
        print(f"regwatch: run {self.cycle.run_id} ({elapsed:.0f} s): {done} requests done, {queued} queued, "
              f"{pending - queued} in flight; {who}", file=self.out, flush=True)

    def reconcile(self) -> None:
        """Requests held by a worker that stopped beating are queued again (up to `max_requeues` times), then
        recorded as errors of their source."""
        run, limit = self.run, self.config.distributed.max_requeues
        held = run.held()
        alive = self.board.alive(held.values())
        for rid, worker in held.items():
            if worker in alive:
                continue
            if run.attempts(rid) >= limit:
                self.lost(run.give_up(rid), f"its worker {worker} stopped, {limit + 1} time(s)")
            elif run.requeue(rid, worker):
                print(f"regwatch: worker {worker} stopped; its request was queued again", file=self.out, flush=True)

    def abandon(self, why: str) -> None:
        for rid in self.run.all_pending():
            self.lost(self.run.give_up(rid), why)

    def lost(self, spec: dict[str, Any], why: str) -> None:
        """Record a request nobody could finish: an error in the run's ledger, so the source shows it."""
        source, url = spec.get("source"), spec.get("url", "?")
        if source not in self.cycle.sink.run.source_ids:
            return
        reason = f"lost in the distributed crawl: {why}"
        print(f"regwatch: {source}: {url} {reason}", file=self.out, flush=True)
        if spec.get("kind") == "document":
            self.cycle.sink.accept(Failed(source=source, key=spec["key"], url=url, parent_key=spec.get("parent_key"),
                                          error=reason))
        else:
            self.cycle.sink.source_failed(source, f"listing {url} {reason}")


def run_distributed(config: Config, names: Sequence[str] = (), clock: Clock = utcnow, *,
                    out: TextIO = sys.stderr) -> RunSummary:
    """One cycle crawled by the workers: same run rows, ledger, changes and alerts as `pipeline.run_once`."""
    require_shared_store(config)
    sources: list[SourceConfig] = select_sources(config, names)
    board = open_board(config)
    holder = f"{socket.gethostname()}:{os.getpid()}"
    lease = 3 * config.distributed.heartbeat_seconds
    other = board.claim_coordinator(holder, lease)
    if other is not None:
        raise DistributedError(f"another distributed run is in progress (coordinator {other}, Redis key prefix "
                               f"{config.distributed.prefix!r}); wait for it to finish")
    state = "aborted"
    coordinator = None
    try:
        cycle = Cycle.start(config, sources, clock, shared=True)
        coordinator = Coordinator(config, board, cycle, out)
        coordinator.publish(holder)
        count = coordinator.seed()
        print(f"regwatch: run {cycle.run_id}: {count} request(s) queued for the workers "
              f"({', '.join(coordinator.spiders)})", file=out, flush=True)
        coordinator.drain(holder)
        state = "drained"
    finally:
        if coordinator is not None:
            coordinator.run.close(state)
        board.release_coordinator(holder)
    return cycle.finish()
