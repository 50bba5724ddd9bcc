"""A small store written through the store's own recording functions (record_listing, record_capture): five
agencies, CJK texts, wording changes, raw bytes with headers, and a crawled page carrying script payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ListingSeen, Parsed, Status
from regwatch.store.details import ChangeDetails
from regwatch.store.models import Document as DocumentRow
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture, record_listing

XSS_TITLE = '<script>alert("title")</script><img src=x onerror=alert("img")>'
XSS_TEXT = 'Intro <script>alert("text")</script> and <img src=x onerror=alert(1)> end "quoted" & done.'
XSS_URL = 'https://evil.example/"><script>alert("url")</script>'
JS_URL = "javascript:alert('href')"

FDA = "https://www.fda.gov/regulatory-information/search-fda-guidance-documents/"
REQUEST_HEADERS = {"User-Agent": "regwatch/0.1 (regulatory change monitor)", "Accept": "*/*",
                   "Accept-Encoding": "gzip, deflate"}


@dataclass(frozen=True)
class Doc:
    source: str
    agency: str
    key: str
    url: str
    title: str
    texts: tuple[str, ...]  # one per run; the same text twice stores no new version
    content_type: str = "text/html; charset=utf-8"
    topics: tuple[str, ...] = ()
    status: Status = Status.FINAL


DOCS = (
    Doc("fda-guidance", "fda", "hctp-minimal-manipulation", FDA + "hctp-minimal-manipulation",
        "Regulatory Considerations for Human Cells, Tissues, and Cellular and Tissue-Based Products (HCT/Ps)",
        ("Manufacturers should submit a report on minimal manipulation of stem cell products.",
         "Manufacturers must submit a report on minimal manipulation of stem cell products within 30 days."),
        "application/pdf", ("Biologics", "Cellular & Gene Therapy")),
    Doc("ema-guidelines", "ema", "atmp-quality", "https://www.ema.europa.eu/en/atmp-quality",
        "Guideline on quality requirements for advanced therapy medicinal products",
        ("Exosome preparations are outside the scope of this guideline.",
         "Exosome preparations are outside the scope of this guideline.")),
    Doc("pmda-regenerative", "pmda", "0812-30", "https://www.pmda.go.jp/files/000280466.pdf",
        "再生医療等製品の承認申請について",
        ("再生医療等製品の承認申請について、幹細胞加工物の品質を確認すること。",
         "再生医療等製品の承認申請について、幹細胞加工物の品質を確認しなければならない。"),
        "application/pdf"),
    Doc("mfds-notices", "mfds", "2026-17", "https://www.mfds.go.kr/brd/m_1060/view.do?seq=17",
        "줄기세포 유래 엑소좀 화장품 안전성 지침",
        ("줄기세포 배양액 유래 엑소좀을 화장품 원료로 사용할 수 없다.",
         "줄기세포 배양액 유래 엑소좀을 화장품 원료로 사용하는 경우 안전성 자료를 제출하여야 한다.")),
    Doc("nmpa-notices", "nmpa", "2026-88", "https://www.nmpa.gov.cn/xxgk/ggtg/20261101.html",
        "关于干细胞外泌体产品监管的公告",
        ("干细胞外泌体产品不得作为化妆品原料。",), "text/html; charset=gb18030"),
    Doc("page-watch", "fda", "evil", XSS_URL, XSS_TITLE, ("First " + XSS_TEXT, "Second " + XSS_TEXT)),
    Doc("page-watch", "fda", "javascript-url", JS_URL, "A page whose address is a javascript: URL",
        ("Plain text.",)),
)
SOURCES = {d.source: d.agency for d in DOCS}
START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def fill(sessions: sessionmaker[Session], runs: int = 2, start: datetime = START) -> dict[str, int]:
    """Record `runs` runs a day apart (the first is not a baseline, so documents are announced as new).
    Returns document ids by key."""
    with sessions.begin() as s:
        ids = {}
        for name, agency in SOURCES.items():
            src = Source(name=name, agency=agency, baseline_done=True)
            s.add(src)
            s.flush()
            ids[name] = src.id
    for n in range(runs):
        add_run(sessions, n, start + timedelta(days=n))
    with sessions() as s:
        return {d.key: d.id for d in s.scalars(select(DocumentRow))}


def add_run(sessions: sessionmaker[Session], n: int, now: datetime) -> None:
    """Run number `n` (0-based): each document's text for that run, recorded as the crawler would."""
    with sessions() as s:
        source_ids = {src.name: src.id for src in s.scalars(select(Source))}
    with sessions.begin() as s:
        run = Run(started_at=now, finished_at=now + timedelta(minutes=5), status="ok")
        s.add(run)
        s.flush()
        run_id = run.id
        for source_id in source_ids.values():
            s.add(SourceRun(run_id=run_id, source_id=source_id))
    for d in DOCS:
        ctx = RunContext(run_id, source_ids[d.source], d.source, d.agency, False, now, lambda *_: None,
                         lambda agency, title, old, new: (
                             f"wording changed ({len(old)} → {len(new)} characters)" if old else "new document",
                             ChangeDetails(), True))
        text = d.texts[min(n, len(d.texts) - 1)]
        with sessions.begin() as s:
            entry = CatalogueEntry(key=d.key, url=d.url, title=d.title, status=d.status, topics=d.topics)
            record_listing(s, ctx, ListingSeen(d.source, Listing((entry,), complete=False), frozenset({d.key})))
            body = f"%PDF-1.7 {text}".encode() if "pdf" in d.content_type else \
                f"<html><title>{d.title}</title><body>{text}</body></html>".encode()
            headers = {"Content-Type": d.content_type, "ETag": f'"{d.key}-{n}"', "Content-Length": str(len(body)),
                       "Last-Modified": "Mon, 02 Nov 2026 05:00:00 GMT"}
            record_capture(s, ctx, Parsed(d.source, d.key, d.url,
                                          fetched=Fetched(d.url, 200, headers, body, dict(REQUEST_HEADERS)),
                                          document=Document(url=d.url, title=d.title, text=text,
                                                            status=d.status)))
