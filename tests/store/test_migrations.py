"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from regwatch.store.db import make_engine, migrate
from regwatch.store.models import Base


def test_migrations_match_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= {"documents", "versions", "changes", "outbox", "blobs"}


def test_sqlite_connections_use_wal_busy_timeout_foreign_keys_and_immediate_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    import sqlite3

    import pytest

    with engine.begin() as conn:
        conn.execute(text("SELECT 1"))  # a transaction that has only read so far already holds the write lock
        other = sqlite3.connect(tmp_path / "x.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_0008_moves_document_state_into_columns_and_indexes_significance(db_url: str) -> None:
    """A store written at 0007 keeps its data: `meta` listed/baseline/validators become columns (and leave
    `meta`), each change's recorded significance is copied into its indexed column; down again restores `meta`."""
    from alembic import command
    from sqlalchemy.orm import Session

    from regwatch.store.db import alembic_config
    from regwatch.store.models import Change, Document

    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0007")
    metas = {1: {"baseline": True, "listed": True, "validators": {"If-None-Match": '"e1"'}, "topics": ["t"]},
             2: {"baseline": False, "validators": {"If-Modified-Since": "Tue, 01 Dec 2026 00:00:00 GMT"}},
             3: {"extractor": "generic"}}
    details = {1: {"significance": "obligation", "section": None, "topics": ["t"],
                   "findings": [{"kind": "obligation", "detail": "d", "section": []}]},
               2: {"significance": None, "topics": []}, 3: {"reappeared": True}, 4: {}}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, name, agency, baseline_done) VALUES (1, 's', 'fda', true)"))
        for doc_id, meta in metas.items():
            conn.execute(text("INSERT INTO documents (id, source_id, key, agency, url, title, status, meta, watched, "
                              "first_seen_at, last_seen_at, missing_runs, gone_runs) VALUES (:id, 1, :key, 'fda', "
                              "'u', 't', 'final', :meta, true, :at, :at, 0, 0)"),
                         {"id": doc_id, "key": f"k{doc_id}", "meta": json.dumps(meta), "at": "2026-12-01 00:00:00"})
        for change_id, stored in details.items():
            conn.execute(text("INSERT INTO changes (id, document_id, detected_at, kind, summary, details) "
                              "VALUES (:id, 1, :at, 'changed', 's', :details)"),
                         {"id": change_id, "details": json.dumps(stored), "at": "2026-12-01 00:00:00"})
    migrate(engine)
    assert "ix_changes_significance" in {i["name"] for i in inspect(engine).get_indexes("changes")}
    with Session(engine) as s:
        docs = {d.id: d for d in s.query(Document).order_by(Document.id)}
        assert [(d.listed, d.baseline, d.etag, d.last_modified) for d in docs.values()] == [
            (True, True, '"e1"', None), (False, False, None, "Tue, 01 Dec 2026 00:00:00 GMT"),
            (False, False, None, None)]
        assert [d.meta for d in docs.values()] == [{"topics": ["t"]}, {}, {"extractor": "generic"}]
        changes = {c.id: c for c in s.query(Change).order_by(Change.id)}
        assert {i: c.significance for i, c in changes.items()} == {1: "obligation", 2: None, 3: None, 4: None}
        assert {i: c.details.to_json() for i, c in changes.items()} == details  # the stored shape is untouched
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as conn:
        back = {i: json.loads(m) if isinstance(m, str) else m
                for i, m in conn.execute(text("SELECT id, meta FROM documents ORDER BY id"))}
    assert back == metas | {3: {"extractor": "generic", "baseline": False}}
