"""The web's read side: the change list with the CLI's filters plus full-text, topic and significance, paginated;
a document with its versions; a topic across the five agencies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regwatch.alerts.types import ChangeView
from regwatch.history import HistoryQuery, changes, moment
from regwatch.parsers.agencies import AGENCIES
from regwatch.store.models import Change, Document, Fetch, Source, Version
from regwatch.store.queries import KINDS, change_view
from regwatch.store.reviews import STATES
from regwatch.store.search import documents_in_topic
from regwatch.store.vocabulary import FetchOutcome


class BadRequest(ValueError):
    """A query parameter the user got wrong; the message names it."""


@dataclass(frozen=True)
class ListFilter(HistoryQuery):
    """The change list's filters: the history query's (the same names are the query parameters of every list
    address), 50 changes a page, and the parameters as given (`raw`, for links to the next page)."""

    limit: int | None = 50
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)


def parse_filter(args, *, default_limit: int, max_limit: int) -> ListFilter:  # type: ignore[no-untyped-def]
    """Read the filters from request arguments (a werkzeug MultiDict); raise BadRequest naming a bad one."""
    agency = _choice(args.get("agency"), AGENCIES, "agency")
    kind = _choice(args.get("kind"), KINDS, "kind")
    sources = tuple(s for s in args.getlist("source") if s)
    since = _when(args.get("since"), "since")
    until = _when(args.get("until"), "until", end=True)
    limit = _int(args.get("limit"), "limit", default_limit, 1, max_limit)
    offset = _int(args.get("offset"), "offset", 0, 0, 10_000_000)
    text = (args.get("text") or "").strip() or None
    if text and len(text) > 200:
        raise BadRequest("text: at most 200 characters")
    raw = {k: v for k, v in {"agency": agency, "source": list(sources), "kind": kind, "since": args.get("since"),
                             "until": args.get("until"), "text": text, "topic": args.get("topic") or None,
                             "significance": args.get("significance") or None}.items() if v}
    review = _choice(args.get("review"), STATES, "review")
    if review:
        raw["review"] = review
    return ListFilter(agency=agency, sources=sources, kind=kind, since=since, until=until, text=text,
                      topic=args.get("topic") or None, significance=args.get("significance") or None, review=review,
                      limit=limit, offset=offset, raw=raw)


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise BadRequest(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def whole_number(value: str | None, name: str) -> int | None:
    """A query parameter as a whole number, None when it is absent or empty; BadRequest naming it otherwise."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not a whole number") from None


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    number = whole_number(value, name)
    if number is None:
        return default
    if not low <= number <= high:
        raise BadRequest(f"{name}: must be between {low} and {high}")
    return number


def _when(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    """YYYY-MM-DD (a whole day: `until` includes it) or an ISO 8601 timestamp; naive means UTC."""
    if not value:
        return None
    try:
        return moment(value, end=end)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 timestamp") from None


def list_changes(session: Session, f: ListFilter) -> tuple[list[ChangeView], bool]:
    """One page of the history, newest first, and whether another page follows (regwatch.history's query)."""
    return changes(session, f)


def source_names(session: Session) -> list[str]:
    return list(session.scalars(select(Source.name).order_by(Source.name)))


def significance_values(session: Session) -> list[str]:
    """The significance levels recorded in changes (empty: the filter is hidden)."""
    level = Change.significance
    found = session.scalar(select(level).where(level.is_not(None)).limit(1))
    if found is None:
        return []
    return sorted(v for v in session.scalars(select(level).where(level.is_not(None)).distinct()) if v)


@dataclass(frozen=True)
class DocumentPage:
    doc: Document
    source: Source
    versions: list[Version]
    changes: list[ChangeView]
    children: list[Document]
    parent: Document | None
    last_seen: datetime  # its row's, or its latest 304's (a 304 is recorded in the ledger only)


def document_page(session: Session, document_id: int) -> DocumentPage | None:
    doc = session.get(Document, document_id)
    if doc is None:
        return None
    versions = list(session.scalars(select(Version).where(Version.document_id == doc.id)
                                    .order_by(Version.number.desc())))
    rows = session.execute(select(Change, Document, Source).join(Document, Change.document_id == Document.id)
                           .join(Source, Document.source_id == Source.id).where(Change.document_id == doc.id)
                           .order_by(Change.detected_at.desc(), Change.id.desc()).limit(500))
    children = list(session.scalars(select(Document).where(Document.parent_id == doc.id).order_by(Document.id)))
    parent = session.get(Document, doc.parent_id) if doc.parent_id else None
    source = session.get(Source, doc.source_id)
    assert source is not None
    answered = session.scalar(select(func.max(Fetch.at)).where(Fetch.document_id == doc.id,
                                                               Fetch.outcome == FetchOutcome.NOT_MODIFIED))
    last_seen = max(doc.last_seen_at, answered) if answered is not None else doc.last_seen_at
    return DocumentPage(doc, source, versions, [change_view(*r) for r in rows], children, parent, last_seen)


@dataclass(frozen=True)
class TopicEntry:
    doc: Document
    last_wording_change: datetime | None
    versions: int


def topic_documents(session: Session, topic: str, limit: int = 200) -> dict[str, list[TopicEntry]]:
    """A topic's documents per agency (the five side by side), newest wording change first."""
    wording = (select(Change.document_id, func.max(Change.detected_at).label("at"))
               .where(Change.kind == "changed").group_by(Change.document_id).subquery())
    counts = (select(Version.document_id, func.count().label("n")).group_by(Version.document_id).subquery())
    q = (select(Document, wording.c.at, counts.c.n)
         .outerjoin(wording, wording.c.document_id == Document.id)
         .outerjoin(counts, counts.c.document_id == Document.id)
         .where(Document.id.in_(documents_in_topic(topic)), Document.parent_id.is_(None))
         .order_by(Document.agency, func.coalesce(wording.c.at, Document.first_seen_at).desc()))
    out: dict[str, list[TopicEntry]] = {a: [] for a in AGENCIES}
    for doc, at, n in session.execute(q):
        column = out.setdefault(doc.agency, [])
        if len(column) < limit:
            column.append(TopicEntry(doc, at.replace(tzinfo=UTC) if at and at.tzinfo is None else at, n or 0))
    return out
