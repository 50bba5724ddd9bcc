"""Typed SQLAlchemy 2.x models: sources, documents, versions, changes, runs, the fetch ledger, the alert outbox.

Evidence rows (blobs, versions, changes) are append-only: nothing updates or deletes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from regwatch.store.details import NO_DETAILS, ChangeDetails


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored naive in UTC and always come back timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class DetailsJSON(TypeDecorator[ChangeDetails]):
    """A change's details: a `ChangeDetails` in Python, its JSON shape in the database."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: ChangeDetails | None, dialect: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, ChangeDetails):
            raise TypeError(f"a change's details are a ChangeDetails, not {type(value).__name__}")
        return value.to_json()

    def process_result_value(self, value: dict[str, Any] | None, dialect: Any) -> ChangeDetails:
        return ChangeDetails.from_json(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    agency: Mapped[str] = mapped_column(String(10))
    last_run_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    baseline_done: Mapped[bool] = mapped_column(Boolean, default=False)


class Document(Base):
    """A stable identity: one guidance (or one attachment of it), whatever its URL becomes."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    key: Mapped[str] = mapped_column(String(500))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    agency: Mapped[str] = mapped_column(String(10), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="unknown")
    doc_type: Mapped[str | None] = mapped_column(String(200))
    docket: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(200))
    issued: Mapped[date | None] = mapped_column(Date)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    watched: Mapped[bool] = mapped_column(Boolean, default=True)
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # a catalogue lists it
    # first seen in its source's baseline run: its first version, whenever it comes, is no news
    baseline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the validators of the last response parsed: the next request for the document is conditional on them
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    missing_runs: Mapped[int] = mapped_column(Integer, default=0)
    gone_runs: Mapped[int] = mapped_column(Integer, default=0)
    removed_at: Mapped[datetime | None]

    source: Mapped[Source] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="document", order_by="Version.number", lazy="raise_on_sql"
    )


class Blob(Base):
    """Raw bytes exactly as fetched, addressed by their sha256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Version(Base):
    """One distinct normalized text of a document, with the exact bytes and headers it came from."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    fetched_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    url: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None]
    text_sha256: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    text: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    request_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)

    document: Mapped[Document] = relationship(back_populates="versions")


class Change(Base):
    """Something a reader must know: a document appeared, changed its words, changed status, or left."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_detected", "detected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    detected_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20), index=True)
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[ChangeDetails] = mapped_column(DetailsJSON, default=NO_DETAILS)
    significance: Mapped[str | None] = mapped_column(String(20), index=True)  # `details.significance`, indexed

    document: Mapped[Document] = relationship()

    @validates("details")
    def _index_significance(self, _key: str, details: ChangeDetails) -> ChangeDetails:
        """Whoever sets the details sets the indexed significance with them."""
        self.significance = details.significance
        return details


class Run(Base):
    """One cycle of `regwatch run`."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")


class SourceRun(Base):
    """The per-source counts a run prints in its summary."""

    __tablename__ = "source_runs"
    __table_args__ = (UniqueConstraint("run_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    status: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    seen: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    changed: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str | None] = mapped_column(Text)  # one line each: pager unreadable, layout changed


class Fetch(Base):
    """The ledger: every URL a run tried, and the one state it ended in."""

    __tablename__ = "fetches"
    # a document's latest fetch, found by one index probe (the request plan reads it: regwatch/plan.py)
    __table_args__ = (Index("ix_fetches_document", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # None: recorded before 0009
    url: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))  # stored|unchanged|not_modified|error|blocked|gone
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)


class OutboxItem(Base):
    """An alert waiting for (or done with) delivery on one channel. Written with its change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    deadline_event_id: Mapped[int | None] = mapped_column(ForeignKey("deadline_events.id"), index=True)

    change: Mapped[Change | None] = relationship()


class Lease(Base):
    """A named lock that expires unless its holder renews it (one active scheduler across processes)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class SearchDocument(Base):
    """Derived and rebuildable: a document's searchable text (NFKC, casefolded).

    Kept current from the append-only changes and versions (`last_change_id`, `last_version_id`)."""

    __tablename__ = "search_documents"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    scheme: Mapped[int]  # the indexing rules' version: rows of an older scheme are rebuilt
    last_change_id: Mapped[int]
    last_version_id: Mapped[int]
    haystack: Mapped[str] = mapped_column(Text)


class SearchGram(Base):
    """The substring index: every two-character sequence of a document's searchable text (works for CJK)."""

    __tablename__ = "search_grams"

    gram: Mapped[str] = mapped_column(String(8), primary_key=True)
    document_id: Mapped[int] = mapped_column(primary_key=True)


class SearchTopic(Base):
    """Derived: the topics a document belongs to (catalogue topics, recorded tags, the glossary's), casefolded."""

    __tablename__ = "search_topics"

    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    document_id: Mapped[int] = mapped_column(primary_key=True)


class DefinitionRow(Base):
    """Derived: one defining sentence found in one version (`parsers.definitions`), with the term it defines.

    `term_key` is the term's compared form, `alt_keys` its other keys ("|msc|"), both from `parsers.definitions`."""

    __tablename__ = "definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_number: Mapped[int]
    term: Mapped[str] = mapped_column(Text)
    term_key: Mapped[str] = mapped_column(String(200), index=True)
    alt_keys: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5))
    form: Mapped[str] = mapped_column(String(20))
    section: Mapped[str] = mapped_column(Text, default="")
    sentence: Mapped[str] = mapped_column(Text)
    at: Mapped[int] = mapped_column(default=0)


class DefinitionScan(Base):
    """Derived: a version whose definitions were extracted, under which rules (`scheme`: older ones are redone)."""

    __tablename__ = "definition_scans"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    scheme: Mapped[int]
    found: Mapped[int] = mapped_column(default=0)


class Deadline(Base):
    """A date a document states (comment close, effective, transition end), one per (document, kind).

    Derived from versions and catalogue fields; `previous_date` keeps the date before the last move."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("document_id", "kind"), Index("ix_deadlines_date", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(String(30))
    date: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(100))  # "text" or the catalogue field it came from
    version_number: Mapped[int | None]
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    previous_date: Mapped[date | None] = mapped_column(Date)
    moves: Mapped[int] = mapped_column(default=0)  # how often the date moved (the calendar event's SEQUENCE)

    document: Mapped[Document] = relationship()


class UnreadDate(Base):
    """A date a document writes that could not be read (2月30日, 13월, a period without an end), with evidence."""

    __tablename__ = "unread_dates"
    __table_args__ = (UniqueConstraint("document_id", "kind", "evidence_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    evidence: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    problem: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime]


class DeadlineEvent(Base):
    """Something to tell about a deadline: it is approaching (N days left) or it moved. `key` makes each once."""

    __tablename__ = "deadline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # approaching | changed
    key: Mapped[str] = mapped_column(String(200), unique=True)
    before: Mapped[date | None] = mapped_column(Date)
    after: Mapped[date | None] = mapped_column(Date)
    days: Mapped[int | None]
    created_at: Mapped[datetime]
    routed: Mapped[bool] = mapped_column(Boolean, default=False)

    deadline: Mapped[Deadline] = relationship()


class Review(Base):
    """One assessment of a change (append-only): its outcome, the reviewer, when, and a note."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # applicable | not-applicable | action-needed
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class CrawlHost(Base):
    """A host as the last cycle met it: the Crawl-delay its robots.txt asked for (None: none above `crawl.delay`),
    the requests sent to it and the time that spacing imposed (`regwatch sources` estimates the next cycle)."""

    __tablename__ = "crawl_hosts"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    crawl_delay: Mapped[float | None] = mapped_column(Float)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    politeness_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime]


class BoilerplateRule(Base):
    """A block learned to be chrome, a rotating box or volatile on one host section of a source (issue 15);
    replaced whole each time the section is learned again."""

    __tablename__ = "boilerplate_rules"
    __table_args__ = (Index("ix_boilerplate_scope", "source_id", "host", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    host: Mapped[str] = mapped_column(String(255))
    section: Mapped[str] = mapped_column(String(255))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # volatile: learned for this one
    kind: Mapped[str] = mapped_column(String(20))  # chrome | box | volatile
    key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    prefix: Mapped[str] = mapped_column(Text, default="")
    seen: Mapped[int] = mapped_column(Integer, default=0)
    sample: Mapped[str] = mapped_column(Text, default="")
    learned_at: Mapped[datetime]
