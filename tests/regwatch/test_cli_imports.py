"""Read commands load nothing of the crawler (issue 13 item 6): each runs in a fresh process, which then lists
the modules it imported. Timings are printed by bench/read/run.py, not tested."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROBE = """
import sys
from regwatch.cli import main
try:
    main(sys.argv[1:], prog_name="regwatch")
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy", "twisted") or m.startswith("regwatch.crawler"))
print("HEAVY", " ".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [("history",), ("history", "--topic", "exosomes", "--text", "stem"),
                                     ("show", "1"), ("diff", "1"), ("sources",), ("alerts",)])
def test_read_commands_import_no_crawler(tmp_path: Path, command: tuple[str, ...]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": f"sqlite:///{tmp_path / 'r.db'}"}, "sources": [
        {"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"}]}))
    done = subprocess.run([sys.executable, "-c", PROBE, "--config", str(config), *command], capture_output=True,
                          text=True, timeout=120, check=False)
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("HEAVY"))
    assert line == "HEAVY ", done.stderr


def test_a_crawl_command_does_load_it(tmp_path: Path) -> None:
    """The probe can fail: `run --help` builds the run command, whose module imports the pipeline."""
    done = subprocess.run([sys.executable, "-c", PROBE, "run", "--help"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert "scrapy" in next(ln for ln in done.stderr.splitlines() if ln.startswith("HEAVY"))
