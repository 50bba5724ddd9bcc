"""Audit export: a document's every version as WARC 1.1 records (warcio), the evidence in an archival format.

Per version with stored bytes: a `request` record (the request headers sent), a `response` record (status line,
response headers, and the exact bytes fetched as payload) and a `metadata` record (regwatch's own facts: version
number, text and raw sha256, title, status). Digests are SHA-256 (`WARC-Block-Digest`, `WARC-Payload-Digest`), so
the payload digest is the stored blob's sha256 in base32. The stored body is the decoded entity, so headers that
describe a transport encoding are kept renamed (`X-Archive-Orig-…`), as web archives do, and Content-Length is the
payload's.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from http import HTTPStatus
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from regwatch.store.models import Blob, Document, Source, Version

SOFTWARE = "regwatch 0.1 (warcio)"
_RENAMED = ("content-encoding", "transfer-encoding", "content-length")


def _writer(out: BinaryIO):  # type: ignore[no-untyped-def]
    from warcio.utils import Digester
    from warcio.warcwriter import WARCWriter

    class Sha256Writer(WARCWriter):  # type: ignore[misc]
        @staticmethod
        def _create_digester() -> Digester:
            return Digester("sha256")

    return Sha256Writer(out, gzip=True, warc_version="1.1")


def write_document_warc(session: Session, document_id: int, out: BinaryIO) -> int:
    """Write the document's versions to `out` (gzip-compressed WARC 1.1); returns how many had bytes.
    Raises LookupError when there is no such document."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise LookupError(f"no document with id {document_id} (see `regwatch history` for ids)")
    source = session.get(Source, doc.source_id)
    versions = list(session.scalars(select(Version).where(Version.document_id == doc.id)
                                    .order_by(Version.number)))
    writer = _writer(out)
    writer.write_record(writer.create_warcinfo_record(f"regwatch-doc{doc.id}.warc.gz", {
        "software": SOFTWARE, "format": "WARC File Format 1.1",
        "description": f"regwatch evidence for document {doc.id}: {doc.title}",
        "isPartOf": f"{doc.agency}/{source.name if source else doc.source_id}/{doc.key}",
    }))
    with_bytes = 0
    for v in versions:
        blob = session.get(Blob, v.raw_sha256) if v.raw_sha256 else None
        response_id = None
        if blob is not None:
            request, response = _exchange(writer, v, blob.content)
            writer.write_request_response_pair(request, response)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            with_bytes += 1
        writer.write_record(_metadata(writer, doc, v, response_id))
    return with_bytes


def _exchange(writer: Any, v: Version, body: bytes) -> tuple[Any, Any]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.timeutils import datetime_to_iso_date

    date = datetime_to_iso_date(_naive_utc(v.fetched_at), use_micros=True)
    parts = urlsplit(v.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_headers = _pairs(v.request_headers)
    if not any(k.lower() == "host" for k, _ in req_headers):
        req_headers.insert(0, ("Host", parts.netloc))
    request = writer.create_warc_record(
        v.url, "request", http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", req_headers,
                                                        is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    status = v.http_status or 200
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
    response = writer.create_warc_record(
        v.url, "response", payload=io.BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders(f"{status} {reason}", _response_headers(v.response_headers, len(body)),
                                      protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date})
    return request, response


def _response_headers(stored: dict[str, Any], length: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in _pairs(stored):
        if name.lower() in _RENAMED:
            if name.lower() == "content-length" and value.strip() == str(length):
                continue
            name = f"X-Archive-Orig-{name}"
        out.append((name, value))
    out.append(("Content-Length", str(length)))
    return out


def _pairs(headers: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in (headers or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            text = item.decode("latin-1") if isinstance(item, bytes) else str(item)
            out.append((str(name), " ".join(text.splitlines())))  # a header never spans lines
    return out


def _metadata(writer: Any, doc: Document, v: Version, response_id: str | None) -> Any:
    from warcio.timeutils import datetime_to_iso_date

    facts = {"document_id": doc.id, "agency": doc.agency, "key": doc.key, "version": v.number,
             "fetched_at": v.fetched_at.isoformat(), "url": v.url, "http_status": v.http_status,
             "text_sha256": v.text_sha256, "raw_sha256": v.raw_sha256, "title": v.meta.get("title", doc.title),
             "status": v.meta.get("status"), "raw_bytes_stored": v.raw_sha256 is not None}
    payload = json.dumps(facts, ensure_ascii=False, indent=1).encode()
    headers = {"WARC-Date": datetime_to_iso_date(_naive_utc(v.fetched_at), use_micros=True)}
    if response_id:
        headers["WARC-Concurrent-To"] = response_id
    return writer.create_warc_record(f"urn:regwatch:document:{doc.id}:version:{v.number}", "metadata",
                                     payload=io.BytesIO(payload), length=len(payload),
                                     warc_content_type="application/json", warc_headers_dict=headers)


def _naive_utc(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
