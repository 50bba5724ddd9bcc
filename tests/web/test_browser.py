"""A real headless Chromium (Debian's) drives the served app: filter the list, open a document, view a diff,
follow the feed link; crawled script payloads stay text (no dialog, no script element, no handler).

Set REGWATCH_SCREENSHOTS=DIR to save screenshots of the change list and the diff views there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from tests.web.conftest import WebStore
from tests.web.storefill import XSS_TITLE

SHOTS = os.environ.get("REGWATCH_SCREENSHOTS")


@pytest.fixture
def page(browser: Any, live_server: str) -> Any:
    context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_filter_open_diff_and_feed(page: Any, live_server: str) -> None:
    page.goto("/")
    assert page.title() == "Changes — regwatch"
    assert page.locator("table.changes tbody tr").count() == 4  # the first page
    shot(page, "changes.png")
    page.select_option("select[name=agency]", "pmda")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?agency=pmda*")
    assert set(page.locator("table.changes .agency").all_inner_texts()) == {"PMDA"}
    page.fill("input[name=text]", "幹細胞")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**text=*")
    assert page.locator("table.changes tbody tr").count() == 2
    page.locator("a.doc").first.click()
    page.wait_for_url("**/documents/*")
    assert page.locator("h1").inner_text() == "再生医療等製品の承認申請について"
    assert page.locator("ol.timeline li").count() == 2
    page.fill("input[name=at]", "2026-11-02")
    page.click("form.asof button")
    assert "確認すること" in page.locator("pre.text").inner_text()
    page.go_back()
    page.select_option("form.compare select[name=view]", "side")
    page.click("form.compare button")
    page.wait_for_url("**/diff?*")
    assert page.locator("table.side ins").first.inner_text() == "しなければならない"
    assert page.locator("table.side del").first.inner_text() == "すること"
    shot(page, "diff-side-by-side.png")
    page.click("text=Inline")
    assert page.locator(".inline.diff ins").first.inner_text() == "しなければならない"
    shot(page, "diff-inline.png")
    page.goto("/?agency=mfds")
    href = page.locator("#feed-link").get_attribute("href")
    feed = page.request.get(href)  # following the link, as a feed reader would
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = fromstring(feed.body()).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2 and all("[MFDS]" in e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries)
    assert page.dialogs == [] and page.errors == []


def test_script_payloads_from_a_crawled_page_stay_text(page: Any, web_store: WebStore) -> None:
    doc = web_store.ids["evil"]
    for url in ["/?text=script", f"/documents/{doc}", f"/documents/{doc}/diff?from=1&to=2",
                f"/documents/{doc}/diff?from=1&to=2&view=side", "/feed.atom"]:
        page.goto(url)
        assert page.locator("script").count() == 0, url
        assert page.locator("img").count() == 0, url
        assert page.evaluate("[...document.querySelectorAll('*')].filter(e => e.getAttribute('onerror')).length") \
            == 0, url
    page.goto(f"/documents/{doc}")
    assert page.locator("h1").inner_text() == XSS_TITLE  # shown as the text it is
    assert 'alert("text")' in page.locator("pre.text").inner_text()
    page.goto("/?text=script")
    assert page.locator("a.doc").first.inner_text() == XSS_TITLE
    assert page.dialogs == [] and page.errors == []
