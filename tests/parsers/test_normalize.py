"""normalize_text: the canonical text that is hashed and diffed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.parsers.normalize import is_heading, normalize_text, text_sha256

# Characters that exercise every rule: wrapping, hyphens, headings, bullets, widths, invisibles, combining marks.
_TRICKY = list("aZ .-\n\n\t\r•I1()é\u0301\u00ad\u200b\u00a0ｱＡ\u1100\u1161\u2028\u2029:;,") + [
    "The ", "INTRO", "I. ", "A. ", "recom-\n", "ii. ", "\r\n", "\n\n\n", "  ", "of\n",
]


def test_wrapped_lines_join_into_paragraphs_and_blank_lines_collapse() -> None:
    raw = "This guidance provides\nrecommendations to\nsponsors.\n\n\n\nA second   paragraph\t here."
    assert normalize_text(raw) == "This guidance provides recommendations to sponsors.\n\nA second paragraph here."


def test_words_split_by_a_line_end_hyphen_are_rejoined() -> None:
    assert normalize_text("FDA recom-\nmendation and non-\nclinical data") == "FDA recommendation and nonclinical data"


def test_a_wrapped_compound_keeps_its_hyphen() -> None:
    assert normalize_text("HCT/P-\nBased products and COVID-\n19 data") == "HCT/P-Based products and COVID-19 data"


def test_headings_and_list_items_keep_their_own_line() -> None:
    raw = ("I. INTRODUCTION\nThis guidance\nexplains.\nA. Structural tissue\nText follows\nhere.\n"
           "• first item\nwraps\n• second")
    assert normalize_text(raw) == (
        "I. INTRODUCTION\nThis guidance explains.\nA. Structural tissue\nText follows here.\n"
        "• first item wraps\n• second"
    )


def test_full_and_half_width_forms_compare_equal() -> None:
    assert normalize_text("ＦＤＡ　ｶﾞｲﾀﾞﾝｽ １２３") == normalize_text("FDA ガイダンス 123")


def test_invisible_characters_and_no_break_spaces_disappear() -> None:
    raw = "\ufeffCell\u200b\u00adular\u00a0thera\u2060py\u202f(CT)"
    assert normalize_text(raw) == "Cellular therapy (CT)"


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\u2028", "\x0c", "\x85"])
def test_line_endings_are_unified(ending: str) -> None:
    assert normalize_text(f"I. SCOPE{ending}Text") == "I. SCOPE\nText"


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("I. INTRODUCTION", True),
        ("IV. Minimal manipulation", True),
        ("B. Structural tissue", True),
        ("3.2 Potency assays", True),
        ("GUIDANCE FOR INDUSTRY", True),
        ("This is a sentence.", False),
        ("1. The sponsor should submit the data described below to the agency for review before", False),
        ("A. Factors that apply to", False),
        ("I. INTRODUCTION ........ 1", False),
        ("FDA-2017-D-6146", False),
        ("a. lower-case item", False),
    ],
)
def test_heading_recognition(line: str, heading: bool) -> None:
    assert is_heading(line) is heading


def test_text_sha256_hashes_the_normalized_text() -> None:
    assert text_sha256("A  b\r\nc") == text_sha256("A b c")
    assert text_sha256("A b c") != text_sha256("A b d")
    assert len(text_sha256("")) == 64


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join)))
def test_normalize_is_idempotent_and_canonical(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert "\r" not in once and "\t" not in once and "\n\n\n" not in once and "  " not in once
    assert once == once.strip()
    assert all(line == line.strip() for line in once.split("\n"))
