"""File-size labels that agencies print after a link's title, in every form seen: MHLW `［PDF形式：84KB］`,
PMDA `[351KB]` / `[1.15MB]` / `PDFファイル[317 KB]`, EMA `(PDF/400.09 KB)`, FDA `PDF (291.05 KB)`, `(PDF: 1.2 MB)`,
`(PDF - 400 KB)`, `【PDF：123KB】`. They change when a file is re-saved, so they never belong in a title."""

from __future__ import annotations

import re

_SIZE = r"[\d.,]+\s*(?:[KMG]i?B|[KMG]bytes|バイト)"
_KIND = r"(?:PDF|Word|Excel|DOCX?|XLSX?|HWPX?|ZIP|PPTX?)"
_LABEL = re.compile(
    rf"\s*(?:{_KIND}\s*(?:ファイル|形式|file)?\s*)?"  # PDFファイル[317 KB], PDF (291.05 KB)
    rf"[\[［(（【]\s*(?:{_KIND}\s*(?:ファイル|形式|file)?\s*[:：/\-–]?\s*)?{_SIZE}\s*[\]］)）】]",
    re.I,
)


def strip_size_labels(title: str) -> str:
    """`title` without size labels (and the spaces around them)."""
    return " ".join(_LABEL.sub(" ", title).split())
