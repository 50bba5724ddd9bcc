"""`regwatch demo` runs from any folder with its packaged configuration, gives one alert per scripted edit, and
ends with the exact commands that explore what it kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from regwatch.demo import DEMO_CONFIG
from regwatch.mirror.agencies import origins

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REGWATCH_CONFIG"}
    return env | {"PYTHONPATH": str(ROOT)}


def test_the_packaged_demo_config_watches_the_mirrored_sources_of_config_yaml() -> None:
    shipped = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))["sources"]
    documented = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["sources"]
    mirrored = [s for s in documented
                if all(any(u.startswith(o + "/") for o in origins()) for u in ([s["url"]] if s.get("url") else
                                                                                 s.get("start_urls", [])))]
    assert shipped == mirrored  # config.yaml changed? regenerate regwatch/demo_config.yaml from it


def test_demo_from_another_folder_gives_one_alert_per_scripted_edit(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()  # no config.yaml here: the demo must not need one
    kept = tmp_path / "kept"
    run = subprocess.run([sys.executable, "-m", "regwatch", "demo", "--keep", str(kept)], cwd=elsewhere,
                         env=_env(), capture_output=True, text=True, timeout=280, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    found = re.search(r"(\d+) scripted edits that matter .* gave (\d+) alerts .* and (\d+) deadline reminder\(s\): "
                      r"(\d+) emails and (\d+) webhooks", out)
    assert found, out[-2000:]
    edits, alerts, reminders, emails, hooks = map(int, found.groups())
    assert edits >= 10 and alerts == edits  # one alert per scripted edit …
    assert reminders == 1 and emails == hooks == edits + reminders  # … and the one reminder the dates make due
    assert "== One email as received" in out and '"type": "change.detected"' in out
    subjects = re.findall(r"email   to \S+: (.+)", out)
    assert len(subjects) == len(set(subjects)), subjects  # no two alerts alike
    assert "Guidance for Industry and Food and Drug Administration Staff ·" not in out
    assert "Minimal Manipulation and Homologous Use · obligation" in out
    assert "in 4.1 Starting and raw materials" in out and "in 4.4" not in out
    commands = re.findall(r"^     (regwatch --config .+?)(?:\s+#.*)?$", out, re.M)
    assert [c.split()[3] for c in commands] == ["history", "diff", "alerts", "serve"]
    for command in commands[:2]:  # the printed commands work, from yet another folder
        argv = command.split()[1:]
        done = subprocess.run([sys.executable, "-m", "regwatch", *argv], cwd=tmp_path, env=_env(),
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0 and done.stdout.strip(), done.stderr
