"""Read side: the change history, documents and their versions, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from regwatch.store.models import Change, Document, Source, SourceRun, Version
from regwatch.store.reviews import state_condition
from regwatch.store.settle import document_sources
from regwatch.store.views import ChangeView
from regwatch.store.vocabulary import CHANGE_KINDS

KINDS = CHANGE_KINDS


class NotFound(Exception):
    """The document or version asked for does not exist; the message is meant for the user."""


@dataclass(frozen=True)
class HistoryFilter:
    """The history's plain column filters (text and topic go through the search index: regwatch.history)."""

    agency: str | None = None
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    kind: str | None = None
    review: str | None = None  # the latest review's outcome, or "unreviewed"


def history_query(f: HistoryFilter) -> Select[tuple[Change, Document, Source]]:
    """Changes with their document and source, newest first."""
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
    if f.review:
        q = q.where(state_condition(f.review))
    return q.order_by(Change.detected_at.desc(), Change.id.desc())


def change_view(change: Change, doc: Document, source: Source, sources: tuple[str, ...] = ()) -> ChangeView:
    return ChangeView(
        id=change.id, detected_at=change.detected_at.isoformat().replace("+00:00", "Z"), agency=doc.agency,
        source=source.name, document_id=doc.id, url=doc.url, title=doc.title, kind=change.kind,
        from_version=change.from_version, to_version=change.to_version, summary=change.summary,
        publisher=publisher(doc.agency, source.name, doc.url), sources=sources or (source.name,),
    )


def load_change(session: Session, change_id: int) -> tuple[ChangeView, Change]:
    change, doc, source = session.execute(
        select(Change, Document, Source).join(Document, Change.document_id == Document.id)
        .join(Source, Document.source_id == Source.id).where(Change.id == change_id)).one()
    return change_view(change, doc, source, document_sources(session, [doc]).get(doc.id, ())), change


# Issuers published under an agency group (`agency` keeps its contract values): by host, else by source name.
_PUBLISHER_HOSTS = {"mhlw.go.jp": "MHLW", "cde.org.cn": "CDE", "pmda.go.jp": "PMDA", "nmpa.gov.cn": "NMPA",
                    "fda.gov": "FDA", "ema.europa.eu": "EMA", "mfds.go.kr": "MFDS"}


def publisher(agency: str, source_name: str, url: str) -> str:
    """Who issued a document: MHLW for a notice on mhlw.go.jp watched under `pmda`, CDE under `nmpa`, …"""
    host = (urlsplit(url).hostname or "").lower()
    for suffix, name in _PUBLISHER_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return name
    prefix = source_name.split("-", 1)[0].upper()
    return prefix if prefix in _PUBLISHER_HOSTS.values() else agency.upper()


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
