"""One hostile crawl shared by the security tests: a loopback site whose pages carry the XSS payloads (title, body,
attachment link texts, PDF metadata) and whose attachments carry path-traversal names (query, Content-Disposition,
zip entries), crawled twice by real `regwatch run` children with an edit in between, alerts to a real SMTP server.

The children run in a sandbox folder (their cwd, HOME and TMPDIR) with tests/security/audit on PYTHONPATH, so every
file any of their processes writes is logged (see audit/sitecustomize.py)."""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fpdf import FPDF

from regwatch.mirror.server import MirrorServer
from regwatch.mirror.site import set_last_modified
from regwatch.receivers import SmtpReceiver
from tests.e2e.conftest import ROOT, write_config
from tests.security.xss_payloads import PAYLOADS

AUDIT = Path(__file__).parent / "audit"
PAGE = "/guidance/xss"
PDF = "/files/000000950.pdf"
# Attachment names a hostile server may give (T14): in the link's query and in Content-Disposition.
HOSTILE_NAMES = {
    "000000901.pdf": "../../x",
    "000000902.pdf": "/etc/passwd",
    "000000903.docx": "..\\x",
    "000000904.pdf": "\x00x.pdf",
    "000000905.pdf": "A" * 300 + ".pdf",
    "000000906.pdf": "\u202efdp.exe",
    "000000907.zip": "../../../tmp/zipslip.zip",
}
# Zip members that would land outside any folder they were extracted to ("zip slip").
ZIP_SLIP = ("../../zipslip.txt", "/tmp/regwatch-zipslip-abs.txt", "..\\..\\zipslip-win.txt", "a/../../../up.txt")
TITLE_PAYLOADS = (PAYLOADS[6], PAYLOADS[7])  # the page's <h1> and <title> in run 1 and run 2
LINK_PAYLOADS = PAYLOADS[17:24]  # the attachment links' texts
PDF_META = {"title": (PAYLOADS[39], PAYLOADS[40]), "author": PAYLOADS[41], "subject": PAYLOADS[42],
            "keywords": PAYLOADS[43]}


def page_html(run: int) -> str:
    """The watched page (PMDA template): every payload as text in a clause, amended in run 2."""
    title = html.escape(f"Guidance {TITLE_PAYLOADS[run]}")
    clauses = "\n".join(f"<p>Clause {i}: {html.escape(p)}{' amended' if run else ''}</p>"
                        for i, p in enumerate(PAYLOADS))
    links = "\n".join(f'<li><a href="/files/{name}?name={quote(hostile, safe="")}">Annex {n}: '
                      f"{html.escape(LINK_PAYLOADS[n % len(LINK_PAYLOADS)])}</a></li>"
                      for n, (name, hostile) in enumerate(HOSTILE_NAMES.items()))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>\n'
            f'<div class="title__block__page"><h1 class="title">{title}</h1></div>\n'
            f'<div class="inner editor">\n{clauses}\n<ul>\n{links}\n</ul>\n</div></body></html>\n')


def pdf_bytes(title: str, body: str, author: str = "", subject: str = "", keywords: str = "") -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_subject(subject)
    pdf.set_keywords(keywords)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, body)
    return bytes(pdf.output())


def zip_bytes(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), text)  # names kept as given
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>{html.escape(text)}</w:t></w:r></w:p></w:body>' \
               "</w:document>"
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/></Types>')
    return zip_bytes({"[Content_Types].xml": types, "word/document.xml": document,
                      **{name: "zip slip" for name in ZIP_SLIP}})


def content_disposition(hostile: str) -> str:
    if hostile.isascii() and hostile.isprintable():
        return 'attachment; filename="' + hostile.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "attachment; filename*=UTF-8''" + quote(hostile, safe="")


def build_site(site: Path, run: int) -> None:
    """The site as it stands for crawl `run` (0 or 1)."""
    (site / "files").mkdir(parents=True, exist_ok=True)
    (site / PAGE.lstrip("/")).mkdir(parents=True, exist_ok=True)
    (site / "_mirror").mkdir(exist_ok=True)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (site / PAGE.lstrip("/") / "index.html").write_text(page_html(run), encoding="utf-8")
    for n, name in enumerate(HOSTILE_NAMES):
        body = f"Annex {n} of the guidance. {LINK_PAYLOADS[n % len(LINK_PAYLOADS)]}"
        data = (docx_bytes(body) if name.endswith(".docx") else zip_bytes({m: body for m in ZIP_SLIP})
                if name.endswith(".zip") else pdf_bytes(PAYLOADS[44 + n % 6], body))
        (site / "files" / name).write_bytes(data)
    words = " ".join(PAYLOADS[44:50]) + (" Revised." if run else "")
    (site / PDF.lstrip("/")).write_bytes(pdf_bytes(PDF_META["title"][run], f"Notice on cell products. {words}",
                                                  PDF_META["author"], PDF_META["subject"], PDF_META["keywords"]))
    headers = {f"/files/{name}": {"Content-Disposition": content_disposition(hostile)}
               for name, hostile in HOSTILE_NAMES.items()}
    (site / "_mirror" / "headers.json").write_text(json.dumps(headers), encoding="utf-8")
    if run:
        set_last_modified(site, [PAGE, PDF], datetime(2026, 11, 3, 6, 0, tzinfo=UTC))


@dataclass
class HostileCrawl:
    """The sandbox after two crawls: its store, the audit log of file writes, the mail received."""

    sandbox: Path
    site: Path
    db_url: str
    config: Path
    audit_log: Path
    mails: list[Any] = field(default_factory=list)
    outputs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """`python -m regwatch …` in the sandbox, audited."""
        home, tmp = self.sandbox / "home", self.sandbox / "tmp"
        env = {**os.environ, "REGWATCH_DATABASE_URL": self.db_url, "REGWATCH_ALLOW_HOSTS": "127.0.0.1",
               "HOME": str(home), "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1",
               "REGWATCH_AUDIT_LOG": str(self.audit_log),
               "PYTHONPATH": os.pathsep.join([str(AUDIT), str(ROOT), os.environ.get("PYTHONPATH", "")])}
        return subprocess.run([sys.executable, "-m", "regwatch", "--config", str(self.config), *args],
                              capture_output=True, text=True, env=env, cwd=cwd or self.sandbox / "work",
                              timeout=240)

    def writes(self) -> list[dict[str, str]]:
        return [json.loads(line) for line in self.audit_log.read_text().splitlines()]


@pytest.fixture(scope="session")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    sandbox = tmp_path_factory.mktemp("hostile")
    site = sandbox / "site"
    for name in ("home", "tmp", "work", "store"):
        (sandbox / name).mkdir()
    build_site(site, 0)
    with SmtpReceiver() as smtp, MirrorServer(site) as mirror:
        sources = [{"name": "xss-pmda", "agency": "pmda", "type": "page", "url": mirror.url(PAGE)},
                   {"name": "xss-pdf", "type": "page", "url": mirror.url(PDF)}]
        config = write_config(sandbox / "work" / "config.yaml", sources, smtp=smtp)
        crawl = HostileCrawl(sandbox, site, f"sqlite:///{sandbox / 'store' / 'regwatch.db'}", config,
                             sandbox / "audit.log")
        crawl.audit_log.touch()
        crawl.outputs.append(crawl.run("run"))
        build_site(site, 1)
        crawl.outputs.append(crawl.run("run"))
        crawl.mails = list(smtp.messages)
    yield crawl
