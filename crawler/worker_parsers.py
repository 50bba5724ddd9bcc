"""The document parsers the spiders send to the parse worker processes, in a module that imports no Scrapy: a
worker imports what it unpickles by name, and Scrapy and Twisted would cost each worker ~30 MB for nothing.
(`crawler.base`, `crawler.spiders.pmda` and `crawler.spiders.nmpa` re-export them under their old names.)"""

from __future__ import annotations

import dataclasses

from regwatch.parsers.dispatch import parse_document
from regwatch.parsers.formats.sniff import body_format
from regwatch.parsers.pmda_ja import parse_pdf_ja
from regwatch.parsers.types import Document, Fetched


def parse_attachment(fetched: Fetched) -> Document:
    """Attachments: PDFs by their magic bytes, anything else as an HTML page."""
    return parse_document(fetched, "page")


def parse_named_attachment(fetched: Fetched, name: str | None) -> Document:
    """An attachment titled with its original file name, when the URL carries one."""
    document = parse_attachment(fetched)
    return dataclasses.replace(document, title=name) if name else document


def parse_any(fetched: Fetched, kind: str, selector: str | None = None) -> Document:
    """PMDA: PDFs with wrapped Japanese lines joined; everything else as `parsers.parse_document` does it."""
    if body_format(fetched) == "pdf":
        return parse_pdf_ja(fetched)
    return parse_document(fetched, kind, selector)
