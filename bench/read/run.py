"""Wall-clock time of the read commands on the demo database (not a test; prints figures).

    python bench/read/run.py                           # runs `regwatch demo --keep` into a temporary folder first
    python bench/read/run.py --demo-dir /tmp/demo      # a folder a finished `regwatch demo --keep` left

Each command is started as a fresh process (`python -m regwatch --config DIR/demo-config.yaml …`), the way a
user types it, `--repeat` times; the median and the worst are printed with the modules that matter for start-up
(a read command must import nothing of the crawler: Scrapy, Twisted, `regwatch.crawler`). The CPU time (user + system)
is printed beside the wall time: on a shared, loaded machine the wall time mostly measures the queue.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scrapy", "twisted", "regwatch.crawler", "alembic", "flask", "apscheduler")


def _regwatch(config: Path, *args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run([sys.executable, *flags, "-m", "regwatch", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, check=False)


def _commands(config: Path) -> dict[str, tuple[str, ...]]:
    rows = json.loads(_regwatch(config, "history", "--format", "json").stdout or "[]")
    changed = next((r["document_id"] for r in rows if r["kind"] == "changed"), 1)
    return {"history": ("history",), "show": ("show", str(changed)), "diff": ("diff", str(changed)),
            "sources": ("sources",), "alerts": ("alerts",)}


def _heavy_imports(config: Path, args: tuple[str, ...]) -> list[str]:
    err = _regwatch(config, *args, importtime=True).stderr
    found = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if line.startswith("import time:")}
    return sorted(m for m in found if m in HEAVY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, help="a folder kept by `regwatch demo --keep`")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regwatch-bench-") as tmp:
        folder = args.demo_dir
        if folder is None:
            folder = Path(tmp) / "demo"
            print(f"running `regwatch demo --keep {folder}` first …", flush=True)
            subprocess.run([sys.executable, "-m", "regwatch", "demo", "--keep", str(folder)], check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
        config = folder / "demo-config.yaml"
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with it; CPU time "
              f"much less)")
        print(f"{'command':10} {'wall median s':>14} {'wall worst s':>13} {'CPU median s':>13}  heavy imports")
        for name, argv in _commands(config).items():
            walls, cpus = [], []
            for _ in range(args.repeat):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                _regwatch(config, *argv)
                walls.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            heavy = ", ".join(_heavy_imports(config, argv)) or "none"
            print(f"{name:10} {statistics.median(walls):14.3f} {max(walls):13.3f} {statistics.median(cpus):13.3f}  "
                  f"{heavy}", flush=True)


if __name__ == "__main__":
    main()
