# ruff: noqa: E501 — the page templates below are kept one markup run per line
"""A synthetic mirror of N documents across the five agencies, deterministic from a seed.

    python bench/perf/synth.py /tmp/site --docs 5000        # build the folders and print what is in them

Layout (one site folder per agency host, each served by its own `mirror.server.MirrorServer` bound to its own
loopback address, so each agency is a separate host to the crawler, as on the real web):

- `fda/`  the static catalogue `files/api/datatables/static/search-for-guidance.json` (records built with
  `mirror.catalogue.make_record`, the real field order and value formats), detail pages rendered with
  `mirror.pages.render` from the shipped `_mirror/guidance-detail.html` template (plus the real site's mega-menu
  size of chrome), and PDFs at `/media/<id>/download` from `media/<id>/download.txt` (`mirror.sources` format,
  rendered by the server with `mirror.pdf.render`).
- `ema/`  RSS 2.0 `en/scientific-guidelines.xml` (items → guideline pages `/en/<slug>-scientific-guideline`, the
  OpenEuropa `bcl-*` markup of `mirror/sites/ema/_mirror/page.html` with file cards) and `en/agendas-and-minutes.xml`
  (items → PDFs `/en/documents/<type>/<slug>_en.pdf`), plus the HTML listing page.
- `pmda/` RSS 1.0 `rss_015.xml` (items → hub/notice pages in the PMDA template and `/files/000NNNNNN.pdf` files),
  plus the `0017.html` news list (`ul.list__news`).
- `mfds/` RSS 2.0 `/www/rss/brd.do?brdId=data0011` (items → `/brd/m_1060/view.do?seq=N` board pages in the
  eGovFrame `bbs_view01` skin), `list.do?page=N` pages (`bbs_list01`); query URLs through `_mirror/routes.json`.
- `nmpa/` TRS-CMS list pages `xxgk/ggtg/index.html`, `index_1.html`, … (`div.list ul li a + span`) and detail pages
  `xxgk/ggtg/qtggtg/<17 digits>.html` (the head metas and the RS script a real 200 page carries). NMPA publishes
  no feed: the crawl enters through `bench-feed.xml`, a bench-only RSS 2.0 file listing the same articles (the
  NMPA spider has no listing parser yet).

HTML pages are 30–80 KB (chrome + content), PDFs 2–20 pages. Every document has a model (`Doc`) from which its
bytes are rebuilt, so `apply_changes` can reword 5% of them (and move the FDA catalogue's `changed` stamp and the
Last-Modified manifest, as the real sites do).

PDF rendering (fpdf2, ~40 ms a page) is the slow part of building: it runs in a process pool and its output is
cached on disk by the sha256 of the text (`pdf_cache_dir()`), and `prime_server_cache` loads the FDA PDFs into
`mirror.pdf`'s in-process cache so that the server never renders during a timed run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from regwatch.mirror import catalogue, pages, pdf, site, sources  # noqa: E402

AGENCIES = ("fda", "ema", "pmda", "mfds", "nmpa")
HOSTS = {"fda": "127.0.0.1", "ema": "127.0.0.2", "pmda": "127.0.0.3", "mfds": "127.0.0.4", "nmpa": "127.0.0.5"}
SHARE = {"fda": 0.40, "ema": 0.15, "pmda": 0.15, "mfds": 0.15, "nmpa": 0.15}
FILE_SHARE = {"ema": 0.50, "pmda": 0.40, "mfds": 0.30, "nmpa": 0.30}  # attachments; FDA: 85% of records have a PDF
FDA_PDF_RECORDS = 0.85
ROBOTS = "User-agent: *\nDisallow: /search\nDisallow: /admin/\n"  # no Crawl-delay: the benchmark's choice
FDA_TEMPLATE = ROOT / "mirror" / "sites" / "fda" / pages.TEMPLATE
CHANGED_EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FEEDS = "_mirror/feeds"  # feed templates with {base} for the serving URL (bind)

# --- words ---------------------------------------------------------------------------------------------------

EN = ["the", "of", "and", "to", "in", "a", "for", "is", "be", "on", "that", "with", "as", "by", "are", "or", "this", "should", "may", "sponsors", "manufacturers", "product", "products", "cell", "cells", "tissue", "tissues", "human", "donor", "donors", "clinical", "trial", "trials", "safety", "potency", "quality", "manufacturing", "control", "controls", "testing", "test", "tests", "data", "information", "recommendations", "recommend", "FDA", "application", "applications", "investigational", "new", "drug", "IND", "biologics", "license", "BLA", "HCT/P", "regulated", "section", "regulation", "regulations", "process", "processing", "validation", "release", "specification", "specifications", "lot", "lots", "characterization", "identity", "purity", "sterility", "endotoxin", "mycoplasma", "adventitious", "agents", "stability", "comparability", "risk", "assessment", "patients", "subjects", "dose", "dosing", "administration", "adverse", "events", "reporting", "submission", "submissions", "review", "reviewers", "agency", "guidance", "document", "describes", "current", "thinking", "considerations", "gene", "therapy", "vector", "vectors", "genome", "editing", "exosome", "exosomes", "extracellular", "vesicles", "stem", "mesenchymal", "stromal", "allogeneic", "autologous", "minimal", "manipulation", "homologous", "use", "21", "CFR", "1271", "part", "312", "361", "351", "PHS", "Act"]
EN_CAPS = ("Sponsors should", "Manufacturers may", "FDA recommends that", "The applicant should", "In general,",
           "For investigational products,", "When appropriate,", "We recommend that", "This guidance", "Data")
JA = ("再生医療等製品", "特定細胞加工物", "製造販売承認申請", "品質及び安全性の確保", "ヒト（自己）体性幹細胞加工製品",
      "ヒト（同種）iPS（様）細胞加工製品", "条件及び期限付承認", "同等性／同質性", "生物由来原料基準", "治験",
      "非臨床安全性試験", "細胞培養上清", "エクソソーム", "化粧品", "医薬部外品", "厚生労働省医政局",
      "医薬品医療機器総合機構", "提供計画", "認定再生医療等委員会", "有効性", "安全性", "製造管理及び品質管理",
      "留意事項", "取扱い", "通知", "事務連絡", "申請者", "市販後調査", "添付文書", "使用上の注意")
JA_JOIN = ("の", "に関する", "について", "における", "及び", "に係る", "を", "は", "が", "として")
JA_END = ("を定める。", "について通知する。", "に留意すること。", "を求める。", "とする。", "が必要である。",
          "を確認すること。", "に基づき評価する。")
KO = ("줄기세포", "엑소좀", "인체 세포·조직 배양액", "화장품", "안전기준", "민원인 안내서", "식품의약품안전처",
      "첨단바이오의약품", "세포치료제", "유전자치료제", "품목허가", "임상시험", "비임상시험", "품질관리",
      "제조 및 품질관리기준", "원료", "사용할 수 없는 원료", "광고", "표시", "심사", "신청인", "제출자료",
      "유효성", "안전성", "규정", "고시", "개정", "시행", "위해평가", "보고")
KO_JOIN = ("의", "에 관한", "및", "에 대한", "을", "를", "은", "는", "에 따라", "으로")
KO_END = ("을 규정한다.", "에 따른다.", "를 제출하여야 한다.", "을 확인하여야 한다.", "에 해당한다.", "을 안내합니다.",
          "를 준수하여야 한다.", "로 정한다.")
ZH = ("干细胞", "化妆品", "化妆品原料", "已使用化妆品原料目录", "国家药品监督管理局", "细胞治疗产品", "技术指导原则",
      "临床试验", "非临床研究", "药学研究", "质量控制", "生产企业", "注册申请人", "外泌体", "间充质干细胞", "安全性评价",
      "有效性", "风险评估", "备案", "公告", "监督管理", "标签", "宣称", "检验", "生物制品", "药品注册", "审评",
      "工作程序", "技术要求", "申报资料")
ZH_JOIN = ("的", "和", "关于", "对", "及", "与", "按照", "中", "有关", "应当")
ZH_END = ("的有关要求。", "进行评价。", "予以公告。", "严格执行。", "提交申报资料。", "开展研究。", "另行通知。", "加强监管。")


def _en_sentence(rng: random.Random) -> str:
    words = [rng.choice(EN) for _ in range(rng.randint(12, 30))]
    return f"{rng.choice(EN_CAPS)} {' '.join(words)}."


def _en_paragraph(rng: random.Random, sentences: int | None = None) -> str:
    return " ".join(_en_sentence(rng) for _ in range(sentences or rng.randint(3, 7)))


def _cjk_sentence(rng: random.Random, lang: str) -> str:
    terms, joins, ends = {"ja": (JA, JA_JOIN, JA_END), "ko": (KO, KO_JOIN, KO_END), "zh": (ZH, ZH_JOIN, ZH_END)}[lang]
    sep = " " if lang == "ko" else ""
    parts = []
    for _ in range(rng.randint(3, 7)):
        parts.append(rng.choice(terms) + rng.choice(joins))
    return sep.join(parts) + sep + rng.choice(terms) + rng.choice(ends)


def _paragraph(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return _en_paragraph(rng)
    sep = " " if lang == "ko" else ""
    return sep.join(_cjk_sentence(rng, lang) for _ in range(rng.randint(3, 8)))


def _title(rng: random.Random, lang: str) -> str:
    if lang == "en":
        subject = " ".join(w.capitalize() if len(w) > 3 else w for w in rng.sample(EN[20:], 6))
        return f"{subject}: {rng.choice(['Guidance for Industry', 'Draft Guidance for Industry', 'Scientific guideline', 'Questions and Answers'])}"
    terms = {"ja": JA, "ko": KO, "zh": ZH}[lang]
    joins = {"ja": "の", "ko": " ", "zh": "的"}[lang]
    tail = {"ja": "について", "ko": " 안내서", "zh": "技术指导原则"}[lang]
    return joins.join(rng.sample(terms, 3)) + tail


def _edit(text: str, rng: random.Random, lang: str, revision: int) -> str:
    """A wording change: a new sentence, and "should" → "must" in English text."""
    added = _en_sentence(rng) if lang == "en" else _cjk_sentence(rng, lang)
    text = text.replace(" should ", " must ", 1) if lang == "en" else text
    return f"{text} {added} (rev. {revision})"


# --- chrome: the part of a page a monitor must ignore, sized like the real sites' ---------------------------------

def _menu(rng: random.Random, prefix: str, labels: tuple[str, ...], links: int) -> str:
    items = []
    for n in range(links):
        label = " ".join(rng.choice(labels) for _ in range(rng.randint(2, 4)))
        slug = "-".join(label.lower().split()) if label.isascii() else f"{n:04d}"
        items.append(f'<li class="menu-item"><a href="{prefix}/{slug}" data-drupal-link-system-path="node/{rng.randint(1000, 99999)}">{html.escape(label)}</a></li>')
    return "\n".join(items)


@functools.cache
def _chrome_panels(agency: str, lang: str) -> tuple[tuple[str, int], ...]:
    rng = random.Random(f"chrome:{agency}")
    labels = EN[20:] if lang == "en" else {"ja": JA, "ko": KO, "zh": ZH}[lang]
    panels, total = [], 0
    while total < 100_000:
        block = (f'<div class="mega-menu__panel" id="panel-{len(panels)}"><h3 class="mega-menu__title">'
                 f'{html.escape(rng.choice(labels))}</h3><ul class="mega-menu__list">\n'
                 f"{_menu(rng, f'/{agency}/{len(panels)}', labels, 30)}\n</ul></div>")
        panels.append((block, len(block.encode("utf-8"))))
        total += panels[-1][1]
    return tuple(panels)


def _chrome(agency: str, lang: str, size: int, seed: str = "") -> str:
    """Navigation panels of about `size` bytes: the same menu on every page of a site, as a CMS renders it."""
    out, total = [], 0
    for block, n in _chrome_panels(agency, lang):
        if total >= size:
            break
        out.append(block)
        total += n
    return "\n".join(out)


def _settings_json(rng: random.Random, size: int) -> str:
    data = {"path": {"baseUrl": "/", "currentPath": f"node/{rng.randint(1, 10**6)}"},
            "ajaxPageState": {"libraries": ",".join(f"lib{rng.randint(1, 999)}/{rng.choice(EN)}" for _ in range(size // 16))}}
    return json.dumps(data)


# --- documents -----------------------------------------------------------------------------------------------

@dataclass
class Doc:
    """One document URL of the synthetic mirror and what its bytes are rebuilt from."""

    agency: str
    url: str  # path (+ query) on its host
    kind: str  # html | pdf
    file: str  # file in the site folder that holds it (FDA PDFs: the download.txt source)
    seed: str
    title: str
    lang: str
    pages: int = 0  # PDFs: target page count
    size: int = 0  # HTML: target total bytes
    revision: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class Synth:
    """A built synthetic mirror: one site folder per agency and every document's model."""

    root: Path
    docs: list[Doc]
    entry_urls: dict[str, list[str]]  # agency -> crawl entry paths (catalogue / feeds)
    fda_records: list[dict]
    fda_pages: dict[str, dict]

    def site(self, agency: str) -> Path:
        return self.root / agency

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {a: {"html": 0, "pdf": 0, "docx": 0} for a in AGENCIES}
        for d in self.docs:
            out[d.agency][d.kind] += 1
        return out


def _pdf_pages(rng: random.Random) -> int:
    """2–20 pages, most of them short (mean ≈ 5.6, median 3), like an agency's mix of notices and guidelines."""
    return 2 + int(19 * rng.random() ** 4)


def _html_size(rng: random.Random) -> int:
    return rng.randint(30_000, 80_000)


def _pdf_body(rng: random.Random, pages_: int, lang: str = "en") -> str:
    """Numbered sections totalling about `pages_ - 1` letter pages of Times 12 (the title page is page 1)."""
    target = max(1, pages_ - 1) * 3000
    out, total, number = [], 0, 2
    romans = ["II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI",
              "XVII", "XVIII", "XIX", "XX", "XXI", "XXII", "XXIII", "XXIV", "XXV"]
    while total < target:
        heading = f"{romans[(number - 2) % len(romans)]}. {' '.join(rng.sample(EN[20:], 3)).upper()}"
        # short paragraphs: fpdf2's line breaking costs O(paragraph length) per character
        paras = [_en_paragraph(rng, rng.randint(2, 3)) for _ in range(rng.randint(3, 6))]
        block = "\n\n".join([heading, *paras])
        out.append(block)
        total += len(block)
        number += 1
    return "\n\n".join(out)


# --- FDA -----------------------------------------------------------------------------------------------------

_CENTERS = ["Center for Biologics Evaluation and Research", "Center for Drug Evaluation and Research",
            "Center for Devices and Radiological Health", "Center for Veterinary Medicine", "Human Foods Program",
            "Office of the Commissioner", "Office of Inspections and Investigations"]
_SUBOFFICES = {"Center for Biologics Evaluation and Research": ["Office of Therapeutic Products",
                                                               "Office of Vaccines Research and Review"],
               "Office of the Commissioner": ["Office of Policy, Legislation, and International Affairs",
                                              "Office of Policy"]}
_TOPICS = ["Cellular & Gene Therapy", "Tissue", "Chemistry, Manufacturing, and Controls (CMC)", "Clinical - Medical",
           "Administrative / Procedural", "Biosimilars", "ICH-Quality", "Labeling", "Premarket", "Cosmetics"]
_PRODUCTS = ["Biologics", "Drugs", "Medical Devices", "Food & Beverages", "Animal & Veterinary", "Cosmetics"]
_TYPES = ["Guidance Document"] * 8 + ["Compliance Policy Guide (CPG)", "Small Entity Compliance Guide"]


def _docket(rng: random.Random) -> str | None:
    year = rng.randint(2005, 2026)
    number = f"{year}-D-{rng.randint(100, 6999):04d}"
    pick = rng.random()
    if pick < 0.20:
        return None
    if pick < 0.23:
        return "None found"
    if pick < 0.26:
        return number  # no FDA- prefix, as some real records
    if pick < 0.28:
        return f"FDA-{number} "  # trailing space
    return f"FDA-{number}"


def _fda(n_docs: int, seed: int) -> tuple[list[Doc], list[dict], dict[str, dict]]:
    records_n = max(1, round(n_docs / (1 + FDA_PDF_RECORDS)))
    pdfs_n = n_docs - records_n
    docs: list[Doc] = []
    records: list[dict] = []
    page_data: dict[str, dict] = {}
    for i in range(records_n):
        rng = random.Random(f"{seed}:fda:{i}")
        title = _title(rng, "en").split(":")[0]
        slug = "-".join(w.lower().strip("/(),&") for w in title.split())[:90].strip("-") + f"-{i}"
        draft = rng.random() < 0.2
        centers = rng.sample(_CENTERS, rng.choice([1, 1, 1, 2]))
        offices = [[c, *(_SUBOFFICES.get(c, [])[: rng.randint(0, 2)])] for c in centers]
        issued = datetime(2010, 1, 1) + timedelta(days=rng.randint(0, 5800))
        changed = issued + timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        media_id = 200000 + i if i < pdfs_n else None
        g = catalogue.Guidance(
            slug=slug, title=f"{title}{':  Draft Guidance for Industry' if draft else ''}",
            issued=issued.strftime("%m/%d/%Y"), status="Draft" if draft else "Final", offices=offices,
            center=centers[0], changed=changed.replace(microsecond=0).isoformat() + "-05:00", media_id=media_id,
            pdf_size=f"{rng.randint(80, 2000)}.{rng.randint(10, 99)} KB", docket=_docket(rng),
            topics=rng.sample(_TOPICS, rng.randint(0, 3)), products=rng.sample(_PRODUCTS, rng.randint(1, 2)),
            open_comment=draft, comment_close=(issued + timedelta(days=60)).strftime("%m/%d/%Y") if draft else "",
            communication_type=rng.choice(_TYPES))
        record = catalogue.make_record(g)
        records.append(record)
        page_data[slug] = {"title": title, "subtitle": "Draft Guidance for Industry" if draft else "Guidance for Industry",
                           "title_date": issued.strftime("%B %Y"),
                           "summary": [_en_paragraph(rng) for _ in range(rng.randint(3, 10))],
                           "products": list(g.products), "topics": list(g.topics)}
        path = catalogue.GUIDANCE_PREFIX + slug
        docs.append(Doc("fda", path, "html", f"{pages.GUIDANCE_DIR}/{slug}/index.html", f"{seed}:fda:{i}:page",
                        title, "en", size=_html_size(rng), extra={"slug": slug, "record": i}))
        if media_id is not None:
            docs.append(Doc("fda", f"/media/{media_id}/download", "pdf", f"media/{media_id}/download.txt",
                            f"{seed}:fda:{i}:pdf", title, "en", pages=_pdf_pages(rng), extra={"slug": slug, "record": i}))
    records.sort(key=lambda r: datetime.strptime(r["field_issue_datetime"], "%m/%d/%Y"), reverse=True)
    return docs, records, page_data


def _fda_html(doc: Doc, synth: Synth, template: str) -> bytes:
    record = synth.fda_records[_record_index(synth, doc.extra["slug"])]
    page = dict(synth.fda_pages[doc.extra["slug"]])
    if doc.revision:
        rng = random.Random(f"{doc.seed}:rev{doc.revision}")
        page["summary"] = [_edit(page["summary"][0], rng, "en", doc.revision), *page["summary"][1:]]
    text = pages.render(template, record, page)
    rng = random.Random(doc.seed)
    chrome = _chrome("fda", "en", max(0, doc.size - len(text.encode()) - 2500), "menu")
    text = text.replace('<nav class="lcds-mega-menu" aria-label="Main navigation">',
                        '<nav class="lcds-mega-menu" aria-label="Main navigation">\n'
                        f'<div class="lcds-mega-menu__panels">{chrome}</div>', 1)
    settings = _settings_json(rng, 2000)
    text = text.replace("</body>", '<script type="application/json" data-drupal-selector="drupal-settings-json">'
                        f"{settings}</script>\n</body>", 1)
    return text.encode("utf-8")


def _record_index(synth: Synth, slug: str) -> int:
    index = synth.__dict__.setdefault("_slug_index", {})
    if not index:
        index.update({catalogue.slug_of(r): n for n, r in enumerate(synth.fda_records)})
    return index[slug]


def _fda_pdf_source(doc: Doc, synth: Synth) -> str:
    record = synth.fda_records[_record_index(synth, doc.extra["slug"])]
    page = synth.fda_pages[doc.extra["slug"]]
    rng = random.Random(doc.seed)
    body = _pdf_body(rng, doc.pages)
    if doc.revision:
        rev = random.Random(f"{doc.seed}:rev{doc.revision}")
        first, _, rest = body.partition("\n\n")
        second, _, rest = rest.partition("\n\n")
        body = "\n\n".join([first, _edit(second, rev, "en", doc.revision), rest])
    return sources.pdf_source(record, page, sections=body)


# --- other agencies: templates after the dossier's selectors ----------------------------------------------------

def _ema_html(doc: Doc, base: str) -> bytes:
    rng = random.Random(doc.seed)
    paras = [_en_paragraph(rng) for _ in range(rng.randint(4, 14))]
    if doc.revision:
        paras[0] = _edit(paras[0], random.Random(f"{doc.seed}:rev{doc.revision}"), "en", doc.revision)
    cards = "".join(
        f'<div class="mt-4 ema-file-wrapper"><div class="bcl-file d-md-flex border-bottom pb-3" data-ema-document-type="scientific-guideline">'
        f'<div class="file-title-metadata flex-grow-1"><p class="file-title mb-1 fw-bold">{html.escape(f["title"])}</p>'
        f'<p class="mb-1"><span class="badge">Adopted</span></p>'
        f'<div class="dates-metadata"><small class="first-publishedfw-normal"><strong class="label">First published:</strong> '
        f'<time datetime="2024-0{k}-15T12:00:00Z">15/0{k}/2024</time></small></div>'
        f'<div class="file-metadata"><small class="reference-numberfw-normal"><span class="label">Reference Number:</span> '
        f'<span class="value">EMA/CAT/{rng.randint(10000, 99999)}/2024</span></small></div></div>'
        f'<div class="file-language-links"><p class="language-meta mb-1">English (EN) <span class="text-muted">({rng.randint(100, 900)}.{rng.randint(10, 99)} KB - PDF)</span></p>'
        f'<a class="standalone" href="{f["url"]}">View</a></div></div></div>'
        for k, f in enumerate(doc.extra["files"], start=1))
    sections = "\n".join(f'<div class="item" id="section-{n}"><h2>{html.escape(" ".join(rng.sample(EN[20:], 3)).capitalize())}</h2><p>{html.escape(p)}</p></div>'
                         for n, p in enumerate(paras))
    body = (f'<main class="main-content-wrapper" id="main-content"><div class="bcl-content-banner bg-lighter"><div class="container"><article class="card"><div class="card-body">'
            f'<h1 class="content-banner-title">{html.escape(doc.title)}</h1><div class="ema-badges mt-2"><span class="ema-bg-category">Human</span>'
            f'<span class="ema-bg-topic">Advanced therapies</span><span class="ema-bg-topic">Scientific guidelines</span></div></div></article></div></div>'
            f'<div class="container"><div class="ema-site-alert alert alert-warning mt-3" role="status"><p>On Monday, 12 January 2026 this website will be unavailable due to scheduled maintenance.</p></div>'
            f'<div class="row"><div class="col-md-3"><nav class="bcl-inpage-navigation" aria-label="Page navigation"><h5>Table of contents</h5><ul class="nav flex-column">'
            + "".join(f'<li class="nav-item"><a href="#section-{n}">Section {n}</a></li>' for n in range(len(paras)))
            + f'</ul></nav></div><div class="col-md-9"><div class="ema-node-content-wrapper node-sections">{sections}'
            f'<div class="item"><h2>Current effective version</h2>{cards}</div></div>'
            f'<div class="ema-feedback-widget mt-5"><h2 class="h5">How useful do you find this page?</h2></div>'
            f'<div class="bcl-social-media-share mt-4"><p class="fw-bold">Share this page</p></div></div></div></div></main>')
    return _page("ema", "en", doc, base, body, head_title=f"{doc.title} | European Medicines Agency (EMA)")


def _pmda_html(doc: Doc, base: str) -> bytes:
    rng = random.Random(doc.seed)
    paras = [_paragraph(rng, "ja") for _ in range(rng.randint(4, 14))]
    if doc.revision:
        paras[0] = _edit(paras[0], random.Random(f"{doc.seed}:rev{doc.revision}"), "ja", doc.revision)
    files = "".join(f'<li><a href="{f["url"]}">{html.escape(f["title"])}</a>'
                    f'（令和{rng.randint(1, 7)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日）[{rng.randint(100, 900)}KB]</li>'
                    for f in doc.extra["files"])
    body = (f'<div class="topicpath"><ul><li><a href="/">ホーム</a></li><li><a href="/review-services/index.html">承認審査関連業務</a></li>'
            f'<li>{html.escape(doc.title)}</li></ul></div>'
            f'<div class="contents__header"><div class="title__block__page"><!-- [00001896, 00002446, 00002556, {rng.randint(1000, 9999):08d}] -->'
            f'<h1 class="title">{html.escape(doc.title)}</h1></div></div>'
            f'<div class="contents__column"><main class="main"><div class="section"><div class="inner editor">'
            + "".join(f"<h2>{html.escape(_title(rng, 'ja'))}</h2><p>{html.escape(p)}</p>" if n % 3 == 0 else f"<p class=\"ml30\">{html.escape(p)}</p>"
                      for n, p in enumerate(paras))
            + f'<h4>関連通知</h4><ul>{files}</ul></div></div></main></div>')
    return _page("pmda", "ja", doc, base, body, head_title=f"{doc.title}｜独立行政法人 医薬品医療機器総合機構",
                 body_attrs=f'id="Shinsa_{rng.randint(1, 99999):08d}" class="article"')


def _mfds_html(doc: Doc, base: str) -> bytes:
    rng = random.Random(doc.seed)
    paras = [_paragraph(rng, "ko") for _ in range(rng.randint(3, 12))]
    if doc.revision:
        paras[0] = _edit(paras[0], random.Random(f"{doc.seed}:rev{doc.revision}"), "ko", doc.revision)
    seq = doc.extra["seq"]
    files = "".join(f'<li><div class="bbs_file_cont"><strong>{html.escape(f["title"])}.pdf</strong>'
                    f'<a class="bbs_icon_filedown" href="./down.do?brd_id=data0011&amp;seq={seq}&amp;data_tp=A&amp;file_seq={k}">다운받기</a>'
                    f'<a class="bbs_icon_preview" href="#">미리보기</a></div></li>'
                    for k, f in enumerate(doc.extra["files"], start=1))
    body = ('<div id="content"><div class="bbs_view01">'
            f'<div class="bv_title">{html.escape(doc.title)}</div>'
            f'<div class="bv_txt01"><ul><li><span>담당부서</span> 바이오의약품정책과</li><li><span>등록일</span> 2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}</li>'
            f'<li><span>조회수</span> {rng.randint(10, 9999)}</li></ul></div>'
            f'<div class="bv_contents"><div class="bv_cont">' + "".join(f"<p>{html.escape(p)}</p>" for p in paras) + '</div></div>'
            f'<div class="bv_file_box"><ul class="bbs_file_view_list">{files}</ul></div>'
            '<div class="bbs_satisfaction"><p>이 페이지에서 제공하는 정보에 대하여 만족하십니까?</p><ul class="bbs_sat_result"><li>매우만족</li><li>만족</li><li>보통</li></ul></div>'
            '</div></div>')
    return _page("mfds", "ko", doc, base, f'<main id="main-content">{body}</main>', head_title=f"{doc.title} | 식품의약품안전처")


def _nmpa_html(doc: Doc, base: str) -> bytes:
    rng = random.Random(doc.seed)
    paras = [_paragraph(rng, "zh") for _ in range(rng.randint(3, 12))]
    if doc.revision:
        paras[0] = _edit(paras[0], random.Random(f"{doc.seed}:rev{doc.revision}"), "zh", doc.revision)
    stamp = doc.extra["stamp"]
    pub = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[8:10]}:{stamp[10:12]}"
    atts = "".join(f'<p><a href="{f["url"]}">{html.escape(f["title"])}.docx</a></p>' for f in doc.extra["files"])
    head = (f'<meta name="ArticleTitle" content="{html.escape(doc.title)}">\n<meta name="PubDate" content="{pub}">\n'
            '<meta name="ColumnName" content="公告通告">\n<meta name="ColumnType" content="公告通告">\n'
            '<meta name="ContentSource" content="国家药品监督管理局">\n<meta name="SiteName" content="国家药品监督管理局">\n'
            '<meta name="SiteIDCode" content="bm35000001">\n'
            '<meta content="{qqqq' + hashlib.sha256(doc.seed.encode()).hexdigest() * 8 + '">'
            '<script type="text/javascript" charset="iso-8859-1" src="/ZvbYc1RuNkYg/6LweYeYIFMkG.a670748.js" r=\'m\'></script>')
    body = ('<div class="container"><div class="content">'
            f'<div class="title"><h2>{html.escape(doc.title)}</h2></div><div class="date">发布时间：{pub[:10]}</div>'
            '<div class="text"><div class="TRS_Editor">' + "".join(f"<p>{html.escape(p)}</p>" for p in paras) + atts + '</div></div>'
            '</div></div>')
    return _page("nmpa", "zh", doc, base, f'<div class="main">{body}</div>', head_title=doc.title, extra_head=head)


def _page(agency: str, lang: str, doc: Doc, base: str, main: str, head_title: str, body_attrs: str = "",
          extra_head: str = "") -> bytes:
    """A full page: head, a CMS-sized header menu and footer around `main`, padded to the doc's size."""
    rng = random.Random(doc.seed + ":chrome")
    head = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n{extra_head}\n'
            f'<title>{html.escape(head_title)}</title>\n<link rel="stylesheet" href="/css/{agency}.css">\n'
            f'<link rel="canonical" href="{base}{html.escape(doc.url)}">\n</head>\n<body {body_attrs}>\n')
    core = len(head.encode()) + len(main.encode()) + 3000
    chrome = _chrome(agency, lang, max(0, doc.size - core), "menu")
    header = f'<header class="header" role="banner"><nav class="gnb" aria-label="Main">{chrome}</nav></header>\n'
    footer = (f'<footer class="footer" role="contentinfo"><p>{html.escape(_title(rng, lang))}</p>'
              f'<ul><li><a href="/privacy">Privacy</a></li><li><a href="/sitemap">Sitemap</a></li></ul></footer>\n'
              f'<script>window.dataLayer=window.dataLayer||[];var settings={_settings_json(rng, 1500)};</script>\n')
    return (head + header + main + "\n" + footer + "</body>\n</html>\n").encode("utf-8")


def _pdf_source(doc: Doc) -> str:
    """Text source (mirror.pdf format: title page, form feed, body) of a non-FDA PDF (English: EMA documents
    and the English versions PMDA and MFDS publish; mirror.pdf's core fonts hold Latin-1 only)."""
    rng = random.Random(doc.seed)
    body = _pdf_body(rng, doc.pages)
    if doc.revision:
        first, _, rest = body.partition("\n\n")
        second, _, rest = rest.partition("\n\n")
        body = "\n\n".join([first, _edit(second, random.Random(f"{doc.seed}:rev{doc.revision}"), "en", doc.revision), rest])
    org = {"ema": "European Medicines Agency", "pmda": "Pharmaceuticals and Medical Devices Agency",
           "mfds": "Ministry of Food and Drug Safety"}[doc.agency]
    return f"{doc.title}\n\n{org}\n\n{doc.extra.get('reference', '')}\n\f\nI. INTRODUCTION\n\n{_en_paragraph(rng)}\n\n{body}\n"


def _other_docs(agency: str, n_docs: int, seed: int) -> list[Doc]:
    """Detail pages, and the files their pages link (the attachments the agency parsers follow): EMA guideline
    pages carry a file card each (the page parser requires one), PMDA pages `/files/000NNNNNN.pdf`, MFDS posts
    `down.do?…&file_seq=k`, NMPA articles `/directory/web/nmpa/images/<base64 of the GBK name>.docx`."""
    lang = {"ema": "en", "pmda": "ja", "mfds": "ko", "nmpa": "zh"}[agency]
    n_files = round(n_docs * FILE_SHARE[agency])
    if agency == "ema":  # every guideline page has a file card (the EMA page parser requires one)
        n_files = n_docs - n_docs // 2
    n_pages = n_docs - n_files
    pages_: list[Doc] = []
    for i in range(n_pages):
        rng = random.Random(f"{seed}:{agency}:{i}")
        if agency == "ema":
            title = _title(rng, "en").split(":")[0] + " - Scientific guideline"
            slug = "-".join(w.lower().strip("/(),&") for w in title.split()[:8]) + f"-{i}-scientific-guideline"
            doc = Doc(agency, f"/en/{slug}", "html", f"en/{slug}/index.html", f"{seed}:ema:{i}", title, lang,
                      size=_html_size(rng))
        elif agency == "pmda":
            doc = Doc(agency, f"/review-services/drug-reviews/about-reviews/ctp/{1000 + i:04d}.html", "html",
                      f"review-services/drug-reviews/about-reviews/ctp/{1000 + i:04d}.html", f"{seed}:pmda:{i}",
                      _title(rng, "ja"), lang, size=_html_size(rng))
        elif agency == "mfds":
            seq = 40000 + i
            doc = Doc(agency, f"/brd/m_1060/view.do?seq={seq}", "html", f"brd/m_1060/view/{seq}.html",
                      f"{seed}:mfds:{i}", _title(rng, "ko"), lang, size=_html_size(rng), extra={"seq": seq})
        else:
            day = datetime(2015, 1, 1) + timedelta(days=rng.randint(0, 4000), seconds=rng.randint(0, 86399))
            stamp = day.strftime("%Y%m%d%H%M%S") + f"{i % 1000:03d}"
            col = rng.choice(["qtggtg", "hzhpggtg/jmhzhptg", "ypggtg"])
            doc = Doc(agency, f"/xxgk/ggtg/{col}/{stamp}.html", "html", f"xxgk/ggtg/{col}/{stamp}.html",
                      f"{seed}:nmpa:{i}", "国家药监局关于" + _title(rng, "zh") + f"的公告（{day.year}年第{rng.randint(1, 120)}号）",
                      lang, size=_html_size(rng), extra={"stamp": stamp})
        doc.extra["files"] = []
        pages_.append(doc)
    files: list[Doc] = []
    for j in range(n_files):
        parent = pages_[j % n_pages]  # page j gets file j, then the first pages a second one, …
        rng = random.Random(f"{seed}:{agency}:file{j}")
        k = len(parent.extra["files"]) + 1
        if agency == "ema":
            slug = parent.url.rsplit("/", 1)[1].removesuffix("-scientific-guideline") + (f"-{k}" if k > 1 else "")
            doc = Doc(agency, f"/en/documents/scientific-guideline/{slug}_en.pdf", "pdf",
                      f"en/documents/scientific-guideline/{slug}_en.pdf", f"{seed}:ema:file{j}",
                      parent.title.removesuffix(" - Scientific guideline"), "en", pages=_pdf_pages(rng),
                      extra={"reference": f"EMA/CAT/{rng.randint(10000, 99999)}/2026"})
        elif agency == "pmda":
            fid = f"000{300000 + j:06d}"
            doc = Doc(agency, f"/files/{fid}.pdf", "pdf", f"files/{fid}.pdf", f"{seed}:pmda:file{j}",
                      f"PSEHB/PED Notification No. {rng.randint(100, 1231):04d}-{rng.randint(1, 9)} (English translation)",
                      "en", pages=_pdf_pages(rng), extra={"reference": f"PFSB Notification No. {rng.randint(100, 1231)}"})
        elif agency == "mfds":
            seq = parent.extra["seq"]
            doc = Doc(agency, f"/brd/m_1060/down.do?brd_id=data0011&seq={seq}&data_tp=A&file_seq={k}", "pdf",
                      f"brd/m_1060/files/{seq}-{k}.pdf", f"{seed}:mfds:file{j}", parent.title, "en",
                      pages=_pdf_pages(rng), extra={"reference": f"안내서-{rng.randint(0, 1999):04d}-01"})
        else:
            name = f"附件{k}：{_title(rng, 'zh')}.docx"
            b64 = base64.urlsafe_b64encode(name.encode("gbk")).decode().rstrip("=")
            doc = Doc(agency, f"/directory/web/nmpa/images/{b64}.docx", "docx", f"directory/web/nmpa/images/{b64}.docx",
                      f"{seed}:nmpa:file{j}", name.removesuffix(".docx"), "zh", pages=_pdf_pages(rng))
        parent.extra["files"].append({"url": doc.url, "title": doc.title, "kind": doc.kind})
        files.append(doc)
    return pages_ + files


def _docx(doc: Doc) -> bytes:
    """A minimal DOCX (document.xml only) with Chinese paragraphs, about `pages` pages long."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    rng = random.Random(doc.seed)
    paras = [doc.title]
    total = 0
    while total < doc.pages * 900:
        paras.append(_paragraph(rng, "zh"))
        total += len(paras[-1])
    if doc.revision:
        paras[1] = _edit(paras[1], random.Random(f"{doc.seed}:rev{doc.revision}"), "zh", doc.revision)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paras)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
    return out.getvalue()


# --- feeds and listings ---------------------------------------------------------------------------------------

def _rss2(title: str, link: str, items: Iterable[tuple[str, str, str]]) -> str:
    body = "".join(f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link><guid>{html.escape(u)}</guid>"
                   f"<pubDate>{d}</pubDate></item>\n" for t, u, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{html.escape(title)}</title>'
            f"<link>{html.escape(link)}</link><description>{html.escape(title)}</description>\n{body}</channel></rss>\n")


def _rss1(title: str, link: str, items: list[tuple[str, str, str]]) -> str:
    seq = "".join(f'<rdf:li rdf:resource="{html.escape(u)}"/>' for _, u, _ in items)
    body = "".join(f'<item rdf:about="{html.escape(u)}"><title>{html.escape(t)}</title><link>{html.escape(u)}</link>'
                   f"<dc:date>{d}</dc:date></item>\n" for t, u, d in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'<channel rdf:about="{html.escape(link)}"><title>{html.escape(title)}</title><link>{html.escape(link)}</link>'
            f"<description>{html.escape(title)}</description><items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n"
            f"{body}</rdf:RDF>\n")


def _date_for(doc: Doc, fmt: str, revision: int = 0) -> str:
    """The feed item's date: its publication, or — once the page or a file of it was revised — the revision's time
    (a feed re-lists a revised document with a new date, the change stamp the request plan reads)."""
    rng = random.Random(doc.seed + ":date")
    when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 900_000))
    if revision:
        when = CHANGED_EPOCH + timedelta(minutes=revision)
    return format_datetime(when, usegmt=True) if fmt == "rfc822" else when.isoformat()


def _revision(revisions: dict[str, int], page: Doc) -> int:
    """The latest revision of a page and of the files it links (`revisions`: URL → revision)."""
    return max([page.revision, *(revisions.get(f["url"], 0) for f in page.extra.get("files", ()))])


def _write_feeds(synth: Synth) -> None:
    """Crawl entry points. Feeds carry absolute item links, so they are written as templates under `_mirror/feeds/`
    (never served) and `bind` writes the served files once the servers' base URLs are known."""
    by = {a: [d for d in synth.docs if d.agency == a] for a in AGENCIES}
    revs = {d.url: d.revision for d in synth.docs}
    ema = synth.site("ema")
    _write(ema / FEEDS / "en/scientific-guidelines.xml", _rss2("Scientific guidelines", "{base}/en",
           [(d.title, "{base}" + d.url, _date_for(d, "rfc822", _revision(revs, d))) for d in by["ema"] if d.kind == "html"]))
    listing = "".join(f'<article class="listing-item card"><div class="card-body"><h3 class="card-title"><a href="{d.url}">'
                      f"{html.escape(d.title)}</a></h3></div></article>" for d in by["ema"] if d.kind == "html")
    _write(ema / "en/human-regulatory-overview/research-development/scientific-guidelines/index.html",
           f'<!DOCTYPE html><html lang="en"><body><main class="main-content-wrapper"><div class="bcl-listing">{listing}</div></main></body></html>')
    pmda = synth.site("pmda")
    _write(pmda / FEEDS / "rss_015.xml", _rss1("PMDA 新着情報", "{base}/", [("[審査]" + d.title, "{base}" + d.url, _date_for(d, "iso", _revision(revs, d)))
                                                                  for d in by["pmda"] if d.kind == "html"]))
    news = "".join(f'<li><a href="{d.url}"><p class="date">2025年10月{1 + n % 28}日</p><p class="category">審査</p>'
                   f'<p class="title">{html.escape(d.title)}</p></a></li>' for n, d in enumerate(by["pmda"]) if d.kind == "html")
    _write(pmda / "0017.html", f'<!DOCTYPE html><html lang="ja"><head><meta charset="UTF-8"></head><body><ul class="list__news">{news}</ul></body></html>')
    mfds = synth.site("mfds")
    _write(mfds / FEEDS / "www/rss/data0011.xml", _rss2("민원인안내서", "{base}/brd/m_1060/list.do",
           [(d.title, "{base}" + d.url, _date_for(d, "rfc822", _revision(revs, d))) for d in by["mfds"] if d.kind == "html"]))
    routes = {"/www/rss/brd.do?brdId=data0011": "www/rss/data0011.xml"}
    rows = [d for d in by["mfds"] if d.kind == "html"]
    for p in range(0, len(rows), 10):
        page = p // 10 + 1
        lis = "".join(f'<li><div class="num">{len(rows) - p - k}</div><div class="center_column"><a class="title" href="./view.do?seq={d.extra["seq"]}&amp;page={page}" title="자세히보기">\n  {html.escape(d.title)}\n</a>'
                      f'<div class="winfo"><p>담당부서 | 바이오의약품정책과</p></div></div><div class="right_column">2026-05-13</div></li>'
                      for k, d in enumerate(rows[p:p + 10]))
        _write(mfds / f"brd/m_1060/list/{page}.html", f'<!DOCTYPE html><html lang="ko"><body><div class="bbs_list01"><ul>{lis}</ul></div>'
               f'<div class="bbs_data_info">전체 {len(rows)}건, 현재페이지 <b>{page}</b>/<b>{(len(rows) + 9) // 10}</b></div></body></html>')
        routes[f"/brd/m_1060/list.do?page={page}"] = f"brd/m_1060/list/{page}.html"
    routes.update({d.url: d.file for d in by["mfds"]})
    _write(mfds / site.ROUTES, json.dumps(routes, ensure_ascii=False, indent=1) + "\n")
    nmpa = synth.site("nmpa")
    rows = [d for d in by["nmpa"] if d.kind == "html"]
    for p in range(0, len(rows), 20):
        lis = "".join(f'<li><a href="{d.url}" target="_blank">{html.escape(d.title)}</a><span>({d.extra["stamp"][:4]}-{d.extra["stamp"][4:6]}-{d.extra["stamp"][6:8]})</span></li>'
                      for d in rows[p:p + 20])
        name = "index.html" if p == 0 else f"index_{p // 20}.html"
        _write(nmpa / f"xxgk/ggtg/{name}", f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>公告通告</title></head>'
               f'<body><div class="list"><ul>{lis}</ul></div><script>createPageHTML({(len(rows) + 19) // 20}, {p // 20}, "index", "html");</script></body></html>')
    _write(nmpa / FEEDS / "bench-feed.xml", _rss2("NMPA 公告通告 (bench-only feed)", "{base}/xxgk/ggtg/index.html",
           [(d.title, "{base}" + d.url, _date_for(d, "rfc822", _revision(revs, d))) for d in rows]))
    synth.entry_urls.update({
        "fda": ["/" + catalogue.CATALOGUE_PATH],
        "ema": ["/en/scientific-guidelines.xml"],
        "pmda": ["/rss_015.xml"],
        "mfds": ["/www/rss/brd.do?brdId=data0011"],
        "nmpa": ["/bench-feed.xml"],
    })


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)


def bind(synth: Synth, bases: dict[str, str]) -> None:
    """Fill the serving base URLs (`http://127.0.0.N:port`) into the feeds (their item links are absolute)."""
    for agency, paths in synth.entry_urls.items():
        if agency == "fda":
            continue
        for path in paths:
            name = _feed_file(agency, path)
            template = (synth.site(agency) / FEEDS / name).read_text(encoding="utf-8")
            _write(synth.site(agency) / name, template.replace("{base}", bases[agency]))


def _feed_file(agency: str, path: str) -> str:
    return "www/rss/data0011.xml" if agency == "mfds" else path.lstrip("/")


# --- PDFs ----------------------------------------------------------------------------------------------------
#
# fpdf2 (mirror.pdf.render) lays text out at ~45 µs a character — about 4 minutes of CPU for the 5,000-document
# mirror — so by default the synthetic PDFs come from `write_pdf`, a minimal writer of the same layout (letter,
# Times 12, title page, "Contains Nonbinding Recommendations" running header and page numbers from page 2, bold
# numbered headings): ~1 ms a page, deterministic, text that pypdf extracts like fpdf2's. `RENDERER = "fpdf2"`
# (run.py --fpdf2) uses mirror.pdf.render instead (cached on disk).

RENDERER = "writer"
_TIMES = None


def _times_widths() -> tuple[dict[str, int], dict[str, int]]:
    global _TIMES
    if _TIMES is None:
        from fpdf.fonts import CORE_FONTS_CHARWIDTHS
        _TIMES = (CORE_FONTS_CHARWIDTHS["times"], CORE_FONTS_CHARWIDTHS["timesB"])
    return _TIMES


@functools.lru_cache(maxsize=100_000)
def _word_width(word: str, bold: bool) -> int:
    widths = _times_widths()[1 if bold else 0]
    return sum(widths.get(c, 500) for c in word)


def _wrap(text: str, width_pt: float, size: float, widths: dict[str, int]) -> list[str]:
    lines, line, used = [], [], 0.0
    space = widths.get(" ", 250) * size / 1000
    bold = widths is _times_widths()[1]
    for word in text.split():
        w = _word_width(word, bold) * size / 1000
        if line and used + space + w > width_pt:
            lines.append(" ".join(line))
            line, used = [word], w
        else:
            used += (space if line else 0) + w
            line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def write_pdf(source: str) -> bytes:
    """PDF bytes for a `mirror.pdf` text source (title page, form feed, body), without fpdf2."""
    import zlib

    regular, bold = _times_widths()
    title, _, body = pdf.latin1(source).partition("\f")
    title_lines = [line.rstrip() for line in title.strip("\n").splitlines()]
    draft = any(line.startswith("Draft Guidance") for line in title_lines)
    width, top, bottom, lead = 612 - 2 * 71, 792 - 57, 57, 17.0  # fpdf2 margins 25/20 mm
    pages: list[list[str]] = []
    ops: list[str] = []
    y = top

    def new_page(header: bool) -> None:
        nonlocal ops, y
        ops = []
        pages.append(ops)
        y = top
        if header:
            ops.append(f"BT /F3 10 Tf 220 {top + 30} Td (Contains Nonbinding Recommendations) Tj ET")
            if draft:
                ops.append(f"BT /F3 10 Tf 230 {top + 18} Td (Draft - Not for Implementation) Tj ET")
            ops.append(f"BT /F1 10 Tf 300 40 Td ({len(pages) - 1}) Tj ET")

    def put(text: str, font: str, size: float, x: float = 72) -> None:
        nonlocal y
        if y < bottom:
            new_page(True)
        ops.append(f"BT /{font} {size:g} Tf {x:g} {y:.1f} Td {_pdf_string(text)} Tj ET")
        y -= size * 1.42  # fpdf2's 6 mm line height at 12 pt

    new_page(False)
    y -= 120
    for n, line in enumerate(title_lines):
        if not line.strip():
            y -= 8
            continue
        size = 18 if n == 0 else 12
        for part in _wrap(line, width, size, bold if n == 0 else regular):
            put(part, "F2" if n == 0 else "F1", size, 90)
    if body.strip():
        new_page(True)
        for para in [p for p in body.strip().split("\n\n") if p.strip()]:
            flat = " ".join(para.split())
            heading = bool(pdf._HEADING.match(flat)) and len(flat) < 110
            for part in _wrap(flat, width, 12, bold if heading else regular):
                put(part, "F2" if heading else "F1", 12)
            y -= lead / 2
    objects: list[bytes] = []
    kids = []
    font_ids = (3, 4, 5)
    first_page = 6
    for n, page_ops in enumerate(pages):
        stream = zlib.compress("\n".join(page_ops).encode("latin-1"), 6)
        page_id, content_id = first_page + 2 * n, first_page + 2 * n + 1
        kids.append(page_id)
        objects.append((f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 {font_ids[0]} 0 R "
                        f"/F2 {font_ids[1]} 0 R /F3 {font_ids[2]} 0 R >> >> /Contents {content_id} 0 R >>").encode())
        objects.append(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
    info_id = first_page + 2 * len(pages)
    head = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()]
    fonts = [f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>".encode()
             for name in ("Times-Roman", "Times-Bold", "Times-Italic")]
    info = f"<< /Title {_pdf_string(title_lines[0] if title_lines else '')} /Producer (regwatch bench synth) >>".encode("latin-1")
    everything = head + fonts + objects + [info]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(everything, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(everything) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(everything) + 1} /Root 1 0 R /Info {info_id} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def render_one(text: str) -> bytes:
    return pdf.render(text) if RENDERER == "fpdf2" else write_pdf(text)


# --- PDFs: rendered in a process pool, cached on disk ------------------------------------------------------------

def pdf_cache_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "regwatch-bench-cache" / "pdf"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _render_cached(text: str) -> tuple[str, bytes]:
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path = pdf_cache_dir() / f"{key}.pdf"
    if path.exists():
        return key, path.read_bytes()
    data = pdf.render(text)  # only fpdf2 renders are cached on disk
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return key, data


def render_pdfs(texts: list[str], workers: int = 2, progress: bool = True) -> dict[str, bytes]:
    """sha256(text) → PDF bytes for every text. With fpdf2, cached renders are read back and the rest rendered in
    parallel; the default writer is fast enough to run inline."""
    out: dict[str, bytes] = {}
    if RENDERER != "fpdf2":
        return {hashlib.sha256(t.encode("utf-8")).hexdigest(): write_pdf(t) for t in texts}
    todo = []
    for text in texts:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        path = pdf_cache_dir() / f"{key}.pdf"
        if path.exists():
            out[key] = path.read_bytes()
        else:
            todo.append(text)
    if todo:
        started = time.monotonic()
        if progress:
            print(f"  rendering {len(todo)} PDFs with mirror.pdf.render (fpdf2) on {workers} processes "
                  f"({len(texts) - len(todo)} cached) …", flush=True)
        with ProcessPoolExecutor(workers) as pool:
            for n, (key, data) in enumerate(pool.map(_render_cached, todo, chunksize=8), start=1):
                out[key] = data
                if progress and n % 250 == 0:
                    print(f"    {n}/{len(todo)} rendered ({time.monotonic() - started:.0f} s)", flush=True)
    return out


def prime_server_cache(rendered: dict[str, bytes]) -> None:
    """Put rendered FDA PDFs in `mirror.pdf`'s in-process cache (the server renders `download.txt` on request and
    caches by the same sha256 key), so no timed request waits for fpdf2."""
    with pdf._cache_lock:
        pdf._cache.update(rendered)


# --- build and edit ------------------------------------------------------------------------------------------

def build(root: Path, n_docs: int = 5000, seed: int = 1, workers: int = 2, progress: bool = True) -> Synth:
    """Generate the synthetic mirror of `n_docs` document URLs under `root` (one folder per agency)."""
    if root.exists():
        shutil.rmtree(root)
    counts = {a: round(n_docs * SHARE[a]) for a in AGENCIES}
    counts["fda"] += n_docs - sum(counts.values())
    fda_docs, records, page_data = _fda(counts["fda"], seed)
    docs = list(fda_docs)
    for agency in AGENCIES[1:]:
        docs.extend(_other_docs(agency, counts[agency], seed))
    synth = Synth(root, docs, {}, records, page_data)
    for agency in AGENCIES:
        _write(synth.site(agency) / "robots.txt", ROBOTS)
    (synth.site("fda") / pages.MIRROR_DIR).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FDA_TEMPLATE, synth.site("fda") / pages.TEMPLATE)
    catalogue.save(synth.site("fda"), records)
    _write_feeds(synth)
    write_docs(synth, synth.docs, workers=workers, progress=progress)
    return synth


def write_docs(synth: Synth, docs: list[Doc], workers: int = 2, progress: bool = True) -> dict[str, bytes]:
    """(Re)write the bytes of `docs`; returns the rendered FDA PDFs (for `prime_server_cache`)."""
    template = (synth.site("fda") / pages.TEMPLATE).read_text(encoding="utf-8")
    bases = {a: f"https://{a}.example" for a in AGENCIES}  # canonical links only; feeds get the real base
    pdf_texts: dict[str, str] = {}
    for doc in docs:
        path = synth.site(doc.agency) / doc.file
        if doc.kind == "html":
            renderer = {"fda": lambda d: _fda_html(d, synth, template), "ema": lambda d: _ema_html(d, bases["ema"]),
                        "pmda": lambda d: _pmda_html(d, bases["pmda"]), "mfds": lambda d: _mfds_html(d, bases["mfds"]),
                        "nmpa": lambda d: _nmpa_html(d, bases["nmpa"])}[doc.agency]
            _write(path, renderer(doc))
        elif doc.kind == "docx":
            _write(path, _docx(doc))
        elif doc.agency == "fda":
            text = _fda_pdf_source(doc, synth)
            _write(path, text)
            pdf_texts[doc.file] = text
        else:
            pdf_texts[doc.file] = _pdf_source(doc)
    rendered = render_pdfs(list(pdf_texts.values()), workers=workers, progress=progress)
    fda_rendered = {}
    for doc in docs:
        if doc.kind != "pdf":
            continue
        key = hashlib.sha256(pdf_texts[doc.file].encode("utf-8")).hexdigest()
        if doc.agency == "fda":
            fda_rendered[key] = rendered[key]
        else:
            _write(synth.site(doc.agency) / doc.file, rendered[key])
    return fda_rendered


def fda_rendered(synth: Synth, workers: int = 2) -> dict[str, bytes]:
    """The rendered bytes of every FDA PDF as it stands (from the disk cache)."""
    texts = [(synth.site("fda") / d.file).read_text(encoding="utf-8") for d in synth.docs
             if d.agency == "fda" and d.kind == "pdf"]
    return render_pdfs(texts, workers=workers, progress=False)


def apply_changes(synth: Synth, fraction: float = 0.05, seed: int = 7, when: datetime | None = None,
                  workers: int = 2) -> tuple[list[Doc], dict[str, bytes]]:
    """Reword `fraction` of the documents (a sentence added, "should" → "must"); the FDA catalogue's `changed`
    and the sites' Last-Modified manifests move for them. Returns the changed docs and the new FDA PDF renders."""
    rng = random.Random(f"changes:{seed}")
    chosen = rng.sample(synth.docs, max(1, round(len(synth.docs) * fraction)))
    when = when or CHANGED_EPOCH
    for doc in chosen:
        doc.revision += 1
    fda_slugs = {d.extra["slug"] for d in chosen if d.agency == "fda"}
    if fda_slugs:
        stamp = when.astimezone(UTC).replace(microsecond=0).isoformat()
        for record in synth.fda_records:
            if catalogue.slug_of(record) in fda_slugs:
                record["changed"] = catalogue.changed_field(stamp)
        catalogue.save(synth.site("fda"), synth.fda_records)
        # a changed record re-renders its page (the "Content current as of" stamp moves with `changed`)
        pages_too = [d for d in synth.docs if d.agency == "fda" and d.kind == "html" and d.extra["slug"] in fda_slugs]
        chosen_set = {id(d) for d in chosen}
        rewrite = chosen + [d for d in pages_too if id(d) not in chosen_set]
    else:
        rewrite = list(chosen)
    rendered = write_docs(synth, rewrite, workers=workers, progress=False)
    _write_feeds(synth)  # revised documents' feed items get a new date (`bind` serves them)
    for agency in AGENCIES:
        changed = [d.url for d in rewrite if d.agency == agency]
        if agency == "fda" and fda_slugs:
            changed.append("/" + catalogue.CATALOGUE_PATH)
        if changed:
            site.set_last_modified(synth.site(agency), changed, when)
    return chosen, rendered


def document_urls(synth: Synth, bases: dict[str, str]) -> list[str]:
    return [bases[d.agency] + d.url for d in synth.docs]


def describe(synth: Synth) -> str:
    counts = synth.counts()
    sizes = {"html": [], "pdf": []}
    for d in synth.docs:
        path = synth.site(d.agency) / d.file
        if d.kind == "html":
            sizes["html"].append(path.stat().st_size)
    pages_ = [d.pages for d in synth.docs if d.kind == "pdf"]
    attachments = sum(1 for d in synth.docs if d.agency != "fda" and d.kind != "html")
    lines = [f"synthetic mirror: {len(synth.docs)} document URLs in {synth.root}"]
    for agency in AGENCIES:
        c = counts[agency]
        office = f" + {c['docx']:4d} DOCX" if c["docx"] else " " * 12
        lines.append(f"  {agency:5s} {c['html']:5d} HTML + {c['pdf']:5d} PDF{office}   entry: {', '.join(synth.entry_urls.get(agency, []))}")
    if sizes["html"]:
        h = sorted(sizes["html"])
        lines.append(f"  HTML size: min {h[0] / 1024:.0f} KB, median {h[len(h) // 2] / 1024:.0f} KB, max {h[-1] / 1024:.0f} KB")
    if pages_:
        p = sorted(pages_)
        lines.append(f"  PDF pages (target): min {p[0]}, median {p[len(p) // 2]}, mean {sum(p) / len(p):.1f}, max {p[-1]}")
    lines.append(f"  non-FDA files ({attachments}) are attachments linked from their detail pages; feeds list the pages")
    lines.append("  robots.txt: no Crawl-delay (benchmark setting; the real fda.gov asks for 30 s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    synth = build(args.root, args.docs, args.seed)
    print(describe(synth))
    print(f"built in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
