"""Hostile files (built by tests/parsers/hostile.py) through the real bounded worker with the crawler's own limits:
each one is refused (ParseError), killed within the bounds (also a ParseError), or read harmlessly — never a hang,
never another exception, never over the memory limit — and the next file still parses. XML attacks read no local
file and call no server: a canary file (its access time is watched) and a canary HTTP server (its hits counted).
End to end, one `regwatch run` over the MFDS mirror with two attachments replaced by hostile files stores the rest
and records those two as parse failures with their raw bytes kept.

Run with `-s` to see the table of outcome, wall time, worker CPU time and peak RSS per file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from regwatch.crawler.base import PARSE_MEMORY_MB, PARSE_TIMEOUT, parse_attachment
from regwatch.mirror.agencies import SITES_ROOT
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.sandbox import BoundedParser
from regwatch.parsers.types import Document, Fetched, ParseError
from tests.e2e.conftest import FAST_CRAWL_DELAY, Regwatch, set_crawl_delay, write_config
from tests.parsers import hostile

CANARY = "regwatch-canary-3f9d1c"  # the canary file's and server's content: must never appear in parsed text
OLD_ATIME = 1_000_000_000  # canary file's access time, older than its mtime so that any read moves it (relatime)
SLACK_S = 10.0  # worker start-up and kill on top of the parse timeout


class Canary:
    """A local HTTP server that counts every request (XXE and parameter-entity fetches would land here)."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                hits.append(self.path)
                body = f'<!ENTITY e "{CANARY}">'.encode() if self.path.endswith("dtd") else CANARY.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canary_server() -> Iterator[Canary]:
    with Canary() as server:
        yield server


def make_canary_file(directory: Path) -> Path:
    path = directory / "canary-secret.txt"
    path.write_text(CANARY)
    os.utime(path, (OLD_ATIME, time.time()))
    return path


def canary_file_read(path: Path) -> bool:
    return path.stat().st_atime != OLD_ATIME


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_canary_file(tmp_path_factory.mktemp("canary"))


@pytest.fixture(scope="module")
def worker() -> Iterator[BoundedParser]:
    """The crawler's bounded worker, with the crawler's limits (60 s, 1024 MB)."""
    bounded = BoundedParser(timeout=PARSE_TIMEOUT, memory_mb=PARSE_MEMORY_MB)
    yield bounded
    bounded.close()


@pytest.fixture(scope="module")
def table() -> Iterator[list[str]]:
    rows: list[str] = []
    yield rows
    print("\nhostile file                     outcome   wall s   cpu s  peak MB  detail")
    print("\n".join(rows))


NAMES = sorted(hostile.corpus(Path("/canary"), "http://127.0.0.1:1"))
# What each file must end as; everything else may be refused or read, as long as it stays within the bounds.
REFUSED = {"pdf-recursive-pages", "pdf-endless-page-tree", "pdf-deep-page-tree", "pdf-flate-bomb", "pdf-encrypted",
           "pdf-truncated", "docx-zip-bomb", "docx-zip-bomb-lying-size", "docx-core-xxe-file", "hwpx-zip-bomb",
           *(n for n in NAMES if n.startswith(("docx-", "xlsx-", "hwpx-", "rss-")))}
READ = {"pdf-circular-xref", "pdf-outline-loop", "pdf-huge-image", "pdf-encrypted-empty-password",
        "pdf-xmp-xxe-file", "pdf-xmp-xxe-http", "pdf-xmp-billion-laughs"}


def stats(worker: BoundedParser, probe: Callable[[Fetched], Document], fetched: Fetched) -> dict[str, float]:
    """Run a measuring probe in the worker (see hostile.reset_peak / read_peak)."""
    return json.loads(worker.parse(probe, fetched).text)


def row(name: str, result: object, wall: float, before: dict[str, float] | None,
        after: dict[str, float] | None) -> str:
    """One line of the report: outcome (killed when the worker was replaced), wall time, worker CPU, peak RSS."""
    killed = before is not None and after is not None and before["pid"] != after["pid"]
    outcome = ("refused" if isinstance(result, ParseError) else "read") + ("/killed" if killed else "")
    cpu = "-" if before is None or after is None or killed else f"{after['cpu_s'] - before['cpu_s']:.2f}"
    peak = "-" if after is None else f"<{PARSE_MEMORY_MB}" if killed else f"{after['peak_mb']:.0f}"
    detail = (f"text {result.text[:30]!r} note {str(result.note)[:40]}" if isinstance(result, Document)
              else str(result)[:100])
    return f"{name:32} {outcome:9} {wall:6.2f} {cpu:>7} {peak:>8}  {detail}"


@pytest.mark.timeout(PARSE_TIMEOUT * 2 + 60)
@pytest.mark.parametrize("name", NAMES)
def test_a_hostile_file_ends_within_the_bounds(name: str, worker: BoundedParser, canary_server: Canary,
                                               canary_file: Path, table: list[str]) -> None:
    suffix, build = hostile.corpus(canary_file, canary_server.url)[name]
    fetched = Fetched(f"https://www.mfds.go.kr/files/{name}{suffix}", 200, {}, build())
    hits = len(canary_server.hits)
    started = time.monotonic()
    before = after = None
    result: object
    try:
        if name.startswith("rss-"):  # feeds are XML listings, parsed in the crawler's own process by defusedxml
            result = parse_feed(fetched)
        else:
            before = stats(worker, hostile.reset_peak, fetched)
            try:
                result = worker.parse(parse_attachment, fetched)
            finally:
                after = stats(worker, hostile.read_peak, fetched)
    except ParseError as exc:
        result = exc
    wall = time.monotonic() - started
    table.append(row(name, result, wall, before, after))

    killed = before is not None and after is not None and before["pid"] != after["pid"]
    assert isinstance(result, Document | ParseError)
    assert wall < PARSE_TIMEOUT + SLACK_S
    if before is not None and after is not None and not killed:
        assert after["peak_mb"] < PARSE_MEMORY_MB
        assert after["cpu_s"] - before["cpu_s"] < PARSE_TIMEOUT
    if name in REFUSED:
        assert isinstance(result, ParseError), result
    if name in READ:
        assert isinstance(result, Document) and "Hostile file" in result.text
    if isinstance(result, Document):
        assert CANARY not in result.text + result.title
    assert len(canary_server.hits) == hits, canary_server.hits
    assert not canary_file_read(canary_file)
    # The worker (or its replacement after a kill) goes on with the next file.
    plain = Fetched("https://www.mfds.go.kr/files/ok.pdf", 200, {}, hostile.pdf_plain())
    assert "Hostile file" in worker.parse(parse_attachment, plain).text


def test_the_canaries_do_catch_a_parser_that_resolves_entities(tmp_path: Path, canary_server: Canary) -> None:
    """Control: XML readers that resolve external entities (lxml with entities on; the standard library's SAX
    with external general entities on) do read the canary file and call the canary server, so the zero counts
    above are real."""
    import xml.sax
    from xml.sax.handler import ContentHandler, feature_external_ges

    from lxml import etree

    path = make_canary_file(tmp_path)
    unsafe = etree.XMLParser(resolve_entities=True, no_network=False, load_dtd=True)
    read = etree.fromstring(hostile.docx_text(hostile.external_entity(path.as_uri(), "w:document")).encode(), unsafe)
    assert CANARY in "".join(read.itertext()) and canary_file_read(path)

    class Text(ContentHandler):
        def __init__(self) -> None:
            super().__init__()
            self.text = ""

        def characters(self, content: str) -> None:
            self.text += content

    hits, handler, sax = len(canary_server.hits), Text(), xml.sax.make_parser()
    sax.setFeature(feature_external_ges, True)
    sax.setContentHandler(handler)
    sax.feed(hostile.rss(hostile.external_entity(canary_server.url + "/xxe", "rss")))
    sax.close()
    assert CANARY in handler.text and len(canary_server.hits) == hits + 1


# --- end to end: one regwatch run over the MFDS mirror ---------------------------------------------------

RULES_POST = "m_211:14931"  # a post is its board and seq; it is fetched in the URL form the list gives (issue 14)
HOSTILE_PDF = "/brd/m_211/down.do?brd_id=data0005&seq=14931&data_tp=A&file_seq=1"  # really a .hwp: now a Flate bomb
HOSTILE_HWPX = "/brd/m_211/down.do?brd_id=data0005&seq=14931&data_tp=A&file_seq=2"  # now an XXE HWPX
OTHER_FILE = "/brd/m_211/down.do?brd_id=data0005&seq=14885&data_tp=A&file_seq=1"


@pytest.mark.timeout(300)
def test_a_run_with_hostile_attachments_stores_the_rest_and_records_them_as_parse_failures(
        tmp_path: Path, canary_server: Canary) -> None:
    site = Path(shutil.copytree(SITES_ROOT / "mfds", tmp_path / "site-mfds"))
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    canary = make_canary_file(tmp_path)
    bomb = hostile.pdf_flate_bomb()
    xxe = hostile.hwpx(hostile.hwpx_section(hostile.external_entity(canary.as_uri(), "hs:sec")))
    (site / "brd/m_211/down/14931-1.hwp").write_bytes(bomb)
    (site / "brd/m_211/down/14931-2.hwpx").write_bytes(xxe)
    db = tmp_path / "regwatch.db"
    hits = len(canary_server.hits)
    with MirrorServer(site) as mirror:
        sources = [{"name": "mfds-notices", "agency": "mfds", "type": "listing",
                    "start_urls": [f"{mirror.base_url}/brd/m_211/list.do?page=1"],
                    "watch": {"keywords": ["화장품 안전기준", "첨단바이오의약품"]}}]
        regwatch = Regwatch(write_config(tmp_path / "config.yaml", sources), f"sqlite:///{db}")
        started = time.monotonic()
        run = regwatch("run")
        elapsed = time.monotonic() - started
    print(f"\nregwatch run with two hostile attachments: exit {run.returncode} in {elapsed:.1f} s")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "partial" in run.stdout, run.stdout

    with sqlite3.connect(db) as conn:
        fetches = {url.removeprefix(mirror.base_url): (outcome, error or "")
                   for url, outcome, error in conn.execute("SELECT url, outcome, error FROM fetches")}
        stored = {url.removeprefix(mirror.base_url): text for url, text in conn.execute(
            "SELECT d.url, v.text FROM versions v JOIN documents d ON d.id = v.document_id")}
        blobs = {sha for (sha,) in conn.execute("SELECT sha256 FROM blobs")}
        (rules_url,) = conn.execute("SELECT url FROM documents WHERE key = ?", (RULES_POST,)).fetchone()
    rules_post = rules_url.removeprefix(mirror.base_url)
    assert rules_post.startswith("/brd/m_211/view.do?seq=14931&"), rules_post  # the list's form, as linked
    for path, body in ((HOSTILE_PDF, bomb), (HOSTILE_HWPX, xxe)):
        outcome, error = fetches[path]
        assert outcome == "error" and error.startswith("parse error:"), (path, error)
        digest = hashlib.sha256(body).hexdigest()
        assert f"raw bytes kept: sha256 {digest}" in error and digest in blobs
        assert path not in stored
    assert fetches[rules_post][0] == "stored" and "화장품" in stored[rules_post]
    assert fetches[OTHER_FILE][0] == "stored" and stored[OTHER_FILE].strip()
    assert not [p for p, (outcome, _) in fetches.items() if outcome == "error" and p not in (HOSTILE_PDF, HOSTILE_HWPX)]
    assert not any(CANARY in text for text in stored.values())
    assert len(canary_server.hits) == hits and not canary_file_read(canary)

    sources_out = regwatch("sources")
    assert sources_out.returncode == 0 and "partial" in sources_out.stdout, sources_out.stdout
