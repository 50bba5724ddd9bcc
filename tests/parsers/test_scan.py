"""parsers.formats.scan gives exactly soupsieve's and Beautiful Soup's answers; drop_phrases' pre-search is sound."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regwatch.parsers import ema, fda
from regwatch.parsers.formats.html import _NOISE_SELECTORS, _NOISE_TAGS, _pieces, drop_noise
from regwatch.parsers.formats.html import NOISE_PHRASES as PHRASES
from regwatch.parsers.formats.scan import _screen, named, select
from regwatch.parsers.types import ParseError

PAGE = """<html><head><title>t</title></head><body>
<div class="Share-Bar cookie-notice" id="top"><p class="share">a</p><span aria-hidden="true">b</span></div>
<DIV CLASS="SR-ONLY">c</DIV><a href="#main-content">skip</a><a href="/x#main-content">x</a>
<section role="Dialog">d</section><section role="dialog"><p hidden>e</p></section>
<template><p class="share">in a template</p></template>
<div><h2 class="lcds-description-list__item-heading">h</h2><div class="field--label">l</div></div>
<main id="main-content"><article role="main"><p class="breadcrumbs x">p</p></article></main>
<svg><title>icon</title><rect class="share"/></svg><header><h1>t</h1><footer>f</footer></header>
</body></html>"""
GROUPS = [
    _NOISE_SELECTORS,
    ("main", "#main-content", "[role=main]", "article", "body"),
    ("div:has(> h2.lcds-description-list__item-heading)",),
    ("div.field--label", "a[href='#main-content']", '[role="dialog"]', "p[hidden]", "[class~=share]", "[class|=Share]"),
    ("li:first-child",), ("div p",), ("[role=Dialog i]",), ("SECTION",), ("rect.share",), ("[id^=main]", "[id$=top]"),
]


def _ids(tags: list) -> list[int]:  # type: ignore[type-arg]
    return [id(tag) for tag in tags]  # the elements themselves (Tag == Tag compares their markup)


@pytest.mark.parametrize("selectors", GROUPS)
@pytest.mark.parametrize("without_templates", [False, True])
def test_select_is_soupsieves_select(selectors: tuple[str, ...], without_templates: bool) -> None:
    soup = BeautifulSoup(PAGE, "lxml")
    if without_templates:  # the quick walk (a template anywhere sends the whole walk to soupsieve)
        for template in soup.find_all("template"):
            template.decompose()
    for root in (soup, soup.body, soup.main):
        assert _ids(select(root, selectors)) == _ids(root.select(", ".join(selectors)))


def test_select_raises_parse_error_for_a_malformed_selector() -> None:
    soup = BeautifulSoup(PAGE, "lxml")
    with pytest.raises(ParseError, match="invalid CSS selector"):
        select(soup, (".share", "div[class="))
    with pytest.raises(ParseError, match="invalid CSS selector"):
        select(soup, (".1x",))


def test_only_single_compounds_are_screened() -> None:
    assert _screen(("div p",)) is None and _screen(("li:first-child",)) is None and _screen(("*",)) is None
    assert _screen(("div:has(> h2) :is(p)",)) is None
    screen = _screen(("div:has(> h2.x)", "a[href='#m']", "[hidden]"))
    assert screen is not None and screen.tags == {"div"} and set(screen.attributes) == {"href", "hidden"}


def test_named_is_find_all() -> None:
    soup = BeautifulSoup(PAGE, "lxml")
    for names in (_NOISE_TAGS, ("header", "footer"), ("title",), ("rect", "svg")):
        assert _ids(named(soup, names)) == _ids(soup.find_all(list(names)))


_WORDS = st.sampled_from(["share", "Share", "sr-only", "cookie", "main-content", "main", "dialog", "x", "", "true"])
_ELEMENT = st.tuples(st.sampled_from(["div", "p", "a", "DIV", "span"]),
                     st.dictionaries(st.sampled_from(["class", "id", "role", "hidden", "aria-hidden", "href", "ID"]),
                                     st.lists(_WORDS, max_size=3).map(" ".join), max_size=3))


def _markup(elements: list[tuple[str, dict[str, str]]]) -> str:
    out = []
    for depth, (name, attrs) in enumerate(elements):
        out.append(f"<{name} " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + f">t{depth}")
    return "<html><body>" + "".join(out) + "".join(f"</{name}>" for name, _ in reversed(elements)) + "</body></html>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ELEMENT, min_size=1, max_size=8), st.sampled_from(GROUPS))
def test_select_agrees_on_generated_pages(elements: list[tuple[str, dict[str, str]]], selectors: tuple[str, ...]) \
        -> None:
    soup = BeautifulSoup(_markup(elements), "lxml")
    assert _ids(select(soup, selectors)) == _ids(soup.select(", ".join(selectors)))


@pytest.mark.parametrize("pattern", [PHRASES, ema._PHRASES, ema._DROPPED, fda._SITE_NOTICE])
@given(text=st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz .?,ſK")), max_size=40))
def test_every_match_holds_a_piece(pattern: re.Pattern[str], text: str) -> None:
    pieces = _pieces(pattern)
    assert pieces is not None
    for sample in (text, f"{text}Website will be unavailable due to scheduled maintenance{text}",
                   f"{text}how useful was this page?{text}", f"{text}SHARE THIS PAGE", "Related Content"):
        if pattern.search(sample):
            assert pieces.search(sample)


def test_patterns_without_a_piece_in_every_alternative_are_searched_whole() -> None:
    assert _pieces(re.compile(r"a|\d+")) is None
    assert _pieces(re.compile(r"(ab|cd)")) is None
    assert _pieces(re.compile(r"(?:ab|cd)")).pattern == "ab|cd"  # type: ignore[union-attr]
    assert _pieces(re.compile(r"x+yz|ab.c")).pattern == "yz|ab"  # type: ignore[union-attr]


def test_drop_noise_decides_as_tag_decomposed_does() -> None:
    """`Tag.decomposed` is true for an element holding a tag named "_decomposed": such an element stays."""
    soup = BeautifulSoup("<main><nav><b>menu</b></nav><nav>other</nav><p>text</p></main>", "lxml")
    soup.nav.b.append(soup.new_tag("_decomposed"))  # lxml never builds one: only a tree made by hand has it
    drop_noise(soup.main)
    assert [tag.name for tag in soup.main.find_all(True)] == ["nav", "b", "_decomposed", "p"]
