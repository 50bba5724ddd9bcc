"""Office documents (DOCX, XLSX, DOC) → text. Until an extractor exists for a format, it is versioned by its
bytes (see parsers.formats.binary)."""

from __future__ import annotations

from parsers.formats.binary import binary_document
from parsers.types import Document, Fetched


def parse_docx(fetched: Fetched) -> Document:
    return binary_document(fetched, "docx")


def parse_xlsx(fetched: Fetched) -> Document:
    return binary_document(fetched, "xlsx")


def parse_doc(fetched: Fetched) -> Document:
    return binary_document(fetched, "doc")
