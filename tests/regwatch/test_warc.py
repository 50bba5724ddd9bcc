"""`regwatch export-warc`: WARC 1.1 request/response records that warcio reads back with digests checked, whose
payloads are exactly the stored blobs."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from regwatch.cli import main
from regwatch.store.db import open_store
from regwatch.store.models import Blob, Version
from regwatch.warc import write_document_warc
from tests.web.storefill import REQUEST_HEADERS, fill


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, dict[str, int], str]:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    ids = fill(open_store(url))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": url}}))
    return config, ids, url


def read(data: bytes) -> list[tuple[str, dict[str, str], dict[str, str] | None, bytes]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        http = dict(record.http_headers.headers) if record.http_headers else None
        if record.rec_type in ("request", "response"):
            http = {**(http or {}), ":line": record.http_headers.protocol + " " + record.http_headers.statusline}
        out.append((record.rec_type, dict(record.rec_headers.headers), http, record.raw_stream.read()))
    return out


def test_every_version_round_trips_with_digests(store: tuple[Path, dict[str, int], str]) -> None:
    config, ids, url = store
    doc = ids["0812-30"]
    out = config.parent / "doc.warc.gz"
    result = CliRunner().invoke(main, ["--config", str(config), "export-warc", str(doc), "--output", str(out)])
    assert result.exit_code == 0, result.output
    records = read(out.read_bytes())
    assert [r[0] for r in records] == ["warcinfo"] + ["response", "request", "metadata"] * 2
    assert all(headers["WARC-Type"] == kind for kind, headers, _, _ in records)
    with open_store(url)() as s:
        versions = list(s.scalars(select(Version).where(Version.document_id == doc).order_by(Version.number)))
        blobs = [s.get(Blob, v.raw_sha256).content for v in versions]  # type: ignore[union-attr]
    responses = [r for r in records if r[0] == "response"]
    requests = [r for r in records if r[0] == "request"]
    for v, blob, (_, headers, http, payload), (_, req_headers, req_http, _) in zip(
            versions, blobs, responses, requests, strict=True):
        assert payload == blob  # the exact bytes fetched
        digest = base64.b32encode(bytes.fromhex(v.raw_sha256 or "")).decode()
        assert headers["WARC-Payload-Digest"] == f"sha256:{digest}"  # the stored sha256, base32
        assert headers["WARC-Block-Digest"].startswith("sha256:")
        assert headers["WARC-Target-URI"] == v.url
        assert headers["WARC-Date"].startswith(v.fetched_at.strftime("%Y-%m-%dT%H:%M:%S"))
        assert req_headers["WARC-Concurrent-To"] == headers["WARC-Record-ID"]
        assert http is not None and http[":line"].startswith("HTTP/1.1 200")
        assert http["Content-Type"] == "application/pdf" and http["ETag"] == v.etag
        assert http["Content-Length"] == str(len(blob))
        assert req_http is not None and req_http[":line"] == "GET /files/000280466.pdf HTTP/1.1"
        assert req_http["User-Agent"] == REQUEST_HEADERS["User-Agent"] and req_http["Host"] == "www.pmda.go.jp"
    metadata = [json.loads(r[3]) for r in records if r[0] == "metadata"]
    assert [m["version"] for m in metadata] == [1, 2]
    assert metadata[1]["text_sha256"] == versions[1].text_sha256
    assert "regwatch" in records[0][3].decode()


def test_warc_version_is_1_1_and_transport_headers_are_renamed(store: tuple[Path, dict[str, int], str]) -> None:
    _, ids, url = store
    buffer = io.BytesIO()
    with open_store(url)() as s:
        assert write_document_warc(s, ids["2026-88"], buffer) == 1
    import gzip

    assert gzip.decompress(buffer.getvalue()).startswith(b"WARC/1.1\r\n")
    with open_store(url)() as s:
        v = s.scalar(select(Version).where(Version.document_id == ids["2026-88"]))
        assert v is not None
        v.response_headers = {**v.response_headers, "Content-Encoding": "gzip", "Transfer-Encoding": "chunked",
                              "Content-Length": "12"}
        out = io.BytesIO()
        write_document_warc(s, ids["2026-88"], out)
        s.rollback()
    (_, _, http, payload), = [r for r in read(out.getvalue()) if r[0] == "response"]
    assert http is not None
    assert http["X-Archive-Orig-Content-Encoding"] == "gzip" and "Content-Encoding" not in http
    assert http["X-Archive-Orig-Transfer-Encoding"] == "chunked"
    assert http["X-Archive-Orig-Content-Length"] == "12" and http["Content-Length"] == str(len(payload))


def test_unknown_document_is_one_line(store: tuple[Path, dict[str, int], str]) -> None:
    config, _, _ = store
    result = CliRunner().invoke(main, ["--config", str(config), "export-warc", "999"])
    assert result.exit_code == 2 and "no document with id 999" in result.output
