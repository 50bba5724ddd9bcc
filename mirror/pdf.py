"""Render guidance PDFs from plain-text sources with fpdf2, deterministically.

Source format (`media/<id>/download.txt`): the title page lines, a line holding only a form feed
(``\\f``), then the body. In the body, blank lines separate paragraphs; a paragraph that is a
section heading (``I. INTRODUCTION``, ``A. Background``) is set in bold. Drafts are recognised by a
title-page line starting with ``Draft Guidance`` and get the extra "Draft - Not for Implementation" header and,
as FDA prints its drafts, a line number left of every body line (blank lines between paragraphs included), counted
on across pages.
"""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

_FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)
_HEADING = re.compile(r"^(?:[IVX]+|[A-Z]|\d+)\. \S")
_ASCII = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "--",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "-",
        "\u00ad": "",
    }
)
_cache: dict[str, bytes] = {}
_cache_lock = threading.Lock()


def latin1(text: str) -> str:
    """Map typographic punctuation to ASCII and drop what Latin-1 cannot hold (core fonts only)."""
    return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


class _GuidancePDF(FPDF):
    def __init__(self, draft: bool) -> None:
        super().__init__(format="letter")
        self.draft = draft
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(True, margin=20)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Times", "I", 10)
        self.cell(0, 5, "Contains Nonbinding Recommendations", align="C", new_x="LMARGIN", new_y="NEXT")
        if self.draft:
            self.cell(0, 5, "Draft - Not for Implementation", align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-15)
        self.set_font("Times", "", 10)
        self.cell(0, 5, str(self.page_no() - 1), align="C")


def _title_page(pdf: _GuidancePDF, lines: list[str]) -> None:
    pdf.add_page()
    pdf.ln(30)
    first = True
    for line in lines:
        if not line.strip():
            pdf.ln(6)
            continue
        pdf.set_font("Times", "B" if first else "", 18 if first else 12)
        pdf.multi_cell(0, 9 if first else 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        first = False


def _body(pdf: _GuidancePDF, text: str) -> None:
    pdf.add_page()
    for para in re.split(r"\n\s*\n", text.strip()):
        flat = " ".join(para.split())
        heading = bool(_HEADING.match(flat)) and len(flat) < 110
        pdf.set_font("Times", "B" if heading else "", 12)
        pdf.multi_cell(0, 6, flat, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


_LINE = 6  # mm per body line
_NUMBER_X, _NUMBER_W = 8, 12  # the margin numbers' cell: right-aligned, ending 5 mm left of the body


def _numbered_body(pdf: _GuidancePDF, text: str) -> None:
    """A draft's body with its margin line numbers; every paragraph is followed by a numbered blank line."""
    pdf.add_page()
    number = 0
    for para in re.split(r"\n\s*\n", text.strip()):
        flat = " ".join(para.split())
        style = "B" if _HEADING.match(flat) and len(flat) < 110 else ""
        pdf.set_font("Times", style, 12)
        lines = pdf.multi_cell(0, _LINE, flat, dry_run=True, output=MethodReturnValue.LINES)
        for line in [*lines, ""]:
            if pdf.will_page_break(_LINE):
                pdf.add_page()
            number += 1
            y = pdf.get_y()
            pdf.set_font("Times", "", 10)
            pdf.set_xy(_NUMBER_X, y)
            pdf.cell(_NUMBER_W, _LINE, str(number), align="R")
            pdf.set_font("Times", style, 12)
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(0, _LINE, line, new_x="LMARGIN", new_y="NEXT")


def render(source: str) -> bytes:
    """The PDF bytes for a text source; same text, same bytes (cached by text hash)."""
    key = hashlib.sha256(source.encode("utf-8")).hexdigest()
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    title, _, body = latin1(source).partition("\f")
    lines = [line.rstrip() for line in title.strip("\n").splitlines()]
    draft = any(line.startswith("Draft Guidance") for line in lines)
    pdf = _GuidancePDF(draft=draft)
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_producer("FDA guidance mirror (fpdf2)")
    pdf.set_title(lines[0] if lines else "")
    pdf.set_author("U.S. Food and Drug Administration")
    _title_page(pdf, lines)
    if body.strip():
        (_numbered_body if draft else _body)(pdf, body)
    data = bytes(pdf.output())
    with _cache_lock:
        _cache[key] = data
    return data
