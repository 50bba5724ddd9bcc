"""PDF text with PDFium (pypdfium2): the lines of every page, a blank line where a paragraph ends.

PDFium reads a page ~4× faster than pypdf's layout mode and puts the characters of Japanese, Korean and Chinese
notices in the same order. Its text has a line break between lines but no blank line between paragraphs, so the
gaps are rebuilt from where each line sits, with pypdf's layout-mode rule: a line whose baseline is at least
`GAP` × its font size away from the previous line's starts a paragraph.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from regwatch.parsers.formats import pdf_margin

GAP = 2.0  # a baseline this many font sizes from the previous one starts a paragraph (pypdf: one blank line)


class Unreadable(Exception):
    """PDFium could not open the file (damaged, encrypted with a password, not a PDF): try another reader."""


@dataclass(frozen=True)
class Extracted:
    pages: list[list[str]]  # stripped lines, "" between paragraphs
    title: str  # the Info dictionary's /Title, "" when absent


def extract(body: bytes) -> Extracted:
    """Lines of every page and the metadata title; `Unreadable` when PDFium cannot open the file."""
    try:
        doc = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as exc:
        raise Unreadable(str(exc)) from exc
    try:
        if len(doc) == 0:
            raise Unreadable("no pages")
        pages: list[list[str]] = []
        column: pdf_margin.Column | None = None  # where the margin line numbers of earlier pages sat
        for index in range(len(doc)):
            lines, column = _page_lines(doc, index, column)
            pages.append(lines)
        return Extracted(pages, _title(doc))
    except pdfium.PdfiumError as exc:  # a page that does not load: damaged
        raise Unreadable(str(exc)) from exc
    finally:
        doc.close()


def _title(doc: pdfium.PdfDocument) -> str:
    try:
        return doc.get_metadata_value("Title") or ""
    except (pdfium.PdfiumError, UnicodeDecodeError, KeyError):  # a damaged Info dictionary only costs the title
        return ""


def _page_lines(
    doc: pdfium.PdfDocument, index: int, column: pdf_margin.Column | None
) -> tuple[list[str], pdf_margin.Column | None]:
    """The page's stripped lines as PDFium orders them, "" before a line that starts a paragraph (a page with
    margin line numbers is rebuilt without them by pdf_margin), and the numbers' column so far."""
    page = doc[index]
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count > 0 else ""
        numbered = pdf_margin.page_lines(textpage, text, column)
        if numbered is not None:
            return numbered
        position_at = _position_reader(textpage, same_indexes=len(text) == count)
        out: list[str] = []
        previous: float | None = None
        start = 0
        for line in text.split("\r\n"):
            lead = len(line) - len(line.lstrip())
            stripped = line.strip()
            position = position_at(start + lead) if stripped else None
            start += len(line) + 2
            if not stripped:
                continue
            if position is not None:
                baseline, size = position
                if previous is not None and out and out[-1] and abs(previous - baseline) >= GAP * size:
                    out.append("")
                previous = baseline
            out.append(stripped)
        return out, column
    finally:
        textpage.close()
        page.close()


def _position_reader(
    textpage: pdfium.PdfTextPage, same_indexes: bool
) -> Callable[[int], tuple[float, float] | None]:
    """A function giving (baseline y, font size as drawn) of the character at a text index of the page's text,
    in points; None for a character without them. `same_indexes`: the text is exactly as long as the character
    list, so PDFium left no character out and a text index is the character's index (one call less)."""
    raw = textpage.raw
    x, y, matrix = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_MATRIX()
    x_ref, y_ref, matrix_ref = ctypes.byref(x), ctypes.byref(y), ctypes.byref(matrix)

    def position(text_index: int) -> tuple[float, float] | None:
        char = text_index if same_indexes else pdfium_c.FPDFText_GetCharIndexFromTextIndex(raw, text_index)
        if char < 0 or not pdfium_c.FPDFText_GetCharOrigin(raw, char, x_ref, y_ref):
            return None
        size = pdfium_c.FPDFText_GetFontSize(raw, char)
        if pdfium_c.FPDFText_GetMatrix(raw, char, matrix_ref):
            size *= math.hypot(matrix.b, matrix.d)
        return (y.value, size) if size > 0 else None

    return position
