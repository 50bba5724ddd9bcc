"""Korean and Chinese titles and diffs render as glyphs, not as empty boxes ("tofu"), in Debian's Chromium.

A font without Hangul or Han glyphs draws every such character as the same missing-glyph box. Each checked element
is compared, pixel for pixel, with a copy of itself (same place, same style) whose characters are replaced by
private-use code points, which no font has: drawn as boxes, the two look alike; drawn as glyphs, they differ.
Needs a CJK font (Debian's fonts-noto-cjk, which `.ci/run` installs)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import WebStore

HAN_OR_HANGUL = re.compile("[\u4e00-\u9fff\uac00-\ud7af]")
# Replace each Han/Hangul character by a private-use one (no font draws it: always the missing-glyph box).
_TOFU_COPY = """([selector, index]) => {
  const el = document.querySelectorAll(selector)[index];
  const copy = el.cloneNode(true);
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    walker.currentNode.nodeValue = walker.currentNode.nodeValue.replace(/[\\u4e00-\\u9fff\\uac00-\\ud7af]/g, '\\ue000');
  }
  copy.id = 'tofu-copy';
  el.after(copy);
}"""


@pytest.fixture
def page(browser: Any, live_server: str) -> Any:
    context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def _glyphs_drawn(page: Any, selector: str, index: int = 0) -> bool:
    element = page.locator(selector).nth(index)
    assert HAN_OR_HANGUL.search(element.inner_text()), f"{selector} holds no Korean or Chinese text"
    real = element.screenshot()
    page.evaluate(_TOFU_COPY, [selector, index])
    try:
        boxes = page.locator("#tofu-copy").screenshot()
    finally:
        page.evaluate("() => document.getElementById('tofu-copy').remove()")
    return real != boxes


def test_korean_title_and_diff_render_as_glyphs(page: Any, web_store: WebStore) -> None:
    doc = web_store.ids["2026-17"]
    page.goto(f"/documents/{doc}")
    assert _glyphs_drawn(page, "h1")
    page.goto(f"/documents/{doc}/diff?from=1&to=2")
    assert _glyphs_drawn(page, "div.inline.diff ins")
    assert _glyphs_drawn(page, "div.inline.diff del")


def test_chinese_title_and_diff_render_as_glyphs(page: Any, web_store: WebStore) -> None:
    doc = web_store.ids["2026-88"]
    page.goto(f"/documents/{doc}")
    assert _glyphs_drawn(page, "h1")
    page.goto(f"/documents/{doc}/diff?from=1&to=1&context=all")  # its one version: the diff view's text
    assert _glyphs_drawn(page, "div.inline.diff")


def test_the_check_sees_boxes_when_there_are_boxes(page: Any, web_store: WebStore) -> None:
    """The check can fail: a title of characters no font has is boxes either way, so it compares equal."""
    page.goto(f"/documents/{web_store.ids['2026-17']}")
    page.evaluate("() => { document.querySelector('h1').textContent = '\\ue001\\ue002\\ue003 \\u4e00'; }")
    assert _glyphs_drawn(page, "h1")  # one real Han glyph is enough to differ …
    page.evaluate("() => { document.querySelector('h1').textContent = '\\ue001\\ue002\\ue003 \\ue004'; }")
    real = page.locator("h1").screenshot()
    page.evaluate("() => { const h = document.querySelector('h1'); const c = h.cloneNode(true); "
                  "c.id = 'tofu-copy'; h.after(c); }")
    assert page.locator("#tofu-copy").screenshot() == real  # … and boxes against boxes compare equal
