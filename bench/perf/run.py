"""regwatch throughput, memory and store size on a synthetic five-agency mirror, and urlwatch on the same URLs.

    python bench/perf/run.py                 # 5,000 documents (about 10 minutes on 2 cores)
    python bench/perf/run.py --docs 500      # a quick check
    python bench/perf/run.py --docs 1000 --profile   # py-spy profiles of the cold and the warm run instead

Runs `regwatch run` as a child process (config pointing at the synthetic mirror, SQLite store in a temp dir,
`crawl.delay: 0`) three times — cold (everything new), warm (nothing changed: conditional requests answer 304),
and after 5% of the documents changed — and prints documents/second, CPU seconds, the peak RSS of the regwatch
process tree (psutil sampling every 50 ms, cross-checked with the kernel's ru_maxrss) and the store size per
document version. Then urlwatch (installed into its own virtualenv under the temp dir; HOME, XDG dirs, config,
hooks and cache all inside the run's temp dir) checks the same URLs cold and warm, and the throughput ratios are
printed. Figures are printed, never asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import yaml  # noqa: E402

from bench.perf import synth  # noqa: E402
from regwatch.mirror.server import MirrorServer  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "regwatch-bench-cache"
URLWATCH_VENV = CACHE / "urlwatch-venv"


# --- measuring a child process -------------------------------------------------------------------------------

@dataclass
class Measured:
    wall: float
    cpu: float  # user + system of the process and its children (waited for, or sampled: the parse workers)
    peak_rss: int  # bytes, sum over the process tree, sampled
    maxrss: int  # bytes, kernel's peak of the largest single process
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str], env: dict[str, str], cwd: Path, echo_prefix: str = "", log: Path | None = None) -> Measured:
    """Run `cmd`, sampling the RSS of its whole process tree, echoing its progress lines."""
    out_file = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed below, after the child exits
    err_lines: list[str] = []
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out_file, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()
    # the parse workers are children of multiprocessing's forkserver, which the run never waits for: wait4 does not
    # see their CPU, so every descendant's CPU is sampled (its last reading before it exits) and added
    descendants: dict[int, float] = {}

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                        total += p.memory_info().rss
                        if p.pid != proc.pid:
                            times = p.cpu_times()
                            descendants[p.pid] = times.user + times.system
                peak = max(peak, total)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                return
            done.wait(0.05)

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line)
            if echo_prefix and line.startswith("regwatch: documents recorded so far"):
                print(f"{echo_prefix}{line.split(':', 2)[-1].strip()}", flush=True)

    sampler = threading.Thread(target=sample, daemon=True)
    reader = threading.Thread(target=read_err, daemon=True)
    sampler.start()
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(10)
    sampler.join(2)
    out_file.seek(0)
    stdout = out_file.read()
    out_file.close()
    if log is not None:
        log.write_text(stdout + "\n--- stderr ---\n" + "".join(err_lines), encoding="utf-8")
    return Measured(wall, usage.ru_utime + usage.ru_stime + sum(descendants.values()), peak,
                    usage.ru_maxrss * 1024, proc.returncode, stdout, "".join(err_lines))


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


# --- the mirror ------------------------------------------------------------------------------------------------

@contextmanager
def serve(s: synth.Synth):
    servers = {a: MirrorServer(s.site(a), host=synth.HOSTS[a]).start() for a in synth.AGENCIES}
    try:
        yield {a: srv.base_url for a, srv in servers.items()}, servers
    finally:
        for srv in servers.values():
            srv.stop()


# --- regwatch --------------------------------------------------------------------------------------------------

def write_config(path: Path, s: synth.Synth, bases: dict[str, str], per_host: int = 1, recheck_days: int = 7) -> Path:
    def urls(agency: str) -> list[str]:
        return [bases[agency] + p for p in s.entry_urls[agency]]

    sources = [
        {"name": "fda-guidance", "agency": "fda", "type": "catalogue", "url": urls("fda")[0]},
        {"name": "ema-guidelines", "agency": "ema", "type": "feed", "start_urls": urls("ema")},
        {"name": "pmda-new", "agency": "pmda", "type": "feed", "url": urls("pmda")[0]},
        {"name": "mfds-guides", "agency": "mfds", "type": "feed", "url": urls("mfds")[0]},
        {"name": "nmpa-notices", "agency": "nmpa", "type": "feed", "url": urls("nmpa")[0]},
    ]
    config = {"crawl": {"delay": 0, "timeout": 30, "retries": 1, "contact": "bench@localhost",
                        "concurrency_per_host": per_host, "recheck_days": recheck_days},
              "sources": sources, "alerts": {"channels": []}}
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@dataclass
class RunStats:
    label: str
    m: Measured
    docs: int
    outcomes: Counter
    statuses: dict[str, str]
    changes: Counter
    versions_total: int
    db_bytes: int
    errors: list[str] = field(default_factory=list)
    requests: int = 0  # requests the mirror servers answered during the run

    @property
    def rate(self) -> float:
        return self.docs / self.m.wall if self.m.wall else 0.0


def db_stats(db: Path, run_number: int) -> tuple[int, Counter, dict[str, str], Counter, int, list[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        run_id = con.execute("select max(id) from runs").fetchone()[0]  # the run that just finished
        outcomes = Counter(dict(con.execute("select outcome, count(*) from fetches where run_id=? group by outcome",
                                            (run_id,)).fetchall()))
        statuses = dict(con.execute("select s.name, sr.status from source_runs sr "
                                    "join sources s on s.id = sr.source_id "
                                    "where sr.run_id=?", (run_id,)).fetchall())
        changes = Counter(dict(con.execute("select kind, count(*) from changes where run_id=? group by kind",
                                           (run_id,)).fetchall()))
        versions = con.execute("select count(*) from versions").fetchone()[0]
        errors = [f"{u}: {e}" for u, e in con.execute(
            "select url, error from fetches where run_id=? and outcome in ('error', 'blocked') limit 5", (run_id,))]
        errors += [f"{n}: {e}" for n, e in con.execute(
            "select s.name, sr.error from source_runs sr join sources s on s.id = sr.source_id "
            "where sr.run_id=? and sr.error is not null", (run_id,))]
    finally:
        con.close()
    return sum(outcomes.values()), outcomes, statuses, changes, versions, errors


def db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


# regwatch refuses non-public addresses unless allowed (SSRF guard): the mirrors are on loopback on purpose.
ALLOW = ",".join(synth.HOSTS.values())


def regwatch_env(db: Path) -> dict[str, str]:
    return {**os.environ, "REGWATCH_DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT),
            "REGWATCH_ALLOW_HOSTS": ALLOW}


def regwatch_run(label: str, config: Path, db: Path, work: Path, number: int, servers: dict | None = None) -> RunStats:
    env = regwatch_env(db)
    print(f"  regwatch {label} …", flush=True)
    for server in (servers or {}).values():
        server.log.clear()
    m = measure([sys.executable, "-m", "regwatch", "--config", str(config), "run"], env, ROOT, echo_prefix="    ",
                log=work / f"regwatch-{number}.log")
    docs, outcomes, statuses, changes, versions, errors = db_stats(db, number)
    stats = RunStats(label, m, docs, outcomes, statuses, changes, versions, db_size(db), errors,
                     sum(len(server.log.entries()) for server in (servers or {}).values()))
    print(f"    {docs} documents in {m.wall:.1f} s = {stats.rate:.1f} docs/s; CPU {m.cpu:.1f} s; "
          f"peak RSS {mb(m.peak_rss)}; exit {m.returncode}; {stats.requests} requests; outcomes {dict(outcomes)}",
          flush=True)
    for line in m.stdout.splitlines():
        if line.startswith(("plan ", "host ")):
            print(f"    {line}", flush=True)
    if changes:
        print(f"    changes recorded: {dict(changes)}", flush=True)
    bad = {k: v for k, v in statuses.items() if v != "ok"}
    if bad or m.returncode not in (0,):
        print(f"    source statuses: {statuses}", flush=True)
        for line in errors[:8]:
            print(f"      {line[:200]}", flush=True)
        if m.returncode not in (0, 1):
            print("    stderr tail:\n" + "\n".join("      " + ln for ln in m.stderr.splitlines()[-15:]), flush=True)
    return stats


# --- urlwatch ------------------------------------------------------------------------------------------------

def urlwatch_venv() -> Path:
    exe = URLWATCH_VENV / "bin" / "urlwatch"
    if not exe.exists():
        print(f"  installing urlwatch into {URLWATCH_VENV} (python -m venv + pip install urlwatch) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(URLWATCH_VENV)], check=True)
        subprocess.run([str(URLWATCH_VENV / "bin" / "pip"), "install", "-q", "urlwatch"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return exe


@dataclass
class UrlwatchStats:
    label: str
    m: Measured
    docs: int
    report: Counter

    @property
    def rate(self) -> float:
        return self.docs / self.m.wall if self.m.wall else 0.0


def urlwatch_run(exe: Path, label: str, home: Path, urls_file: Path, n: int, number: int, work: Path) -> UrlwatchStats:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("URLWATCH", "XDG_", "PYTHON"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
                "XDG_DATA_HOME": str(home / ".local/share"), "NO_COLOR": "1"})
    cmd = [str(exe), "--urls", str(urls_file), "--config", str(home / "urlwatch.yaml"), "--hooks",
           str(home / "hooks.py"), "--cache", str(home / "cache.db")]
    print(f"  urlwatch {label} …", flush=True)
    m = measure(cmd, env, home, log=work / f"urlwatch-{number}.log")
    report = Counter()
    for line in m.stdout.splitlines():
        head = line.split(":", 1)[0].strip()
        if head in ("NEW", "CHANGED", "ERROR", "UNCHANGED"):
            report[head] += 1
    report["unchanged (not listed)"] = n - sum(report.values())
    stats = UrlwatchStats(label, m, n, report)
    print(f"    {n} URLs in {m.wall:.1f} s = {stats.rate:.1f} URLs/s; CPU {m.cpu:.1f} s; peak RSS {mb(m.peak_rss)}; "
          f"exit {m.returncode}; report {dict(report)}", flush=True)
    if m.returncode != 0:
        print("    stderr tail:\n" + "\n".join("      " + ln for ln in m.stderr.splitlines()[-10:]), flush=True)
    return stats


def urlwatch_files(home: Path, urls: list[str]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    config = {"display": {"new": True, "error": True, "unchanged": False, "empty-diff": True},
              "report": {"text": {"details": True, "footer": False, "minimal": False, "line_length": 75},
                         "stdout": {"enabled": True, "color": False},
                         "html": {"diff": "unified"}, "markdown": {"details": True}}}
    (home / "urlwatch.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (home / "hooks.py").write_text("# no hooks\n", encoding="utf-8")
    urls_file = home / "urls.yaml"
    urls_file.write_text("".join(f"---\nname: doc {n}\nurl: {u}\n" for n, u in enumerate(urls)), encoding="utf-8")
    return urls_file


# --- profiling -----------------------------------------------------------------------------------------------

PROJECT_DIRS = ("regwatch/", "crawler/", "parsers/", "store/", "alerts/")


def profile_run(label: str, config: Path, db: Path, work: Path, number: int) -> None:
    """One regwatch run under py-spy (100 Hz, idle samples included, per thread), then what dominates."""
    out = work / f"profile-{label}.txt"
    env = regwatch_env(db)
    cmd = ["py-spy", "record", "--subprocesses", "--idle", "--threads", "--rate", "100", "--format", "raw",
           "--output", str(out), "--", sys.executable, "-m", "regwatch", "--config", str(config), "run"]
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    print(f"  profiled regwatch {label}: {wall:.1f} s wall under py-spy (exit {done.returncode}); raw stacks: {out}")
    summarize_profile(out)


def summarize_profile(path: Path, top: int = 22) -> None:
    main_stacks: list[tuple[list[str], int]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if not any("_run_module_as_main" in f for f in frames):
            continue  # other threads (Scrapy's thread pool, py-spy's view of the parent)
        main_stacks.append((frames, int(count)))
    total = sum(c for _, c in main_stacks)
    if not total:
        print("    (no samples of the main thread)")
        return
    inclusive: Counter = Counter()
    own: Counter = Counter()
    buckets: Counter = Counter()
    for frames, count in main_stacks:
        seen = set()
        for f in frames:
            name = _frame_name(f)
            if name not in seen:
                inclusive[name] += count
                seen.add(name)
        own[_frame_name(frames[-1])] += count
        buckets[_bucket(frames)] += count
    print(f"    main thread: {total} samples at 100 Hz ({total / 100:.1f} s of wall clock, idle included)")
    print("    where the time goes (each sample counted once, first matching bucket from the top of the stack):")
    for name, count in buckets.most_common():
        print(f"      {100 * count / total:5.1f}%  {name}")
    print("    project functions by inclusive time:")
    shown = 0
    for name, count in inclusive.most_common():
        if any(name.split(" (", 1)[-1].startswith(d) for d in PROJECT_DIRS):
            print(f"      {100 * count / total:5.1f}%  {name}")
            shown += 1
            if shown >= top:
                break
    print("    top self time (leaf frames):")
    for name, count in own.most_common(12):
        print(f"      {100 * count / total:5.1f}%  {name}")


def _frame_name(frame: str) -> str:
    """`func (path/to/file.py:123)` → `func (path/to/file.py)`, with site-packages paths shortened."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"


_BUCKETS = (
    ("startup: imports", ("_find_and_load",)),
    ("store: Alembic migrations at start", ("alembic/",)),
    ("PDF text extraction (pypdf + running-line cleanup)", ("parsers/formats/pdf.py", "pypdf/", "parsers/pmda_ja.py")),
    ("Office/HWP extraction", ("parsers/formats/office.py", "parsers/formats/hwp.py")),
    ("HTML parsing (BeautifulSoup/lxml, main content, agency page parsers)",
     ("parsers/formats/html.py", "bs4/", "parsers/ema.py", "parsers/fda.py:parse_guidance_page", "parsers/mfds.py",
      "parsers/nmpa.py", "parsers/pmda.py")),
    ("feed / catalogue parsing", ("parsers/formats/feed.py", "parsers/fda.py:parse_catalogue")),
    ("text normalization / sections", ("parsers/normalize.py", "parsers/formats/sections.py")),
    ("other parsing", ("parsers/",)),
    ("diff / change description", ("alerts/", "regwatch/alerting.py")),
    ("store: commit (SQLite fsync, synchronous=FULL)", ("do_commit",)),
    ("store: validators lookup before each request", ("StoreSink.validators",)),
    ("store: versioning queries (SQLAlchemy/SQLite)", ("store/versions.py", "regwatch/recording.py")),
    ("crawler: request building", ("crawler/base.py",)),
    ("crawler middlewares", ("crawler/middlewares.py",)),
    ("Scrapy/Twisted machinery", ("scrapy/", "twisted/")),
)


def _bucket(frames: list[str]) -> str:
    joined = [f.replace(str(ROOT) + "/", "") for f in frames]
    last = joined[-1] if joined else ""
    if last.startswith(("select (selectors.py", "poll (selectors.py", "EpollSelector.select", "_poll (")):
        return "idle: reactor waiting on sockets (the mirror answering, or nothing to do)"
    for name, markers in _BUCKETS:
        for marker in markers:
            file, _, func = marker.partition(":")
            for f in joined:
                if (file in f and (not func or f.startswith(func))) or f.startswith(marker + " "):
                    return name
    return "other"


# --- main ----------------------------------------------------------------------------------------------------

def machine_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    try:  # share of time some runnable task waited for a CPU (other work on this machine skews wall clock)
        pressure = Path("/proc/pressure/cpu").read_text().split("\n")[0].split()[2].split("=")[1]
        pressure = f"; CPU pressure (avg60) {pressure}%"
    except (OSError, IndexError):
        pressure = ""
    return (f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average {load}{pressure}")


def git_head() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return head + (" (+ uncommitted changes in the work tree)" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000, help="document URLs in the synthetic mirror")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--changed", type=float, default=0.05, help="fraction of documents reworded for run 3")
    parser.add_argument("--per-host", type=int, default=1,
                        help="regwatch's crawl.concurrency_per_host (requests in flight per host; default 1)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp dir, removed)")
    parser.add_argument("--no-urlwatch", action="store_true", help="skip the urlwatch comparison")
    parser.add_argument("--no-demo-cycle", action="store_true", help="skip the demo config's daily-cycle line")
    parser.add_argument("--profile", action="store_true", help="profile the cold and warm runs with py-spy instead")
    parser.add_argument("--fpdf2", action="store_true", help="render the PDFs with mirror.pdf.render (slow, cached)")
    parser.add_argument("--summarize", type=Path, nargs="+", help="only summarize saved py-spy raw profiles")
    args = parser.parse_args(argv)
    if args.summarize:
        for path in args.summarize:
            print(path)
            summarize_profile(path)
        return 0
    if args.fpdf2:
        synth.RENDERER = "fpdf2"

    work = args.keep or Path(tempfile.mkdtemp(prefix="regwatch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    print(f"regwatch perf benchmark — {args.docs} documents, seed {args.seed}")
    print(f"machine: {machine_line()}")
    print(f"regwatch: git {git_head()}; work dir {work}")
    try:
        print("building the synthetic mirror …", flush=True)
        started = time.monotonic()
        s = synth.build(work / "site", args.docs, args.seed)
        print(synth.describe(s))
        print(f"  built in {time.monotonic() - started:.1f} s", flush=True)
        with serve(s) as (bases, _servers):
            synth.bind(s, bases)
            synth.prime_server_cache(synth.fda_rendered(s))
            print("mirrors: " + ", ".join(f"{a} {b}" for a, b in bases.items())
                  + " (one loopback address per agency: one host each, as on the web)")
            print("  robots.txt has no Crawl-delay; crawl.delay: 0 — politeness is off for the benchmark only")
            print(f"  regwatch crawl.concurrency_per_host: {args.per_host} request(s) in flight per host (default 1); "
                  "urlwatch: 10 worker threads over all URLs (its default)")
            config = write_config(work / "config.yaml", s, bases, args.per_host)
            db = work / "regwatch.db"
            for stale in (db, db.with_name("regwatch.db-wal"), db.with_name("regwatch.db-shm")):
                stale.unlink(missing_ok=True)
            shutil.rmtree(work / "urlwatch-home", ignore_errors=True)
            if args.profile:
                profile_run("cold", config, db, work, 1)
                profile_run("warm", config, db, work, 2)
                print(f"total {time.monotonic() - t0:.0f} s")
                return 0
            full = write_config(work / "config-full.yaml", s, bases, args.per_host, recheck_days=1)
            cold = regwatch_run("cold (everything new)", config, db, work, 1, _servers)
            warm = regwatch_run("warm (nothing changed)", config, db, work, 2, _servers)
            minimum = plan_minimum(config, db, s)
            warm_full = regwatch_run("warm, recheck_days 1", full, db, work, 3, _servers)
            changed_docs, rendered = synth.apply_changes(s, args.changed)
            synth.bind(s, bases)
            synth.prime_server_cache(rendered)
            print(f"  applied edits to {len(changed_docs)} documents ({args.changed:.0%}): a sentence added and "
                  f"'should' → 'must' (FDA catalogue `changed`, the feed items' dates and Last-Modified moved)",
                  flush=True)
            changed = regwatch_run(f"{args.changed:.0%} changed", config, db, work, 4, _servers)
            missed = _missed_edits(db, [bases[d.agency] + d.url for d in changed_docs])
            print(f"    {len(changed_docs) - len(missed)} of the {len(changed_docs)} edited documents were recorded as "
                  f"changed" + (f"; missed: {len(missed)} — " + ", ".join(missed[:4]) if missed else ""), flush=True)
            runs = [cold, warm, warm_full, changed]
            fetched_urls = _fetched_urls(db)
            expected = set(synth.document_urls(s, bases))
            uw: list[UrlwatchStats] = []
            if not args.no_urlwatch:
                exe = urlwatch_venv()
                version = subprocess.run([str(exe), "--version"], capture_output=True, text=True).stdout.strip()
                urls = sorted(fetched_urls & expected) if fetched_urls & expected else sorted(expected)
                print(f"urlwatch ({version}, 10 worker threads, no filters: raw bytes decoded as text, "
                      f"unified diff in the stdout report): {len(urls)} URLs", flush=True)
                home = work / "urlwatch-home"
                urls_file = urlwatch_files(home, urls)
                uw.append(urlwatch_run(exe, "cold", home, urls_file, len(urls), 1, work))
                uw.append(urlwatch_run(exe, "warm", home, urls_file, len(urls), 2, work))
        print_summary(runs, uw, fetched_urls, expected, time.monotonic() - t0, args, minimum)
        if not args.no_demo_cycle:
            from bench.perf import demo_cycle

            print("\nthe demo config's daily cycle (bench/perf/demo_cycle.py) …", flush=True)
            demo_cycle.main()
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _missed_edits(db: Path, urls: list[str]) -> list[str]:
    """Edited URLs the last run did not record as changed, each with what it did record."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        last = con.execute("select max(id) from runs").fetchone()[0]
        seen = dict(con.execute("select url, outcome from fetches where run_id=?", (last,)).fetchall())
    finally:
        con.close()
    return [f"{u.split('/', 3)[-1]} ({seen.get(u, 'not requested')})" for u in urls if seen.get(u) != "changed"]


def _fetched_urls(db: Path) -> set[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        first = con.execute("select min(id) from runs").fetchone()[0]  # the cold run (the store is new)
        return {u for (u,) in con.execute("select distinct url from fetches where run_id=?", (first,))}
    finally:
        con.close()


@dataclass
class PlanMinimum:
    today: int  # requests the plan cannot do without on the warm run's day
    tomorrow: int  # … and on the next day (that day's re-check share added)
    full: int  # a full conditional cycle: every watched document


def plan_minimum(config: Path, db: Path, s: synth.Synth) -> PlanMinimum:
    """robots.txt per host + the catalogue/feeds + the documents the plan must request (never checked, failed, or
    due for their re-check and not checked yet that day), with the store as the warm run left it."""
    from datetime import UTC, datetime, timedelta

    from regwatch.config import load_config
    from regwatch.parsers.urls import host_name
    from regwatch.plan import estimate
    from regwatch.store.db import open_store
    from regwatch.store.queries import source_status

    cfg = load_config(config, env={"REGWATCH_DATABASE_URL": f"sqlite:///{db}"})
    today = datetime.now(UTC).date()
    with open_store(cfg.store.url)() as session:
        known = source_status(session)

        def total(day, every):  # type: ignore[no-untyped-def]
            ests = [estimate(session, src, known[src.name][0].id, day, every) for src in cfg.sources]
            hosts = {h for e in ests for h in e.per_host} | {host_name(u) for src in cfg.sources for u in src.urls}
            return len(hosts) + sum(sum(e.per_host.values()) for e in ests)  # one robots.txt per host

        every = cfg.crawl.recheck_days
        return PlanMinimum(total(today, every), total(today + timedelta(days=1), every), total(today, 1))


def _ms_per_doc(cpu: float, docs: int) -> float:
    return cpu / docs * 1000 if docs else 0.0


def print_summary(runs: list[RunStats], uw: list[UrlwatchStats], fetched: set[str], expected: set[str],
                  total: float, args: argparse.Namespace, minimum: PlanMinimum | None = None) -> None:
    cold, warm, warm_full, changed = runs
    print()
    print("=" * 100)
    print(f"RESULTS — {args.docs} documents planned; regwatch fetched {len(fetched & expected)} of them in the cold run"
          + (f" (+{len(fetched - expected)} others)" if fetched - expected else "")
          + (f"; {len(expected - fetched)} not fetched" if expected - fetched else ""))
    print(f"{'run':28s} {'docs':>6s} {'wall s':>8s} {'docs/s':>8s} {'CPU s':>7s} {'CPU ms/doc':>10s} {'peak RSS':>9s} "
          f"{'ru_maxrss':>9s}  outcomes")
    for r in runs:
        print(f"regwatch {r.label:19s} {r.docs:6d} {r.m.wall:8.1f} {r.rate:8.1f} {r.m.cpu:7.1f} "
              f"{_ms_per_doc(r.m.cpu, r.docs):10.1f} {mb(r.m.peak_rss):>9s} {mb(r.m.maxrss):>9s}  {dict(r.outcomes)}")
    for u in uw:
        print(f"urlwatch {u.label:19s} {u.docs:6d} {u.m.wall:8.1f} {u.rate:8.1f} {u.m.cpu:7.1f} "
              f"{_ms_per_doc(u.m.cpu, u.docs):10.1f} {mb(u.m.peak_rss):>9s} {mb(u.m.maxrss):>9s}  {dict(u.report)}")
    print("(CPU: the regwatch process, its children and the parse workers, user + system)")
    print()
    print(f"cold: {cold.rate:.1f} docs/s, CPU {cold.m.cpu:.1f} s = {_ms_per_doc(cold.m.cpu, cold.docs):.1f} ms per "
          f"document, parse workers included (issue 18's first measure: 23.5 ms; target: half or less)")
    speedup = cold.m.wall / warm.m.wall if warm.m.wall else 0
    per_doc = (cold.m.wall / cold.docs) / (warm.m.wall / warm.docs) if cold.docs and warm.docs else 0
    print(f"warm vs cold: {speedup:.1f}x faster for the whole run, {per_doc:.1f}x per document checked "
          f"(target >= 10x for the run) — {'met' if speedup >= 10 else 'NOT met'}")
    full_speedup = cold.m.wall / warm_full.m.wall if warm_full.m.wall else 0
    print(f"warm full cycle (recheck_days 1, every document requested conditionally) vs cold: {full_speedup:.1f}x "
          f"faster (target >= 10x) — {'met' if full_speedup >= 10 else 'NOT met'}")
    if minimum is not None:
        print(f"requests per warm cycle: {warm.requests} with the plan (recheck_days 7); the plan's minimum that day: "
              f"{minimum.today} (robots.txt per host + catalogue/feeds + documents due and not yet checked that day); "
              f"on the next day the minimum is {minimum.tomorrow} (a seventh of the documents re-checked); "
              f"recheck_days 1: {warm_full.requests} requests (its minimum {minimum.full})")
    if warm.docs < cold.docs:
        print(f"  the warm run checked {warm.docs} of the cold run's {cold.docs} documents: the request plan left the "
              f"others alone (entry unchanged, already checked that day)")
    cached = warm.outcomes.get("unchanged", 0)
    if cached:
        print(f"  {cached} warm-run documents answered 200 and were parsed again — the text hash then "
              f"short-circuited them")
    peak = max(r.m.peak_rss for r in runs)
    verdict = "met" if peak < 400 * 2**20 else "NOT met"
    print(f"peak RSS of the regwatch process tree: {mb(peak)} (target < 400 MB) — {verdict}")
    per_version = changed.db_bytes / changed.versions_total if changed.versions_total else 0
    print(f"store: {mb(changed.db_bytes)} (SQLite file + WAL) for {changed.versions_total} versions = "
          f"{per_version / 1024:.1f} KB per document version (raw bytes kept once per sha256, text, headers, indexes)")
    print(f"changes detected in the {args.changed:.0%} run: {dict(changed.changes)}")
    if uw:
        ucold, uwarm = uw
        for label, r, u, target in (("cold", cold, ucold, 1.0), ("warm, recheck_days 1 (all conditional)", warm_full,
                                                                    uwarm, 3.0)):
            ratio = r.rate / u.rate if u.rate else 0
            cpu_ratio = (r.docs / r.m.cpu) / (u.docs / u.m.cpu) if r.m.cpu and u.m.cpu else 0
            print(f"throughput regwatch/urlwatch, {label}: {ratio:.2f}x by wall clock, {cpu_ratio:.2f}x per CPU second "
                  f"(target >= {target:g}x) — {'met' if ratio >= target else 'NOT met'}")
        planned = (cold.docs / warm.m.wall) / uwarm.rate if warm.m.wall and uwarm.rate else 0
        print(f"warm with the plan: the {cold.docs} documents covered (catalogues read, unchanged entries left alone) "
              f"in {warm.m.wall:.1f} s, {planned:.1f}x urlwatch's warm rate, with {warm.requests} requests against its "
              f"{uwarm.docs}")
    print(f"machine at the end: {machine_line()}")
    print(f"total benchmark time {total:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
