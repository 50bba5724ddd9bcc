"""Definitions in the store: extracted once per version (when it is recorded, or by the backfill for versions
stored before), and read back as each document's wording of a term over time.

Rows of `definitions` / `definition_scans` are derived and rebuildable: a version scanned under an older `SCHEME`
is scanned again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from regwatch.parsers.definitions import extract
from regwatch.store.models import DefinitionRow, DefinitionScan, Document, Version

SCHEME = 1  # the extraction rules' version
BACKFILL_BATCH = 200
log = logging.getLogger(__name__)


def record_definitions(session: Session, version: Version) -> int:
    """Extract and store the definitions of one (flushed) version; returns how many. Never fails the caller:
    a bug in extraction is logged and the version stays unscanned (the backfill tries again)."""
    try:
        found = extract(version.text or "")
    except Exception:  # noqa: BLE001 - a derived index must not lose a version
        log.exception("definition extraction failed for version %s", version.id)
        return 0
    rows = [{"version_id": version.id, "document_id": version.document_id, "version_number": version.number,
             "term": d.term[:500], "term_key": d.keys[0][:200],
             "alt_keys": "|" + "|".join(d.keys[1:]) + "|" if len(d.keys) > 1 else "", "language": d.language,
             "form": d.form, "section": d.section, "sentence": d.sentence, "at": d.at} for d in found]
    if rows:  # plain inserts: no ORM object is needed for these derived rows
        session.execute(insert(DefinitionRow.__table__), rows)
    session.execute(insert(DefinitionScan.__table__).values(version_id=version.id, scheme=SCHEME, found=len(found)))
    return len(found)


def backfill(session: Session, limit: int | None = None) -> int:
    """Scan the versions not scanned yet (or under an older scheme); returns how many were scanned."""
    done = 0
    while limit is None or done < limit:
        batch = BACKFILL_BATCH if limit is None else min(BACKFILL_BATCH, limit - done)
        current = select(DefinitionScan.version_id).where(DefinitionScan.scheme == SCHEME)
        todo = list(session.scalars(select(Version).where(Version.id.not_in(current))
                                    .order_by(Version.id).limit(batch)))
        if not todo:
            break
        ids = [v.id for v in todo]
        session.execute(delete(DefinitionRow).where(DefinitionRow.version_id.in_(ids)))
        session.execute(delete(DefinitionScan).where(DefinitionScan.version_id.in_(ids)))
        for version in todo:
            record_definitions(session, version)
        session.flush()
        done += len(todo)
    return done


def squash(sentence: str) -> str:
    """A sentence compared for wording: whitespace collapsed, and none next to CJK/Hangul."""
    flat = " ".join(sentence.split())
    return re.sub(r"\s+(?=[\u3000-\u9fff\uac00-\ud7ff])|(?<=[\u3000-\u9fff\uac00-\ud7ff])\s+", "", flat)


@dataclass(frozen=True)
class Wording:
    """One wording of a term in one document, from the version it first appeared in (`since`)."""

    sentence: str
    section: str
    term: str
    version: int
    since: datetime


@dataclass(frozen=True)
class DocumentTerm:
    """A document's current wording(s) of a term and, for each, the wording before it (or None), plus the whole
    timeline of wordings, oldest first."""

    document: Document
    current: tuple[tuple[Wording, Wording | None], ...]
    timeline: tuple[Wording, ...]


def wordings(session: Session, keys: Iterable[str], at: datetime | None = None,
             agency: str | None = None) -> list[DocumentTerm]:
    """Every document that defines one of `keys` (term keys) in its version current at `at` (default: now)."""
    keys = sorted(set(keys))
    if not keys:
        return []
    match = or_(DefinitionRow.term_key.in_(keys), *(DefinitionRow.alt_keys.contains(f"|{k}|") for k in keys))
    query = select(DefinitionRow).where(match)
    if agency:
        query = query.join(Document, Document.id == DefinitionRow.document_id).where(Document.agency == agency)
    rows = list(session.scalars(query.order_by(DefinitionRow.document_id, DefinitionRow.version_number,
                                               DefinitionRow.at)))
    by_doc: dict[int, dict[int, list[DefinitionRow]]] = {}
    for row in rows:
        by_doc.setdefault(row.document_id, {}).setdefault(row.version_number, []).append(row)
    out = []
    for document_id, per_version in by_doc.items():
        found = _document_term(session, document_id, per_version, at)
        if found is not None:
            out.append(found)
    return out


def _document_term(session: Session, document_id: int, per_version: dict[int, list[DefinitionRow]],
                   at: datetime | None) -> DocumentTerm | None:
    doc = session.get(Document, document_id)
    if doc is None or (doc.removed_at is not None and (at is None or doc.removed_at <= at)):
        return None
    query = select(Version.number, Version.fetched_at).where(Version.document_id == document_id)
    if at is not None:
        query = query.where(Version.fetched_at <= at)
    versions = list(session.execute(query.order_by(Version.number)))
    if not versions:
        return None
    timeline: list[Wording] = []
    last: set[str] = set()
    for number, fetched_at in versions:
        rows = per_version.get(number, [])
        now = {squash(r.sentence): r for r in rows}
        for key, row in now.items():
            if key not in last:
                timeline.append(Wording(row.sentence, row.section, row.term, number, fetched_at))
        last = set(now)
    latest = versions[-1][0]
    current_rows = {squash(r.sentence): r for r in per_version.get(latest, [])}
    if not current_rows:
        return DocumentTerm(doc, (), tuple(timeline))
    current = []
    for key in current_rows:
        since = next(w for w in reversed(timeline) if squash(w.sentence) == key)
        earlier = [w for w in timeline if w.since <= since.since and w.version < since.version
                   and squash(w.sentence) not in current_rows]
        current.append((since, earlier[-1] if earlier else None))
    return DocumentTerm(doc, tuple(current), tuple(timeline))
