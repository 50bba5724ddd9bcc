"""Record what a run saw: maybe a new version, and the changes it implies, each with its outbox rows,
in the caller's transaction.

Rules:
- a new version only when the normalized text changes; it keeps the raw bytes it came from;
- a text change is announced only when the run's `assess` hook finds it worth an alert (whitespace, stamps
  and counters are kept as versions, silently);
- the first run of a source is its baseline: versions are stored, no change is announced;
- a document is removed only after two consecutive runs without it in its complete catalogue, or two
  consecutive 404/410 answers, counting only runs that completed (a killed run is no evidence); a failed fetch
  or a bot-protection answer is an error, never a removal.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from regwatch.parsers import boilerplate
from regwatch.parsers.types import (
    Blocked,
    Capture,
    CatalogueEntry,
    Document,
    Failed,
    Fetched,
    ListingSeen,
    NotModified,
    Parsed,
    Status,
)
from regwatch.store.boilerplate import rules_for
from regwatch.store.deadlines import record_field_dates, record_text_dates
from regwatch.store.details import ChangeDetails
from regwatch.store.models import Blob, Change, Fetch, Run, SourceRun, Version
from regwatch.store.models import Document as DocumentRow
from regwatch.store.terms import record_definitions
from regwatch.store.vocabulary import ChangeKind, FetchOutcome

REMOVAL_RUNS = 2
GONE_STATUSES = (404, 410)

Enqueue = Callable[[Session, Change], None]
# (agency, title, old text, new text) → (summary, details for the change, whether it is worth an alert);
# the old text is "" for a new document.
Assess = Callable[[str, str, str, str], tuple[str, ChangeDetails, bool]]


def announce_every_change(agency: str, title: str, old: str, new: str) -> tuple[str, ChangeDetails, bool]:
    """The plainest assessment: every text change is announced (regwatch wires in alerting.assess_change)."""
    return ("wording changed" if old else "new document"), ChangeDetails(), True


@dataclass(frozen=True)
class RunContext:
    """What every record call needs to know about the run it belongs to."""

    run_id: int
    source_id: int
    source_name: str
    agency: str
    baseline: bool
    now: datetime
    enqueue: Enqueue
    assess: Assess = announce_every_change
    boilerplate: boilerplate.Overrides | None = None  # the source's `boilerplate:` config (issue 15)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_listing(session: Session, ctx: RunContext, seen: ListingSeen) -> None:
    """Apply a catalogue: new entries, status flips, metadata versions of unwatched entries, absences."""
    present: set[str] = set()
    known = {doc.key: doc for doc in session.scalars(select(DocumentRow).where(DocumentRow.source_id == ctx.source_id))}
    outcomes: Counter[str] = Counter()  # counted once per outcome at the end
    for entry in seen.listing.entries:
        present.add(entry.key)
        doc = _upsert_from_entry(session, ctx, entry, watched=entry.key in seen.watched, known=known)
        _name_children(session, ctx, doc, seen.named.get(entry.key, ()), known)
        if entry.key not in seen.watched:
            outcomes[_record_text(session, ctx, doc, _latest(session, doc), metadata_text(entry), entry.url,
                                  fetched=None)] += 1
    if seen.listing.complete:
        _mark_absent(session, ctx, present, outcomes)
    for outcome, times in outcomes.items():
        _count(session, ctx, outcome, times)


@dataclass(frozen=True)
class Recorded:
    """What `record_capture` stored, so whoever caches the store's answers need not work it out again."""

    outcome: str  # the ledger's outcome (a FetchOutcome value)
    validators: dict[str, str] | None = None  # the document's conditional headers, when this capture set them
    filed_under: str | None = None  # the key of the document it is an attachment of
    named: tuple[tuple[str, str], ...] = ()  # (key, url) of the files now filed under it


def record_capture(session: Session, ctx: RunContext, capture: Capture) -> Recorded:
    """Record one fetched document URL; returns its ledger outcome and what else it stored."""
    doc = _find(session, ctx.source_id, capture.key)
    created = doc is None
    if doc is None:
        parent = _find(session, ctx.source_id, capture.parent_key) if capture.parent_key else None
        doc = _new_document(session, ctx, capture.key, capture.url, parent)
    fetched = capture.fetched if isinstance(capture, Parsed | Failed) else None
    status = fetched.status if fetched else None
    error = capture.error if isinstance(capture, Failed | Blocked) else None
    validators: dict[str, str] | None = None
    if isinstance(capture, Blocked):
        outcome = FetchOutcome.BLOCKED
    elif isinstance(capture, NotModified):
        outcome = _answered(doc)
    elif status in GONE_STATUSES:
        outcome = _gone(session, ctx, doc)
        if outcome == FetchOutcome.ERROR:
            error = error or f"HTTP {status} although the catalogue lists it"
    elif isinstance(capture, Failed):
        outcome = FetchOutcome.ERROR
        if fetched is not None and fetched.status == 200 and fetched.body:
            raw = _store_blob(session, fetched.body)  # a file that could not be parsed: keep the evidence
            error = f"{error} [raw bytes kept: sha256 {raw}]"
    else:
        latest = None if created else _latest(session, doc)  # a document created just now has no version yet
        doc.gone_runs = 0
        _apply_document_meta(session, ctx, doc, capture.document)
        switched = _extractor_switched(doc, capture.document) and latest is not None
        # set before the version is written: the row's changes then go out in one UPDATE
        doc.etag, doc.last_modified = capture.fetched.header("etag"), capture.fetched.header("last-modified")
        outcome = _record_text(session, ctx, doc, latest, capture.document.text, capture.url, capture.fetched,
                               meta=_document_meta(capture.document), rebaseline=switched)
        if switched and capture.document.extractor == "generic":
            _layout_changed(session, ctx, doc, capture.document.note or "")
        validators = conditional_headers(doc.etag, doc.last_modified)
        _name_children(session, ctx, doc, capture.named)
    session.execute(insert(Fetch.__table__).values(run_id=ctx.run_id, source_id=ctx.source_id, document_id=doc.id,
                                                   url=capture.url, at=ctx.now, outcome=outcome, http_status=status,
                                                   error=error))
    _count(session, ctx, outcome)
    return Recorded(outcome, validators, capture.parent_key if doc.parent_id is not None else None,
                    capture.named if isinstance(capture, Parsed) else ())


def record_not_modified(session: Session, ctx: RunContext, captures: list[Capture]) -> None:
    """Record many 304s of one source at once, each as its ledger row and nothing more (the request plan reads
    the ledger), and the counters once. A document whose streak of 404/410 answers a 304 ends is updated as
    `record_capture` would; a 304 for a document never stored takes `record_capture`'s way (it is created)."""
    keys = {c.key for c in captures}
    rows = session.execute(select(DocumentRow.key, DocumentRow.id, DocumentRow.gone_runs).where(
        DocumentRow.source_id == ctx.source_id, DocumentRow.key.in_(keys)))
    known, gone = {}, set()
    for key, doc_id, gone_runs in rows:
        known[key] = doc_id
        if gone_runs:
            gone.add(doc_id)
    ledger: list[dict[str, Any]] = []  # the ledger rows go in with one executemany, without ORM objects
    counted = 0
    for capture in captures:
        doc_id = known.get(capture.key)
        if doc_id is None or not isinstance(capture, NotModified):  # unknown document (a 304 unasked)
            if ledger:  # the ledger keeps the order of the captures
                session.execute(insert(Fetch), ledger)
                ledger = []
            record_capture(session, ctx, capture)
            continue
        if doc_id in gone:
            _answered(session.get_one(DocumentRow, doc_id))
        ledger.append({"run_id": ctx.run_id, "source_id": ctx.source_id, "document_id": doc_id, "url": capture.url,
                       "at": ctx.now, "outcome": FetchOutcome.NOT_MODIFIED, "http_status": None, "error": None})
        counted += 1
    if ledger:
        session.execute(insert(Fetch), ledger)
    if counted:
        _count(session, ctx, FetchOutcome.NOT_MODIFIED, counted)


def metadata_text(entry: CatalogueEntry) -> str:
    """The text versioned for a catalogue entry whose page is not watched (status is tracked apart)."""
    lines = [entry.title]
    for label, value in (("Issued", entry.issued.isoformat() if entry.issued else None),
                         ("Type", entry.doc_type), ("Docket", entry.docket), ("Number", entry.number),
                         ("Issued by", "; ".join(entry.offices)), ("Topics", "; ".join(entry.topics)),
                         ("Files", " ".join(entry.attachments))):
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


# --- documents -------------------------------------------------------------------------------------

def _find(session: Session, source_id: int, key: str) -> DocumentRow | None:
    return session.scalar(select(DocumentRow).where(DocumentRow.source_id == source_id, DocumentRow.key == key))


def _new_document(session: Session, ctx: RunContext, key: str, url: str, parent: DocumentRow | None = None,
                  meta: dict[str, Any] | None = None) -> DocumentRow:
    """A new document row, flushed (it has its id); an attachment of `parent` takes its title."""
    doc = DocumentRow(source_id=ctx.source_id, key=key, agency=ctx.agency, url=url,
                      title=parent.title if parent is not None else "",
                      parent_id=parent.id if parent is not None else None, status=Status.UNKNOWN.value,
                      meta=meta or {}, baseline=ctx.baseline, watched=True, first_seen_at=ctx.now,
                      last_seen_at=ctx.now, missing_runs=0, gone_runs=0)
    session.add(doc)
    session.flush()
    return doc


def _name_children(session: Session, ctx: RunContext, parent: DocumentRow, named: tuple[tuple[str, str], ...],
                   known: dict[str, DocumentRow] | None = None) -> None:
    """Record the files a stored page or a catalogue entry names, in its transaction: a file with no version yet
    (or whose address changed) is then fetched, unconditionally, by a later run even if this one dies first,
    because `source_children` lists it whatever its page answers then (304 included)."""
    with_new_parent: bool | None = None  # named before or with the page's first version: its "new" announces it
    for key, url in named:
        child = known.get(key) if known is not None else _find(session, ctx.source_id, key)
        if child is None:
            if with_new_parent is None:
                first = session.scalar(select(Version.run_id).where(Version.document_id == parent.id,
                                                                    Version.number == 1))
                with_new_parent = first is None or first == ctx.run_id
            child = _new_document(session, ctx, key, url, parent, {"named_with_new_parent": with_new_parent})
            if known is not None:
                known[key] = child
        elif child.url != url:  # another file in this place now: its old validators do not apply
            child.url = url
            child.etag = child.last_modified = None


def _upsert_from_entry(session: Session, ctx: RunContext, entry: CatalogueEntry, watched: bool,
                       known: dict[str, DocumentRow]) -> DocumentRow:
    """The entry's document, updated from it (`known`: the source's documents by key, one query for the listing)."""
    doc = known.get(entry.key)
    if doc is None:
        doc = known[entry.key] = _new_document(session, ctx, entry.key, entry.url)
    if doc.removed_at is not None:
        doc.removed_at = None
        current = _latest(session, doc)
        _announce(session, ctx, doc, "new", None, current.number if current else None,
                  "reappeared in the catalogue after its removal", ChangeDetails(reappeared=True))
    doc.missing_runs = 0
    if "absent_in" in doc.meta:
        doc.meta = {k: v for k, v in doc.meta.items() if k != "absent_in"}
    doc.watched = watched
    # the title its own page gave, once it has given one: a page that answers 304 leaves the title as a 200 set it
    doc.url, doc.title = entry.url, doc.meta.get("page_title") or entry.title
    doc.doc_type, doc.docket, doc.number, doc.issued = entry.doc_type, entry.docket, entry.number, entry.issued
    if entry.changed != doc.meta.get("changed"):  # the run that first listed this stamp (see regwatch/plan.py)
        doc.meta = {**doc.meta, "changed_in": ctx.run_id}
    doc.listed = True
    doc.meta = {**doc.meta, "offices": list(entry.offices), "topics": list(entry.topics),
                "attachments": list(entry.attachments), "changed": entry.changed}
    if entry.dates:
        doc.meta = {**doc.meta, "catalogue_dates": dict(entry.dates)}
        record_field_dates(session, doc, dict(entry.dates), ctx.now, announce=not ctx.baseline)
    _set_status(session, ctx, doc, entry.status)
    doc.last_seen_at = ctx.now
    return doc


def _apply_document_meta(session: Session, ctx: RunContext, doc: DocumentRow, parsed: Document) -> None:
    doc.url = parsed.url or doc.url
    if not (doc.parent_id and doc.title):  # an attachment keeps its guidance's title …
        doc.title = parsed.title or doc.title
        if parsed.title and not doc.parent_id:  # … a page's own title outlasts the catalogue's (see above)
            doc.meta = {**doc.meta, "page_title": parsed.title}
    elif parsed.title and parsed.title != doc.title:  # … and its own name (e.g. a decoded GBK file name) beside it
        doc.meta = {**doc.meta, "file_title": parsed.title}
    for field in ("doc_type", "docket", "number", "issued"):
        value = getattr(parsed, field)
        if value and not getattr(doc, field):
            setattr(doc, field, value)
    if parsed.status is not Status.UNKNOWN:
        _set_status(session, ctx, doc, parsed.status)
    doc.last_seen_at = ctx.now


def _set_status(session: Session, ctx: RunContext, doc: DocumentRow, status: Status) -> None:
    old = doc.status
    if status is Status.UNKNOWN or old == status.value:
        return
    doc.status = status.value
    if old == Status.UNKNOWN.value:
        return
    current = _latest(session, doc)
    number = current.number if current else None
    _announce(session, ctx, doc, "status", number, number, f"{headline(doc)} · status: {old} → {status.value}",
              ChangeDetails(from_status=old, to_status=status.value, significance="status"))


def headline(doc: DocumentRow, width: int = 80) -> str:
    """`AGENCY · title` (the title on one line, cut to `width`), the start of every change's summary."""
    title = " ".join((doc.title or doc.url).split())
    return f"{doc.agency.upper()} · {title if len(title) <= width else title[: width - 1] + '…'}"


def _seen(doc: DocumentRow, ctx: RunContext, outcome: str) -> str:
    doc.last_seen_at = ctx.now
    doc.gone_runs = 0
    if "gone_in" in doc.meta:
        doc.meta = {k: v for k, v in doc.meta.items() if k != "gone_in"}
    return outcome


def _answered(doc: DocumentRow) -> str:
    """A 304: the ledger row says it all (the request plan and `last seen` read it), except that a streak of
    404/410 answers ends."""
    if doc.gone_runs or "gone_in" in doc.meta:
        doc.gone_runs = 0
        doc.meta = {k: v for k, v in doc.meta.items() if k != "gone_in"}
    return FetchOutcome.NOT_MODIFIED


def _gone(session: Session, ctx: RunContext, doc: DocumentRow) -> str:
    if doc.listed and doc.missing_runs == 0:
        return "error"  # the catalogue still lists it: a broken link, not a withdrawal
    doc.gone_runs = _streak(session, ctx, doc, "gone_in")
    if doc.gone_runs >= REMOVAL_RUNS:
        return _remove(session, ctx, doc, f"answers HTTP 404/410 on {doc.gone_runs} consecutive runs")
    return "gone"


def _mark_absent(session: Session, ctx: RunContext, present: set[str], outcomes: Counter[str]) -> None:
    """Note the absence of the listed documents not `present`; those removed now are added to `outcomes`."""
    listed = select(DocumentRow).where(DocumentRow.source_id == ctx.source_id, DocumentRow.parent_id.is_(None),
                                       DocumentRow.removed_at.is_(None), DocumentRow.listed.is_(True))
    for doc in session.scalars(listed):
        if doc.key in present:
            continue
        doc.missing_runs = _streak(session, ctx, doc, "absent_in")
        if doc.missing_runs >= REMOVAL_RUNS:
            outcomes[_remove(session, ctx, doc, f"left the catalogue ({doc.missing_runs} consecutive runs)")] += 1


def _streak(session: Session, ctx: RunContext, doc: DocumentRow, name: str) -> int:
    """Note this run in the document's streak `name` (runs in a row without it, or answering 404/410) and return
    the streak's length, counting only the runs of its source that completed (a killed or failed run is no
    evidence of a withdrawal), this one included."""
    # a store from before these streaks were kept: its counter stands for the earlier runs
    legacy = 0 if name in doc.meta else (doc.missing_runs if name == "absent_in" else doc.gone_runs)
    earlier = [r for r in doc.meta.get(name, []) if r != ctx.run_id]
    done = set(session.scalars(select(SourceRun.run_id).where(
        SourceRun.source_id == ctx.source_id, SourceRun.run_id.in_(earlier),
        SourceRun.status.in_(("ok", "partial"))))) if earlier else set()
    runs = [r for r in earlier if r in done] + [ctx.run_id]
    doc.meta = {**doc.meta, name: runs}
    return len(runs) + legacy


def _remove(session: Session, ctx: RunContext, doc: DocumentRow, why: str) -> str:
    if doc.removed_at is not None:
        return "gone"
    doc.removed_at = ctx.now
    current = _latest(session, doc)
    number = current.number if current else None
    _announce(session, ctx, doc, "removed", number, None, f"{headline(doc)} · removed: {why}",
              ChangeDetails(reason=why, significance="removed"))
    for child in session.scalars(select(DocumentRow).where(DocumentRow.parent_id == doc.id)):
        child.removed_at = child.removed_at or ctx.now
    return "removed"


# --- versions --------------------------------------------------------------------------------------

class Latest(NamedTuple):
    """What is compared with a document's latest version, without loading its text and headers."""

    id: int
    number: int
    text_sha256: str


def _latest(session: Session, doc: DocumentRow) -> Latest | None:
    row = session.execute(select(Version.id, Version.number, Version.text_sha256).where(Version.document_id == doc.id)
                          .order_by(Version.number.desc()).limit(1)).first()
    return Latest(*row) if row is not None else None


def _record_text(session: Session, ctx: RunContext, doc: DocumentRow, latest: Latest | None, text: str, url: str,
                 fetched: Fetched | None, meta: dict[str, object] | None = None, rebaseline: bool = False) -> str:
    """Store a new version if the normalized text differs from the `latest` one (`_latest`); with `rebaseline`
    (the text was extracted another way than the latest version's) the new version is a baseline, announced as
    no change."""
    text_hash = sha256(text.encode("utf-8"))
    if latest is not None and latest.text_sha256 == text_hash:
        return _seen(doc, ctx, "unchanged")
    version = Version(
        document_id=doc.id, number=(latest.number + 1) if latest else 1, fetched_at=ctx.now,
        run_id=ctx.run_id, url=url, text_sha256=text_hash, text=text,
        meta={"title": doc.title, "status": doc.status, **(meta or {})},
    )
    if fetched is not None:
        version.raw_sha256 = _store_blob(session, fetched.body)
        version.http_status = fetched.status
        version.etag, version.last_modified = fetched.header("etag"), fetched.header("last-modified")
        version.request_headers, version.response_headers = dict(fetched.request_headers), dict(fetched.headers)
    session.add(version)
    session.flush()
    record_definitions(session, version)  # terms across jurisdictions: each new version is read once
    record_text_dates(session, doc, text, version.number, ctx.now, announce=not ctx.baseline)
    if latest is None:
        if doc.baseline or _parent_is_new(session, doc, ctx):
            return _seen(doc, ctx, "stored")
        summary, details, _ = ctx.assess(doc.agency, doc.title, "", text)
        _announce(session, ctx, doc, "new", None, 1, summary, details)
        return _seen(doc, ctx, "new")
    if rebaseline:
        return _seen(doc, ctx, "quiet")
    old = session.scalar(select(Version.text).where(Version.id == latest.id)) or ""
    old_text, new_text = _without_boilerplate(session, ctx, doc, old, text, fetched)
    summary, details, alert = ctx.assess(doc.agency, doc.title, old_text, new_text)
    if not alert:  # whitespace, wrapping, a stamp or a counter: kept as a version, not announced
        return _seen(doc, ctx, "quiet")
    _announce(session, ctx, doc, "changed", latest.number, version.number, summary, details)
    return _seen(doc, ctx, "changed")


def _extractor_switched(doc: DocumentRow, parsed: Document) -> bool:
    """Whether this text comes from another extractor than the document's last one (agency template ↔ generic
    fallback after a redesign); remembers the extractor."""
    before = doc.meta.get("extractor", "template")
    if before != parsed.extractor:
        doc.meta = {**doc.meta, "extractor": parsed.extractor}
    return before != parsed.extractor


def add_run_note(row: SourceRun | None, line: str) -> None:
    """Add a line to what the run summary says about a source (each line once)."""
    if row is not None and line not in (row.notes or "").split("\n"):
        row.notes = f"{row.notes}\n{line}" if row.notes else line


def _layout_changed(session: Session, ctx: RunContext, doc: DocumentRow, why: str) -> None:
    """Say once per source and run that its pages no longer fit the agency template: one `layout_changed`
    change (one alert) and one line in the run summary."""
    line = ("layout changed: the agency template matched nothing (first on " + doc.url + "); monitoring goes on "
            "with the generic extractor, whose first versions are a new baseline (no wording alerts)")
    row = session.scalar(select(SourceRun).where(SourceRun.run_id == ctx.run_id, SourceRun.source_id == ctx.source_id))
    if row is not None and "layout changed:" in (row.notes or ""):
        return
    add_run_note(row, line)
    latest = _latest(session, doc)
    number = latest.number if latest else None
    _announce(session, ctx, doc, ChangeKind.LAYOUT_CHANGED, number, number, f"layout changed: {ctx.source_name}",
              ChangeDetails(reason=why, significance="layout"))


def _without_boilerplate(session: Session, ctx: RunContext, doc: DocumentRow, old: str, new: str,
                         fetched: Fetched | None) -> tuple[str, str]:
    """Both texts without the boilerplate learned for the document's host section and for itself (the stored
    versions keep every word; only what is compared for an alert leaves it out)."""
    if fetched is None:
        return old, new
    rules = rules_for(session, ctx.source_id, doc, new, ctx.run_id, ctx.now, ctx.boilerplate, dict(fetched.headers))
    return (boilerplate.apply(old, rules), boilerplate.apply(new, rules)) if rules else (old, new)


def _parent_is_new(session: Session, doc: DocumentRow, ctx: RunContext) -> bool:
    """An attachment first seen together with its (new) parent is announced by the parent's change."""
    if doc.parent_id is None:
        return False
    if doc.meta.get("named_with_new_parent"):  # named by the parent's first version (recorded in an earlier run)
        return True
    first = session.scalar(select(Version).where(Version.document_id == doc.parent_id, Version.number == 1))
    if first is None or first.run_id == ctx.run_id:
        return True
    # the parent's first version came from a run that died before it fetched this file: catching up on it
    return session.scalar(select(Run.status).where(Run.id == first.run_id)) == "running"


def _store_blob(session: Session, body: bytes) -> str:
    digest = sha256(body)
    if session.scalar(select(Blob.sha256).where(Blob.sha256 == digest)) is None:  # not its bytes: they may be large
        session.execute(insert(Blob.__table__).values(sha256=digest, size=len(body), content=body))
    return digest


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The headers that make the next request for a document conditional on the validators it answered with."""
    found = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    return {k: v for k, v in found.items() if v}


def validators(session: Session, source_id: int, key: str) -> dict[str, str]:
    doc = _find(session, source_id, key)
    return conditional_headers(doc.etag, doc.last_modified) if doc is not None and doc.removed_at is None else {}


def children(session: Session, source_id: int, key: str) -> list[tuple[str, str]]:
    """(key, url) of the current attachments of a document."""
    parent = _find(session, source_id, key)
    if parent is None:
        return []
    rows = select(DocumentRow.key, DocumentRow.url).where(DocumentRow.parent_id == parent.id,
                                                          DocumentRow.removed_at.is_(None))
    return [(k, u) for k, u in session.execute(rows.order_by(DocumentRow.id))]


def source_validators(session: Session, source_id: int) -> dict[str, dict[str, str]]:
    """`validators` for every current document of a source, in one query: key → headers."""
    rows = select(DocumentRow.key, DocumentRow.etag, DocumentRow.last_modified).where(
        DocumentRow.source_id == source_id, DocumentRow.removed_at.is_(None),
        DocumentRow.etag.isnot(None) | DocumentRow.last_modified.isnot(None))
    found = {key: conditional_headers(etag, modified) for key, etag, modified in session.execute(rows)}
    return {key: headers for key, headers in found.items() if headers}


def source_children(session: Session, source_id: int) -> dict[str, list[tuple[str, str]]]:
    """`children` of every document of a source, in one query: parent key → [(key, url)] in id order."""
    rows = list(session.execute(select(DocumentRow.id, DocumentRow.key, DocumentRow.url, DocumentRow.parent_id,
                                       DocumentRow.removed_at)
                                .where(DocumentRow.source_id == source_id).order_by(DocumentRow.id)))
    keys = {row.id: row.key for row in rows}
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row.parent_id is not None and row.removed_at is None and row.parent_id in keys:
            found.setdefault(keys[row.parent_id], []).append((row.key, row.url))
    return found


def _document_meta(parsed: Document) -> dict[str, object]:
    return {"attachments": list(parsed.attachments), "note": parsed.note, "language": parsed.language,
            "parsed_title": parsed.title, "stamps": [list(s) for s in parsed.stamps][:50],
            "sections": [[list(s.path), len(s.text)] for s in parsed.sections][:500]}


# --- changes and counts ----------------------------------------------------------------------------

def _announce(session: Session, ctx: RunContext, doc: DocumentRow, kind: str, from_version: int | None,
              to_version: int | None, summary: str, details: ChangeDetails) -> None:
    """Record a change and its alerts (outbox rows) — unless this is the source's baseline run."""
    if ctx.baseline or _announced_elsewhere(session, doc, kind, to_version):
        return
    change = Change(document_id=doc.id, run_id=ctx.run_id, detected_at=ctx.now, kind=kind,
                    from_version=from_version, to_version=to_version, summary=summary, details=details)
    session.add(change)
    session.flush()
    ctx.enqueue(session, change)


def _announced_elsewhere(session: Session, doc: DocumentRow, kind: str, to_version: int | None) -> bool:
    """The same file reached through another source of the same agency (a catalogue and a guideline page, two
    overlapping listings) already announced this very text: one alert is enough."""
    if kind not in ("new", "changed") or to_version is None:
        return False
    text_hash = session.scalar(select(Version.text_sha256).where(Version.document_id == doc.id,
                                                                 Version.number == to_version))
    twin = (select(Change.id).join(DocumentRow, Change.document_id == DocumentRow.id)
            .join(Version, (Version.document_id == Change.document_id) & (Version.number == Change.to_version))
            .where(DocumentRow.url == doc.url, DocumentRow.agency == doc.agency, DocumentRow.id != doc.id,
                   Change.kind.in_(("new", "changed")), Version.text_sha256 == text_hash).limit(1))
    return session.scalar(twin) is not None


# the run ledger's counter (a SourceRun column) for each fetch outcome; gone counts as seen only
_COUNTERS = {FetchOutcome.QUIET: "unchanged", FetchOutcome.NEW: "new", FetchOutcome.CHANGED: "changed",
             FetchOutcome.REMOVED: "removed", FetchOutcome.UNCHANGED: "unchanged",
             FetchOutcome.NOT_MODIFIED: "unchanged", FetchOutcome.STORED: "new", FetchOutcome.ERROR: "errors",
             FetchOutcome.BLOCKED: "errors"}


def _count(session: Session, ctx: RunContext, outcome: str, times: int = 1) -> None:
    """Add `times` findings with `outcome` to the run's counters for the source: one UPDATE that adds to the row
    (no read first), in the caller's transaction, so the counters always agree with the ledger rows beside them."""
    table = SourceRun.__table__
    changes = {"seen": table.c.seen + times * (outcome != "removed")}
    if outcome in _COUNTERS:
        column = table.c[_COUNTERS[outcome]]
        changes[column.key] = column + times
    session.execute(update(table).where(table.c.run_id == ctx.run_id, table.c.source_id == ctx.source_id)
                    .values(changes))
