"""`regwatch worker`: crawl the requests of distributed runs from the shared queue on Redis, on any machine.

`--once` waits for a run, crawls from its queues until the coordinator declares it drained, and exits; without
it, the worker waits for run after run and crawls each in a child process (Scrapy's reactor runs once per process).
A worker announces itself with a heartbeat key; what it holds when it dies is queued again by the coordinator.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

import redis
from scrapy.exceptions import ScrapyDeprecationWarning

from regwatch.config import Config, ConfigError
from regwatch.crawler.board import Board, RunBoard, worker_id
from regwatch.crawler.distributed import RunOutlet
from regwatch.crawler.settings import scrapy_settings
from regwatch.crawling import by_agency, crawl
from regwatch.distributed import DistributedError, config_digest, open_board, redis_url, require_shared_store
from regwatch.pipeline import store_sink, utcnow
from regwatch.recording import RunTarget
from regwatch.store.db import open_store
from regwatch.store.models import Run

log = logging.getLogger(__name__)


@contextmanager
def heartbeat(board: Board, worker: str, seconds: float) -> Iterator[dict[str, Any]]:
    """Keep `worker`'s key alive (3 × `seconds`) from a thread, so a busy reactor never looks dead."""
    info: dict[str, Any] = {"pid": os.getpid(), "since": time.time(), "run": None}
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(seconds):
            try:
                board.beat(worker, info, 3 * seconds)
            except redis.RedisError as exc:
                log.warning("worker heartbeat failed: %s", exc)

    board.beat(worker, info, 3 * seconds)
    thread = threading.Thread(target=beat, name="regwatch-heartbeat", daemon=True)
    thread.start()
    try:
        yield info
    finally:
        stop.set()
        thread.join(timeout=5)
        with suppress(redis.RedisError):
            board.retire(worker)


def wait_for_run(board: Board, poll: float, skip: int | None = None) -> int:
    while True:
        run_id = board.current_run()
        if run_id is not None and run_id != skip:
            return run_id
        time.sleep(poll)


def joinable(config: Config, run: RunBoard, sessions: Any) -> dict[str, Any]:
    """The run's description, once checked against this worker's configuration and store."""
    info = run.info()
    if info is None:
        raise DistributedError(f"run {run.run_id} vanished from Redis before this worker could join it")
    if info["digest"] != config_digest(config):
        raise ConfigError(f"run {run.run_id} was started with another configuration (sources, crawl, alerts or "
                          "topics differ from this worker's config file): deploy the same config.yaml everywhere")
    missing = [name for name in info["sources"] if name not in {s.name for s in config.sources}]
    if missing:
        raise ConfigError(f"run {run.run_id} crawls source {missing[0]!r}, which this worker's config lacks")
    with sessions() as session:
        row = session.get(Run, run.run_id)
    if row is None or row.status != "running":
        raise ConfigError(f"run {run.run_id} is not a running run in this worker's store ({config.store.url}): "
                          "point store.url at the coordinator's database")
    return info


def crawl_run(config: Config, run: RunBoard, info: dict[str, Any], sessions: Any, *,
              verbose: int = 0) -> dict[str, int]:
    """Crawl the run's queues here until the run is drained (the same spiders as a single-process run, given the
    run's parts, and the same sink, request plan included, made for several writers); returns the units finished
    per agency."""
    target = RunTarget(run.run_id, info["source_ids"], info["agencies"],
                       {k: bool(v) for k, v in info["baselines"].items()})
    sink = store_sink(config, sessions, target, utcnow, shared=True)
    sources = [config.source(name) for name in info["sources"]]
    outlets = {agency: RunOutlet(run, sink, config.distributed.poll_seconds) for agency in by_agency(sources)}
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    crawl(distributed_settings(config, run), sources, sink, verbose=verbose,
          parts=lambda agency: outlets[agency].parts(), attach=lambda agency, crawler: outlets[agency].attach(crawler))
    if sink.failure is not None:
        raise DistributedError(f"the store failed under the crawl: {sink.failure}")
    return {agency: outlet.tracker.finished for agency, outlet in outlets.items()}


def distributed_settings(config: Config, run: RunBoard) -> dict[str, Any]:
    """The single-process settings, with scrapy-redis's scheduler over the run's queues (the spiders' start
    requests left to the coordinator's seeding) and the pace shared by the workers."""
    base = scrapy_settings(config.crawl, config.network.allowed())
    middlewares = dict(base["DOWNLOADER_MIDDLEWARES"])
    middlewares["regwatch.crawler.distributed.SharedPaceMiddleware"] = 110
    spider_middlewares = dict(base["SPIDER_MIDDLEWARES"])
    spider_middlewares["regwatch.crawler.distributed.QueueOnlyStart"] = 0
    return base | {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "regwatch.crawler.distributed.RunQueue",
        "SCHEDULER_QUEUE_KEY": run.key("queue", "%(spider)s"),
        "DUPEFILTER_CLASS": "regwatch.crawler.distributed.RunDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": run.key("seen", "%(spider)s"),
        "SCHEDULER_PERSIST": True,  # the queues belong to the run, not to this worker: never flushed on close
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": redis_url(config),
        "CONCURRENT_REQUESTS": config.distributed.concurrency,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "SPIDER_MIDDLEWARES": spider_middlewares,
    }


def work_once(config: Config, *, verbose: int = 0, out: TextIO = sys.stdout) -> int:
    """Wait for a run, crawl it from the shared queue until it is drained, exit."""
    require_shared_store(config)
    board = open_board(config)
    worker = worker_id()
    settings = config.distributed
    with heartbeat(board, worker, settings.heartbeat_seconds) as info:
        print(f"regwatch worker {worker}: waiting for a run (Redis key prefix {settings.prefix!r})", file=out,
              flush=True)
        run_id = wait_for_run(board, settings.poll_seconds)
        run = board.run(run_id, worker)
        sessions = open_store(config.store.url)  # now: the coordinator has brought the schema up to date
        described = joinable(config, run, sessions)
        info["run"] = run_id
        print(f"regwatch worker {worker}: crawling run {run_id} ({', '.join(described['sources'])})", file=out,
              flush=True)
        finished = crawl_run(config, run, described, sessions, verbose=verbose)
    per_agency = ", ".join(f"{agency} {n}" for agency, n in sorted(finished.items()))
    print(f"regwatch worker {worker}: run {run_id} drained; {sum(finished.values())} request(s) crawled here "
          f"({per_agency})", file=out, flush=True)
    return 0


def work_forever(config: Config, config_path: Path, *, verbose: int = 0, out: TextIO = sys.stdout) -> int:
    """Wait for runs and crawl each in a child `regwatch worker --once`; SIGTERM/Ctrl-C stop it cleanly."""
    require_shared_store(config)
    board = open_board(config)
    settings = config.distributed
    print(f"regwatch worker: waiting for runs (Redis key prefix {settings.prefix!r}; Ctrl-C to stop)", file=out,
          flush=True)
    child: subprocess.Popen[bytes] | None = None
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)  # Scrapy stops gracefully; the child hands back what it held

    previous = signal.signal(signal.SIGTERM, stop)
    last: int | None = None
    try:
        while not stopping.is_set():
            try:
                run_id = board.current_run()
            except redis.RedisError as exc:
                print(f"regwatch worker: Redis unreachable ({exc}); retrying", file=out, flush=True)
                stopping.wait(max(settings.poll_seconds, 5.0))
                continue
            if run_id is None or run_id == last:
                stopping.wait(settings.poll_seconds)
                continue
            last = run_id
            command = [sys.executable, "-m", "regwatch", "--config", str(config_path), *(["-v"] * verbose),
                       "worker", "--once"]
            child = subprocess.Popen(command)
            code = child.wait()
            child = None
            if code != 0:
                print(f"regwatch worker: the crawl of run {run_id} ended with status {code}", file=out, flush=True)
    except KeyboardInterrupt:
        if child is not None:
            child.send_signal(signal.SIGTERM)
            child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


__all__ = ["crawl_run", "distributed_settings", "heartbeat", "joinable", "work_forever", "work_once"]
