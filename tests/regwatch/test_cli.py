"""The read side of the command line on a small store: history filters and formats, show, diff, sources."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from regwatch.cli import main
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ListingSeen, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import Document as DocumentRow
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture, record_listing
from tests.conftest import FakeClock

URL = "https://www.pmda.go.jp/files/000280466.pdf"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"store": {"url": db}, "sources": [
        {"name": "pmda-regenerative", "agency": "pmda", "type": "listing", "url": "https://www.pmda.go.jp/x.html"}]}))
    sessions = open_store(db)
    clock = FakeClock()
    with sessions.begin() as s:
        src = Source(name="pmda-regenerative", agency="pmda", baseline_done=True)
        s.add(src)
        s.flush()
        source_id = src.id
    texts = ["再生医療等製品の承認申請について、細胞加工物の品質を確認すること。",
             "再生医療等製品の承認申請について、細胞加工物の品質を確認しなければならない。"]
    for day, text in enumerate(texts):
        clock.now = clock.now.replace(day=2 + day)
        with sessions.begin() as s:
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=source_id))
            ctx = RunContext(run.id, source_id, "pmda-regenerative", "pmda", False, clock(), lambda *_: None)
            entry = CatalogueEntry(key="0812-30", url=URL, title="再生医療等製品の承認申請について")
            record_listing(s, ctx, ListingSeen("pmda-regenerative", Listing((entry,), complete=False),
                                               frozenset({"0812-30"})))
            record_capture(s, ctx, Parsed("pmda-regenerative", "0812-30", URL,
                                          fetched=Fetched(URL, 200, {}, text.encode()),
                                          document=Document(url=URL, title="再生医療等製品の承認申請について",
                                                            text=text)))
    return path


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_history_json_csv_table_and_filters(config: Path) -> None:
    code, out = cli(config, "history", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["kind"] for r in rows] == ["changed", "new"]  # newest first
    assert rows[0]["agency"] == "pmda" and rows[0]["detected_at"].startswith("2026-11-03")
    assert json.loads(cli(config, "history", "--format", "json", "--kind", "new")[1])[0]["to_version"] == 1
    assert json.loads(cli(config, "history", "--format", "json", "--since", "2026-11-03")[1])[0]["kind"] == "changed"
    assert json.loads(cli(config, "history", "--format", "json", "--until", "2026-11-02")[1])[0]["kind"] == "new"
    assert json.loads(cli(config, "history", "--format", "json", "--agency", "fda")[1]) == []
    assert len(json.loads(cli(config, "history", "--format", "json", "--text", "再生医療")[1])) == 2
    reader = list(csv.DictReader(io.StringIO(cli(config, "history", "--format", "csv")[1])))
    assert reader[0]["kind"] == "changed" and reader[0]["source"] == "pmda-regenerative"
    assert "再生医療等製品の承認申請について" in cli(config, "history")[1]


def test_show_and_diff_in_japanese(config: Path) -> None:
    doc = json.loads(cli(config, "history", "--format", "json")[1])[0]["document_id"]
    assert "確認すること" in cli(config, "show", str(doc), "--version", "1")[1]
    assert "確認すること" in cli(config, "show", str(doc), "--at", "2026-11-02")[1]
    assert "しなければならない" in cli(config, "show", str(doc))[1]
    code, out = cli(config, "diff", str(doc))
    assert code == 0 and "しなければならない" in out and "[-" in out


@pytest.mark.parametrize(("args", "message"), [
    (("show", "999"), "no document with id 999"),
    (("show", "1", "--version", "7"), "has no version 7"),
    (("show", "1", "--at", "2020-01-01"), "had no version yet"),
    (("show", "1", "--at", "yesterday"), "is not a date"),
    (("show", "1", "--version", "1", "--at", "2026-11-02"), "not both"),
    (("history", "--since", "11/02/2026"), "is not a date"),
])
def test_user_mistakes_are_one_line_and_exit_2(config: Path, args: tuple[str, ...], message: str) -> None:
    code, out = cli(config, *args)
    assert code == 2
    assert message in out and "Traceback" not in out


def test_sources_lists_configured_sources(config: Path) -> None:
    code, out = cli(config, "sources")
    assert code == 0 and "pmda-regenerative" in out and "PMDA" in out


def test_history_csv_cells_never_start_a_formula(config: Path) -> None:
    hostile = '=HYPERLINK("http://evil.example/","click")'
    db = yaml.safe_load(config.read_text())["store"]["url"]
    with open_store(db).begin() as s:
        for doc in s.scalars(select(DocumentRow)):
            doc.title = hostile
    assert json.loads(cli(config, "history", "--format", "json")[1])[0]["title"] == hostile  # JSON: exact value
    rows = list(csv.DictReader(io.StringIO(cli(config, "history", "--format", "csv")[1])))
    assert rows and all(r["title"] == "'" + hostile for r in rows)  # CSV: shown as text by a spreadsheet


@pytest.mark.parametrize(("args", "known"), [
    (("history", "--agency", "xx"), "fda, ema, pmda, mfds, nmpa"),
    (("history", "--topic", "nonsense"), "exosomes"),
    (("history", "--significance", "huge"), "definition, obligation"),
])
def test_unknown_filter_values_exit_2_in_one_line_listing_the_known_ones(config: Path, args: tuple[str, ...],
                                                                        known: str) -> None:
    code, out = cli(config, *args)
    assert code == 2 and len(out.strip().splitlines()) == 1
    assert f"unknown {args[1].lstrip('-')} {args[2]!r}" in out and known in out


def test_agency_any_case_and_an_empty_csv_has_its_full_header(config: Path) -> None:
    assert cli(config, "history", "--agency", "PMDA")[0] == 0
    assert [r["agency"] for r in json.loads(cli(config, "history", "--agency", "PmDa", "--format", "json")[1])] == [
        "pmda", "pmda"]
    header = cli(config, "history", "--agency", "fda", "--format", "csv")[1].strip()
    assert header.split(",")[:11] == ["id", "detected_at", "agency", "source", "document_id", "url", "title", "kind",
                                      "from_version", "to_version", "summary"]
    assert {"publisher", "sources"} <= set(header.split(","))


def test_history_table_labels_ids_cuts_titles_with_an_ellipsis_and_keeps_columns_aligned() -> None:
    from regwatch.cli.history import history_table

    base = {"detected_at": "2026-11-03T06:00:00Z", "kind": "changed", "summary": "s", "agency": "fda"}
    rows = [{**base, "id": 7, "document_id": 3, "title": "Short"},
            {**base, "id": 12345, "document_id": 987654, "agency": "pmda", "title": "T" * 100}]
    lines = history_table(rows).splitlines()
    assert lines[0].lstrip().startswith("change 7") and "doc 3 " in lines[0]
    assert lines[2].startswith("change 12345") and "doc 987654" in lines[2]
    assert lines[0].index("Short") == lines[2].index("TTT")  # the title column lines up
    assert lines[2].endswith("…") and len(lines[2].split("  ")[-1]) == 70


def test_show_and_diff_headers_say_document(config: Path) -> None:
    doc = json.loads(cli(config, "history", "--format", "json")[1])[0]["document_id"]
    assert cli(config, "show", str(doc))[1].startswith(f"# document {doc}:")
    assert cli(config, "diff", str(doc))[1].startswith(f"--- document {doc} version 1")
