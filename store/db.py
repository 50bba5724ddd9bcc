"""Engines, sessions and migrations.

SQLite: WAL, a busy timeout, foreign keys on, FULL sync (this is an evidence store), and every write
transaction begins IMMEDIATE so two writers wait for each other instead of failing with "database is locked".
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The store cannot be opened or used; the message is meant for the user."""


def make_engine(url: str) -> Engine:
    """Create an engine for `url` with the project's connection settings."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"store.url {url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"store.url {url!r}: database driver not available ({exc})") from None


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                       "synchronous=FULL"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except Exception as exc:  # a DB that cannot be reached or written is a user-facing condition
        raise StoreError(f"cannot open or migrate the store ({engine.url.render_as_string()}): "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from exc


def open_store(url: str) -> sessionmaker[Session]:
    """Engine + migrations + session factory, the way every command opens the store."""
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)
