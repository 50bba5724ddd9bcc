"""Helpers for the network-fault tests: a config of `page` sources on loopback hosts, `regwatch run` as a child
process (with its peak memory sampled), and the fetch ledger and versions read back from the database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import func, select

from regwatch.store.db import open_store
from regwatch.store.models import Change, Document, Fetch, SourceRun, Version

ROOT = Path(__file__).resolve().parents[2]


def loopback_hosts(n: int, first: int = 10) -> list[str]:
    """`n` distinct loopback addresses: each is its own host (own politeness slot) to the crawler."""
    return [f"127.0.0.{first + i}" for i in range(n)]


def free_port(host: str) -> int:
    """A port nothing listens on (connections to it are refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def write_config(path: Path, sources: dict[str, list[str]], hook_url: str | None = None,
                 allow_hosts: tuple[str, ...] = ("127.0.0.0/8",), **crawl: Any) -> Path:
    """One `page` source per name, with its URLs; loopback is allowed to the SSRF guard on purpose."""
    channels = [{"name": "hook", "type": "webhook", "url": hook_url, "timeout": 5}] if hook_url else []
    config = {
        "crawl": {"delay": 0, "timeout": 2, "retries": 1, "max_size_mb": 1, "recheck_days": 1, **crawl},  # full cycles
        "network": {"allow_hosts": list(allow_hosts)},
        "sources": [{"name": name, "type": "page", "start_urls": urls} for name, urls in sources.items()],
        "alerts": {"channels": channels, "backoff_seconds": 0},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float  # the child's peak resident memory (with its own children), sampled every 20 ms


def regwatch_run(config: Path, db_url: str, *args: str, timeout: float = 120, verbose: bool = False) -> RunResult:
    """`python -m regwatch --config CONFIG run`, in a child process as in production (`verbose`: with `-v`)."""
    env = {**os.environ, "REGWATCH_DATABASE_URL": db_url}
    env.pop("REGWATCH_ALLOW_HOSTS", None)  # the config allows loopback itself
    started = time.monotonic()
    proc = psutil.Popen([sys.executable, "-m", "regwatch", "--config", str(config), *(["-v"] if verbose else []),
                         "run", *args],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            except psutil.Error:
                break
            peak[0] = max(peak[0], rss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sampler.join()
    return RunResult(proc.returncode, out, err, time.monotonic() - started, peak[0] / 2**20)


class Ledger:
    """What a run left in the store, read with the product's own models."""

    def __init__(self, db_url: str) -> None:
        self.sessions = open_store(db_url)

    def fetches(self, run_id: int | None = None) -> list[Fetch]:
        with self.sessions() as session:
            query = select(Fetch).order_by(Fetch.id)
            if run_id is not None:
                query = query.where(Fetch.run_id == run_id)
            return list(session.scalars(query))

    def last_run_id(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.max(Fetch.run_id))) or 0

    def versions(self, url: str) -> list[Version]:
        """Versions of the document at `url`."""
        with self.sessions() as session:
            return list(session.scalars(select(Version).join(Document).where(Document.url == url)
                                        .order_by(Version.number)))

    def changes(self) -> list[Change]:
        with self.sessions() as session:
            return list(session.scalars(select(Change).order_by(Change.id)))

    def source_runs(self, run_id: int) -> dict[str, SourceRun]:
        from regwatch.store.models import Source

        with self.sessions() as session:
            rows = session.execute(select(Source.name, SourceRun).join(SourceRun, SourceRun.source_id == Source.id)
                                   .where(SourceRun.run_id == run_id))
            return {name: row for name, row in rows}


FAILING = ("partial", "failed")  # a source whose only document failed is `partial` today (regwatch/pipeline.py)


def reported(result: RunResult, source: str, text: str) -> bool:
    """Does the run's output report `text` for `source`: the summary's `!` line under it (partial), or the
    `source NAME failed: …` line (failed)?"""
    lines = result.stdout.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.split(" ", 1)[0] == source and lines[i + 1].strip().startswith("!") and text in lines[i + 1]:
            return True
    return any(f"source {source} " in line and text in line for line in result.stderr.splitlines())


def exit_status_agrees(result: RunResult, statuses: dict[str, SourceRun]) -> bool:
    """`regwatch run` exits 1 exactly when a source failed or was blocked."""
    return result.returncode == (1 if any(s.status in ("failed", "blocked") for s in statuses.values()) else 0)
