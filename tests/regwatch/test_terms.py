"""`regwatch terms`, the definitions index behind it (recorded with each new version, backfilled for older ones)
and the definition-change alert that carries the whole sentence before and after (real SMTP, real webhook)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import yaml
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from regwatch.alerting import assess_change, make_renderer
from regwatch.alerts.channels import EmailChannel, WebhookChannel
from regwatch.cli import main
from regwatch.config import parse_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.details import DefinitionChange
from regwatch.store.models import Change, DefinitionRow, DefinitionScan, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from regwatch.terms import FIELDS
from tests.conftest import FakeClock

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "alerts/schemas/webhook.v1.json").read_text())
OLD_EN = "For the purposes of this guidance, an exosome means a vesicle that cells release."
NEW_EN = "For the purposes of this guidance, an exosome means a lipid-bound vesicle of 30 to 150 nm that cells release."
ZH_OLD = "外泌体是指细胞分泌的直径约30至150纳米的细胞外囊泡。"
ZH_NEW = "外泌体是指细胞分泌的直径约30至200纳米的细胞外囊泡。"
DOCS = {  # (source, agency, url) → texts of successive runs (None: not fetched that run)
    ("fda-guidance", "fda", "https://www.fda.gov/media/1/download"): [
        f"I. DEFINITIONS\n\n{OLD_EN}\n\nII. TESTING\n\nSponsors should test each lot.",
        f"I. DEFINITIONS\n\n{OLD_EN}\n\nII. TESTING\n\nSponsors should test each lot.",
        f"I. DEFINITIONS\n\n{NEW_EN}\n\nII. TESTING\n\nSponsors should test each lot."],
    ("nmpa-guidance", "nmpa", "https://www.nmpa.gov.cn/xxgk/1.html"): [
        f"一、术语和定义\n\n{ZH_OLD}\n\n二、要求\n\n申请人应当提交资料。",
        f"一、术语和定义\n\n{ZH_NEW}\n\n二、要求\n\n申请人应当提交资料。", None],
    ("pmda-notices", "pmda", "https://www.pmda.go.jp/files/1.pdf"): [
        "第1 目的\n\n本通知は、幹細胞を用いた製品の留意事項を示す。幹細胞とは異なり、体細胞は分化しない。", None, None],
}


def record(tmp_path: Path) -> tuple[Path, object, FakeClock]:
    db = f"sqlite:///{tmp_path / 't.db'}"
    sessions = open_store(db)
    clock = FakeClock()
    ids = {}
    with sessions.begin() as s:
        for source, agency, _ in DOCS:
            row = Source(name=source, agency=agency, baseline_done=True)
            s.add(row)
            s.flush()
            ids[source] = row.id
    for step in range(3):
        clock.advance(days=1)
        with sessions.begin() as s:
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            for (source, agency, url), texts in DOCS.items():
                if texts[step] is None:
                    continue
                s.add(SourceRun(run_id=run.id, source_id=ids[source]))
                ctx = RunContext(run.id, ids[source], source, agency, False, clock(), lambda *_: None,
                                 assess=assess_change())
                record_capture(s, ctx, Parsed(source, "k", url, fetched=Fetched(url, 200, {}, texts[step].encode()),
                                              document=Document(url=url, title=f"{agency} guidance",
                                                                text=texts[step])))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db}}))
    return config, sessions, clock


def terms(config: Path, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["--config", str(config), "terms", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_current_definition_since_and_previous_per_jurisdiction(tmp_path: Path) -> None:
    config, _, _ = record(tmp_path)
    rows = terms(config, "exosome")
    assert all(list(r) == list(FIELDS) for r in rows)
    by_agency = {r["agency"]: r for r in rows}
    assert list(by_agency) == ["fda", "ema", "pmda", "mfds", "nmpa"]  # every jurisdiction, defined or not
    us, cn = by_agency["fda"], by_agency["nmpa"]
    # the unchanged second run made no version
    assert (us["sentence"], us["previous"], us["version"]) == (NEW_EN, OLD_EN, 2)
    assert us["since"].startswith("2026-11-05") and us["section"] == "I. DEFINITIONS" and us["publisher"] == "FDA"
    assert (cn["sentence"], cn["previous"], cn["version"]) == (ZH_NEW, ZH_OLD, 2)
    assert cn["since"].startswith("2026-11-04") and cn["section"] == "一、术语和定义"
    for silent in ("ema", "pmda", "mfds"):
        assert by_agency[silent]["sentence"] is None and by_agency[silent]["document_id"] is None
    # a name of the term in another language finds it too, and --at shows the wording that stood then
    assert terms(config, "外泌体", "--agency", "nmpa") == [cn]
    then = {r["agency"]: r for r in terms(config, "exosome", "--at", "2026-11-03")}
    assert (then["fda"]["sentence"], then["fda"]["previous"]) == (OLD_EN, None)
    assert (then["nmpa"]["sentence"], then["nmpa"]["previous"]) == (ZH_OLD, None)


def test_a_term_inside_a_longer_word_and_undefined_terms_are_listed_as_such(tmp_path: Path) -> None:
    config, _, _ = record(tmp_path)
    rows = terms(config)
    stem = [r for r in rows if r["term"] == "stem cell"]
    assert len(stem) == 5 and all(r["sentence"] is None for r in stem)  # 幹細胞とは異なり… defines nothing
    table = CliRunner().invoke(main, ["--config", str(config), "terms", "stem cell"])
    assert table.exit_code == 0 and table.output.count("(no definition found)") == 5
    out = CliRunner().invoke(main, ["--config", str(config), "terms", "exosome", "--format", "csv"]).output
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert list(parsed[0]) == list(FIELDS) and parsed[0]["sentence"] == NEW_EN


def test_backfill_reads_versions_stored_before_and_new_versions_are_read_once(tmp_path: Path) -> None:
    config, sessions, _ = record(tmp_path)
    with sessions() as s:
        scanned = s.scalar(select(func.count()).select_from(DefinitionScan))
        defined = s.scalar(select(func.count()).select_from(DefinitionRow))
    assert scanned == 5 and defined == 4  # recorded with each new version; the PMDA one has none
    with sessions.begin() as s:  # as after the migration: versions without their definitions read
        s.execute(delete(DefinitionRow))
        s.execute(delete(DefinitionScan))
    assert terms(config, "exosome")[0]["previous"] == OLD_EN
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(DefinitionRow)) == defined


def test_user_mistakes_are_one_line(tmp_path: Path) -> None:
    config, _, _ = record(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(config), "terms", "nothing-like-it"])
    assert result.exit_code == 2 and result.output.startswith("regwatch: unknown term 'nothing-like-it'")
    result = CliRunner().invoke(main, ["--config", str(config), "terms", "--at", "yesterday"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    bad = tmp_path / "bad.yaml"
    for broken, message in [({"terms": {"stem cell": {"jp": ["幹細胞"]}}}, "terms.stem cell.jp: unknown key"),
                            ({"terms": {"stem cell": {}}}, "terms.stem cell: needs at least one name"),
                            ({"terms": {"stem cell": ["stem cell"]}}, "terms.stem cell: Input should be"),
                            ({"terms": {"stem cell": {"en": [""]}}}, "terms.stem cell.en[0]:")]:
        bad.write_text(yaml.safe_dump({"store": {"url": "sqlite://"}, **broken}, allow_unicode=True))
        result = CliRunner().invoke(main, ["--config", str(bad), "terms"])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and message in result.output, result.output


def test_a_definition_change_alert_carries_the_sentence_before_and_after(tmp_path: Path) -> None:
    config, sessions, _ = record(tmp_path)
    with sessions() as s:
        changes = {c.document.agency: c for c in s.scalars(select(Change).where(Change.kind == "changed"))}
        assert changes["fda"].significance == changes["fda"].details.significance == "definition"
        assert changes["fda"].details.to_json()["definition"] == {"term": "exosome", "before": OLD_EN, "after": NEW_EN}
        assert changes["nmpa"].details.definition == DefinitionChange("exosome", ZH_OLD, ZH_NEW)
        assert "definition: 'exosome': " in changes["nmpa"].summary  # the one-line summary names the term
        render = make_renderer(parse_config({}))
        item = {a: SimpleNamespace(change_id=c.id, channel="x", deadline_event_id=None) for a, c in changes.items()}
        messages = {a: render(s, i) for a, i in item.items()}
    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        for message in messages.values():
            WebhookChannel("hook", hook.url, None, timeout=5).send(message)
            EmailChannel("mail", "127.0.0.1", smtp.port, "regwatch@localhost", ["ra@localhost"], False, None, None,
                         timeout=5).send(message)
        payloads = {d.json["data"]["agency"]: d.json for d in hook.deliveries}
        mails = list(smtp.messages)
    for payload in payloads.values():
        jsonschema.validate(payload, SCHEMA)
        assert payload["data"]["diff"]  # the word diff stays beside the sentences
    assert payloads["fda"]["data"]["definition"] == {"term": "exosome", "before": OLD_EN, "after": NEW_EN}
    assert payloads["nmpa"]["data"]["definition"] == {"term": "exosome", "before": ZH_OLD, "after": ZH_NEW}
    assert payloads["nmpa"]["data"]["gloss"].startswith("外泌体 [exosome]")  # glossed for a reader of English
    assert "gloss" not in payloads["fda"]["data"]
    bodies = [m.get_body(("plain",)).get_content() for m in mails]
    fda_mail = next(b for b in bodies if OLD_EN in b)
    assert f"Before: {OLD_EN}" in fda_mail and f"After:  {NEW_EN}" in fda_mail
    html = next(m.get_body(("html",)).get_content() for m in mails if ZH_NEW in m.get_body(("html",)).get_content())
    assert ZH_OLD in html and "Definition of exosome" in html


def test_a_configured_term_inside_a_longer_defined_word_gets_no_definition(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'w.db'}"
    sessions = open_store(db)
    with sessions.begin() as s:
        src = Source(name="pmda-notices", agency="pmda", baseline_done=True)
        s.add(src)
        s.flush()
        run = Run(started_at=FakeClock()(), status="ok")
        s.add(run)
        s.flush()
        url = "https://www.pmda.go.jp/files/2.pdf"
        text = ("用語の定義\n\n「幹細胞」とは、自己複製能を有する細胞をいう。\n\n"
                "体性幹細胞とは、成体組織の幹細胞をいう。")
        ctx = RunContext(run.id, src.id, "pmda-notices", "pmda", True, FakeClock()(), lambda *_: None)
        record_capture(s, ctx, Parsed("pmda-notices", "k", url, fetched=Fetched(url, 200, {}, text.encode()),
                                      document=Document(url=url, title="通知", text=text)))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db}, "terms": {
        "cell": {"en": ["cell"], "ja": ["細胞"]}, "stem cell": {"en": ["stem cell"], "ja": ["幹細胞"]}}},
        allow_unicode=True))
    cell = {r["agency"]: r for r in terms(config, "cell")}
    assert all(r["sentence"] is None for r in cell.values())  # 細胞 sits inside 幹細胞 and 体性幹細胞: no definition
    stem = {r["agency"]: r for r in terms(config, "幹細胞")}
    assert stem["pmda"]["sentence"] == "「幹細胞」とは、自己複製能を有する細胞をいう。"
    assert stem["pmda"]["section"] == "用語の定義"
