"""Query latencies of the history web view on a generated store of 100,000 changes (not a test; prints figures).

    python bench/history/run.py                      # a fresh SQLite store in a temporary folder
    python bench/history/run.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench --changes 100000

The store is generated with bulk inserts (10 changes per document: new, wording changes, a status change, some
removals; titles and texts in English, Japanese, Korean and Chinese), then the search index is built once and
every address is requested through the application (routing, query, template or JSON) `--repeat` times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select  # noqa: E402

from regwatch.history import refresh_index  # noqa: E402
from regwatch.store.db import open_store  # noqa: E402
from regwatch.store.models import Change, Document, SearchGram, Source, Version  # noqa: E402
from regwatch.web.app import WebSettings, create_app  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


WORDS = {
    "en": _words("cell therapy stem exosome guidance product manufacturing quality clinical safety donor tissue gene "
                 "regenerative medicine conditioned media cosmetic sponsor submission potency release testing"),
    "ja": _words("再生医療 幹細胞 細胞加工物 品質 承認申請 安全性 エクソソーム "
                 "培養上清 化粧品 臨床試験 製造 指針 確認"),
    "ko": _words("줄기세포 엑소좀 화장품 배양액 안전성 품질 "
                 "임상시험 제조 지침 첨단바이오의약품 세포치료 허가"),
    "zh": _words("干细胞 外泌体 化妆品 细胞治疗 质量 安全性 "
                 "临床试验 生产 指导原则 注册 申报 审评"),
}
LANGUAGE = {"fda": "en", "ema": "en", "pmda": "ja", "mfds": "ko", "nmpa": "zh"}
SEP = {"en": " ", "ja": "", "ko": " ", "zh": ""}


def sentence(rng: random.Random, lang: str, n: int) -> str:
    return SEP[lang].join(rng.choice(WORDS[lang]) for _ in range(n))


def generate(url: str, changes: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sessions = open_store(url)
    start = datetime(2024, 1, 1, 6, tzinfo=UTC)
    per_doc = 10
    docs = changes // per_doc
    with sessions.begin() as s:
        for agency in LANGUAGE:
            for kind in ("catalogue", "pages"):
                s.add(Source(name=f"{agency}-{kind}", agency=agency, baseline_done=True))
    with sessions() as s:
        sources = {name: sid for sid, name in s.execute(select(Source.id, Source.name))}
    doc_rows, version_rows, change_rows = [], [], []
    for d in range(1, docs + 1):
        agency = list(LANGUAGE)[d % 5]
        lang = LANGUAGE[agency]
        seen = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 3))
        title = sentence(rng, lang, 6) + f" {d}"
        doc_rows.append({"id": d, "source_id": sources[f"{agency}-{'catalogue' if d % 2 else 'pages'}"],
                         "key": f"doc-{d}", "agency": agency, "url": f"https://{agency}.example/doc/{d}",
                         "title": title, "status": "final", "meta": {}, "watched": True, "first_seen_at": seen,
                         "last_seen_at": seen, "missing_runs": 0, "gone_runs": 0})
        text = sentence(rng, lang, 60)
        version = 1
        when = seen
        for c in range(per_doc):
            kind = "new" if c == 0 else rng.choices(["changed", "status", "removed"], [85, 12, 3])[0]
            if kind == "changed":
                text = text + SEP[lang] + sentence(rng, lang, 3)
                version += 1
                version_rows.append(_version(d, version, when, text))
            elif kind == "new":
                version_rows.append(_version(d, 1, when, text))
            change_rows.append({"document_id": d, "detected_at": when, "kind": kind,
                                "from_version": version - 1 if kind == "changed" else None, "to_version": version,
                                "summary": f"{kind}: {sentence(rng, lang, 3)}", "details": {}})
            when += timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(0, 1440))
    with sessions.begin() as s:
        for table, rows in ((Document, doc_rows), (Version, version_rows), (Change, change_rows)):
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i:i + 5000])


def _version(doc: int, number: int, when: datetime, text: str) -> dict[str, object]:
    import hashlib

    return {"document_id": doc, "number": number, "fetched_at": when, "url": f"https://x.example/{doc}",
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text, "request_headers": {},
            "response_headers": {}, "meta": {}}


def measure(client, address: str, repeat: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times = []
    status = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(address)
        times.append((time.perf_counter() - t0) * 1000)
        status = response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], status


ADDRESSES = [
    ("list, first page", "/"),
    ("list, page 101 (offset 5000)", "/?offset=5000"),
    ("filter: agency + kind", "/?agency=pmda&kind=status"),
    ("filter: date range", "/?since=2025-03-01&until=2025-03-31"),
    ("filter: topic (glossary)", "/?topic=exosomes"),
    ("text search: English word", "/?text=exosome"),
    ("text search: two English words", "/?text=" + quote("potency donor")),
    ("text search: no match", "/?text=xenotransplantation"),
    ("CJK search: Japanese 幹細胞", "/?text=" + quote("幹細胞")),
    ("CJK search: Korean 엑소좀", "/?text=" + quote("엑소좀")),
    ("CJK search: Chinese 外泌体 + agency", "/?agency=nmpa&text=" + quote("外泌体")),
    ("CJK search: one character 胞", "/?text=" + quote("胞")),
    ("API: /api/changes limit=100", "/api/changes?limit=100"),
    ("API: /api/changes limit=1000", "/api/changes?limit=1000"),
    ("API: text search, limit=100", "/api/changes?limit=100&text=" + quote("세포치료")),
    ("CSV: /api/changes.csv limit=1000", "/api/changes.csv?limit=1000"),
    ("Atom: /feed.atom?agency=ema", "/feed.atom?agency=ema"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="store URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='regwatch-bench-')}/bench.db"
    t0 = time.perf_counter()
    generate(url, args.changes)
    print(f"store: {url}\ngenerated {args.changes:,} changes in {time.perf_counter() - t0:.1f} s")
    sessions = open_store(url)
    t0 = time.perf_counter()
    indexed = refresh_index(sessions)
    with sessions() as s:
        grams = s.scalar(select(func.count()).select_from(SearchGram))
        versions = s.scalar(select(func.count()).select_from(Version))
    print(f"search index: {indexed:,} documents, {versions:,} versions, {grams:,} grams, built in "
          f"{time.perf_counter() - t0:.1f} s (once; later refreshes only touch what changed)")
    client = create_app(sessions, WebSettings(page_size=50, refresh_every=3600)).test_client()
    client.get("/")  # warm caches and the index check
    t0 = time.perf_counter()
    refresh_index(sessions)
    print(f"index freshness check with nothing new: {(time.perf_counter() - t0) * 1000:.1f} ms\n")
    print(f"{'query':42} {'median ms':>10} {'p95 ms':>8}  status")
    for name, address in ADDRESSES:
        median, p95, status = measure(client, address, args.repeat)
        print(f"{name:42} {median:10.1f} {p95:8.1f}  {status}")


if __name__ == "__main__":
    main()
