"""Extraction precision and recall of parsers.deadlines on the labelled sentences of bench/deadlines/.

    python bench/deadlines/run.py [-v]

Three sets: cases.py (the rules were tuned on it), heldout.py (written after the first round; its misses then
drove a second round of rules) and fresh.py (written after the second round, never tuned on: the figures to
quote). A found deadline counts as right when its kind and date (or its "not understood") match a labelled one;
precision = right / found, recall = right / labelled, per language and overall. -v lists every miss.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.deadlines import cases, fresh, heldout  # noqa: E402
from bench.deadlines.cases import Case  # noqa: E402
from regwatch.parsers.deadlines import from_text  # noqa: E402


def score(cases: list[Case], verbose: bool) -> tuple[int, int, int]:
    right = found_total = labelled_total = 0
    for sentence, expected in cases:
        found = Counter((f.kind, f.date.isoformat() if f.date else None) for f in from_text(sentence))
        wanted = Counter(expected)
        hits = sum((found & wanted).values())
        right, found_total, labelled_total = right + hits, found_total + sum(found.values()), \
            labelled_total + sum(wanted.values())
        if verbose and found != wanted:
            print(f"  MISS {sentence}\n       expected {sorted(wanted.elements(), key=str)}\n"
                  f"       found    {sorted(found.elements(), key=str)}")
    return right, found_total, labelled_total


def main() -> None:
    verbose = "-v" in sys.argv
    for name, sets in (("tuning set (cases.py)", cases.ALL),
                       ("first held-out set (heldout.py; its misses drove the second round of rules)", heldout.ALL),
                       ("fresh set (fresh.py; written after the second round, never tuned on)", fresh.ALL)):
        print(name)
        table(sets, verbose)
        print()


def table(sets: dict[str, list[Case]], verbose: bool) -> None:
    totals = [0, 0, 0]
    print(f"{'language':8} {'sentences':>9} {'labelled':>8} {'found':>5} {'right':>5} {'precision':>9} {'recall':>6}")
    for lang, items in sets.items():
        right, found, labelled = score(items, verbose)
        totals = [totals[0] + right, totals[1] + found, totals[2] + labelled]
        print(f"{lang:8} {len(items):>9} {labelled:>8} {found:>5} {right:>5} {right / max(found, 1):>9.3f} "
              f"{right / max(labelled, 1):>6.3f}")
    right, found, labelled = totals
    print(f"{'all':8} {sum(map(len, sets.values())):>9} {labelled:>8} {found:>5} {right:>5} "
          f"{right / max(found, 1):>9.3f} {right / max(labelled, 1):>6.3f}")


if __name__ == "__main__":
    main()
