"""Issue #8, T14: attachment names cannot escape the snapshot store. A hostile server names its attachments
`../../x`, `/etc/passwd`, `..\\x`, NUL, 300 characters and an RTL override (in the link and in Content-Disposition)
and ships zip members named `../…`; after two real crawls (tests/security/conftest.py), every file any regwatch
process wrote is under the store root, the bytes are kept by their sha256, and nothing landed anywhere else. The
places that do write or name files from stored data are checked too: the raw-bytes download's filename, the WARC
download and `regwatch export-warc`."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from warcio.archiveiterator import ArchiveIterator

from regwatch.store.db import open_store
from regwatch.store.models import Blob, Document, Version
from regwatch.web.app import WebSettings, create_app
from tests.e2e.conftest import ROOT
from tests.security.conftest import HOSTILE_NAMES, PAGE, ZIP_SLIP, HostileCrawl

SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal", ".run.lock")  # .run.lock: one run at a time


def written(crawl: HostileCrawl) -> list[Path]:
    """Every path a regwatch process opened for writing, created, renamed to or connected to (as a database)."""
    out = []
    for w in crawl.writes():
        path = Path(w["path"]) if os.path.isabs(w["path"]) else Path(w["cwd"]) / w["path"]
        out.append(Path(os.path.realpath(path)))
    return out


def attachments(sessions: sessionmaker[Session]) -> list[Document]:
    with sessions() as s:
        page = s.scalar(select(Document).where(Document.key == PAGE))
        assert page is not None
        return list(s.scalars(select(Document).where(Document.parent_id == page.id).order_by(Document.id)))


@pytest.fixture(scope="module")
def crawl(hostile_crawl: HostileCrawl) -> HostileCrawl:
    for out in hostile_crawl.outputs:
        assert out.returncode == 0, out.stderr[-3000:]
    return hostile_crawl


@pytest.fixture(scope="module")
def sessions(crawl: HostileCrawl) -> sessionmaker[Session]:
    return open_store(crawl.db_url)


def test_the_hostile_names_reached_the_crawler(sessions: sessionmaker[Session]) -> None:
    docs = attachments(sessions)
    assert len(docs) == len(HOSTILE_NAMES)  # every attachment was fetched and recorded
    with sessions() as s:
        sent = [s.scalar(select(Version.response_headers).where(Version.document_id == d.id)) for d in docs]
    dispositions = " ".join(str(h.get("Content-Disposition") or h.get("content-disposition")) for h in sent)
    assert "../../x" in dispositions and "/etc/passwd" in dispositions and "%E2%80%AE" in dispositions
    assert all(d.key.startswith(PAGE + "#/files/") for d in docs)  # a key is a string in the store, never a path


def test_every_written_file_is_under_the_store_root(crawl: HostileCrawl) -> None:
    store_root = Path(os.path.realpath(crawl.sandbox / "store"))
    tmp = Path(os.path.realpath(crawl.sandbox / "tmp"))
    paths = written(crawl)
    assert any(p == store_root / "regwatch.db" for p in paths)  # the log saw the store being written
    for path in paths:
        if path == Path("/dev/null"):
            continue
        if path.is_relative_to(tmp):  # multiprocessing's scratch files: under TMPDIR, and gone afterwards
            assert not path.exists() or path.is_dir() and not any(path.iterdir()), path
            continue
        assert path.is_relative_to(store_root), f"written outside the store: {path}"
    names = [p.name for p in paths]
    assert not [n for n in names if n in ("x", "passwd", "zipslip.txt", "zipslip.zip", "up.txt") or "fdp" in n]


def test_no_file_landed_anywhere_else(crawl: HostileCrawl) -> None:
    found = {str(p.relative_to(crawl.sandbox)) for p in crawl.sandbox.rglob("*")
             if p.is_file() and not p.is_relative_to(crawl.sandbox / "site")}
    db = {f"store/regwatch.db{s}" for s in SQLITE_SIDE_FILES}
    assert found - db == {"work/config.yaml", "audit.log"}, found
    bases = [crawl.sandbox / d for d in ("work", "store", "tmp", "home")] + [ROOT]
    started = (crawl.sandbox / "work" / "config.yaml").stat().st_mtime  # written before the first run
    for name in [*HOSTILE_NAMES.values(), *ZIP_SLIP]:
        for base in bases:
            target = base / name.replace("\\", "/").replace("\x00", "")
            if len(target.name) < 255:  # a longer name cannot exist on any common file system
                # a path outside the sandbox may exist already (e.g. /tmp/x): it must not have been written since
                assert not target.exists() or target.stat().st_mtime < started, target
    assert not Path("/tmp/regwatch-zipslip-abs.txt").exists() and not Path("/tmp/zipslip.zip").exists()


def test_the_bytes_are_stored_by_their_hash(crawl: HostileCrawl, sessions: sessionmaker[Session]) -> None:
    served = {hashlib.sha256((crawl.site / "files" / name).read_bytes()).hexdigest() for name in HOSTILE_NAMES}
    ids = [d.id for d in attachments(sessions)]
    with sessions() as s:
        blobs = {b.sha256: b.content for b in s.scalars(select(Blob))}
        raw = set(s.scalars(select(Version.raw_sha256).where(Version.document_id.in_(ids))))
    assert all(sha == hashlib.sha256(content).hexdigest() for sha, content in blobs.items())
    assert raw == served and served <= set(blobs)  # each hostile file kept once, under its sha256


def test_downloads_name_files_by_ids_only(sessions: sessionmaker[Session]) -> None:
    client = create_app(sessions, WebSettings(refresh_every=60)).test_client()
    for doc in attachments(sessions):
        raw = client.get(f"/documents/{doc.id}/versions/1/raw")
        ext = "docx" if doc.url.split("?")[0].endswith(".docx") else "pdf" if ".pdf" in doc.url else "bin"
        assert raw.headers["Content-Disposition"] == f'attachment; filename="regwatch-doc{doc.id}-v1.{ext}"'
        warc = client.get(f"/documents/{doc.id}/warc")
        assert warc.headers["Content-Disposition"] == f'attachment; filename="regwatch-doc{doc.id}.warc.gz"'
        records = list(ArchiveIterator(io.BytesIO(warc.get_data())))
        info = records[0].rec_headers
        assert info.get_header("WARC-Filename") == f"regwatch-doc{doc.id}.warc.gz"
        assert {r.rec_type for r in records} == {"warcinfo", "request", "response", "metadata"}
        assert gzip.decompress(warc.get_data())  # a valid gzip stream, nothing else


def test_export_warc_writes_one_file_named_by_the_id(crawl: HostileCrawl, sessions: sessionmaker[Session],
                                                     tmp_path: Path) -> None:
    doc = next(d for d in attachments(sessions) if "..%2F..%2Fx" in d.url or "../../x" in d.url)
    before = len(crawl.writes())
    out = crawl.run("export-warc", str(doc.id), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [p.name for p in tmp_path.iterdir()] == [f"regwatch-doc{doc.id}.warc.gz"]
    new = [Path(w["path"]) if os.path.isabs(w["path"]) else Path(w["cwd"]) / w["path"]
           for w in crawl.writes()[before:]]
    assert {Path(os.path.realpath(p)) for p in new if str(p) != "/dev/null"} <= {
        Path(os.path.realpath(tmp_path / f"regwatch-doc{doc.id}.warc.gz")),
        Path(os.path.realpath(crawl.sandbox / "store" / "regwatch.db")),
        Path(os.path.realpath(crawl.sandbox / "store"))}
