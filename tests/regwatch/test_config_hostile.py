"""Issue #12: a configuration file cannot make loading crash or hang. Each hostile file gives one line naming the
problem (exit status 2 from the command line), never a traceback, and loading ends within 2 s (a hang guard)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from regwatch.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
GOOD = "sources:\n  - name: fda-x\n    agency: fda\n    url: https://www.fda.gov/x\n"


def refused(path: Path) -> str:
    """load_config's one-line refusal of `path`, which must come within 2 s."""
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_config(path, env={})
        except BaseException as exc:  # noqa: BLE001 — anything but ConfigError is a failure below
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(2.0)
    assert outcome, f"loading {path.name} did not end within 2 s"
    error = outcome[0]
    assert isinstance(error, ConfigError), f"{path.name}: {error!r}"
    message = str(error)
    assert "\n" not in message
    return message


def test_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("sources: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested more than 50 levels deep" in refused(path)


def test_a_huge_integer(tmp_path: Path) -> None:
    path = tmp_path / "int.yaml"
    path.write_text("crawl:\n  retries: " + "9" * 5000 + "\n")
    assert "line 2: a number of 5000 digits is too large" in refused(path)


def test_a_symlink_to_dev_zero(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    assert "is a device, not a regular file" in refused(path)


def test_a_fifo(tmp_path: Path) -> None:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    assert "is a FIFO, not a regular file" in refused(path)


def test_a_directory(tmp_path: Path) -> None:
    assert "is a directory, not a regular file" in refused(tmp_path)


def test_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * (2 * 1024 * 1024) + "\n")
    assert "larger than 1024 KB" in refused(path)


def test_duplicate_keys_are_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("crawl:\n  delay: 1\n  timeout: 5\n  delay: 30\n" + GOOD)
    assert refused(path).endswith("line 4: duplicate key 'delay'")


def test_an_alias_bomb(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert "more than 100 aliases" in refused(path)


def test_a_malformed_css_selector_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "css.yaml"
    path.write_text(GOOD + "    selector: 'main >> p[class='\n")
    message = refused(path)
    assert "sources[0](fda-x).selector" in message and "invalid CSS selector" in message


def test_a_good_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("defaults: &d {agency: fda}\n" + GOOD + "    selector: main article p\n")
    with pytest.raises(ConfigError, match="defaults: unknown key"):  # an anchor block still has to be a key
        load_config(path, env={})
    path.write_text(GOOD + "    selector: main article p\n")
    assert load_config(path, env={}).sources[0].selector == "main article p"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "deep"])
def test_the_command_line_says_one_line_and_exits_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "config.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.write_text("a: " + "[" * 100_000 + "\n")
    done = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(path), "sources"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("regwatch: ") and done.stderr.count("\n") == 1, done.stderr
