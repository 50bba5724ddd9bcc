"""Engines, sessions, migrations, and the store's failure rules.

SQLite: WAL, a busy timeout (`store.busy_timeout_seconds`), foreign keys on, FULL sync (this is an evidence
store), and every transaction begins IMMEDIATE, so a transaction that reads first never has to upgrade to a
write lock (the one case a busy timeout cannot help): two writers wait for each other instead of failing with
"database is locked". PostgreSQL: connections are checked before use (`pool_pre_ping`) and carry an
`application_name`.

`write` and `read` run one unit of work in its own transaction; a connection lost to a server restart is
reconnected and the unit retried (its transaction was rolled back whole), anything else that makes the store
unusable (locked past the timeout, disk full) becomes `StoreUnavailable`: one line for the user.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_SECONDS = 30.0
SQLITE_BUSY_TIMEOUT_MS = int(BUSY_TIMEOUT_SECONDS * 1000)
APPLICATION_NAME = "regwatch"
RECONNECT_PATIENCE_SECONDS = 60.0  # how long a unit of work keeps retrying while the database server restarts
_RESTART_SQLSTATES = {"57P01", "57P02", "57P03"}  # admin/crash shutdown, cannot connect now (PostgreSQL)

T = TypeVar("T")
log = logging.getLogger(__name__)
if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig


class StoreError(Exception):
    """The store cannot be opened or used; the message is meant for the user."""


class StoreUnavailable(StoreError):
    """The database failed under a running command (locked too long, disk full, server gone for good)."""


def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """Create an engine for `url` with the project's connection settings."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("store.url is not a database URL (e.g. sqlite:///regwatch.db or "
                         "postgresql+psycopg://user@host:5432/db)") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout)
    connect_args = {} if "application_name" in parsed.query or parsed.get_backend_name() != "postgresql" else {
        "application_name": APPLICATION_NAME}
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"store.url {parsed.render_as_string()!r}: database driver not available ({exc})") from None


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    busy_ms = int(busy_timeout * 1000)
    engine = create_engine(url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={busy_ms}", "foreign_keys=ON", "synchronous=FULL"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent). A store already at the newest one is only checked,
    without loading Alembic (read commands answer faster). Says at INFO (`-v`) that the store is being opened,
    whichever way it goes (the fault tests time their kills from this line)."""
    log.info("Opening the store (%s): schema check and migrations", engine.url.get_backend_name())
    if _at_head(engine):
        log.info("The store is at the newest migration")
        return
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "head")
    except Exception as exc:  # a DB that cannot be reached or written is a user-facing condition
        cause = describe(exc) if isinstance(exc, DBAPIError) else f"{type(exc).__name__}: {_first_line(exc)}"
        raise StoreError(f"cannot open or migrate the store ({engine.url.render_as_string()}): {cause}") from exc


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(.+)$", re.M)


def _heads() -> set[str]:
    """The newest migration revisions, read from the migration files (the same ones Alembic reads)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            found = set(re.findall(r"['\"]([^'\"]+)['\"]", value))
            (revisions if name == "revision" else parents).update(found)
    return revisions - parents


def _at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # noqa: BLE001 — no table yet, or the database cannot be reached: Alembic says which
        return False
    heads = _heads()
    return bool(heads) and current == heads


def open_store(url: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sessionmaker[Session]:
    """Engine + migrations + session factory, the way every command opens the store."""
    engine = make_engine(url, busy_timeout)
    migrate(engine)
    return session_factory(engine)


# --- failures --------------------------------------------------------------------------------------

def describe(exc: BaseException) -> str:
    """One line saying what went wrong with the database and what to do (never a URL with its password)."""
    orig = getattr(exc, "orig", exc)
    message = _first_line(orig)
    lowered = message.lower()
    if "database or disk is full" in lowered or "could not extend file" in lowered or "no space left" in lowered:
        return f"the database's disk is full ({message}); nothing half-stored — free space and run again"
    if "disk i/o error" in lowered:
        return f"the database could not be written ({message}; is its disk full?); free space and run again"
    if "locked" in lowered and type(orig).__module__ == "sqlite3":
        return (f"the database stayed locked by another process longer than store.busy_timeout_seconds "
                f"({message}); nothing half-stored — run again when the other writer is done")
    if is_connection_lost(exc):
        return f"lost the connection to the database server and could not reconnect ({message})"
    return f"database error: {type(orig).__name__}: {message}"


def is_connection_lost(exc: BaseException) -> bool:
    """A server restart or a dropped connection (worth reconnecting), as opposed to a statement's error."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if type(orig).__module__.startswith("sqlite3"):
        return False
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is None:  # psycopg: a connection-level failure (refused, closed, reset) has no SQLSTATE
        return type(orig).__name__ == "OperationalError"
    return sqlstate in _RESTART_SQLSTATES or sqlstate.startswith("08")


def write(sessions: sessionmaker[Session], work: Callable[[Session], T], *,
          patience: float = RECONNECT_PATIENCE_SECONDS) -> T:
    """Run `work` in one write transaction; on a lost connection reconnect and run it again (for up to
    `patience` seconds); see `retrying` for what else becomes `StoreUnavailable`."""

    def attempt() -> T:
        with sessions.begin() as session:
            return work(session)

    return retrying(attempt, patience=patience)


def read(sessions: sessionmaker[Session], work: Callable[[Session], T], *,
         patience: float = RECONNECT_PATIENCE_SECONDS) -> T:
    """Like `write`, for work that only reads."""

    def attempt() -> T:
        with sessions() as session:
            return work(session)

    return retrying(attempt, patience=patience)


def retrying(attempt: Callable[[], T], *, patience: float = RECONNECT_PATIENCE_SECONDS) -> T:
    """Call `attempt` (which opens and ends its own transaction) until it does not lose its connection;
    a failure of the database itself (locked, full, unreachable) becomes `StoreUnavailable`; a statement's own
    error (a constraint, a bug) propagates unchanged."""
    deadline = time.monotonic() + patience
    pause = 0.2
    while True:
        try:
            return attempt()
        except DBAPIError as exc:
            lost = is_connection_lost(exc)
            if not lost and not isinstance(exc, OperationalError):
                raise
            if not lost or time.monotonic() + pause > deadline:
                raise StoreUnavailable(describe(exc)) from exc
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
