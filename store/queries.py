"""Read side: the change history, documents and their versions, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from alerts.types import ChangeView
from store.models import Change, Document, Source, SourceRun, Version

KINDS = ("new", "changed", "removed", "status", "layout_changed")


class NotFound(Exception):
    """The document or version asked for does not exist; the message is meant for the user."""


@dataclass(frozen=True)
class HistoryFilter:
    agency: str | None = None
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
    text: str | None = None
    topic: str | None = None
    significance: str | None = None
    limit: int | None = None


def _history_query(f: HistoryFilter) -> Select[tuple[Change, Document, Source]]:
    q = (select(Change, Document, Source).join(Document, Change.document_id == Document.id)
         .join(Source, Document.source_id == Source.id))
    if f.agency:
        q = q.where(Document.agency == f.agency)
    if f.sources:
        q = q.where(Source.name.in_(f.sources))
    if f.since:
        q = q.where(Change.detected_at >= f.since)
    if f.until:
        q = q.where(Change.detected_at < f.until)
    if f.kind:
        q = q.where(Change.kind == f.kind)
    if f.text:
        changed_text = (select(Version.id).where(Version.document_id == Change.document_id,
                                                 Version.number == Change.to_version))
        for word in f.text.split():
            like = f"%{word}%"
            in_text = changed_text.where(Version.text.ilike(like)).exists()
            q = q.where(or_(Document.title.ilike(like), Change.summary.ilike(like), Document.docket.ilike(like),
                            in_text))
    q = q.order_by(Change.detected_at.desc(), Change.id.desc())
    return q.limit(f.limit) if f.limit and not (f.topic or f.significance) else q


def history(session: Session, f: HistoryFilter) -> list[ChangeView]:
    """The change history, newest first. Topic and significance are read from each change's details."""
    rows = (change_view(c, d, s) for c, d, s in session.execute(_history_query(f))
            if (not f.topic or f.topic in (c.details.get("topics") or ()))
            and (not f.significance or c.details.get("significance") == f.significance))
    return list(islice(rows, f.limit)) if f.limit else list(rows)


def change_view(change: Change, doc: Document, source: Source) -> ChangeView:
    return ChangeView(
        id=change.id, detected_at=change.detected_at.isoformat().replace("+00:00", "Z"), agency=doc.agency,
        source=source.name, document_id=doc.id, url=doc.url, title=doc.title, kind=change.kind,
        from_version=change.from_version, to_version=change.to_version, summary=change.summary,
    )


def load_change(session: Session, change_id: int) -> tuple[ChangeView, Change]:
    row = session.execute(select(Change, Document, Source).join(Document, Change.document_id == Document.id)
                          .join(Source, Document.source_id == Source.id).where(Change.id == change_id)).one()
    return change_view(*row), row[0]


def document(session: Session, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document with id {document_id} (see `regwatch history` for ids)")
    return doc


def version(session: Session, document_id: int, number: int | None = None, at: datetime | None = None) -> Version:
    """A document's version by number, as it stood at a moment, or the latest."""
    doc = document(session, document_id)
    q = select(Version).where(Version.document_id == doc.id)
    if number is not None:
        q = q.where(Version.number == number)
    if at is not None:
        q = q.where(Version.fetched_at <= at)
    found = session.scalar(q.order_by(Version.number.desc()).limit(1))
    if found is None:
        count = session.scalar(select(func.count()).select_from(Version).where(Version.document_id == doc.id))
        if number is not None:
            raise NotFound(f"document {document_id} has no version {number} (it has {count})")
        if at is not None:
            raise NotFound(f"document {document_id} had no version yet at {at.isoformat()}")
        raise NotFound(f"document {document_id} has no stored text yet")
    return found


def source_status(session: Session) -> dict[str, tuple[Source, SourceRun | None]]:
    """Every known source with its latest per-run summary."""
    out: dict[str, tuple[Source, SourceRun | None]] = {}
    for src in session.scalars(select(Source)):
        last = session.scalar(select(SourceRun).where(SourceRun.source_id == src.id)
                              .order_by(SourceRun.id.desc()).limit(1))
        out[src.name] = (src, last)
    return out
