"""PDF: text of every page (PDFium, pypdf for what PDFium cannot open), without running headers, footers and page
numbers; sections by numbering."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from regwatch.parsers.formats import pdf_furniture, pdf_pdfium
from regwatch.parsers.formats.sections import build_sections
from regwatch.parsers.formats.sniff import require_body, starts_like_pdf
from regwatch.parsers.normalize import is_heading, normalize_text
from regwatch.parsers.types import Document, Fetched, ParseError, Section

if TYPE_CHECKING:  # pypdf is imported where a PDF is read (0.15 s less start-up for every `regwatch run`)
    from pypdf import PageObject, PdfReader

_EOF_WINDOW = 2048  # %%EOF must appear this close to the end, or the file was cut short
_EDGE = 2  # lines at the top and at the bottom of a page where running headers/footers live
_MIN_REPEATS = 3  # an unknown line must sit at the edge of this many pages (and half of them) to count as running
_PAGE_NUMBER = re.compile(r"(?:page\s*)?[-–]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?", re.I)
# Running lines some agencies print on every page; removed at a page edge even in a one-page file.
KNOWN_RUNNING = re.compile(r"contains non-?binding recommendations|draft\s*[-–—]\s*not for implementation", re.I)
_JUNK_TITLE = re.compile(r"^(?:untitled|microsoft word\b.*|.*\.(?:docx?|pdf|indd|rtf))$", re.I)
_MAX_TITLE = 300
# Metadata titles that name the kind of document, not the document ("Guidance for Industry"); the phrase around the
# real title in a metadata title or on an FDA cover page ("Guidance for Industry and Review Staff") is dropped.
_GENERIC = (r"(?:draft\s+)?guidance(?:\s+document)?(?:\s+for\s+industry)?"
            r"(?:\s+and\s+(?:review|fda|food\s+and\s+drug\s+administration)\s+staff)?")
_AUDIENCE = (r"(?:draft\s+)?guidance(?:\s+document)?\s+for\s+industry"
             r"(?:\s+and\s+(?:review|fda|food\s+and\s+drug\s+administration)\s+staff)?\b")
_GENERIC_TITLE = re.compile(_GENERIC, re.I)
_GENERIC_AROUND = re.compile(rf"^(?:{_AUDIENCE}\s*[:;,\-–—]?\s*)?(.*?)(?:[\s:;,\-–—]*{_AUDIENCE})?$", re.I)
_DIGITS = re.compile(r"\d+")
_COVER_BLOCKS = 3  # a cover-page title is in one of the first few blocks of page 1
# Numbered headings: Roman (level 1), capital letter (2), arabic (3, deeper for 3.1, 3.1.2).
_ROMAN = re.compile(r"([IVXLC]{1,6})\.\s")
_LETTER = re.compile(r"([A-Z])\.\s")
_ARABIC = re.compile(r"(\d{1,2}(?:\.\d{1,2})*)\.?\s")


def _check_shape(body: bytes, url: str) -> None:
    if not starts_like_pdf(body):
        raise ParseError(f"pdf: {url} does not start with %PDF- (got {body[:16]!r})")
    if b"%%EOF" not in body[-_EOF_WINDOW:]:
        raise ParseError(f"pdf: {url} is truncated (no %%EOF marker at the end)")


def _reader(body: bytes, url: str) -> PdfReader:
    """Open the PDF with pypdf and unlock an empty user password; ParseError for anything unreadable."""
    from pypdf import PdfReader

    _check_shape(body, url)
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError(f"pdf: {url} is encrypted and needs a password")
        if not reader.pages:
            raise ParseError(f"pdf: {url} has no pages")
        return reader
    except ParseError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; only ParseError may leave a parser
        raise ParseError(f"pdf: {url} is unreadable ({type(exc).__name__}: {exc})") from exc


def _page_text(page: PageObject) -> str:
    """Layout-mode text (keeps paragraph gaps as blank lines), plain mode where layout mode fails."""
    try:
        return page.extract_text(extraction_mode="layout")
    except Exception:  # layout mode is the fragile one; plain mode below raises what is really broken
        return page.extract_text()


def _pages(reader: PdfReader, url: str) -> list[list[str]]:
    """Stripped lines of every page (blank lines kept, they separate paragraphs)."""
    try:
        return [[line.strip() for line in _page_text(page).splitlines()] for page in reader.pages]
    except Exception as exc:
        raise ParseError(f"pdf: text of {url} could not be extracted ({type(exc).__name__}: {exc})") from exc


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:_EDGE] + filled[-_EDGE:]))


def _shape(line: str) -> str:
    """A line with its digits masked, so "Page 3" on every page counts as one repeated line."""
    return _DIGITS.sub("#", line.lower())


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, known running lines and lines repeated at the edges of at least half the pages."""
    counts = Counter(shape for lines in pages for shape in {_shape(lines[i]) for i in _edges(lines)})
    needed = max(_MIN_REPEATS, (len(pages) + 1) // 2)
    repeated = {shape for shape, n in counts.items() if n >= needed}

    def running(line: str) -> bool:
        return bool(_PAGE_NUMBER.fullmatch(line) or KNOWN_RUNNING.fullmatch(line) or _shape(line) in repeated)

    cleaned = []
    for lines in pages:
        edges = {i for i in _edges(lines) if running(lines[i])}
        cleaned.append([line for i, line in enumerate(lines) if i not in edges])
    return cleaned


def _metadata_title(reader: PdfReader) -> str:
    try:
        raw = reader.metadata.title if reader.metadata else None
    except Exception:  # a damaged Info dictionary only costs the title
        return ""
    return str(raw or "")


def _clean_title(raw: str) -> str:
    """The metadata title without junk ("Untitled", a file name) and without the generic phrase around it
    ("… Guidance for Industry"); "" when nothing else is left."""
    title = normalize_text(raw)
    if _JUNK_TITLE.match(title) or _GENERIC_TITLE.fullmatch(title):
        return ""
    found = _GENERIC_AROUND.match(title)
    return found.group(1) if found else title


def cover_title(first_page: list[str]) -> str:
    """The title printed on page 1: the first block of lines that says more than "Guidance for Industry"."""
    blocks = " ".join(line or "\n" for line in first_page).split("\n")
    for block in blocks[:_COVER_BLOCKS]:
        title = _clean_title(block)
        if title and len(title) <= _MAX_TITLE:
            return title
    return ""


def read_pypdf(body: bytes, url: str) -> tuple[list[list[str]], str]:
    """Lines of every page (pypdf's layout mode) and the metadata title."""
    reader = _reader(body, url)
    return _pages(reader, url), _metadata_title(reader)


def read_pages(body: bytes, url: str) -> tuple[list[list[str]], str]:
    """Lines of every page ("" between paragraphs) and the metadata title: PDFium, else pypdf (which also says
    why a file is unreadable: encrypted, no pages, damaged)."""
    _check_shape(body, url)
    try:
        found = pdf_pdfium.extract(body)
    except pdf_pdfium.Unreadable:
        return read_pypdf(body, url)
    return found.pages, found.title


def _first_line(text: str) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= _MAX_TITLE else line[:_MAX_TITLE].rsplit(" ", 1)[0]


def heading_level(line: str, last_letter: str | None) -> int:
    """Outline level of a numbered heading line, 0 when it is not one.

    "I." is Roman one unless the letters so far reached "H." (then it is the letter I); likewise V, X, L, C.
    """
    if not is_heading(line):
        return 0
    letter = _LETTER.match(line)
    if letter and last_letter and ord(letter.group(1)) == ord(last_letter) + 1:
        return 2
    if _ROMAN.match(line):
        return 1
    if letter:
        return 2
    arabic = _ARABIC.match(line)
    return 3 + arabic.group(1).count(".") if arabic else 0


def _outline(text: str) -> Iterator[tuple[int, str]]:
    """Normalized text as (heading level, heading) and (0, body text) blocks, for build_sections."""
    last_letter: str | None = None
    for paragraph in text.split("\n\n"):
        body: list[str] = []
        for line in paragraph.split("\n"):
            level = heading_level(line, last_letter)
            if not level:
                body.append(line)
                continue
            if body:
                yield 0, "\n".join(body)
                body = []
            last_letter = line[0] if level == 2 else (None if level == 1 else last_letter)
            yield level, line
        if body:
            yield 0, "\n".join(body)


def pdf_sections(text: str) -> tuple[Section, ...]:
    """Cut normalized text at numbered headings; each part gets the path of headings above it."""
    return build_sections(_outline(text))


def _trim(lines: list[str]) -> list[str]:
    """A page's lines without the blank margin above and below."""
    filled = [i for i, line in enumerate(lines) if line]
    return lines[filled[0]:filled[-1] + 1] if filled else []


def _paragraph_break(last: str, first: str) -> bool:
    """Whether a page break between these lines also ends a paragraph (else the paragraph runs on)."""
    return is_heading(first) or (last.endswith((".", ":", "?", "!")) and first[:1].isupper())


def join_pages(pages: list[list[str]]) -> str:
    """One text for all pages; a paragraph running over a page break is joined."""
    out: list[str] = []
    for lines in filter(None, map(_trim, pages)):
        if out and _paragraph_break(out[-1], lines[0]):
            out.append("")
        out.extend(lines)
    return "\n".join(out)


def parse_pdf(fetched: Fetched) -> Document:
    """A PDF as a Document: normalized text of all pages, title from metadata or the first line, sections."""
    require_body(fetched, "pdf")
    lines, raw_title = read_pages(fetched.body, fetched.url)
    return document_from_pages(fetched, lines, raw_title)


def document_from_pages(fetched: Fetched, lines: list[list[str]], raw_title: str) -> Document:
    """The Document for extracted page lines and metadata title: running lines removed, text normalized."""
    pages = strip_running_lines(pdf_furniture.clean_pages(lines))
    text = normalize_text(join_pages(pages))
    title = _clean_title(raw_title) or cover_title(pages[0] if pages else []) or _first_line(text) or fetched.url
    note = None if text else "no extractable text (scanned or image-only PDF?)"
    return Document(url=fetched.url, title=title, text=text, sections=pdf_sections(text), note=note)
