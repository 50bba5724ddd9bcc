"""PDF text extraction: pages/second for pypdf, pdfminer.six and pypdfium2, and whether Japanese, Korean and
Chinese text comes out right.

    python bench/pdf/run.py                # about a minute
    python bench/pdf/run.py --synthetic 50 --repeat 3

Corpora:
- the FDA mirror's PDFs: every `mirror/sites/fda/media/*/download.txt` rendered with `mirror.pdf.render` (fpdf2);
- synthetic guidance PDFs from `bench/perf/synth.py` (its minimal writer: the benchmark mirror's PDFs);
- every PDF file shipped under `mirror/sites/*/` (EMA, PMDA, … as the other mirrors add them), compared with its
  text source when one sits under the site's `_mirror/` folder (same stem, `.txt`);
- CJK PDFs: one Japanese, one Korean and one Chinese notice rendered with fpdf2 and a CJK TrueType font found by
  `fc-list :lang=ja|ko|zh` (Debian: `apt-get install -y fonts-ipafont-gothic fonts-nanum fonts-wqy-microhei`), with
  full-width digits, half-width katakana, 和暦 dates, Hangul and Chinese punctuation in them.

Correctness: extracted text and source text are both NFKC-normalized and stripped of all whitespace (line breaks
and inter-character spacing differ by library); "exact" counts files whose source text comes out whole and in order
(equal, or contained when a renderer added running headers or page numbers), "similar" is difflib's ratio. Shipped
mirror PDFs are compared with the text sources their mirrors keep (`_mirror/pdf-sources.json`, `_mirror/**/*.txt`);
those sources carry layout marks and renderer-added lines are not in them, so read their "similar" column
relative to the other libraries.
Timing: each library opens the bytes and extracts every page (best of --repeat runs, one process, one core).
"regwatch parse_pdf" is the project's own parser (PDFium lines + paragraph gaps from the line positions, pypdf as
the fallback, running-line removal + normalization); "regwatch parse_pdf via pypdf" is the same parser on pypdf's
layout mode (what it used before).
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import io
import json
import random
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402
import pypdfium2  # noqa: E402
from pdfminer.high_level import extract_text as pdfminer_extract  # noqa: E402

from bench.perf import synth  # noqa: E402
from regwatch.mirror import pdf as mirror_pdf  # noqa: E402
from regwatch.parsers.formats.pdf import document_from_pages, parse_pdf, read_pypdf  # noqa: E402
from regwatch.parsers.types import Fetched  # noqa: E402

SITES = ROOT / "mirror" / "sites"
_WS = re.compile(r"\s+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff66-\uff9f]")


@dataclass
class Sample:
    corpus: str
    name: str
    data: bytes
    pages: int
    source: str | None  # the text it was made from, when known
    lang: str = "en"


# --- extractors ------------------------------------------------------------------------------------------------

def with_pypdf(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def with_pypdf_layout(data: bytes) -> str:
    return "\n".join(p.extract_text(extraction_mode="layout") for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def with_pdfminer(data: bytes) -> str:
    return pdfminer_extract(io.BytesIO(data))


def with_pdfium(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    try:
        out = []
        for page in doc:
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(out)
    finally:
        doc.close()


def with_regwatch_pypdf(data: bytes) -> str:
    fetched = Fetched(url="http://bench/x.pdf", status=200, headers={"Content-Type": "application/pdf"}, body=data)
    return document_from_pages(fetched, *read_pypdf(data, fetched.url)).text


def with_regwatch(data: bytes) -> str:
    return parse_pdf(Fetched(url="http://bench/x.pdf", status=200, headers={"Content-Type": "application/pdf"},
                             body=data)).text


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    f"pypdf {pypdf.__version__} (plain)": with_pypdf,
    f"pypdf {pypdf.__version__} (layout)": with_pypdf_layout,
    f"pdfminer.six {importlib.metadata.version('pdfminer.six')}": with_pdfminer,
    f"pypdfium2 {importlib.metadata.version('pypdfium2')}": with_pdfium,
    "regwatch parse_pdf (PDFium + gaps + cleanup)": with_regwatch,
    "regwatch parse_pdf via pypdf (layout; before)": with_regwatch_pypdf,
}


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def canonical(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text))


# --- corpora ---------------------------------------------------------------------------------------------------

def fda_mirror() -> list[Sample]:
    out = []
    for source in sorted((SITES / "fda" / "media").glob("*/download.txt")):
        text = source.read_text(encoding="utf-8")
        data = mirror_pdf.render(text)
        out.append(Sample("FDA mirror (fpdf2)", source.parent.name, data, page_count(data), mirror_pdf.latin1(text)))
    return out


def synthetic(n: int, seed: int = 1) -> list[Sample]:
    out = []
    for i in range(n):
        rng = random.Random(f"pdfbench:{seed}:{i}")
        pages = 2 + int(19 * rng.random() ** 4)
        text = f"Synthetic guidance {i}\n\nGuidance for Industry\n\f\nI. INTRODUCTION\n\n{synth._pdf_body(rng, pages)}"
        data = synth.write_pdf(text)
        out.append(Sample("synthetic (bench writer)", f"synthetic-{i}", data, page_count(data),
                          mirror_pdf.latin1(text)))
    return out


def _site_sources(site: str) -> dict[str, tuple[str, str]]:
    """URL path → (language, text) from a site's `_mirror/pdf-sources.json` (PMDA, MHLW: lines with layout marks
    `>` right, `^` centred)."""
    path = SITES / site / "_mirror" / "pdf-sources.json"
    if not path.exists():
        return {}
    table = json.loads(path.read_text(encoding="utf-8"))
    return {url: (entry.get("lang", "en"), "\n".join(line.lstrip(">^") for line in entry.get("lines", [])))
            for url, entry in table.items()}


def _source_for(site: str, path: Path, table: dict[str, tuple[str, str]]) -> tuple[str | None, str | None]:
    url = "/" + path.relative_to(SITES / site).as_posix()
    if url in table:
        return table[url]
    mirror_dir = SITES / site / "_mirror"
    parts = path.relative_to(SITES / site).parts
    names = [path.stem + ".txt"]
    # MFDS: brd/m_<board>/down/<seq>-<n>.pdf ↔ _mirror/files/<board>-<seq>-<n>.txt
    if len(parts) >= 3 and parts[0] == "brd":
        names.insert(0, f"{parts[1].removeprefix('m_')}-{path.stem}.txt")
    for name in names:
        found = list(mirror_dir.rglob(name)) if mirror_dir.exists() else []
        if found:
            return None, found[0].read_text(encoding="utf-8")
    return None, None


def shipped() -> list[Sample]:
    """Every PDF file under mirror/sites (FDA's are rendered on request, so none there), with its text source
    when the site keeps one."""
    out = []
    tables: dict[str, dict[str, tuple[str, str]]] = {}
    for path in sorted(SITES.glob("*/**/*.pdf")):
        if "_mirror" in path.relative_to(SITES).parts:
            continue
        data = path.read_bytes()
        site = path.relative_to(SITES).parts[0]
        table = tables.setdefault(site, _site_sources(site))
        lang, source = _source_for(site, path, table)
        try:
            pages = page_count(data)
        except Exception as exc:  # noqa: BLE001 - a deliberately broken fixture
            print(f"  skipped {path.relative_to(ROOT)}: {type(exc).__name__}")
            continue
        if lang is None:
            probe = source or with_pdfium(data)
            lang = "cjk" if len(_CJK.findall(probe)) > 20 else "en"
        out.append(Sample(f"shipped {site} PDFs ({lang})", path.name, data, pages, source, lang))
    return out


CJK_TEXT = {
    "ja": ("再生医療等製品の製造販売承認申請に関する留意事項について",
           "令和６年５月１日付け医政発0501第１号により、ヒト（自己）体性幹細胞加工製品の品質及び安全性の確保について通知する。"
           "ｶﾀｶﾅ表記の製品名は全角に統一すること。申請者は、生物由来原料基準（平成15年厚生労働省告示第210号）に適合することを確認し、"
           "非臨床安全性試験の結果を提出すること。特定細胞加工物の製造に当たっては、製造管理及び品質管理を適切に行うこと。"
           "エクソソーム及び細胞培養上清を含む化粧品の広告表現については、医薬品医療機器等法第66条に留意すること。"),
    "ko": ("인체 세포·조직 배양액 안전기준 민원인 안내서",
           "식품의약품안전처는 화장품 안전기준 등에 관한 규정 별표 3에 따라 "
           "인체 세포·조직 배양액의 안전기준을 안내합니다. "
           "줄기세포 및 엑소좀 관련 표시·광고는 소비자를 오인하게 할 우려가 있으므로 사용할 수 없다. "
           "제조업자는 2024년 5월 1일부터 개정 고시를 준수하여야 하며, 품질관리 기록을 3년간 보관하여야 한다. "
           "첨단바이오의약품의 품목허가 신청인은 비임상시험 및 임상시험 자료를 제출하여야 한다."),
    "zh": ("国家药监局关于发布《已使用化妆品原料目录（2021年版）》的公告（2021年第62号）",
           "为进一步加强化妆品原料管理，国家药品监督管理局组织修订了《已使用化妆品原料目录》，现予发布，自2021年5月1日起施行。"
           "目录中未收录任何名称含有“干细胞”的原料，国家药监局未批准注册或备案任何干细胞相关化妆品原料。"
           "化妆品注册人、备案人应当按照《化妆品监督管理条例》的有关要求，对产品宣称进行科学评价。"
           "人源干细胞产品非临床研究技术指导原则和间充质干细胞防治移植物抗宿主病临床试验技术指导原则同时发布。"),
}


def cjk_font(lang: str) -> tuple[str, int] | None:
    """(font file, collection index) of an installed TrueType font for `lang`, via fontconfig."""
    try:
        listing = subprocess.run(["fc-list", f":lang={lang}", "file", "index"], capture_output=True, text=True,
                                 timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = []
    for line in listing.splitlines():
        file, _, rest = line.partition(":")
        index = int(re.search(r"index=(\d+)", rest).group(1)) if "index=" in rest else 0
        if file.endswith((".ttf", ".ttc")):
            fonts.append((file.strip(), index))
    preferred = {"ja": "ipag.ttf", "ko": "NanumGothic.ttf", "zh": "wqy-microhei"}[lang]
    fonts.sort(key=lambda f: (preferred not in f[0], f))
    return fonts[0] if fonts else None


def cjk_samples(repeat_paragraphs: int = 12) -> tuple[list[Sample], list[str]]:
    import logging

    from fpdf import FPDF

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "TSI0 NOT subset" notes about hinting tables

    out, missing = [], []
    for lang, (title, paragraph) in CJK_TEXT.items():
        font = cjk_font(lang)
        if font is None:
            missing.append(lang)
            continue
        doc = FPDF(format="A4")
        doc.set_creation_date(mirror_pdf._FIXED_DATE)
        doc.add_font("cjk", "", font[0], collection_font_number=font[1])
        doc.set_font("cjk", size=11)
        doc.add_page()
        doc.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        body = [paragraph] * repeat_paragraphs
        for para in body:
            doc.ln(3)
            doc.multi_cell(0, 7, para, new_x="LMARGIN", new_y="NEXT")
        data = bytes(doc.output())
        source = "\n".join([title, *body])
        out.append(Sample(f"CJK ({lang}, fpdf2 + {Path(font[0]).name})", f"notice-{lang}", data, page_count(data),
                          source, lang))
    return out, missing


# --- running ---------------------------------------------------------------------------------------------------

@dataclass
class Result:
    seconds: float
    pages: int
    exact: int = 0
    compared: int = 0
    similarity: float = 0.0
    failures: int = 0


def run(samples: list[Sample], repeat: int) -> dict[str, dict[str, Result]]:
    results: dict[str, dict[str, Result]] = {}
    corpora = list(dict.fromkeys(s.corpus for s in samples))
    for corpus in corpora:
        group = [s for s in samples if s.corpus == corpus]
        for name, extract in EXTRACTORS.items():
            best = float("inf")
            texts: list[str | None] = []
            failures = 0
            for _ in range(repeat):
                texts = []
                started = time.perf_counter()
                for s in group:
                    try:
                        texts.append(extract(s.data))
                    except Exception:  # noqa: BLE001 - a library failing on a file is a result
                        texts.append(None)
                        failures += 1
                best = min(best, time.perf_counter() - started)
            r = Result(best, sum(s.pages for s in group), failures=failures // repeat)
            sims = []
            for s, text in zip(group, texts, strict=True):
                if s.source is None:
                    continue
                r.compared += 1
                want, got = canonical(s.source), canonical(text or "")
                if name.startswith("regwatch"):  # it removes running headers/page numbers by design
                    want = canonical(s.source.partition("\f")[2] or s.source)
                    got = got[got.find(want[:20]):] if want[:20] in got else got
                r.exact += want == got or want in got  # contained: extra running headers/page numbers allowed
                sims.append(_similarity(want, got))
            r.similarity = sum(sims) / len(sims) if sims else 0.0
            results.setdefault(corpus, {})[name] = r
    return results


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) > 20000:  # difflib is quadratic-ish: compare evenly spaced windows
        step = len(a) // 10
        return sum(difflib.SequenceMatcher(None, a[i:i + 2000], b[i:i + 2000], autojunk=False).ratio()
                   for i in range(0, len(a), step)) / len(range(0, len(a), step))
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def print_table(results: dict[str, dict[str, Result]], samples: list[Sample]) -> None:
    print()
    print(f"{'corpus':42s} {'library':46s} {'files':>5s} {'pages':>6s} {'pages/s':>8s} {'exact':>7s} "
          f"{'similar':>8s} {'fail':>4s}")
    for corpus, by_lib in results.items():
        files = sum(1 for s in samples if s.corpus == corpus)
        for name, r in by_lib.items():
            exact = f"{r.exact}/{r.compared}" if r.compared else "-"
            sim = f"{100 * r.similarity:.1f}%" if r.compared else "-"
            rate = r.pages / r.seconds if r.seconds else 0
            print(f"{corpus[:42]:42s} {name[:46]:46s} {files:5d} {r.pages:6d} {rate:8.1f} {exact:>7s} {sim:>8s} "
                  f"{r.failures:4d}")


def recommend(results: dict[str, dict[str, Result]]) -> str:
    libs = [n for n in EXTRACTORS if not n.startswith("regwatch")]
    speed = {n: sum(r[n].pages for r in results.values()) / sum(r[n].seconds for r in results.values()) for n in libs}
    cjk_corpora = [c for c in results if c.startswith("CJK") or c.endswith(("(ja)", "(ko)", "(zh)", "(cjk)"))]
    cjk = {n: all(results[c][n].exact == results[c][n].compared for c in cjk_corpora) for n in libs}
    cjk_sim = {n: min((results[c][n].similarity for c in cjk_corpora if results[c][n].compared), default=0)
               for n in libs}
    cjk_count = {n: (sum(results[c][n].exact for c in cjk_corpora), sum(results[c][n].compared for c in cjk_corpora))
                 for n in libs}
    correct = [n for n in libs if cjk[n]] or libs
    best = max(correct, key=lambda n: speed[n])
    pypdf_layout = next(n for n in libs if "layout" in n)
    return (f"RECOMMENDATION: {best.split(' (')[0]} — {speed[best]:.0f} pages/s over all corpora "
            f"({speed[best] / speed[pypdf_layout]:.1f}x pypdf's layout mode that regwatch used before, "
            f"{speed[best] / max(speed[n] for n in libs if n != best):.1f}x the next fastest), and "
            f"{'exact' if cjk[best] else f'{100 * cjk_sim[best]:.1f}% similar'} Japanese, Korean and Chinese text "
            f"after NFKC (CJK files exact: " + ", ".join(f"{n.split(' ')[0]}{' (layout)' if 'layout' in n else ''} "
                                                         f"{cjk_count[n][0]}/{cjk_count[n][1]}" for n in libs) + ").")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=40, help="synthetic PDFs (bench/perf/synth.py writer)")
    parser.add_argument("--repeat", type=int, default=2, help="timed passes per library and corpus (best counts)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print("PDF text extraction benchmark")
    samples = fda_mirror()
    print(f"  FDA mirror: {len(samples)} PDFs rendered from mirror/sites/fda/media/*/download.txt")
    syn = synthetic(args.synthetic)
    print(f"  synthetic: {len(syn)} PDFs ({sum(s.pages for s in syn)} pages)")
    found = shipped()
    cjk_found = [s for s in found if s.lang != "en"]
    print(f"  shipped under mirror/sites: {len(found)} PDF files ({len(cjk_found)} with CJK text; "
          f"{sum(1 for s in found if s.source)} with a text source to compare)")
    generated, missing = cjk_samples()
    for s in generated:
        print(f"  {s.corpus}: {s.pages} pages, {len(s.source or '')} characters")
    if missing:
        print(f"  no CJK font for {', '.join(missing)} (fc-list :lang=…): apt-get install -y fonts-ipafont-gothic "
              f"fonts-nanum fonts-wqy-microhei — those languages are not checked")
    samples += syn + found + generated
    results = run(samples, args.repeat)
    print_table(results, samples)
    print()
    for s in generated:
        for name, extract in EXTRACTORS.items():
            if name.startswith("regwatch"):
                continue
            got, want = canonical(extract(s.data)), canonical(s.source or "")
            if got != want:
                pairs = enumerate(zip(want, got, strict=False))
                at = next((i for i, (a, b) in pairs if a != b), min(len(want), len(got)))
                print(f"  {s.lang} {name.split(' (')[0]}{' (layout)' if 'layout' in name else ''}: first difference at "
                      f"character {at}: want {want[at:at + 12]!r}, got {got[at:at + 12]!r}")
    print(recommend(results))
    print(f"(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
