"""Files whose text cannot be extracted are still versioned: by the hash of their bytes, with a note."""

from __future__ import annotations

import hashlib

from regwatch.parsers.types import Document, Fetched


def binary_document(fetched: Fetched, fmt: str, why: str = "no text extractor for this format") -> Document:
    """A document whose "text" names the exact bytes, so a new file is a new version and the reader is told
    plainly that its words could not be compared."""
    digest = hashlib.sha256(fetched.body).hexdigest()
    note = f"text could not be extracted from this {fmt.upper()} file ({why}); versioned by its bytes"
    text = f"[{fmt.upper()} file, {len(fetched.body)} bytes, sha256 {digest}: {note}]"
    return Document(url=fetched.url, title="", text=text, note=note)
