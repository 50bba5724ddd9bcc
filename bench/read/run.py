"""Wall-clock time of the read commands on the demo database (not a test; prints figures).

    python bench/read/run.py                           # runs `regwatch demo --keep` into a temporary folder first
    python bench/read/run.py --demo-dir /tmp/demo      # a folder a finished `regwatch demo --keep` left

Each command is started as a fresh process (`python -m regwatch --config DIR/demo-config.yaml …`), the way a
user types it, `--repeat` times; the median and the worst are printed with the modules that matter for start-up
(a read command must import nothing of the crawler: Scrapy, Twisted, `crawler`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scrapy", "twisted", "crawler", "alembic", "flask", "apscheduler")


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
        print(f"{'command':10} {'median s':>9} {'worst s':>9}  heavy imports")
        for name, argv in _commands(config).items():
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                _regwatch(config, *argv)
                times.append(time.perf_counter() - start)
            heavy = ", ".join(_heavy_imports(config, argv)) or "none"
            print(f"{name:10} {statistics.median(times):9.3f} {max(times):9.3f}  {heavy}", flush=True)


if __name__ == "__main__":
    main()
