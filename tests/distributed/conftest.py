"""Real parts for the distributed crawl: the Redis on 127.0.0.1:6379 (a key prefix per test, deleted after it),
PostgreSQL schemas (one per installation), and `regwatch` children started like tests.e2e's `Regwatch`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from tests.conftest import fresh_pg_schema
from tests.e2e.conftest import ROOT, SECRET, SECRET_ENV, Regwatch

REDIS_URL = os.environ.get("REGWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the real Redis; every key under it is deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but {REDIS_URL} cannot be reached ({exc})")
        pytest.skip(f"Redis not reachable at {REDIS_URL} (required and never skipped in CI)")
    prefix = f"rwtest-{uuid.uuid4().hex[:10]}"
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def pg_schema(pg_available: bool) -> Iterator[Callable[[], str]]:
    """Makes fresh PostgreSQL schemas (database URLs pointing at them); all dropped afterwards."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432 (required and never skipped in CI)")
    with ExitStack() as schemas:
        yield lambda: schemas.enter_context(fresh_pg_schema())


def distribute(config: Path, prefix: str, **settings: Any) -> Path:
    """Add a `distributed` block (the test's Redis and key prefix, quick polling) to a written config."""
    data = yaml.safe_load(config.read_text())
    data["distributed"] = {"redis_url": REDIS_URL, "prefix": prefix, "poll_seconds": 0.2, "heartbeat_seconds": 1,
                           **settings}
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return config


def spawn(regwatch: Regwatch, *args: str) -> subprocess.Popen[str]:
    """`regwatch` as a child process left running (the same environment `Regwatch.__call__` gives)."""
    env = {**os.environ, SECRET_ENV: SECRET, "REGWATCH_DATABASE_URL": regwatch.db_url,
           "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
    return subprocess.Popen([sys.executable, "-m", "regwatch", "--config", str(regwatch.config), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def finish(child: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        raise AssertionError(f"{child.args} did not finish in {timeout} s:\n{out}\n{err}") from None
    return child.returncode, out, err
