"""/terms, /terms/<term> and /api/terms over a store recorded by the store's own functions: definitions in English,
Japanese, Korean and Chinese, one of them changed. Chromium renders the grid in all four scripts with real glyphs
(no tofu: every CJK character is drawn by a font that has it), and crawled markup stays text under the CSP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from regwatch.terms import FIELDS
from regwatch.web.app import CSP, WebSettings, create_app
from tests.web.conftest import WebStore

EVIL = '<script>alert("def")</script>'
TEXTS = {  # (source, agency, url) → successive texts
    ("fda-guidance", "fda", "https://www.fda.gov/media/7/download"): [
        f"I. DEFINITIONS\n\nFor the purposes of this guidance, a stem cell means a cell that renews itself {EVIL}."],
    ("ema-guidelines", "ema", "https://www.ema.europa.eu/en/x.pdf"): [
        "Definitions\n\nAn exosome means a small vesicle released by cells."],
    ("pmda-notices", "pmda", "https://www.pmda.go.jp/files/1.pdf"): [
        "用語の定義\n\n「幹細胞」とは、自己複製能と多分化能を有する細胞をいう。"],
    ("mfds-notices", "mfds", "https://www.mfds.go.kr/brd/m_1060/view.do?seq=9"): [
        "용어의 정의\n\n\"줄기세포\"란 자기복제능과 다분화능을 가진 세포를 말한다."],
    ("nmpa-notices", "nmpa", "https://www.nmpa.gov.cn/xxgk/9.html"): [
        "一、术语和定义\n\n本指导原则所称干细胞，是指具有自我更新能力的细胞。",
        "一、术语和定义\n\n本指导原则所称干细胞，是指具有自我更新和多向分化潜能的细胞。"],
}


def fill(url: str) -> None:
    sessions = open_store(url)
    with sessions.begin() as s:
        ids = {}
        for source, agency, _ in TEXTS:
            row = Source(name=source, agency=agency, baseline_done=True)
            s.add(row)
            s.flush()
            ids[source] = row.id
    now = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    for step in range(2):
        now += timedelta(days=1)
        with sessions.begin() as s:
            run = Run(started_at=now, status="ok")
            s.add(run)
            s.flush()
            for (source, agency, url), texts in TEXTS.items():
                text = texts[min(step, len(texts) - 1)]
                s.add(SourceRun(run_id=run.id, source_id=ids[source]))
                ctx = RunContext(run.id, ids[source], source, agency, False, now, lambda *_: None)
                record_capture(s, ctx, Parsed(source, "k", url, fetched=Fetched(url, 200, {}, text.encode()),
                                              document=Document(url=url, title=f"{agency} {EVIL}", text=text)))


@pytest.fixture(scope="module")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    path = tmp_path_factory.mktemp("terms")
    url = f"sqlite:///{path / 'terms.db'}"
    fill(url)
    sessions = open_store(url)
    with sessions() as s:
        ids = {src.name: src.id for src in s.scalars(select(Source))}
    return WebStore(url, sessions, ids, path)


@pytest.fixture(scope="module")
def app(web_store: WebStore) -> Flask:
    return create_app(web_store.sessions, WebSettings(refresh_every=0))


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def platform_fonts(page: Any, selector: str) -> list[list[dict[str, Any]]]:
    """For each element matching `selector`, the fonts Chromium drew its text with (CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    fonts = []
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]:
        fonts.append(cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"])
    return fonts


def test_the_grid_renders_all_four_scripts_without_tofu(page: Any) -> None:
    page.goto("/terms")
    assert page.title() == "Terms — regwatch"
    headers = page.locator("table.terms thead th").all_inner_texts()
    assert [h.split()[0] for h in headers[1:]] == ["US", "EU", "JP", "KR", "CN"]
    row = page.locator("table.terms tbody tr", has_text="stem cell").first
    cells = row.locator("td").all_inner_texts()
    assert "renews itself" in cells[0] and "no definition found" in cells[1]
    assert "「幹細胞」とは" in cells[2] and "줄기세포" in cells[3] and "多向分化潜能" in cells[4]
    assert "stem cell" in cells[2] and "[means]" in cells[3]  # the gloss beside JP/KR/CN sentences
    by_lang = {lang: platform_fonts(page, f"table.terms p.sentence[lang={lang}]") for lang in ("ja", "ko", "zh-Hans")}
    for lang, nodes in by_lang.items():
        texts = page.locator(f"table.terms p.sentence[lang={lang}]").all_inner_texts()
        assert nodes and len(nodes) == len(texts), lang
        for text, fonts in zip(texts, nodes, strict=True):
            # every kana, Han and Hangul character is drawn by a CJK font (Noto Sans CJK), not by a fallback box
            wide = len(re.findall("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text))
            cjk = sum(f["glyphCount"] for f in fonts if "CJK" in f["familyName"])
            assert wide and cjk >= wide, (lang, text, fonts)
    widths = page.evaluate("""() => [...document.querySelectorAll('p.sentence[lang]')].map(e => {
        const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(e).font;
        return [e.textContent.slice(0, 3), c.measureText(e.textContent.slice(0, 3)).width,
                c.measureText('\\u0378\\u0379\\u0380').width]; })""")
    for text, width, tofu in widths:
        assert width != tofu, text  # three unassigned code points draw three tofu boxes; real glyphs differ
    assert page.dialogs == [] and page.locator("script").count() == 0


def test_a_term_page_shows_source_link_and_earlier_wordings(page: Any) -> None:
    page.goto("/terms/干细胞")  # any name of the term reaches its page
    assert page.locator("h1").inner_text() == "stem cell"
    cn = page.locator("section.agency-col", has_text="CN")
    assert "多向分化潜能" in cn.locator("p.sentence").inner_text()
    assert cn.locator("ol.timeline li").count() == 1 and "自我更新能力的细胞" in cn.locator("ol.timeline").inner_text()
    assert cn.locator("a.url").get_attribute("href") == "https://www.nmpa.gov.cn/xxgk/9.html"
    assert page.locator("section.agency-col", has_text="EU").locator(".empty").inner_text() == "no definition found"
    assert EVIL in page.locator("section.agency-col", has_text="US").inner_text()  # shown as text, never run
    assert page.dialogs == []


def test_api_terms_serves_the_cli_objects(client: Any) -> None:
    response = client.get("/api/terms?term=stem%20cell")
    assert response.status_code == 200 and response.headers["Content-Security-Policy"] == CSP
    rows = response.get_json()
    assert [r["agency"] for r in rows] == ["fda", "ema", "pmda", "mfds", "nmpa"]
    assert all(list(r) == list(FIELDS) for r in rows)
    cn = rows[-1]
    assert cn["previous"] == "本指导原则所称干细胞，是指具有自我更新能力的细胞。" and cn["version"] == 2
    assert client.get("/api/terms?term=nothing").status_code == 400
    assert client.get("/api/terms?agency=xyz").status_code == 400
    assert client.get("/terms/nothing").status_code == 404
    html = client.get("/terms").get_data(as_text=True)
    assert EVIL not in html and "&lt;script&gt;" in html
    assert json.loads(client.get("/api/terms?agency=ema&term=exosome").get_data())[0]["sentence"].startswith("An exo")


