"""The floor under the cold cycle: what fetching alone costs with Scrapy, against urlwatch, on the same mirror.

    python bench/perf/floor.py                # 5,000 documents, the same synthetic mirror as bench/perf/run.py
    python bench/perf/floor.py --docs 1500    # a quicker look

Issue 18 asks for a cold regwatch cycle at urlwatch's throughput or better, while parsing, versioning and diffing
everything. This bench measures the parts of that budget one at a time, each as its own child process over the
same document URLs (`synth.document_urls`), so the figures say which part alone already costs what:

1. `scrapy, defaults`: a bare Scrapy spider (Scrapy's default settings, the same requests in flight per host as
   regwatch, `DOWNLOAD_DELAY` 0.001 as regwatch sets it), whose callback drops every response;
2. `scrapy, regwatch settings`: the same spider under `crawler.settings.scrapy_settings` (regwatch's
   middlewares: SSRF guard, robots, back-off retry, bot protection), items dropped, no store, no parsing;
3. `urlwatch`: urlwatch 2.x on the same URLs (installed as bench/perf/run.py installs it, 10 worker threads).

Then, in this process, the parse cost per document: every fetched body given to `parsers.dispatch` once (the
work the parse pool does), timed by CPU. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.perf import run, synth  # noqa: E402

FETCH = r'''
import json, sys
from pathlib import Path
import scrapy
from scrapy.crawler import CrawlerProcess

urls = json.loads(Path(sys.argv[1]).read_text())
mode, per_host = sys.argv[2], int(sys.argv[3])
overrides = json.loads(sys.argv[5])


class Fetch(scrapy.Spider):
    name = "floor"

    async def start(self):
        for url in urls:
            yield scrapy.Request(url, callback=self.drop, dont_filter=True)

    def drop(self, response):
        self.crawler.stats.inc_value("floor/bytes", len(response.body))


if mode == "regwatch":
    from types import SimpleNamespace
    from regwatch.crawler.settings import scrapy_settings
    crawl = SimpleNamespace(contact="bench@localhost", user_agent="regwatch-floor", obey_robots=True, delay=0,
                            concurrency_per_host=per_host, timeout=30, max_size_mb=64, retries=1)
    settings = scrapy_settings(crawl, sys.argv[4].split(","))
    settings["ITEM_PIPELINES"] = {}
else:
    settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": per_host, "DOWNLOAD_DELAY": 0.001, "ROBOTSTXT_OBEY": False}
settings |= {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False} | overrides
process = CrawlerProcess(settings)
crawler = process.create_crawler(Fetch)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"responses": stats.get("response_received_count", 0), "bytes": stats.get("floor/bytes", 0)}))
'''


def fetch_floor(mode: str, urls_file: Path, per_host: int, work: Path,
                overrides: dict | None = None) -> tuple[run.Measured, dict]:
    script = work / "fetch.py"
    script.write_text(FETCH, encoding="utf-8")
    env = run.regwatch_env(work / "unused.db")
    m = run.measure([sys.executable, str(script), str(urls_file), mode, str(per_host), run.ALLOW,
                   json.dumps(overrides or {})], env, ROOT)
    if m.returncode != 0:
        print(m.stderr[-2000:])
    last = (m.stdout.strip().splitlines() or ["{}"])[-1]
    return m, json.loads(last) if last.startswith("{") else {}


def fetch_bodies(s: synth.Synth, bases: dict[str, str], limit: int) -> list[tuple[str, str, int, dict, bytes]]:
    """(url, agency, status, headers, body) of the first `limit` documents, fetched once with urllib."""
    import urllib.request

    bodies = []
    for d in s.docs[:limit]:
        url = bases[d.agency] + d.url
        with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback mirror
            bodies.append((url, d.agency, answer.status, dict(answer.headers), answer.read()))
    return bodies


def parse_cost(bodies: list[tuple[str, str, int, dict, bytes]]) -> float:
    """CPU seconds to parse every body once, as the parse pool does (`parsers.dispatch.parse_document`)."""
    from regwatch.parsers.dispatch import parse_document
    from regwatch.parsers.types import Fetched

    started = time.process_time()
    for url, agency, status, headers, body in bodies:
        kind = "fda:guidance" if agency == "fda" else f"{agency}:page"  # what the spiders ask for a page
        parse_document(Fetched(url=url, status=status, headers=headers, body=body), kind)
    return time.process_time() - started


def bare_extraction_cost(bodies: list[tuple[str, str, int, dict, bytes]], db: Path) -> dict[str, float]:
    """CPU seconds of the least any parser could do with these bodies, by step: lxml's tree and text of each HTML
    page, PDFium's text of each PDF page, the XML of each .docx, and one SQLite row per text (WAL,
    synchronous=FULL, a commit each, as regwatch's store) — no chrome removal, no normalization, no sections,
    no diff, no deadlines."""
    import sqlite3
    import zipfile
    from io import BytesIO

    import lxml.etree
    import lxml.html
    import pypdfium2 as pdfium

    spent = {"html (lxml tree + text)": 0.0, "pdf (PDFium text)": 0.0, "docx (zip + XML)": 0.0}
    texts = []
    for _url, _agency, _status, headers, body in bodies:
        ctype = headers.get("Content-Type", "")
        started = time.process_time()
        if "html" in ctype:
            step, text = "html (lxml tree + text)", lxml.html.document_fromstring(body).text_content()
        elif "pdf" in ctype:
            doc = pdfium.PdfDocument(body)
            text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
            doc.close()
            step = "pdf (PDFium text)"
        else:
            xml = zipfile.ZipFile(BytesIO(body)).read("word/document.xml")
            step, text = "docx (zip + XML)", "".join(lxml.etree.fromstring(xml).itertext())
        spent[step] += time.process_time() - started
        texts.append(text)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("pragma journal_mode=WAL")
    con.execute("pragma synchronous=FULL")
    con.execute("create table versions (id integer primary key, url text, sha256 text, text text)")
    started = time.process_time()
    for (url, *_), text in zip(bodies, texts, strict=True):
        con.execute("begin")
        con.execute("insert into versions (url, sha256, text) values (?, ?, ?)",
                    (url, hashlib.sha256(text.encode()).hexdigest(), text))
        con.execute("commit")
    spent["store (one SQLite row + commit)"] = time.process_time() - started
    con.close()
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--parse-sample", type=int, default=1000, help="documents parsed for the parse cost")
    parser.add_argument("--no-urlwatch", action="store_true")
    parser.add_argument("--setting", action="append",
                        help='a Scrapy setting for both fetch runs, as a JSON member: \'"DOWNLOAD_DELAY": 0\'')
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="regwatch-floor-"))
    print(f"fetch floor — {args.docs} documents; machine: {run.machine_line()}; regwatch git {run.git_head()}")
    try:
        s = synth.build(work / "site", args.docs, args.seed, progress=False)
        with run.serve(s) as (bases, _servers):
            synth.bind(s, bases)
            synth.prime_server_cache(synth.fda_rendered(s))
            urls = synth.document_urls(s, bases)
            urls_file = work / "urls.json"
            urls_file.write_text(json.dumps(urls), encoding="utf-8")
            rows = []
            overrides = json.loads("{" + ", ".join(args.setting or []) + "}")
            for mode, label in (("defaults", "scrapy, defaults"), ("regwatch", "scrapy, regwatch settings")):
                m, got = fetch_floor(mode, urls_file, args.per_host, work, overrides)
                rows.append((label, len(urls), m))
                print(f"  {label}: {got.get('responses', 0)} responses, {got.get('bytes', 0) / 2**20:.0f} MB "
                      f"in {m.wall:.1f} s, CPU {m.cpu:.1f} s", flush=True)
            server_cpu = None
            if not args.no_urlwatch:
                exe = run.urlwatch_venv()
                home = work / "urlwatch-home"
                files = run.urlwatch_files(home, urls)
                before = time.process_time()  # the mirror servers are threads of this process
                u = run.urlwatch_run(exe, "cold", home, files, len(urls), 1, work)
                server_cpu = time.process_time() - before
                rows.append(("urlwatch 2.x, cold", len(urls), u.m))
            bodies = fetch_bodies(s, bases, len(s.docs))
        sample = bodies[: args.parse_sample]
        parse_cpu = parse_cost(sample)
        bare = bare_extraction_cost(bodies, work / "floor.db")
        print()
        print(f"{'':28s} {'URLs':>6s} {'wall s':>8s} {'URLs/s':>8s} {'CPU s':>7s} {'CPU ms/URL':>10s}")
        for label, count, m in rows:
            print(f"{label:28s} {count:6d} {m.wall:8.1f} {count / m.wall:8.1f} {m.cpu:7.1f} "
                  f"{m.cpu / count * 1000:10.2f}")
        print(f"parsing alone (parsers.dispatch, one process): {len(sample)} documents, CPU {parse_cpu:.1f} s = "
              f"{parse_cpu / len(sample) * 1000:.1f} ms per document")
        print(f"the least any parser and store could do with all {len(bodies)} documents (CPU s):")
        for step, cpu in bare.items():
            print(f"  {step:34s} {cpu:7.1f}")
        fetch_cpu = rows[1][2].cpu
        floor_cpu = fetch_cpu + sum(bare.values()) + (server_cpu or 0.0)
        print(f"  {'fetch (Scrapy, regwatch settings)':34s} {fetch_cpu:7.1f}")
        if server_cpu is not None:
            print(f"  {'the mirror answering (this process)':34s} {server_cpu:7.1f}  (measured during urlwatch's run)")
        cores = os.cpu_count() or 1
        print(f"  total {floor_cpu:.1f} CPU s over {cores} cores: at best {floor_cpu / cores:.1f} s of wall clock"
              + (f", against urlwatch's {rows[-1][2].wall:.1f} s" if server_cpu is not None else ""))
        print(f"machine at the end: {run.machine_line()}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
