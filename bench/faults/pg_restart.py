"""A real PostgreSQL restart in the middle of `regwatch run` (the lead runs this once; it restarts the shared
server, so never from the test suite).

    python bench/faults/pg_restart.py [--cluster 15/main] [--after 6] [--url postgresql+psycopg://…/test]

Serves the FDA mirror on loopback, starts `regwatch run` on a fresh schema, and when the mirror has answered
`--after` requests runs `pg_ctlcluster <version> <name> restart` in a background thread (the crawl goes on
writing while the server is down). Then prints what happened: the run's exit code
and stderr, the runs recorded, the versions per document, a check that every stored fetch has its version and
blob, and a second run's result. Exit status 0 when the run completed or failed with one clean line, nothing is
half-stored and the second run succeeded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from regwatch.mirror.edits import copy_site  # noqa: E402
from regwatch.mirror.faults import LoggedRequest, RequestLog  # noqa: E402
from regwatch.mirror.server import MirrorServer  # noqa: E402
from regwatch.store.db import open_store  # noqa: E402
from regwatch.store.models import Blob, Fetch, Run, Version  # noqa: E402
from tests.e2e.conftest import set_crawl_delay, write_config  # noqa: E402
from tests.e2e.test_fda_crawl import fda_sources  # noqa: E402


class RestartingLog(RequestLog):
    """Restarts the cluster (in a thread) when the n-th request arrives."""

    def __init__(self, after: int, cluster: str) -> None:
        super().__init__()
        self.after, self.cluster = after, cluster
        self.thread = threading.Thread(target=self._restart)

    def add(self, entry: LoggedRequest) -> None:
        super().add(entry)
        if len(self.entries()) == self.after:
            self.thread.start()

    def _restart(self) -> None:
        version, name = self.cluster.split("/")
        started = time.monotonic()
        done = subprocess.run(["pg_ctlcluster", version, name, "restart"], capture_output=True, text=True)
        print(f"restarted {self.cluster} at request {self.after}: exit {done.returncode} "
              f"{done.stderr.strip()} ({time.monotonic() - started:.1f} s)", flush=True)


def first_cluster() -> str:
    line = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    version, name = line.split()[:2]
    return f"{version}/{name}"


def regwatch(config: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGWATCH_DATABASE_URL": url, "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
    return subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)


def store_report(url: str) -> tuple[list[str], dict[int, int], list[str]]:
    """(run statuses, how many documents have n versions, problems found)."""
    problems = []
    with open_store(url)() as s:
        statuses = list(s.scalars(select(Run.status).order_by(Run.id)))
        counts = s.execute(select(Version.document_id, func.count()).group_by(Version.document_id)).all()
        for run_id in s.scalars(select(Run.id)):
            stored = {f.url for f in s.scalars(select(Fetch).where(Fetch.run_id == run_id, Fetch.outcome.in_(
                ("stored", "new", "changed", "quiet"))))}
            fetched = list(s.scalars(select(Version).where(Version.run_id == run_id, Version.http_status.is_not(None))))
            if {v.url for v in fetched} != stored:
                problems.append(f"run {run_id}: fetch ledger and versions disagree")
            problems += [f"version {v.id} has no blob" for v in fetched if s.get(Blob, v.raw_sha256 or "") is None]
    histogram: dict[int, int] = {}
    for _, n in counts:
        histogram[n] = histogram.get(n, 0) + 1
    return statuses, histogram, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", help="pg_ctlcluster version/name (default: the first of pg_lsclusters)")
    parser.add_argument("--after", type=int, default=6, help="restart when the mirror answered this many requests")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--delay", type=float, default=0.3, help="robots.txt Crawl-delay of the mirror copy")
    args = parser.parse_args()
    cluster = args.cluster or first_cluster()

    import psycopg

    raw = args.url.replace("+psycopg", "")
    schema = f"bench_restart_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = f"{args.url}?options=-csearch_path%3D{schema}"
    work = Path(f"/tmp/{schema}")
    ok = False
    try:
        site = copy_site(work / "site-fda")
        set_crawl_delay(site, args.delay)
        with MirrorServer(site) as mirror:
            config = write_config(work / "config.yaml", fda_sources(mirror))
            mirror.log = restarting = RestartingLog(args.after, cluster)
            started = time.monotonic()
            first = regwatch(config, url, "run")
            if restarting.thread.ident is not None:
                restarting.thread.join()
            else:
                print(f"the run ended before request {args.after}: nothing was restarted (lower --after)")
            print(f"run 1: exit {first.returncode} after {time.monotonic() - started:.1f} s")
            print("run 1 stderr:", first.stderr.strip() or "(empty)")
            print(first.stdout)
            mirror.log = RequestLog()
            second = regwatch(config, url, "run")
            print(f"run 2: exit {second.returncode}; stderr: {second.stderr.strip() or '(empty)'}")
            print(second.stdout)
        statuses, histogram, problems = store_report(url)
        print(f"runs recorded: {statuses}")
        print(f"documents by number of versions: {histogram}")
        print(f"problems: {problems or 'none'}")
        clean_first = first.returncode == 0 or (len(first.stderr.strip().splitlines()) == 1
                                                 and "Traceback" not in first.stderr)
        ok = clean_first and second.returncode == 0 and not problems and set(histogram) == {1}
        print("RESULT:", "ok" if ok else "FAILED")
    finally:
        with psycopg.connect(raw, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
