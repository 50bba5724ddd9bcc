"""The PMDA mirror (www.pmda.go.jp) and the MHLW pages it needs (www.mhlw.go.jp): origins, scripted edits and the
builder of the committed PDFs.

Edits work on writable copies (`mirror.agencies.copy_sites`); each one moves the Last-Modified of what it touched.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from regwatch.mirror import site as site_files
from regwatch.mirror.edits import edit_clock

ORIGINS: dict[str, str] = {"https://www.pmda.go.jp": "pmda", "https://www.mhlw.go.jp": "mhlw"}

HUB = "/review-services/drug-reviews/about-reviews/ctp/0007.html"
TDOC_ROUTE = "/web/t_doc?dataId=00tb4904&dataType=1&pageNo=1"
TDOC_FILE = "web/t_doc/00tb4904.html"  # served as Shift_JIS without a charset (see mhlw README)
DEMO_REWORD = ("記録を作成し、保存すること。", "記録を作成し、保存しなければならない。")
DEMO_PUBLISH = "/files/000281777.pdf"
DEMO_PUBLISH_ITEM = (
    '\t<li><a href="/files/000281777.pdf">'
    "再生医療等製品の製造販売承認申請に際し留意すべき事項についての一部改正について"
    "（2026年（令和8年）5月20日 医薬機審発0520第2号）</a>[188 KB]</li>\n"
)
DEMO_WITHDRAW = "/files/000236364.pdf"
_SIZE_LABEL = re.compile(r"\[263 KB\]")
_ID_COMMENT = "<!-- [00000151, 00000143, 00000152] -->"
PDF_SOURCES = "_mirror/pdf-sources.json"
_FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def _touched(root: Path, keys: list[str], when: datetime | None) -> None:
    site_files.set_last_modified(root, keys, when or edit_clock(root))


def reword(root: Path, rel: str, key: str, old: str, new: str, encoding: str = "utf-8",
           when: datetime | None = None) -> None:
    """Replace `old` by `new` once in the file `rel` (read and written in `encoding`); ValueError if absent."""
    path = root / rel
    text = path.read_bytes().decode(encoding)
    if old not in text:
        raise ValueError(f"{old!r} not found in {rel}")
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    _touched(root, [key], when)


def publish(pmda: Path, when: datetime | None = None) -> str:
    """A new notice on the JP regenerative hub (first in 製造販売承認申請書の作成), with its PDF."""
    hub = pmda / HUB.lstrip("/")
    text = hub.read_text(encoding="utf-8")
    anchor = '\t<li><a href="/files/000280466.pdf">'
    if DEMO_PUBLISH in text or anchor not in text:
        raise ValueError("the hub has no place for the demo notice (published already?)")
    hub.write_text(text.replace(anchor, DEMO_PUBLISH_ITEM + anchor, 1), encoding="utf-8", newline="\n")
    shutil.copyfile(pmda / "_mirror/demo/000281777.pdf", pmda / DEMO_PUBLISH.lstrip("/"))
    _touched(pmda, [HUB, DEMO_PUBLISH], when)
    return DEMO_PUBLISH


def withdraw(pmda: Path, pdf_path: str = DEMO_WITHDRAW, when: datetime | None = None) -> None:
    """Drop the notice whose main PDF is `pdf_path` from the JP hub (the PDF itself stays, as on the real site)."""
    hub = pmda / HUB.lstrip("/")
    lines = hub.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if f'href="{pdf_path}"' not in line]
    if len(kept) == len(lines):
        raise ValueError(f"no notice links {pdf_path}")
    hub.write_text("".join(kept), encoding="utf-8", newline="\n")
    _touched(pmda, [HUB], when)


def touch(pmda: Path, when: datetime | None = None) -> None:
    """Noise only: a file-size label and the CMS id comment of the JP hub change; no wording does."""
    hub = pmda / HUB.lstrip("/")
    text = hub.read_text(encoding="utf-8")
    text = _SIZE_LABEL.sub("[264 KB]", text, count=1)
    text = text.replace(_ID_COMMENT, "<!-- [00000151, 00000143, 00000152, 00000160] -->")
    hub.write_text(text, encoding="utf-8", newline="\n")
    _touched(pmda, [HUB], when)


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """A wording change in a Shift_JIS MHLW notice, one PMDA notice published, one withdrawn."""
    old, new = DEMO_REWORD
    reword(sites["mhlw"], TDOC_FILE, TDOC_ROUTE, old, new, encoding="cp932")
    publish(sites["pmda"])
    withdraw(sites["pmda"])
    return {
        "mhlw reworded (Shift_JIS page)": f"{TDOC_ROUTE}: 「{old}」 → 「{new}」",
        "pmda published": DEMO_PUBLISH,
        "pmda withdrew": DEMO_WITHDRAW,
    }


# --- committed PDFs -----------------------------------------------------------------------------------------


def build_pdfs(root: Path, font: Path) -> int:
    """Render every PDF named in `<site>/_mirror/pdf-sources.json` (run once; the PDFs are committed).

    Japanese text needs a CJK TrueType font, e.g. IPAexGothic (ipaexg.ttf, shipped in the PyPI sdist of
    japanize-matplotlib); fpdf2 embeds only the glyphs used. Same sources and font, same bytes.
    """
    sources = json.loads((root / PDF_SOURCES).read_text(encoding="utf-8"))
    for rel, source in sources.items():
        target = root / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render_pdf(source, font))
    return len(sources)


def render_pdf(source: dict, font: Path) -> bytes:
    """One A4 notice: lines starting with ">" right-aligned, "^" centred, others as paragraphs."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 25)
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_producer("PMDA/MHLW mirror (fpdf2)")
    pdf.set_title(source["title"])
    if source["lang"] == "ja":
        pdf.add_font("ipaexg", "", str(font))
        pdf.set_font("ipaexg", "", 10.5)
    else:
        pdf.set_font("Helvetica", "", 10.5)
    pdf.add_page()
    for line in source["lines"]:
        align = {">": "R", "^": "C"}.get(line[:1], "J")
        pdf.multi_cell(0, 6, line.lstrip(">^") if align != "J" else line, align=align, new_x="LMARGIN", new_y="NEXT",
                       wrapmode="CHAR" if source["lang"] == "ja" else "WORD")  # Japanese wraps anywhere
        pdf.ln(3)
    return bytes(pdf.output())
