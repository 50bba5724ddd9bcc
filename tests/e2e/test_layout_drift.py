"""A redesign between runs on the FDA mirror: one "layout changed" notice and alert, no wording alert; the generic
extractor's first version is the new baseline, so a real wording change on the next run is caught."""

from __future__ import annotations

from pathlib import Path

import yaml

from regwatch.mirror.server import MirrorServer
from regwatch.receivers import WebhookReceiver
from tests.e2e.conftest import Regwatch, write_config

MINIMAL = "regulatory-considerations-human-cells-tissues-and-cellular-and-tissue-based-products-minimal"
PAGE = Path("regulatory-information/search-fda-guidance-documents") / MINIMAL / "index.html"
CATALOGUE = "/files/api/datatables/static/search-for-guidance.json"
SENTENCE = "have drawn close attention from industry"


def _types(hook: WebhookReceiver) -> list[str]:
    return [d.json["type"] for d in hook.unique]


def test_redesign_is_one_layout_notice_then_wording_changes_are_caught(
        tmp_path: Path, fda_site: Path, fda_mirror: MirrorServer, hook: WebhookReceiver) -> None:
    sources = [{"name": "fda-guidance", "agency": "fda", "type": "catalogue",
                "start_urls": [fda_mirror.url(CATALOGUE)], "watch": {"slugs": [MINIMAL]}}]
    config = write_config(tmp_path / "config.yaml", sources, hook=hook)
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))  # routed through a subscription: a layout notice has
    raw["alerts"]["subscriptions"] = [{"channel": "hook", "agencies": ["fda"]}]  # no significance of its own
    config.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    regwatch = Regwatch(config, f"sqlite:///{tmp_path / 'regwatch.db'}")
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr

    page = fda_site / PAGE
    html = page.read_text(encoding="utf-8")
    redesigned = (html.replace('<h1 class="content-title text-center">', '<h1 class="page-heading">')
                  .replace('<div role="main">', '<div class="page-body">'))
    assert redesigned != html and SENTENCE in redesigned
    page.write_text(redesigned, encoding="utf-8")
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("layout changed") == 1, second.stdout
    assert _types(hook) == ["source.layout_changed"]  # one notice, no wording alert
    notice = hook.unique[0].json["data"]
    assert notice["kind"] == "layout_changed" and notice["diff"] is None and MINIMAL in notice["url"]
    assert [c["kind"] for c in regwatch.history()] == ["layout_changed"]

    quiet = regwatch("run")  # the same redesigned page again: nothing to say
    assert quiet.returncode == 0 and "layout changed" not in quiet.stdout
    assert _types(hook) == ["source.layout_changed"]

    page.write_text(redesigned.replace(SENTENCE, "bind every manufacturer from now on"), encoding="utf-8")
    third = regwatch("run")
    assert third.returncode == 0, third.stdout + third.stderr
    assert _types(hook) == ["source.layout_changed", "change.detected"]
    change = hook.unique[1].json["data"]
    assert change["kind"] == "changed" and MINIMAL in change["url"]
    assert any("bind every manufacturer" in op["new"] for op in change["diff"])
    assert "layout changed" not in third.stdout
