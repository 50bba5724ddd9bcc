"""Loading saved responses for parser tests: raw bytes plus the headers they were served with.

`fixtures/<name>/` holds `body.*` (bytes as served, never re-encoded) and `info.json` (url, status, headers,
origin). The offline FDA mirror (mirror/sites/fda) is read the same way, by real URL path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fpdf import FPDF

from regwatch.parsers.types import Fetched

FIXTURES = Path(__file__).parent / "fixtures"
MIRROR_SITE = Path(__file__).parents[2] / "mirror" / "sites" / "fda"
MIRROR_BASE = "http://127.0.0.1:8765"  # what a crawl of the mirror would see as the base URL
_MIRROR_TYPES = {".json": "application/json", ".html": "text/html; charset=UTF-8"}


def load(name: str) -> Fetched:
    """The saved response `fixtures/<name>/`."""
    folder = FIXTURES / name
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    (body,) = folder.glob("body.*")
    return Fetched(url=info["url"], status=info["status"], headers=info["headers"], body=body.read_bytes())


def mirror_path(url_path: str) -> Path:
    """The file the mirror serves at `url_path` (the mirror ships with the repository: a missing file fails)."""
    target = MIRROR_SITE / url_path.lstrip("/")
    found = target if target.is_file() else target / "index.html"
    if not found.is_file():
        pytest.fail(f"mirror file for {url_path} not present")
    return found


def mirror(url_path: str) -> Fetched:
    """The mirror's response for an HTML or JSON path, with the Content-Type the mirror sends."""
    path = mirror_path(url_path)
    headers = {"Content-Type": _MIRROR_TYPES[path.suffix]}
    return Fetched(url=MIRROR_BASE + url_path, status=200, headers=headers, body=path.read_bytes())


def mirror_pdf(media_id: str) -> Fetched:
    """A /media/<id>/download PDF rendered by the mirror's own code from its text source."""
    render = pytest.importorskip("regwatch.mirror.pdf").render
    source = mirror_path(f"/media/{media_id}/download.txt").read_text(encoding="utf-8")
    url = f"{MIRROR_BASE}/media/{media_id}/download"
    return Fetched(url=url, status=200, headers={"Content-Type": "application/pdf"}, body=render(source))


def make_pdf(pages: list[list[str]], title: str | None = None, header: str | None = None,
             numbered: bool = True, password: str | None = None) -> bytes:
    """A small PDF: one list of paragraphs per page, an optional running header and page numbers."""
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(True, margin=20)
    if title:
        pdf.set_title(title)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)

    def running() -> None:
        if header:
            pdf.set_font("Helvetica", "I", 9)
            pdf.cell(0, 6, header, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)

    def footer() -> None:
        if numbered:
            pdf.set_y(-15)
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(0, 8, str(pdf.page_no()), align="C")

    pdf.header = running  # type: ignore[method-assign]
    pdf.footer = footer  # type: ignore[method-assign]
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    return bytes(pdf.output())


def pdf_fetched(body: bytes, url: str = "https://www.fda.gov/media/1/download") -> Fetched:
    return Fetched(url=url, status=200, headers={"Content-Type": "application/pdf"}, body=body)
