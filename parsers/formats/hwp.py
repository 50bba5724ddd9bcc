"""Hangul word processor files (HWP: OLE compound file; HWPX: ZIP) → text. Until an extractor exists, they
are versioned by their bytes (see parsers.formats.binary)."""

from __future__ import annotations

from parsers.formats.binary import binary_document
from parsers.types import Document, Fetched


def parse_hwp(fetched: Fetched) -> Document:
    return binary_document(fetched, "hwp")


def parse_hwpx(fetched: Fetched) -> Document:
    return binary_document(fetched, "hwpx")
