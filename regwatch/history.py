"""The one history query: the same filters give the same changes on the command line (`regwatch history`), in the
JSON API (`/api/changes`), its CSV (`/api/changes.csv`) and the Atom feed (`/feed.atom`).

Text and topic go through the search index (`regwatch.store.search`): folded text in every script, and a document's
topics from its catalogue, its changes and the multilingual glossary. Call `refresh_index` (or the web's index
keeper) first when `needs_index()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.topics import tag_folded
from regwatch.alerts.types import ChangeView
from regwatch.store.models import Change
from regwatch.store.queries import HistoryFilter, change_view, history_query
from regwatch.store.search import documents_containing, documents_in_topic, many_documents, refresh
from regwatch.store.settle import document_sources

FEW_DOCUMENTS = 1000


@dataclass(frozen=True)
class HistoryQuery:
    """What the history is filtered by; `until` is exclusive, `limit` None means every change."""

    agency: str | None = None
    sources: tuple[str, ...] = ()
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    topic: str | None = None
    significance: str | None = None
    review: str | None = None  # the latest review's outcome, or "unreviewed"
    limit: int | None = None
    offset: int = 0

    def needs_index(self) -> bool:
        return bool(self.text or self.topic)


def refresh_index(sessions: sessionmaker[Session], limit: int | None = None, *, rebuild_check: bool = True) -> int:
    """Bring the search index up to date, topics tagged with the built-in glossary; returns how many documents."""
    return refresh(sessions, tag_folded, limit, rebuild_check=rebuild_check)


def moment(value: str, *, end: bool = False) -> datetime:
    """YYYY-MM-DD (a whole day: as an end it includes the day) or an ISO 8601 timestamp; naive means UTC.
    Raises ValueError for anything else."""
    if len(value) == 10:
        day = date.fromisoformat(value)
        found = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    else:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def changes(session: Session, q: HistoryQuery) -> tuple[list[ChangeView], bool]:
    """The matching changes, newest first (one page of them when `limit` is set), and whether more follow."""
    query = history_query(HistoryFilter(agency=q.agency, sources=q.sources, since=q.since, until=q.until,
                                        kind=q.kind, review=q.review))
    for phrase, selection in _selections(q):
        # Few documents: find their changes by document. Many: walk the history newest first and stop at a full
        # page ("+ 0" keeps SQLite from driving the join by the document index and then sorting everything).
        many = many_documents(session, selection, phrase, FEW_DOCUMENTS)
        query = query.where((Change.document_id + 0 if many else Change.document_id).in_(selection))
    if q.significance:
        query = query.where(Change.significance == q.significance)
    if q.limit is not None:
        query = query.limit(q.limit + 1)
    found = list(session.execute(query.offset(q.offset) if q.offset else query))
    page = found if q.limit is None else found[:q.limit]
    watching = document_sources(session, {d.id: d for _, d, _ in page}.values())
    return [change_view(c, d, s, watching.get(d.id, ())) for c, d, s in page], len(found) > len(page)


def _selections(q: HistoryQuery) -> list[tuple[str | None, Select[tuple[int]]]]:
    """The document selections the text (each word) and topic filters make."""
    out: list[tuple[str | None, Select[tuple[int]]]] = [(w, documents_containing(w)) for w in (q.text or "").split()]
    return out + ([(None, documents_in_topic(q.topic))] if q.topic else [])
