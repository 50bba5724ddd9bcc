"""The demo config's daily cycle at the real sites' pace: requests per host and the time their Crawl-delays imply,
before the request plan (`crawl.recheck_days: 1`, every watched document every day) and after it (the default, 7).

    python bench/perf/demo_cycle.py

The shipped `config.yaml`'s mirrored sources run against the offline mirrors on loopback (as `regwatch demo` points
them): a baseline cycle, then a daily cycle with nothing changed, with `recheck_days: 1` ("before"), then one with
the default plan ("after", measured today), and the plan's estimate for each of the next days (the model `regwatch
sources` prints). Requests are counted by the mirror servers. Durations: requests × the host's delay — fda.gov's
robots.txt asks for 30 s (/work/shared/sources/fda-ema.md); elsewhere the config's `crawl.delay` (2 s), as no
Crawl-delay is known. Hosts are crawled in parallel, so a cycle lasts as long as its slowest host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from regwatch.demo import demo_settings  # noqa: E402
from regwatch.mirror.agencies import copy_sites, origins  # noqa: E402
from regwatch.mirror.server import MirrorServer  # noqa: E402

REAL_CRAWL_DELAY = {"www.fda.gov": 30.0}  # robots.txt Crawl-delay of the real hosts, where one is known


def _fast_robots(site: Path) -> None:
    robots = site / "robots.txt"
    if robots.exists():
        lines = robots.read_text(encoding="utf-8").splitlines()
        robots.write_text("\n".join("Crawl-delay: 0.01" if ln.startswith("Crawl-delay") else ln for ln in lines) + "\n",
                          encoding="utf-8")


def _run(config: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGWATCH_DATABASE_URL": f"sqlite:///{db}", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "run"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _line(label: str, per_host: Counter[str], delay: float) -> str:
    total = sum(per_host.values())
    times = {h: n * REAL_CRAWL_DELAY.get(h, delay) for h, n in per_host.items()}
    slowest = max(times, key=lambda h: times[h]) if times else "-"
    hosts = ", ".join(f"{h} {n}" for h, n in per_host.most_common())
    return (f"{label}: {total} requests ({hosts}); at the real pace {_duration(max(times.values(), default=0))} "
            f"(slowest host {slowest}: {per_host.get(slowest, 0)} × {REAL_CRAWL_DELAY.get(slowest, delay):g} s), "
            f"{_duration(sum(times.values()))} of spacing over all hosts")


def main() -> int:
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    delay = float(raw.get("crawl", {}).get("delay", 2.0))
    with tempfile.TemporaryDirectory(prefix="regwatch-demo-cycle-") as tmp:
        work = Path(tmp)
        sites = copy_sites(work)
        for site in sites.values():
            _fast_robots(site)
        servers = {name: MirrorServer(path).start() for name, path in sites.items()}
        try:
            bases = {origin: servers[name].base_url for origin, name in origins().items()}
            host_of = {urlsplit(base).port: urlsplit(origin).hostname for origin, base in bases.items()}
            settings = demo_settings(raw, work, bases, 1, "http://127.0.0.1:1/")
            settings["alerts"] = {"channels": []}
            db = work / "demo.db"

            def cycle(every: int, label: str) -> Counter[str]:
                settings["crawl"]["recheck_days"] = every
                config = work / f"config-{every}.yaml"
                config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
                for server in servers.values():
                    server.log.clear()
                done = _run(config, db)
                if done.returncode not in (0, 1):
                    print(done.stdout[-2000:], done.stderr[-2000:])
                counts: Counter[str] = Counter()
                for server in servers.values():
                    counts[host_of.get(server.port, f"port {server.port}")] += len(server.log.entries())
                print(f"  {label}: exit {done.returncode}, {sum(counts.values())} requests", flush=True)
                return counts

            print(f"demo config: {len(settings['sources'])} mirrored sources of config.yaml")
            cycle(1, "baseline cycle")
            before = cycle(1, "daily cycle, recheck_days 1")
            after = cycle(7, "daily cycle, recheck_days 7 (today)")
            week = _estimates(work / "config-7.yaml", db, 7, host_of)
        finally:
            for server in servers.values():
                server.stop()
    print()
    print(_line("demo daily cycle BEFORE the plan (recheck_days 1)", before, delay))
    print(_line("demo daily cycle AFTER the plan, measured today (recheck_days 7)", after, delay))
    per_day = [sum(c.values()) for c in week]
    fda = [c.get("www.fda.gov", 0) for c in week]
    print(f"the plan's estimate for the next {len(week)} days (entries unchanged; `regwatch sources`' model, "
          f"mirror ports mapped to their real hosts): {per_day} requests a day, mean {sum(per_day) / len(week):.1f}; "
          f"www.fda.gov {fda}, mean {sum(fda) / len(week):.1f} → mean "
          f"{_duration(sum(fda) / len(week) * REAL_CRAWL_DELAY['www.fda.gov'])} a day at 30 s")
    return 0


def _estimates(config: Path, db: Path, days: int, real: dict[int | None, str | None]) -> list[Counter[str]]:
    """Requests per real host on each of the next `days` daily cycles if no entry changes: `regwatch.plan.estimate`
    applied day after day to the store as the last cycle left it, each day's checks remembered for the next."""
    from regwatch.config import load_config
    from regwatch.parsers.urls import host_name
    from regwatch.plan import Checked, checks, estimate
    from regwatch.store.db import open_store
    from regwatch.store.queries import source_status

    cfg = load_config(config, env={"REGWATCH_DATABASE_URL": f"sqlite:///{db}"})
    every = cfg.crawl.recheck_days
    today = datetime.now(UTC).date()

    def real_host(host: str) -> str:
        return real.get(int(host.rsplit(":", 1)[1]) if ":" in host else None) or host

    out = []
    with open_store(cfg.store.url)() as session:
        known = source_status(session)
        ids = {src.name: known[src.name][0].id if src.name in known else None for src in cfg.sources}
        state = {name: checks(session, source_id) for name, source_id in ids.items() if source_id is not None}
        for n in range(1, days + 1):
            day = today + timedelta(days=n)
            counts: Counter[str] = Counter()
            for src in cfg.sources:
                est = estimate(session, src, ids[src.name], day, every, state.get(src.name))
                counts.update({real_host(h): k for h, k in est.per_host.items()})
                for key, stamp in est.planned.items():
                    state.setdefault(src.name, {})[key] = Checked(stamp=stamp or "", on=day)
            hosts = set(counts) | {real_host(host_name(u)) for src in cfg.sources for u in src.urls}
            out.append(counts + Counter(dict.fromkeys(hosts, 1)))  # one robots.txt per host
    return out


if __name__ == "__main__":
    sys.exit(main())
