"""Write the hand-made version pairs of the noise benchmark into bench/noise/pairs/<id>/ (old.*, new.*, pair.json).

    python bench/noise/build.py

Inputs are in templates/: one small page per agency in its real page shape as recorded in shared/sources/*.md
(EMA bcl file cards, PMDA `div.inner.editor` with size labels and the id comment, an MHLW notice in Shift_JIS
without a header charset, MFDS `bbs_view01` with 조회수 and the satisfaction widget, an NMPA TRS page with the Ruishu
challenge script, the NMPA English CMS page), `pages.json` (the edits of each page: old text → new text, with the
expected significance class, or null for noise), and `pdfs.json` (PDF texts and edits). The wording is our own.
PDFs: English with fpdf2, Japanese/Korean/Chinese with the standard CID fonts (cjkpdf.py). Deterministic: running
it again writes the same bytes. Pairs made from the mirrors at run time are described in pairs/mirror.json.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cjkpdf import paginate, wrap, write_pdf
from enpdf import en_pdf

HERE = Path(__file__).resolve().parent
PAIRS, TEMPLATES = HERE / "pairs", HERE / "templates"
PDF = "application/pdf"
CJK_HEADERS = {"ja": "薬生機審発0329第3号", "ko": "민원인 안내서", "zh": "药品审评中心"}
OLD_DATE, NEW_DATE = "20240115100000", "20260220153000"


def pair(pid: str, spec: dict[str, Any], content_type: str, old: bytes, new: bytes, expect: str | None, note: str,
         **extra: str) -> dict[str, Any]:
    """One pair: bytes plus what pair.json records (label "change" when a class is expected, else "noise")."""
    return {"id": pid, "agency": spec["agency"], "lang": spec["lang"], "kind": spec["kind"], "url": spec["url"],
            "content_type": content_type, "label": "noise" if expect is None else "change", "expect": expect,
            "note": note, **extra, "old": old, "new": new}


def page_pairs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each edit of one template page as a pair."""
    base = (TEMPLATES / spec["template"]).read_text(encoding="utf-8")
    name = f"{spec['agency']}-{spec['lang']}"
    out = []
    for edit, e in spec["edits"].items():
        if e["old"] not in base:
            raise ValueError(f"{spec['template']} {edit}: {e['old']!r} is not in the page")
        new = base.replace(e["old"], e["new"], 1)
        out.append(pair(f"{name}-html-{edit}", spec, spec["content_type"],
                        base.encode(spec["encoding"]), new.encode(spec["encoding"]), e["expect"], e["note"]))
    if spec["encoding"] != "utf-8":  # the same page served in UTF-8, declared so: an encoding flip
        flipped = base.replace("charset=Shift_JIS", "charset=UTF-8")
        out.append(pair(f"{name}-html-encoding", spec, spec["content_type"],
                        base.encode(spec["encoding"]), flipped.encode("utf-8"), None,
                        f"same page served in UTF-8 instead of {spec['encoding']}",
                        new_content_type="text/html; charset=UTF-8"))
    return out


def cjk_pdf(paragraphs: list[str], lang: str, *, width: int, created: str, producer: str) -> bytes:
    """A Japanese/Korean/Chinese notice PDF: wrapped at `width` characters (Korean at spaces), running header."""
    lines = wrap(paragraphs, width, words=lang == "ko")
    return write_pdf(paginate(lines, 34), lang=lang, title=paragraphs[1][:20], created=created, producer=producer,
                     header=CJK_HEADERS[lang])


def render(lang: str, paragraphs: list[str], *, created: str = OLD_DATE, narrower: bool = False,
           producer: str = "Acrobat Distiller 11.0") -> bytes:
    if lang == "en":
        return en_pdf(paragraphs, created=created, margin=30 if narrower else 25, producer="EMA document publisher")
    width = (40 if lang == "ko" else 38) - (3 if narrower else 0)
    return cjk_pdf(paragraphs, lang, width=width, created=created, producer=producer)


def pdf_pairs(lang: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Wording edits (in the first place the wording occurs), a regenerated file and a re-wrapped file."""
    spec = {**spec, "lang": lang}
    paragraphs = spec["paragraphs"] * spec["repeat"]
    old = render(lang, paragraphs)
    out = []
    for edit, e in spec["edits"].items():
        first = next(k for k, text in enumerate(paragraphs) if e["old"] in text)
        edited = [text.replace(e["old"], e["new"]) if k == first else text for k, text in enumerate(paragraphs)]
        out.append(pair(f"{spec['agency']}-{lang}-pdf-{edit}", spec, PDF, old, render(lang, [t for t in edited if t]),
                        e["expect"], f"{e['old']!r} → {e['new']!r}"))
    out.append(pair(f"{spec['agency']}-{lang}-pdf-regenerated", spec, PDF, old,
                    render(lang, paragraphs, created=NEW_DATE, producer="Acrobat PDFMaker 24"), None,
                    "PDF regenerated: new creation date and producer, same text"))
    out.append(pair(f"{spec['agency']}-{lang}-pdf-rewrapped", spec, PDF, old, render(lang, paragraphs, narrower=True),
                    None, "PDF regenerated with another line width: same text, lines break elsewhere"))
    return out


def all_pairs() -> list[dict[str, Any]]:
    pages = json.loads((TEMPLATES / "pages.json").read_text(encoding="utf-8"))
    pdfs = json.loads((TEMPLATES / "pdfs.json").read_text(encoding="utf-8"))
    return [p for spec in pages for p in page_pairs(spec)] + [
        p for lang, spec in pdfs.items() for p in pdf_pairs(lang, spec)]


def write(pairs: list[dict[str, Any]]) -> None:
    """Replace every pair folder under pairs/ (pairs/mirror.json is left alone)."""
    PAIRS.mkdir(parents=True, exist_ok=True)
    for folder in PAIRS.iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    for p in pairs:
        folder = PAIRS / p["id"]
        folder.mkdir()
        ext = "pdf" if p["content_type"] == PDF else "html"
        (folder / f"old.{ext}").write_bytes(p["old"])
        (folder / f"new.{ext}").write_bytes(p["new"])
        meta = {k: v for k, v in p.items() if k not in ("old", "new", "id") and v is not None}
        (folder / "pair.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    built = all_pairs()
    write(built)
    changes = sum(p["label"] == "change" for p in built)
    print(f"wrote {len(built)} pairs ({changes} changes, {len(built) - changes} noise) to {PAIRS}")
