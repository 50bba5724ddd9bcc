"""`regwatch deadlines` (formats, filters, past dates only on request, backfill, unread dates) and
`regwatch review` / `reviews` / `history --review` on a small store recorded by the store's own functions."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import delete

from regwatch.cli import main
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import Deadline, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

TEXTS = {  # each jurisdiction's own way of writing its dates (sentences written for this test)
    ("mfds-notices", "mfds", "gosi"): "행정예고 기간: 2026. 11. 20. ~ 2026. 12. 10.\n"
                                      "이 고시는 2027년 3월 1일부터 시행한다.",
    ("nmpa-cde", "nmpa", "zd"): "反馈截止日期为2026年11月28日。\n本指导原则自2027年1月1日起施行。",
    ("ema-guidelines", "ema", "gl"): "Consultation dates: 01/10/2026 to 31/10/2026\nLegal effective date: 01/06/2027",
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"store": {"url": db}, "sources": [
        {"name": name, "agency": agency, "url": f"https://example.org/{name}"} for name, agency, _ in TEXTS]}))
    sessions = open_store(db)
    clock = FakeClock(datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    for (name, agency, key), text in TEXTS.items():
        with sessions.begin() as s:
            src = Source(name=name, agency=agency, baseline_done=True)
            s.add(src)
            s.flush()
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=src.id))
            url = f"https://example.org/{key}"
            ctx = RunContext(run.id, src.id, name, agency, False, clock(), lambda *_: None)
            record_capture(s, ctx, Parsed(name, key, url, fetched=Fetched(url, 200, {}, text.encode()),
                                          document=Document(url=url, title=f"{agency} {key}", text=text)))
    return path


def cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def test_deadlines_json_fields_order_and_past_dates(config: Path) -> None:
    code, out, _ = cli(config, "deadlines", "--format", "json", "--today", "2026-11-02")
    rows = json.loads(out)
    assert code == 0 and list(rows[0]) == ["kind", "date", "agency", "publisher", "document_id", "url", "title",
                                           "evidence", "first_seen", "previous_date"]
    assert [(r["agency"], r["kind"], r["date"]) for r in rows] == [
        ("mfds", "comment_open", "2026-11-20"), ("nmpa", "comment_close", "2026-11-28"),
        ("mfds", "comment_close", "2026-12-10"), ("nmpa", "effective", "2027-01-01"),
        ("mfds", "effective", "2027-03-01"), ("ema", "effective", "2027-06-01")]
    assert rows[1]["evidence"] == "反馈截止日期为2026年11月28日。" and rows[1]["previous_date"] is None
    assert rows[0]["publisher"] == "mfds-notices"
    with_past = json.loads(cli(config, "deadlines", "--format", "json", "--today", "2026-11-02", "--past")[1])
    assert ("ema", "comment_close", "2026-10-31") in [(r["agency"], r["kind"], r["date"]) for r in with_past]
    soon = json.loads(cli(config, "deadlines", "--format", "json", "--today", "2026-11-02", "--within", "30",
                          "--agency", "nmpa")[1])
    assert [(r["kind"], r["date"]) for r in soon] == [("comment_close", "2026-11-28")]


def test_deadlines_table_csv_and_ics(config: Path) -> None:
    table = cli(config, "deadlines", "--today", "2026-11-02", "--kind", "comment_close")[1]
    assert "2026-11-28  in 26 days" in table and "2026-12-10" in table and "effective" not in table
    rows = list(csv.DictReader(io.StringIO(cli(config, "deadlines", "--format", "csv", "--today", "2026-11-02")[1])))
    assert rows[0]["kind"] == "comment_open" and rows[-1]["agency"] == "ema"
    cal = icalendar.Calendar.from_ical(cli(config, "deadlines", "--format", "ics", "--today", "2026-11-02")[1])
    assert len(cal.walk("VEVENT")) == 6


def test_backfill_rebuilds_the_deadlines_from_stored_versions(config: Path) -> None:
    sessions = open_store(yaml.safe_load(config.read_text())["store"]["url"])
    with sessions.begin() as s:
        s.execute(delete(Deadline))
    assert cli(config, "deadlines", "--format", "json", "--today", "2026-11-02")[1].strip() == "[]"
    code, out, err = cli(config, "deadlines", "--backfill", "--format", "json", "--today", "2026-11-02")
    assert code == 0 and len(json.loads(out)) == 6 and "3 document(s)" in err


def test_review_trail_exit_codes_history_filter_and_export(config: Path) -> None:
    code, out, err = cli(config, "review", "1", "--outcome", "maybe", "--by", "A. Kim")
    assert (code, err.count("\n")) == (2, 1) and "unknown outcome 'maybe'" in err
    code, out, err = cli(config, "review", "999", "--outcome", "applicable", "--by", "A. Kim")
    assert (code, err.count("\n")) == (2, 1) and "no change with id 999" in err
    code, out, err = cli(config, "review", "abc", "--outcome", "applicable", "--by", "A. Kim")
    assert (code, err.count("\n")) == (2, 1)
    history = json.loads(cli(config, "history", "--format", "json")[1])
    first, second = history[0]["id"], history[1]["id"]
    code, out, _ = cli(config, "review", str(first), "--outcome", "action-needed", "--by", "A. Kim",
                       "--note", "=update the SOP")
    assert code == 0 and f"of change {first}: action-needed by A. Kim" in out
    assert cli(config, "review", str(first), "--outcome", "applicable", "--by", "B. Lee", "--note", "done")[0] == 0
    assert json.loads(cli(config, "history", "--format", "json")[1]) == history  # JSON fields as they were
    assert [r["id"] for r in json.loads(cli(config, "history", "--format", "json", "--review", "applicable")[1])] \
        == [first]
    unreviewed = json.loads(cli(config, "history", "--format", "json", "--review", "unreviewed")[1])
    assert second in [r["id"] for r in unreviewed] and first not in [r["id"] for r in unreviewed]
    rows = list(csv.DictReader(io.StringIO(cli(config, "history", "--format", "csv")[1])))
    assert list(rows[0])[-4:] == ["review_outcome", "review_note", "reviewed_by", "reviewed_at"]
    assert list(rows[0])[:len(history[0])] == list(history[0])
    by_id = {r["id"]: r for r in rows}
    assert (by_id[str(first)]["review_outcome"], by_id[str(first)]["reviewed_by"]) == ("applicable", "B. Lee")
    assert by_id[str(second)]["review_outcome"] == ""
    export = list(csv.DictReader(io.StringIO(cli(config, "reviews", "--format", "csv")[1])))
    assert [(r["outcome"], r["reviewer"], r["note"]) for r in export] == [
        ("action-needed", "A. Kim", "'=update the SOP"), ("applicable", "B. Lee", "done")]
    assert len(export[0]["text_sha256"]) == 64 and export[0]["change_id"] == str(first)
