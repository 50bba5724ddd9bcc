"""What must hold in a store after any crash, and a comparable picture of a store's evidence.

Read-only: never migrates, never writes. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from regwatch.store.models import Base

MODEL_TABLES = set(Base.metadata.tables)


def read_engine(db_url: str) -> Engine:
    """A plain engine (no migration, no pragmas beyond SQLite's defaults) for looking at a store."""
    return create_engine(db_url)


def sqlite_path(db_url: str) -> Path | None:
    url = make_url(db_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def check_store(engine: Engine, db_url: str) -> list[str]:
    """Every problem found: SQLite integrity and foreign keys, orphans on every FK column of the models, blobs
    that do not re-hash to their key, fetched versions without their bytes, gaps or repeats in version
    numbers, a version that repeats its predecessor's text. Empty when the store is sound."""
    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        return []  # killed before the database was created: nothing to check
    problems = _sqlite_pragmas(path) if path is not None else []
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        problems += _orphans(conn, tables)
        if {"blobs", "versions"} <= tables:
            problems += _blobs(conn) + _versions(conn)
    return problems


def _sqlite_pragmas(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        fk = list(conn.execute("PRAGMA foreign_key_check"))
    finally:
        conn.close()
    problems = [] if integrity == ["ok"] else [f"PRAGMA integrity_check: {integrity[:5]}"]
    return problems + ([f"PRAGMA foreign_key_check: {fk[:5]}"] if fk else [])


def _orphans(conn, tables: set[str]) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            continue
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target not in tables:
                problems.append(f"{table.name}.{fk.parent.name} refers to missing table {target}")
                continue
            column, key = fk.parent.name, fk.column.name
            sql = (f"SELECT count(*) FROM {table.name} t LEFT JOIN {target} p ON t.{column} = p.{key}"
                   f" WHERE t.{column} IS NOT NULL AND p.{key} IS NULL")
            orphans = conn.execute(text(sql)).scalar_one()
            if orphans:
                problems.append(f"{orphans} row(s) of {table.name}.{fk.parent.name} point to no {target} row")
    return problems


def _blobs(conn) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    for key, size, content in conn.execute(text("SELECT sha256, size, content FROM blobs")):
        content = bytes(content)
        if hashlib.sha256(content).hexdigest() != key or len(content) != size:
            problems.append(f"blob {key[:12]}… does not re-hash to its key (or its size is wrong)")
    missing = conn.execute(text("SELECT count(*) FROM versions WHERE http_status IS NOT NULL AND "
                                "(raw_sha256 IS NULL OR raw_sha256 NOT IN (SELECT sha256 FROM blobs))")).scalar_one()
    return problems + ([f"{missing} fetched version(s) without their raw blob"] if missing else [])


def _versions(conn) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    rows = conn.execute(text("SELECT document_id, number, text_sha256 FROM versions ORDER BY document_id, number"))
    last: tuple[int, int, str] | None = None
    for doc, number, sha in rows:
        if last is None or last[0] != doc:
            if number != 1:
                problems.append(f"document {doc}: versions start at {number}")
        elif number != last[1] + 1:
            problems.append(f"document {doc}: version {number} follows {last[1]}")
        elif sha == last[2]:
            problems.append(f"document {doc}: version {number} repeats the text of version {last[1]}")
        last = (doc, number, sha)
    return problems


@dataclass(frozen=True)
class Picture:
    """A store's evidence, keyed by what is stable across databases and runs (never ids or times)."""

    documents: Counter[tuple]
    versions: Counter[tuple]
    changes: Counter[tuple]
    outbox: Counter[tuple]
    alert_of_key: dict[str, tuple]  # outbox idempotency key → (channel, change identity)

    def differences(self, other: Picture) -> list[str]:
        """What `other` (expected) has that this lacks, and the reverse, per kind of row."""
        out = []
        for name in ("documents", "versions", "changes", "outbox"):
            mine, theirs = getattr(self, name), getattr(other, name)
            lost, extra = theirs - mine, mine - theirs
            if lost:
                out.append(f"{name}: {sum(lost.values())} missing, e.g. {sorted(lost, key=repr)[:3]}")
            if extra:
                out.append(f"{name}: {sum(extra.values())} extra (stored twice or wrongly), "
                           f"e.g. {sorted(extra, key=repr)[:3]}")
        return out


def picture(engine: Engine, origin: str = "") -> Picture:
    """`origin` (the mirror's `http://127.0.0.1:port`) is replaced by a placeholder wherever text is compared,
    so stores filled from two mirror servers compare equal."""

    def same(value: str) -> str:
        return value.replace(origin, "<mirror>") if origin else value

    with engine.connect() as conn:
        docs = {i: (s, k) for i, s, k in conn.execute(text(
            "SELECT d.id, s.name, d.key FROM documents d JOIN sources s ON s.id = d.source_id"))}
        documents = Counter(
            (*docs[i], docs[p][1] if p else None, status, removed is not None, bool(watched))
            for i, p, status, removed, watched in conn.execute(text(
                "SELECT id, parent_id, status, removed_at, watched FROM documents")))
        versions = Counter((*docs[d], n, hashlib.sha256(same(t).encode()).hexdigest(), r)
                           for d, n, t, r in conn.execute(text("SELECT document_id, number, text, raw_sha256 "
                                                               "FROM versions")))
        rows = conn.execute(text("SELECT id, document_id, kind, from_version, to_version, summary, details "
                                 "FROM changes"))
        change_of = {i: (*docs[d], kind, f, t, same(summary), same(_canonical(details)))
                     for i, d, kind, f, t, summary, details in rows}
        items = list(conn.execute(text("SELECT change_id, channel, status, idempotency_key FROM outbox")))
    outbox = Counter((change_of[c][:5] if c else None, channel, status) for c, channel, status, _ in items)
    keys = {key: (channel, change_of[c][:5] if c else None) for c, channel, _, key in items}
    return Picture(documents, versions, Counter(change_of.values()), outbox, keys)


def _canonical(details: object) -> str:
    value = json.loads(details) if isinstance(details, str) else details
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
