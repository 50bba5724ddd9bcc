"""What kind of body a response carries, and whether it carries one at all."""

from __future__ import annotations

from regwatch.parsers.types import Fetched, ParseError

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


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def body_format(fetched: Fetched) -> str:
    """The document format by magic bytes (never by file name: some `.hwp` files are really HWPX):
    "pdf", "docx", "xlsx", "hwpx", "zip", "hwp", "hwp3", "doc", "xls", "ole", or "html" for everything else."""
    body = fetched.body
    if starts_like_pdf(body) or media_type(fetched) == "application/pdf":
        return "pdf"
    if body.startswith(ZIP_MAGIC):
        return _zip_format(body)
    if body.startswith(OLE_MAGIC):
        return _ole_format(body)
    if body.startswith(b"HWP Document File"):  # HWP 3.x, before the OLE-based HWP 5 format
        return "hwp3"
    return "html"


def _zip_format(body: bytes) -> str:
    import io
    import zipfile

    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.startswith("Contents/section") for n in names) or "Preview/PrvText.txt" in names:
        return "hwpx"
    return "zip"


def _ole_format(body: bytes) -> str:
    import olefile

    try:
        with olefile.OleFileIO(body) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except Exception:  # noqa: BLE001 olefile raises OSError, ValueError, IndexError, RecursionError (a directory
        return "ole"  # loop) … on damaged files; this runs in the crawler's own process, so nothing may escape
    if "FileHeader" in streams and ("PrvText" in streams or any(s.startswith("BodyText") for s in streams)):
        return "hwp"
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    return "ole"


def json_body(fetched: Fetched, what: str) -> object:
    """The body as JSON; a ParseError that says whether an HTML page (an error or block page) came instead."""
    import json

    require_body(fetched, what)
    try:
        return json.loads(fetched.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        looks = "HTML (an error, challenge or block page?)" if fetched.body.lstrip()[:1] == b"<" else "not JSON"
        raise ParseError(f"{what}: {fetched.url} is {looks}: {exc}") from exc
