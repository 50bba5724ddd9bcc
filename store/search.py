"""The history search index: substring search over each document's title, docket, number, change summaries and
current text, in every script.

Text is folded (NFKC, then case folding) and every two-character sequence is indexed (`search_grams`), so a
two-character Japanese, Korean or Chinese word (細胞, 세포, 干细胞) is found like "exosome": the index narrows
the candidates, then the folded text is checked for the exact substring. Each document's topics are indexed too:
its catalogue's and its changes' own, and those a `Tagger` finds in its text. The index is derived data, brought
up to date from the append-only changes and versions before a search (`refresh`); it can be dropped and rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.store.details import ChangeDetails
from regwatch.store.models import Change, Document, SearchDocument, SearchGram, SearchTopic, Version

SCHEME = 1  # bump when what is indexed changes: older rows are rebuilt
MARGIN = 1000  # ids just below the high-water mark are re-checked: a transaction may commit a lower id later
BATCH = 200  # documents per transaction while (re)building
_SPACE = re.compile(r"\s+")

Tagger = Callable[[str], set[str]]
"""The topics a document's folded text names (the wiring passes alerts.topics' glossary tagger)."""


def fold(text: str) -> str:
    """The searchable form: NFKC (full-/half-width forms agree), case folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def grams(folded: str) -> set[str]:
    """Every two-character sequence without whitespace (a query word never contains whitespace)."""
    return {folded[i:i + 2] for i in range(len(folded) - 1) if not folded[i].isspace()
            and not folded[i + 1].isspace()}


def topics_of(doc: Document, haystack: str, tagger: Tagger, recorded: Iterable[object] = ()) -> set[str]:
    """The document's topics: its catalogue's own (FDA lists them), those recorded with it or its changes
    (`details.topics`), and what `tagger` finds in its folded text."""
    meta = doc.meta if isinstance(doc.meta, dict) else {}
    listed = [*(meta.get("topics") or ()), *recorded]
    return {fold(str(t)) for t in listed if str(t).strip()} | tagger(haystack)


@dataclass(frozen=True)
class Stale:
    document_id: int
    last_change_id: int
    last_version_id: int


def refresh(session_factory: sessionmaker[Session], tagger: Tagger, limit: int | None = None, *,
            rebuild_check: bool = True) -> int:
    """Index the documents whose changes or versions are newer than their index row (and, with `rebuild_check`,
    rows written under an older SCHEME: a full scan, done once per process); returns how many."""
    with session_factory() as session:
        stale = find_stale(session, rebuild_check)
    stale = stale if limit is None else stale[:limit]
    for start in range(0, len(stale), BATCH):
        with session_factory.begin() as session:
            index_documents(session, stale[start:start + BATCH], tagger)
    return len(stale)


def find_stale(session: Session, rebuild_check: bool = True) -> list[Stale]:
    mark_c = session.scalar(select(func.max(SearchDocument.last_change_id))) or 0
    mark_v = session.scalar(select(func.max(SearchDocument.last_version_id))) or 0
    latest: dict[int, list[int]] = {}
    for doc_id, top in session.execute(select(Change.document_id, func.max(Change.id))
                                       .where(Change.id > mark_c - MARGIN).group_by(Change.document_id)):
        latest.setdefault(doc_id, [0, 0])[0] = top
    for doc_id, top in session.execute(select(Version.document_id, func.max(Version.id))
                                       .where(Version.id > mark_v - MARGIN).group_by(Version.document_id)):
        latest.setdefault(doc_id, [0, 0])[1] = top
    if rebuild_check:
        for (doc_id,) in session.execute(select(SearchDocument.document_id)
                                         .where(SearchDocument.scheme != SCHEME)):
            latest.setdefault(doc_id, [0, 0])
    indexed = _indexed(session, latest)
    out = []
    for doc_id, (c, v) in sorted(latest.items()):
        row = indexed.get(doc_id)
        if row is None or row[2] != SCHEME or c > row[0] or v > row[1]:
            out.append(Stale(doc_id, max(c, row[0] if row else 0), max(v, row[1] if row else 0)))
    return out


def _indexed(session: Session, ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
    wanted = list(ids)
    found: dict[int, tuple[int, int, int]] = {}
    for i in range(0, len(wanted), 500):
        q = select(SearchDocument.document_id, SearchDocument.last_change_id, SearchDocument.last_version_id,
                   SearchDocument.scheme).where(SearchDocument.document_id.in_(wanted[i:i + 500]))
        found.update({d: (c, v, s) for d, c, v, s in session.execute(q)})
    return found


def index_documents(session: Session, items: list[Stale], tagger: Tagger) -> None:
    """(Re)write these documents' searchable text, topics and grams (only the grams that changed)."""
    ids = [i.document_id for i in items]
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    rows = {r.document_id: r for r in session.scalars(select(SearchDocument)
                                                      .where(SearchDocument.document_id.in_(ids)))}
    newest = (select(Version.document_id, func.max(Version.number).label("n")).where(Version.document_id.in_(ids))
              .group_by(Version.document_id).subquery())
    texts = dict(session.execute(select(Version.document_id, Version.text).join(
        newest, (newest.c.document_id == Version.document_id) & (newest.c.n == Version.number))).all())
    changes: dict[int, list[tuple[str, ChangeDetails]]] = {}
    for doc_id, summary, details in session.execute(select(Change.document_id, Change.summary, Change.details)
                                                    .where(Change.document_id.in_(ids))):
        changes.setdefault(doc_id, []).append((summary, details))
    grams_added: list[dict[str, object]] = []
    topics: list[dict[str, object]] = []
    for item in items:
        doc = docs.get(item.document_id)
        if doc is not None:
            new_grams, new_topics = _index_one(session, doc, item, rows.get(doc.id), texts.get(doc.id, ""),
                                               changes.get(doc.id, []), tagger)
            grams_added += new_grams
            topics += [{"topic": t, "document_id": doc.id} for t in new_topics]
    conn = session.connection()  # Core statements: no ORM bookkeeping for derived rows
    conn.execute(delete(SearchTopic.__table__).where(SearchTopic.document_id.in_(ids)))
    for table, values in ((SearchTopic.__table__, topics), (SearchGram.__table__, grams_added)):
        if values:
            conn.execute(insert(table), values)


def _index_one(session: Session, doc: Document, item: Stale, row: SearchDocument | None, text: str,
               changes: list[tuple[str, ChangeDetails]], tagger: Tagger) -> tuple[list[dict[str, object]], set[str]]:
    summaries = dict.fromkeys(summary for summary, _ in changes)
    recorded = [t for _, details in changes for t in details.topics or ()]
    haystack = fold("\n".join([doc.title, doc.docket or "", doc.number or "", *summaries, text]))
    old = grams(row.haystack) if row is not None and row.scheme == SCHEME else set()
    conn = session.connection()
    if row is not None and row.scheme != SCHEME:
        conn.execute(delete(SearchGram.__table__).where(SearchGram.document_id == doc.id))
    if row is None:
        row = SearchDocument(document_id=doc.id, last_change_id=0, last_version_id=0)
        session.add(row)
    row.scheme, row.haystack = SCHEME, haystack
    row.last_change_id = max(item.last_change_id, row.last_change_id)
    row.last_version_id = max(item.last_version_id, row.last_version_id)
    new = grams(haystack)
    gone = sorted(old - new)
    for i in range(0, len(gone), 500):
        conn.execute(delete(SearchGram.__table__).where(SearchGram.document_id == doc.id,
                                                        SearchGram.gram.in_(gone[i:i + 500])))
    topics = {t[:200] for t in topics_of(doc, haystack, tagger, recorded)}
    return [{"gram": g, "document_id": doc.id} for g in sorted(new - old)], topics


def documents_containing(phrase: str) -> Select[tuple[int]]:
    """Ids of the documents whose searchable text contains `phrase` (folded), using the gram index."""
    needle = fold(phrase)
    wanted = grams(needle)
    if not wanted:  # one character: the compact folded texts are scanned
        return select(SearchDocument.document_id).where(SearchDocument.haystack.contains(needle, autoescape=True))
    candidates = (select(SearchGram.document_id).where(SearchGram.gram.in_(sorted(wanted)))
                  .group_by(SearchGram.document_id).having(func.count() == len(wanted)).subquery())
    return (select(SearchDocument.document_id)
            .join(candidates, candidates.c.document_id == SearchDocument.document_id)
            .where(SearchDocument.haystack.contains(needle, autoescape=True)))


def documents_in_topic(topic: str) -> Select[tuple[int]]:
    """Ids of the documents tagged with `topic` (a glossary topic such as `exosomes`, or a catalogue topic)."""
    return select(SearchTopic.document_id).where(SearchTopic.topic == fold(topic))


def many_documents(session: Session, selection: Select[tuple[int]], phrase: str | None, threshold: int) -> bool:
    """Whether `selection` (from documents_containing(phrase) or documents_in_topic) may hold more than
    `threshold` documents: a cheap bound (the rarest gram's postings, or the topic's first rows), not a count."""
    if phrase is not None:
        wanted = grams(fold(phrase))
        if not wanted:
            return True  # one character: no gram bound
        return all(_more_than(session, select(SearchGram.document_id).where(SearchGram.gram == g), threshold)
                   for g in wanted)
    return _more_than(session, selection, threshold)


def _more_than(session: Session, selection: Select[tuple[int]], threshold: int) -> bool:
    capped = selection.limit(threshold + 1).subquery()
    return (session.scalar(select(func.count()).select_from(capped)) or 0) > threshold
