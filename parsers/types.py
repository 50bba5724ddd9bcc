"""Typed records passed from parsers to the crawler and the store.

Parsers are pure: they take a `Fetched` (what the server sent) and return one of these records.
They never see Scrapy, a database or the clock.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeAlias


class ParseError(Exception):
    """The page does not have the shape the parser expects (a redesign, a truncated file, junk)."""


class LayoutChanged(ParseError):
    """An agency template's selectors matched nothing on a page: the site was redesigned. `parse_document`
    answers it with the generic extractor, so monitoring goes on."""


class Status(StrEnum):
    """Lifecycle status of a guidance document as the agency states it."""

    DRAFT = "draft"
    FINAL = "final"
    WITHDRAWN = "withdrawn"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Fetched:
    """One HTTP response exactly as received: raw bytes, never decoded on the way in."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    request_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class CatalogueEntry:
    """One document as a catalogue, feed or listing describes it (metadata only, no text)."""

    key: str  # stable identity within the source (FDA: the page slug)
    url: str  # absolute URL of the document's page
    title: str
    status: Status = Status.UNKNOWN
    issued: date | None = None
    doc_type: str | None = None
    docket: str | None = None
    number: str | None = None  # agency document number (e.g. 薬生機審発0329第3号)
    offices: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # absolute URLs
    changed: str | None = None  # the source's own change stamp, if any
    products: tuple[str, ...] = ()  # regulated product areas (FDA: "Biologics", "Drugs", …)
    dates: tuple[tuple[str, str], ...] = ()  # date fields as printed (FDA field_comment_close_date …): deadlines


@dataclass(frozen=True)
class Listing:
    """What a catalogue, feed or listing page says."""

    entries: tuple[CatalogueEntry, ...]
    complete: bool  # True when this is the whole catalogue, so absence means withdrawal
    next_page: str | None = None
    notes: tuple[str, ...] = ()  # what the run summary should say (pager unreadable, a feed date in the future)


@dataclass(frozen=True)
class Section:
    """A block of normalized text and the path of headings it falls under."""

    path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Document:
    """A parsed document: metadata plus normalized text."""

    url: str
    title: str
    text: str  # normalized text: the thing that is hashed and diffed
    status: Status = Status.UNKNOWN
    issued: date | None = None
    doc_type: str | None = None
    docket: str | None = None
    number: str | None = None
    offices: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # absolute URLs
    sections: tuple[Section, ...] = ()
    language: str | None = None
    note: str | None = None  # e.g. "text could not be extracted"
    extractor: str = "template"  # "generic" when the agency template matched nothing (a redesign)
    stamps: tuple[tuple[str, str], ...] = ()  # (label, value) of stamps/counters taken out of the text


@dataclass(frozen=True)
class CaptureBase:
    """What every capture of one document URL says: the source, the document's identity within it, the URL, and
    for an attachment the key of the document it belongs to."""

    source: str
    key: str  # document identity within the source
    url: str
    _: KW_ONLY
    parent_key: str | None = None


@dataclass(frozen=True)
class Parsed(CaptureBase):
    """The URL answered (HTTP 200) and its document was parsed."""

    fetched: Fetched
    document: Document
    named: tuple[tuple[str, str], ...] = ()  # (key, url) of the attachments this document names, to be fetched


@dataclass(frozen=True)
class NotModified(CaptureBase):
    """The URL answered 304 to a conditional request: nothing new, nothing kept."""


@dataclass(frozen=True)
class Failed(CaptureBase):
    """The fetch or the parse failed; `fetched` is the response, when there was one (a 404, an unreadable file)."""

    error: str
    fetched: Fetched | None = None


@dataclass(frozen=True)
class Blocked(CaptureBase):
    """The site's bot protection answered instead of the document."""

    error: str


Capture: TypeAlias = Parsed | NotModified | Failed | Blocked  # what the crawler hands the store for one document URL


@dataclass(frozen=True)
class ListingSeen:
    """A catalogue/listing as fetched in this run, with the keys the source's watch list selects."""

    source: str
    listing: Listing
    watched: frozenset[str] = frozenset()
    named: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # entry key → its files (key, url)
