"""Soak the SIGKILL fault test: many seeds, in scenarios of `--batch` seeds each, and print what happened.

    python bench/faults/kill_soak.py --seeds 200 --db sqlite
    python bench/faults/kill_soak.py --seeds 50 --db postgresql   # needs PostgreSQL on 127.0.0.1:5432, db `test`

Each scenario is `tests.faults.killing.Scenario` (baseline → demo edits → confirmed removal on a copy of the FDA
mirror) with its seeds' kills; all are compared with one uninterrupted reference on the same kind of database.
Prints kills done, kills per phase, store checks run and failed, duplicate alerts (acknowledged before the kill or
in flight at it), lost and extra changes and versions, runs that could not complete. Never fails on a number; the
exit status is 1 when any problem was found, so it can gate a long CI job.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import fresh_pg_schema  # noqa: E402
from tests.faults.killing import KillPlan, Launcher, Outcome, Scenario, compare  # noqa: E402

PG_URL = os.environ.get("REGWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def database(kind: str, work: Path) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL schema, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'regwatch.db'}"
        return
    with fresh_pg_schema(PG_URL, "soak") as url:
        yield url


def scenario(launcher: Launcher, kind: str, work: Path, plans: list[KillPlan], reference: Outcome | None,
             quiet: bool) -> Outcome:
    with database(kind, work) as url, Scenario(work, url, launcher, say=(lambda _: None) if quiet else print) as sc:
        return sc.run(plans, reference.windows() if reference else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--batch", type=int, default=20, help="seeds per scenario")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quiet", action="store_true", help="do not print every attempt")
    args = parser.parse_args()
    started = time.monotonic()
    kills: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    missed = checks = completions = 0
    problems: list[str] = []
    lost = Counter[str]()
    with tempfile.TemporaryDirectory(prefix="kill-soak-") as tmp, Launcher() as launcher:
        reference = scenario(launcher, args.db, Path(tmp) / "reference", [], None, True)
        if reference.problems:
            print("the uninterrupted reference itself failed:", *reference.problems, sep="\n  ")
            return 1
        seeds = list(range(args.first, args.first + args.seeds))
        for n, start in enumerate(range(0, len(seeds), args.batch)):
            batch = seeds[start:start + args.batch]
            outcome = scenario(launcher, args.db, Path(tmp) / f"s{n}", [KillPlan.of(s) for s in batch], reference,
                               args.quiet)
            found = outcome.problems + compare(outcome, reference)
            problems += [f"seeds {batch[0]}–{batch[-1]}: {p}" for p in found]
            kills.update(a.phase for a in outcome.kills)
            missed += sum(1 for a in outcome.attempts if a.plan and not a.killed)
            completions += sum(1 for a in outcome.attempts if not a.killed and a.code == 0)
            checks += len(outcome.attempts)
            duplicates.update(d.when for d in outcome.duplicates)
            for name in ("changes", "versions"):
                mine, theirs = getattr(outcome.picture, name), getattr(reference.picture, name)
                lost[f"lost {name}"] += sum((theirs - mine).values())
                lost[f"extra {name}"] += sum((mine - theirs).values())
            print(f"seeds {batch[0]}–{batch[-1]}: {len(outcome.kills)} kills, {len(found)} problem(s), "
                  f"{time.monotonic() - started:.0f} s so far", flush=True)
    print(f"\n{args.db}: {args.seeds} seeds in {time.monotonic() - started:.0f} s")
    print(f"kills done: {sum(kills.values())} (seeds whose run ended before the kill point: {missed})")
    print("kills per phase: " + ", ".join(f"{p} {kills[p]}" for p in
                                          ("startup", "migrate", "crawl", "store", "finish", "delivery")))
    print(f"store checks (integrity, foreign keys, orphans, blob hashes, versions) after {checks} runs: "
          f"{sum(1 for p in problems if 'attempt' in p)} failed")
    print(f"runs that completed: {completions}; runs that could not complete after a kill: "
          f"{sum(1 for p in problems if 'did not complete' in p)}")
    print(f"duplicate alerts: {sum(duplicates.values())} ({dict(duplicates)}) for {sum(kills.values())} kills")
    print(", ".join(f"{k}: {v}" for k, v in sorted(lost.items())))
    for p in problems[:30]:
        print("  !", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
