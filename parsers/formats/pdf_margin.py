"""Margin line numbers (FDA drafts print one left of every line): found by where they sit, then the page's lines
rebuilt from character positions without them.

A page has a line-number column when at least `MIN_NUMBERS` digit-only words sit wholly left of the body text's
left edge, in one narrow column, counting upward from the top of the page. A text regex alone cannot tell
"13 I. INTRODUCTION" (a numbered line) from "13 weeks" (a sentence), and PDFium's own text order puts a number
behind a superscript footnote mark ("drug.3 21 FDA's"), so the numbers are removed by position and the lines are
rebuilt by baseline.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, repeat
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

GAP = 2.0  # as in pdf_pdfium: a baseline this many font sizes below the previous one starts a paragraph
MIN_NUMBERS = 3  # fewer margin numbers than this on a page is not a numbered page
MAX_COLUMN = 40.0  # points: the numbers' column is at most this wide
CLEARANCE = 2.0  # points between the numbers' right edge and the body's left edge
WORD_GAP = 0.15  # a horizontal gap of this many font sizes between two characters is a space
ROW = 0.5  # a baseline within this many font sizes of the row's lowest baseline belongs to the row
ORDERED = 0.8  # share of neighbouring numbers that must count upward down the page
_DIGIT = re.compile(r"\d")
_LINE_LETTER = re.compile(r"^[^\w\n]*?([^\W\d_])", re.M)  # the first letter of a line (isalpha checked after)


@dataclass(frozen=True)
class Column:
    """Where a page's margin numbers sit (left and right edge, points)."""

    left: float
    right: float


class Char(NamedTuple):
    text: str
    left: float
    right: float
    baseline: float
    size: float
    space_after: bool = False


def page_lines(
    textpage: pdfium.PdfTextPage, text: str, column: Column | None = None
) -> tuple[list[str], Column] | None:
    """The page's lines without margin line numbers ("" before a paragraph) and the numbers' column; None when
    the page has no such column. `text` is PDFium's text of the whole page (`get_text_range` of every character).
    `column` is the one an earlier page of the document had: then a single number in that column is enough (a
    page that is mostly a table numbers only its few text lines)."""
    if not _may_be_numbered(textpage, _char_text(textpage, text), column):
        return None
    chars = _chars(textpage)
    rows = _rows(chars)
    found = _margin_numbers(rows, chars, column)
    if not found:
        return None
    numbers = {id(c) for word in found for c in word}
    kept = [[c for c in row if id(c) not in numbers] for row in rows]
    band = Column(min(w[0].left for w in found), max(w[-1].right for w in found))
    return _lines([row for row in kept if row]), band


def _char_text(textpage: pdfium.PdfTextPage, text: str) -> str:
    """One character for each of PDFium's character indexes, the same letter, digit or line break as the code
    point PDFium reports for it.

    PDFium's text is its character list one for one when it is exactly as long (a control character PDFium
    leaves out of its text, or one beyond U+FFFF, makes it shorter); the only characters it then spells
    differently are no letter, digit or line break (a character without a code point, or a hyphen PDFium took
    off a line end, reads U+FFFE there). Otherwise each code point is read on its own (one call per character).
    """
    count = textpage.count_chars()
    if len(text) == count:
        return text
    return "".join(map(chr, map(pdfium_c.FPDFText_GetUnicode, repeat(textpage.raw, count), range(count))))


def _may_be_numbered(textpage: pdfium.PdfTextPage, text: str, column: Column | None) -> bool:
    """False when the page cannot have margin numbers, found from the positions of a few characters only (reading
    every character's box is most of a PDF's parse time, and most pages have no numbers).

    A margin number ends in a digit left of the body's left edge (or inside `column`). The edge is estimated from
    the first letter of each line of `text` (one character per character index): never left of the true edge,
    so a page this rules out has no numbers; a page it keeps goes through the full check of `page_lines`.
    """
    if not any(map(str.isalpha, text)):
        return False  # no letter at all: `_margin_numbers` finds nothing either
    if text.isascii():  # str.isdigit is then \d, which a pattern finds faster
        digits = [found.start() for found in _DIGIT.finditer(text)]
    else:
        digits = list(compress(range(len(text)), map(str.isdigit, text)))
    if len(digits) < (1 if column else MIN_NUMBERS):
        return False
    if column is not None:
        slack = MAX_COLUMN / 4
        return any(left >= column.left - slack and right <= column.right + slack
                   for left, right in _boxes(textpage, digits, drawn_only=False))
    # MIN_NUMBERS digits must end left of every line's first letter: the page is out at the first line whose
    # letter starts left of where the MIN_NUMBERS-th digit from the left ends (on most pages: the first line).
    rights = sorted(right for _, right in _boxes(textpage, digits, drawn_only=False))
    needed = rights[MIN_NUMBERS - 1]
    line_starts = (found.start(1) for found in _LINE_LETTER.finditer(text) if found.group(1).isalpha())
    return all(needed <= left - CLEARANCE for left, _ in _boxes(textpage, line_starts))


def _boxes(
    textpage: pdfium.PdfTextPage, indexes: Iterable[int], drawn_only: bool = True
) -> Iterator[tuple[float, float]]:
    """Left and right edge of the characters of `indexes` as `_chars` reads them; with `drawn_only` only those
    it reads (drawn, with an origin). A digit is read without that test (two calls fewer): one `_chars` leaves
    out can only keep a page for the full check, never rule one out."""
    raw = textpage.raw
    x, y, rect = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_RECTF()
    x_ref, y_ref, rect_ref = ctypes.byref(x), ctypes.byref(y), ctypes.byref(rect)
    for index in indexes:
        if drawn_only and pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            continue
        if drawn_only and not pdfium_c.FPDFText_GetCharOrigin(raw, index, x_ref, y_ref):
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect_ref):
            raise pdfium.PdfiumError("Failed to get charbox.")
        left, right = rect.left, rect.right
        yield left, max(right, left)


def _chars(textpage: pdfium.PdfTextPage) -> list[Char]:
    """Every drawn character with its box, baseline and font size; a space (the file's or PDFium's) marks the
    character before it."""
    raw = textpage.raw
    out: list[Char] = []
    x, y, matrix, rect = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_MATRIX(), pdfium_c.FS_RECTF()
    x_ref, y_ref, matrix_ref, rect_ref = ctypes.byref(x), ctypes.byref(y), ctypes.byref(matrix), ctypes.byref(rect)
    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        if code in (0, 0xFFFE, 0xFFFF) or chr(code).isspace():
            if out and not out[-1].space_after:
                out[-1] = out[-1]._replace(space_after=True)
            continue
        if pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            continue
        if not pdfium_c.FPDFText_GetCharOrigin(raw, index, x_ref, y_ref):
            continue
        size = pdfium_c.FPDFText_GetFontSize(raw, index)
        if pdfium_c.FPDFText_GetMatrix(raw, index, matrix_ref):
            size *= math.hypot(matrix.b, matrix.d)
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, index, rect_ref):
            raise pdfium.PdfiumError("Failed to get charbox.")
        left, right = rect.left, rect.right
        out.append(Char(chr(code), left, max(right, left), y.value, size if size > 0 else 1.0))
    return out


def _rows(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into visual lines, top to bottom, each left to right (superscripts stay in their line)."""
    rows: list[list[Char]] = []
    lowest = math.inf
    for char in sorted(chars, key=lambda c: -c.baseline):
        if rows and lowest - char.baseline < ROW * max(char.size, rows[-1][0].size):
            rows[-1].append(char)
            lowest = min(lowest, char.baseline)
        else:
            rows.append([char])
            lowest = char.baseline
    return [sorted(row, key=lambda c: c.left) for row in rows]


def _words(row: list[Char]) -> list[list[Char]]:
    """A row's words: split after a space and at gaps wider than a space."""
    words: list[list[Char]] = []
    for char in row:
        last = words[-1][-1] if words else None
        if last and not last.space_after and char.left - last.right <= WORD_GAP * char.size:
            words[-1].append(char)
        else:
            words.append([char])
    return words


def _margin_numbers(rows: list[list[Char]], chars: list[Char], column: Column | None) -> list[list[Char]]:
    """The page's margin line numbers (as words), [] when the page has no number column.

    Without a known column a number must sit left of every letter on the page; with one (from an earlier page)
    it must sit in that column, since a table may reach into the margin.
    """
    letters = [c.left for c in chars if c.text.isalpha()]
    if not letters:
        return []
    body_left = min(letters)
    found: list[list[Char]] = []
    for row in rows:
        first = _words(row)[0]
        if not all(c.text.isdigit() for c in first) or len(first) > 4:
            continue
        if column is None and first[-1].right <= body_left - CLEARANCE or column is not None and _inside(first, column):
            found.append(first)
    if len(found) < (1 if column else MIN_NUMBERS):
        return []
    if max(w[-1].right for w in found) - min(w[0].left for w in found) > MAX_COLUMN:
        return []
    values = [int("".join(c.text for c in word)) for word in found]
    upward = sum(b > a for a, b in zip(values, values[1:], strict=False))
    return found if upward >= ORDERED * (len(values) - 1) else []


def _inside(word: list[Char], column: Column) -> bool:
    slack = MAX_COLUMN / 4
    return word[0].left >= column.left - slack and word[-1].right <= column.right + slack


def _text(row: list[Char]) -> str:
    return " ".join("".join(c.text for c in word) for word in _words(row))


def _lines(rows: list[list[Char]]) -> list[str]:
    out: list[str] = []
    previous: float | None = None
    for row in rows:
        size = statistics.median(c.size for c in row)
        baseline = max(c.baseline for c in row if c.size >= size)
        if previous is not None and out and previous - baseline >= GAP * size:
            out.append("")
        out.append(_text(row))
        previous = baseline
    return out
