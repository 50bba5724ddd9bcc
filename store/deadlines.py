"""Record the deadlines documents state, notice when one moves, and list them.

One row per (document, kind) in `deadlines`; a date that could not be read goes to `unread_dates` with its
evidence. A moved date keeps the one before in `previous_date` and adds a `changed` event (outside a source's
baseline run); the regwatch layer turns events into outbox rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regwatch.parsers.agencies import Agency
from regwatch.parsers.deadlines import Found, from_fields, from_text, not_understood, primary
from regwatch.store.models import Deadline, DeadlineEvent, Source, UnreadDate, Version
from regwatch.store.models import Document as DocumentRow

TRACKED = ("comment_close", "effective", "transition_end", "comment_open")


def slash_order(agency: str) -> str:
    """How a document of `agency` writes 01/02/2025: month first at FDA, day first elsewhere."""
    return "mdy" if agency == Agency.FDA else "dmy"


def record_text_dates(session: Session, doc: DocumentRow, text: str, version_number: int | None, now: datetime, *,
                      announce: bool) -> None:
    """The hook run when a version is recorded: the text's deadlines, stored (moves become events)."""
    record_found(session, doc.id, from_text(text, slash_order(doc.agency)), version_number, now, announce=announce)


def record_field_dates(session: Session, doc: DocumentRow, fields: Mapping[str, str], now: datetime, *,
                       announce: bool) -> None:
    """The hook run when a catalogue entry is applied: deadlines from its date fields."""
    found = from_fields(fields)
    if found:
        record_found(session, doc.id, found, None, now, announce=announce)


def record_found(session: Session, document_id: int, found: Iterable[Found], version_number: int | None,
                 now: datetime, *, announce: bool) -> None:
    """Store what was found for one document: each kind's date (a catalogue field is never overridden by the
    text), and every date that could not be read."""
    items = list(found)
    if not items:
        return
    rows = {d.kind: d for d in session.scalars(select(Deadline).where(Deadline.document_id == document_id))}
    for kind, f in primary(items).items():
        assert f.date is not None
        row = rows.get(kind)
        if row is None:
            session.add(Deadline(document_id=document_id, kind=kind, date=f.date, evidence=f.evidence, moves=0,
                                 origin=f.origin, version_number=version_number, first_seen_at=now, updated_at=now))
            continue
        if row.date == f.date or (row.origin != "text" and f.origin == "text"):
            continue
        before = row.date
        row.previous_date, row.date, row.evidence, row.origin = before, f.date, f.evidence, f.origin
        row.version_number, row.updated_at, row.moves = version_number or row.version_number, now, row.moves + 1
        if announce:
            session.flush()
            moves = session.scalar(select(func.count()).select_from(DeadlineEvent)
                                   .where(DeadlineEvent.deadline_id == row.id, DeadlineEvent.kind == "changed"))
            session.add(DeadlineEvent(deadline_id=row.id, kind="changed", key=f"changed-{row.id}-{(moves or 0) + 1}",
                                      before=before, after=f.date, days=None, created_at=now, routed=False))
    for f in not_understood(items):
        _unread(session, document_id, f, now)
    session.flush()


def _unread(session: Session, document_id: int, f: Found, now: datetime) -> None:
    digest = hashlib.sha256(f.evidence.encode("utf-8")).hexdigest()
    known = session.scalar(select(UnreadDate.id).where(UnreadDate.document_id == document_id,
                                                       UnreadDate.kind == f.kind,
                                                       UnreadDate.evidence_sha256 == digest))
    if known is None:
        session.add(UnreadDate(document_id=document_id, kind=f.kind, evidence=f.evidence, evidence_sha256=digest,
                               problem=f.problem or "not understood", origin=f.origin, first_seen_at=now))
        session.flush()


def backfill(session: Session, now: datetime) -> int:
    """Read the deadlines of every document's latest version again (for stores made before deadlines existed, or
    after the extraction improved). Moves found this way are stored without alerts. Returns documents read."""
    latest = (select(Version.document_id, func.max(Version.number).label("number"))
              .group_by(Version.document_id).subquery())
    rows = session.execute(select(DocumentRow, Version.text, Version.number)
                           .join(latest, latest.c.document_id == DocumentRow.id)
                           .join(Version, (Version.document_id == latest.c.document_id)
                                 & (Version.number == latest.c.number)))
    count = 0
    for doc, text, number in rows:
        record_text_dates(session, doc, text, number, now, announce=False)
        fields = doc.meta.get("catalogue_dates") if isinstance(doc.meta, dict) else None
        if isinstance(fields, dict):
            record_field_dates(session, doc, fields, now, announce=False)
        count += 1
    return count


@dataclass(frozen=True)
class DeadlineView:
    """One deadline as `regwatch deadlines --format json` prints it (these field names are a public contract)."""

    kind: str
    date: str
    agency: str
    publisher: str
    document_id: int
    url: str
    title: str
    evidence: str
    first_seen: str
    previous_date: str | None

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def publisher(doc: DocumentRow, source_name: str) -> str:
    """Who published the document: its issuing offices when the catalogue names them, else the source."""
    offices = doc.meta.get("offices") if isinstance(doc.meta, dict) else None
    return "; ".join(offices) if offices else source_name


def list_deadlines(session: Session, *, today: date, agency: str | None = None, kinds: Iterable[str] = (),
                   within_days: int | None = None, past: bool = False) -> list[tuple[Deadline, DeadlineView]]:
    """Deadlines by date: from today on (all, with `past`), up to `within_days` ahead, of current documents."""
    q = (select(Deadline, DocumentRow, Source.name).join(DocumentRow, Deadline.document_id == DocumentRow.id)
         .join(Source, DocumentRow.source_id == Source.id).where(DocumentRow.removed_at.is_(None)))
    if not past:
        q = q.where(Deadline.date >= today)
    if within_days is not None:
        q = q.where(Deadline.date <= date.fromordinal(today.toordinal() + within_days))
    if agency:
        q = q.where(DocumentRow.agency == agency)
    wanted = tuple(kinds)
    if wanted:
        q = q.where(Deadline.kind.in_(wanted))
    out = []
    for row, doc, source_name in session.execute(q.order_by(Deadline.date, Deadline.document_id, Deadline.kind)):
        out.append((row, view(row, doc, source_name)))
    return out


def view(row: Deadline, doc: DocumentRow, source_name: str) -> DeadlineView:
    return DeadlineView(kind=row.kind, date=row.date.isoformat(), agency=doc.agency,
                        publisher=publisher(doc, source_name), document_id=doc.id, url=doc.url,
                        title=doc.title, evidence=row.evidence,
                        first_seen=row.first_seen_at.isoformat(timespec="seconds"),
                        previous_date=row.previous_date.isoformat() if row.previous_date else None)


def unread(session: Session, agency: str | None = None) -> list[tuple[UnreadDate, DocumentRow]]:
    """The dates that could not be read, with their documents."""
    q = select(UnreadDate, DocumentRow).join(DocumentRow, UnreadDate.document_id == DocumentRow.id)
    if agency:
        q = q.where(DocumentRow.agency == agency)
    return [(u, d) for u, d in session.execute(q.order_by(UnreadDate.id))]
