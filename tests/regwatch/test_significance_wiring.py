"""Significance, summaries, topics and per-source ignore patterns, as the run records them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from regwatch.alerting import assess_change
from regwatch.cli import main
from regwatch.crawler.base import strip_ignored
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

TEXTS = [
    "I. DEFINITIONS\nA conditioned medium means a culture supernatant without cells.\n\nII. TESTING\n"
    "Manufacturers should test each lot.",
    "I. DEFINITIONS\nA conditioned medium means a culture supernatant without cells.\n\nII. TESTING\n"
    "Manufacturers  should test\neach lot.",  # whitespace and wrapping only
    "I. DEFINITIONS\nA conditioned medium means a culture supernatant without cells.\n\nII. TESTING\n"
    "Manufacturers must test each lot.",
    "I. DEFINITIONS\nA conditioned medium means a cell-free culture supernatant containing exosomes.\n\n"
    "II. TESTING\nManufacturers must test each lot.",
]


def record(tmp_path: Path) -> Path:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    sessions = open_store(db)
    clock = FakeClock()
    with sessions.begin() as s:
        src = Source(name="fda-guidance", agency="fda", baseline_done=True)
        s.add(src)
        s.flush()
        source_id = src.id
    url = "https://www.fda.gov/media/1/download"
    for text in TEXTS:
        clock.advance(days=1)
        with sessions.begin() as s:
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=source_id))
            ctx = RunContext(run.id, source_id, "fda-guidance", "fda", False, clock(), lambda *_: None,
                             assess=assess_change())
            record_capture(s, ctx, Parsed("fda-guidance", "cm", url, fetched=Fetched(url, 200, {}, text.encode()),
                                          document=Document(url=url, title="Conditioned Media Products", text=text)))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db}, "sources": [
        {"name": "fda-guidance", "agency": "fda", "url": "https://www.fda.gov/x"}]}))
    return config


def history(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["--config", str(config), "history", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_wording_changes_are_classified_and_whitespace_is_quiet(tmp_path: Path) -> None:
    config = record(tmp_path)
    rows = history(config)
    assert [r["kind"] for r in rows] == ["changed", "changed", "new"]  # the re-wrapped version raised nothing
    definition, obligation, new = rows
    assert definition["summary"].startswith("FDA · Conditioned Media Products · definition:")
    assert obligation["summary"] == "FDA · Conditioned Media Products · obligation: 'should' → 'must' in II. TESTING"
    assert (obligation["from_version"], obligation["to_version"]) == (2, 3)  # version 2 kept as evidence
    assert [r["kind"] for r in history(config, "--significance", "definition")] == ["changed"]
    # Topic and text are the document's (regwatch.history, as on the web): its catalogue, its changes, its text.
    everything = {r["id"] for r in rows}
    assert {r["id"] for r in history(config, "--topic", "exosomes")} == everything
    assert {r["id"] for r in history(config, "--topic", "conditioned_media")} == everything
    assert {r["id"] for r in history(config, "--text", "exosomes")} == everything  # in the current text
    assert history(config, "--text", "exosomes", "--significance", "obligation") == [obligation]
    assert history(config, "--text", "xenograft") == []


def test_ignore_patterns_remove_text_before_hashing() -> None:
    text = "Guidance text.\nPage generated 2026-11-02 06:00 (build 4411)\nMore text."
    assert strip_ignored(text, (r"^Page generated .*$",)) == "Guidance text.\n\nMore text."


def test_diff_command_shows_significance_sections_and_words(tmp_path: Path) -> None:
    config = record(tmp_path)
    doc = history(config)[0]["document_id"]
    out = CliRunner().invoke(main, ["--config", str(config), "diff", str(doc), "--from", "2", "--to", "3"]).output
    assert "significance: obligation" in out
    assert "obligation in II. TESTING: 'should' → 'must'" in out
    assert "§ II. TESTING" in out and "should-]{+must+}" in out  # version 2 also had a doubled space
    quiet = CliRunner().invoke(main, ["--config", str(config), "diff", str(doc), "--from", "1", "--to", "2"]).output
    assert "significance: none" in quiet
