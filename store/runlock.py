"""One `regwatch run` at a time per store, held by the operating system or the database, so a killed holder
never leaves it taken.

- SQLite: an exclusive `flock` on `<database>.run.lock` beside the database file (the kernel drops it when the
  holding process dies, however it dies);
- PostgreSQL: a session-level advisory lock, keyed by the schema, on a connection of its own (the server drops it
  when that connection ends).

Everything that delivers from the outbox holds it (`regwatch run`, `regwatch alerts retry`), so an item left
`sending` is, for the holder, one whose sender died.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from regwatch.store.db import make_engine


class StoreBusy(Exception):
    """Another run holds the store (and we were told not to wait)."""


class RunLock:
    """`acquire(wait)` then `release()`; also a context manager (waiting)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fd: int | None = None
        self._conn: Connection | None = None

    def acquire(self, wait: bool = True, waiting: Callable[[str], object] = lambda _line: None) -> None:
        """Take the lock; if another run holds it: StoreBusy (wait=False), or say so through `waiting` once and
        block until it is free."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                self._flock(Path(parsed.database).expanduser(), wait, waiting)
        elif parsed.get_backend_name() == "postgresql":
            self._advisory(wait, waiting)

    def _flock(self, database: Path, wait: bool, waiting: Callable[[str], object]) -> None:
        path = database.with_name(database.name + ".run.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 100, 0).decode(errors="replace").strip() or "?"
            line = f"another regwatch run (pid {holder}) is using this store"
            if not wait:
                os.close(fd)
                raise StoreBusy(line) from None
            waiting(f"{line}; waiting for it to finish (--no-wait exits instead)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def _advisory(self, wait: bool, waiting: Callable[[str], object]) -> None:
        conn = make_engine(self.url).connect().execution_options(isolation_level="AUTOCOMMIT")
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        key = int.from_bytes(hashlib.sha256(f"regwatch.run:{schema}".encode()).digest()[:8], "big", signed=True)
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
            line = "another regwatch run is using this store"
            if not wait:
                conn.close()
                conn.engine.dispose()
                raise StoreBusy(line)
            waiting(f"{line}; waiting for it to finish (--no-wait exits instead)")
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        self._conn = conn

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()  # the session ends: the advisory lock goes with it
                self._conn.engine.dispose()
            self._conn = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
