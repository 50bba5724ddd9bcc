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
import json
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


def parse_cost(s: synth.Synth, bases: dict[str, str], limit: int) -> tuple[int, float]:
    """CPU seconds to parse `limit` of the mirror's documents once each, as the parse pool would."""
    import urllib.request

    from regwatch.parsers.dispatch import parse_document
    from regwatch.parsers.types import Fetched

    docs = s.docs[:limit]
    bodies = []
    for d in docs:
        url = bases[d.agency] + d.url
        with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback mirror
            bodies.append((url, d.agency, answer.status, dict(answer.headers), answer.read()))
    started = time.process_time()
    for url, agency, status, headers, body in bodies:
        kind = "fda:guidance" if agency == "fda" else f"{agency}:page"  # what the spiders ask for a page
        parse_document(Fetched(url=url, status=status, headers=headers, body=body), kind)
    return len(bodies), time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--parse-sample", type=int, default=1000, help="documents parsed for the parse cost")
    parser.add_argument("--no-urlwatch", action="store_true")
    parser.add_argument("--setting", action="append", help='a Scrapy setting for both fetch runs, as JSON: \'"DOWNLOAD_DELAY": 0\'')
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
            if not args.no_urlwatch:
                exe = run.urlwatch_venv()
                home = work / "urlwatch-home"
                u = run.urlwatch_run(exe, "cold", home, run.urlwatch_files(home, urls), len(urls), 1, work)
                rows.append(("urlwatch 2.x, cold", len(urls), u.m))
            n, parse_cpu = parse_cost(s, bases, min(args.parse_sample, len(s.docs)))
        print()
        print(f"{'':28s} {'URLs':>6s} {'wall s':>8s} {'URLs/s':>8s} {'CPU s':>7s} {'CPU ms/URL':>10s}")
        for label, count, m in rows:
            print(f"{label:28s} {count:6d} {m.wall:8.1f} {count / m.wall:8.1f} {m.cpu:7.1f} "
                  f"{m.cpu / count * 1000:10.2f}")
        print(f"parsing alone (parsers.dispatch, one process): {n} documents, CPU {parse_cpu:.1f} s = "
              f"{parse_cpu / n * 1000:.1f} ms per document")
        print(f"machine at the end: {run.machine_line()}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
