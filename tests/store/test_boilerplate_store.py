"""Boilerplate learned from what the store holds: a rotating box or a volatile block raises no alert, a real
change beside it does; the rules stay in the store and `regwatch boilerplate` shows them."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from regwatch.alerting import assess_change
from regwatch.cli import main
from regwatch.parsers.boilerplate import Overrides
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import BoilerplateRule, Change, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

HOST = "https://www.ema.europa.eu/en/"
HTML = {"Content-Type": "text/html; charset=UTF-8"}
NEWS = ["Latest news", "First CAR-T therapy for a rare lymphoma recommended", "Annual report on advanced therapies"]
ROTATED = ["Latest news", "Workshop on gene therapy manufacturing announced", "Annual report on advanced therapies"]
BODY = ["Sponsors should provide stability data covering at least 12 months.", "Changes are reported within 30 days."]


class Store:
    def __init__(self, db_url: str, clock: FakeClock, overrides: Overrides | None = None) -> None:
        self.sessions, self.clock, self.overrides = open_store(db_url), clock, overrides
        with self.sessions.begin() as s:
            source = Source(name="ema-guidelines", agency="ema", baseline_done=False)
            s.add(source)
            s.flush()
            self.source_id = source.id
        self.run_id, self.baseline = 0, True

    def run(self, pages: dict[str, list[str]]) -> dict[str, str]:
        with self.sessions.begin() as s:
            run = Run(started_at=self.clock(), status="running")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=self.source_id))
            self.run_id = run.id
        outcomes = {}
        for key, blocks in pages.items():
            text = "\n\n".join(blocks)
            ctx = RunContext(self.run_id, self.source_id, "ema-guidelines", "ema", self.baseline, self.clock(),
                             lambda *_: None, assess_change(), boilerplate=self.overrides)
            capture = Parsed("ema-guidelines", key, HOST + key, fetched=Fetched(HOST + key, 200, HTML, text.encode()),
                             document=Document(url=HOST + key, title=key, text=text))
            with self.sessions.begin() as s:
                outcomes[key] = record_capture(s, ctx, capture).outcome
        self.baseline = False
        self.clock.advance(days=1)
        return outcomes

    def summaries(self) -> list[str]:
        with self.sessions() as s:
            return list(s.scalars(select(Change.summary).order_by(Change.id)))


def _site(box: list[str], body: list[str] = BODY) -> dict[str, list[str]]:
    others = {f"advice-{k}": [f"Scientific advice topic {k} is explained here.", *box] for k in range(4)}
    return {**others, "cell-guideline": [*body, *box]}


def test_a_rotating_box_raises_no_alert_and_a_change_beside_it_does(db_url: str, clock: FakeClock) -> None:
    store = Store(db_url, clock)
    store.run(_site(NEWS))
    assert store.run(_site(ROTATED))["cell-guideline"] == "quiet"
    changed = ["Sponsors must provide stability data covering at least 12 months.", BODY[1]]
    assert store.run(_site(NEWS, changed))["cell-guideline"] == "changed"
    assert store.summaries() == ["EMA · cell-guideline · obligation: 'should' → 'must'"]
    with store.sessions() as s:
        kinds = {(r.kind, r.key) for r in s.scalars(select(BoilerplateRule))}
    assert ("box", "latest news") in kinds and ("chrome", "annual report on advanced therapies") in kinds


def test_a_block_changing_on_every_fetch_is_learned_from_the_versions(db_url: str, clock: FakeClock) -> None:
    store = Store(db_url, clock)
    tips = ["Featured: orphan designation explained", "Featured: how to report a side effect",
            "Featured: clinical trials in the EU", "Featured: medicine shortages"]
    outcomes = [store.run({"cell-guideline": [*BODY, tip]})["cell-guideline"] for tip in tips]
    # the first change, before three versions were seen, is announced; from the third version on it is volatile
    assert outcomes == ["stored", "changed", "quiet", "quiet"]
    with store.sessions() as s:
        rule = s.scalars(select(BoilerplateRule).where(BoilerplateRule.kind == "volatile")).one()
    assert (rule.prefix, rule.document_id is not None) == ("Featured:", True)


def test_a_source_can_switch_learning_off(db_url: str, clock: FakeClock) -> None:
    store = Store(db_url, clock, Overrides(learn=False))
    store.run(_site(NEWS))
    assert store.run(_site(ROTATED))["cell-guideline"] == "changed"


def test_the_boilerplate_command_lists_what_was_learned(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    store = Store(db_url, clock)
    store.run(_site(NEWS))
    store.run(_site(ROTATED))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db_url}, "sources": [
        {"name": "ema-guidelines", "agency": "ema", "type": "page", "url": HOST + "x",
         "boilerplate": {"boxes": ["Related information"]}}]}))
    result = CliRunner().invoke(main, ["--config", str(config), "boilerplate", "--source", "ema-guidelines"])
    assert result.exit_code == 0, result.output
    assert "www.ema.europa.eu/en" in result.output and "box" in result.output and "Latest news" in result.output
    assert "boxes=['Related information']" in result.output
    wrong = CliRunner().invoke(main, ["--config", str(config), "boilerplate", "--source", "nope"])
    assert wrong.exit_code == 2 and "no source named 'nope'" in wrong.output
