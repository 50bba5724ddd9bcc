"""What kind of body a response carries, and whether it carries one at all."""

from __future__ import annotations

from parsers.types import Fetched, ParseError

PDF_MAGIC = b"%PDF-"


def media_type(fetched: Fetched) -> str:
    """The Content-Type without parameters, lower-cased ("" when absent)."""
    return (fetched.header("Content-Type") or "").split(";")[0].strip().lower()


def starts_like_pdf(body: bytes) -> bool:
    """True when the body begins (after whitespace) with the %PDF- magic."""
    return body[:1024].lstrip().startswith(PDF_MAGIC)


def is_pdf(fetched: Fetched) -> bool:
    """True when the body starts like a PDF or the server says it is one."""
    return starts_like_pdf(fetched.body) or media_type(fetched) == "application/pdf"


def require_body(fetched: Fetched, what: str) -> None:
    """Raise ParseError for an error status or an empty body: neither is a document."""
    if fetched.status >= 400:
        raise ParseError(f"{what}: HTTP {fetched.status} from {fetched.url}")
    if not fetched.body.strip():
        raise ParseError(f"{what}: empty body from {fetched.url}")
