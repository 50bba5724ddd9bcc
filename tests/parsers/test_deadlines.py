"""parsers.deadlines: dates with their meaning and evidence, in the forms each jurisdiction writes them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.parsers.deadlines import Found, from_fields, from_text, primary, sentences
from regwatch.parsers.textdates import MONTH_RE


def kinds(text: str, slash: str = "dmy") -> list[tuple[str, date | None]]:
    return [(f.kind, f.date) for f in from_text(text, slash)]


@pytest.mark.parametrize(("text", "expected"), [
    # FDA page text (month first)
    ("Submit either electronic or written comments on the draft guidance by 09/15/2025.",
     [("comment_close", date(2025, 9, 15))]),
    # EMA file card lines (day first)
    ("Consultation dates: 03/02/2025 to 30/04/2025",
     [("comment_open", date(2025, 2, 3)), ("comment_close", date(2025, 4, 30))]),
    ("Date for coming into effect: 1 October 2025", [("effective", date(2025, 10, 1))]),
    # PMDA / MHLW (和暦, 同年)
    ("意見募集期間：令和7年3月3日（月）から同年4月1日（火）まで",
     [("comment_open", date(2025, 3, 3)), ("comment_close", date(2025, 4, 1))]),
    ("本通知は令和元年7月1日から適用する。", [("effective", date(2019, 7, 1))]),
    ("施行期日は平成31年4月1日とする。", [("effective", date(2019, 4, 1))]),
    # MFDS (dotted dates, 까지 / 부터 시행)
    ("의견제출 기한: 2025. 4. 7.까지", [("comment_close", date(2025, 4, 7))]),
    ("부칙 이 고시는 2025년 9월 1일부터 시행한다.", [("effective", date(2025, 9, 1))]),
    # NMPA / CDE
    ("意见反馈截止日期：2025年6月6日", [("comment_close", date(2025, 6, 6))]),
    ("本指导原则自2025年12月1日起施行，过渡期至2026年11月30日。",
     [("effective", date(2025, 12, 1)), ("transition_end", date(2026, 11, 30))]),
    # a date that is no deadline
    ("本通告于2025年3月3日发布。", []),
    ("Issued on 12 May 2025 by the Committee.", []),
])
def test_dates_with_their_meaning(text: str, expected: list[tuple[str, date | None]]) -> None:
    slash = "mdy" if "09/15" in text else "dmy"
    assert kinds(text, slash) == expected


@pytest.mark.parametrize(("text", "kind", "problem"), [
    ("本省令は令和8年2月30日から施行する。", "effective", "not a date: '令和8年2月30日'"),
    ("이 고시는 2025년 13월 1일부터 시행한다.", "effective", "not a date: '2025년 13월 1일'"),
    ("反馈截止日期：2025年4月31日", "comment_close", "not a date: '2025年4月31日'"),
    ("Consultation dates: 01/03/2025 to", "comment_close", "a period without an end"),
    ("意見募集期間：令和7年5月1日～", "comment_close", "a period without an end"),
    ("행정예고 기간: 2025. 6. 2. ~", "comment_close", "a period without an end"),
])
def test_impossible_dates_and_open_periods_are_not_understood(text: str, kind: str, problem: str) -> None:
    unread = [f for f in from_text(text) if f.date is None]
    assert [(f.kind, f.problem, f.evidence) for f in unread] == [(kind, problem, text)]


def test_transition_lengths_count_from_the_effective_date() -> None:
    found = from_text("施行日は令和8年1月31日とする。\n経過措置期間は施行日から1か月間とする。")
    assert [(f.kind, f.date) for f in found] == [("effective", date(2026, 1, 31)),
                                                 ("transition_end", date(2026, 2, 28))]
    (alone,) = from_text("过渡期为6个月。")
    assert alone.date is None and alone.problem == "a transition length without an effective date"


def test_each_finding_carries_its_sentence() -> None:
    text = "Background.\nThe guideline comes into effect on 1 July 2026. It replaces Rev. 1 of the text."
    (found,) = from_text(text)
    assert found.evidence == "The guideline comes into effect on 1 July 2026."
    assert sentences("Jan. 5, 2025 is fine. Next one.") == ["Jan. 5, 2025 is fine.", "Next one."]


def test_fda_catalogue_fields() -> None:
    assert from_fields({"field_comment_close_date": "11/24/2025", "open-comment": "  Yes "}) == [
        Found("comment_close", date(2025, 11, 24), "field_comment_close_date: 11/24/2025",
              "field_comment_close_date")]
    assert from_fields({"field_comment_close_date": "", "open-comment": "  No "}) == []
    (open_only,) = from_fields({"open-comment": " Yes "})
    assert open_only.date is None and open_only.problem == "open for comment, no closing date given"
    (bad,) = from_fields({"field_comment_close_date": "02/30/2026"})
    assert bad.date is None and bad.evidence == "field_comment_close_date: 02/30/2026"


def test_primary_prefers_catalogue_fields_then_the_latest_date() -> None:
    found = [Found("comment_close", date(2025, 5, 1), "a"), Found("comment_close", date(2025, 6, 1), "b"),
             Found("effective", date(2026, 1, 1), "c"), Found("effective", date(2025, 7, 1), "d"),
             Found("comment_open", date(2025, 3, 1), "e"), Found("comment_open", date(2025, 4, 1), "f")]
    best = primary(found)
    assert (best["comment_close"].evidence, best["effective"].evidence, best["comment_open"].evidence) == \
        ("b", "c", "e")
    field = Found("comment_close", date(2025, 4, 1), "f", origin="field_comment_close_date")
    assert primary([*found, field])["comment_close"] is field


# The rule `sentences` cuts by, written as one regular expression (the parser tries it only where it can match).
_CUT_RULE = re.compile(r"(?<=[。！？；])|\n+|(?<=[.;])\s+(?=[A-Z(\"“가-힣一-鿿])|(?<=다\.)\s+")
_ABBREVIATION = re.compile(r"(?:\b(?:no|nos|art|vol|p|pp|e\.g|i\.e|ref|fig|a\.m|p\.m|" + MONTH_RE + r"))\.$", re.I)
_PIECES = st.sampled_from(["。", "！", "？", "；", ".", ";", "다", "다.", " ", "  ", "\n", "\n\n", "\t", "\u3000", "A",
                           "a", "(", "“", "\"", "가", "一", "No.", "e.g.", "Sept.", "2024", "x"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_sentences_cut_where_the_rule_says(text: str) -> None:
    expected: list[str] = []
    for piece in (p for p in _CUT_RULE.split(text) if p and p.strip()):
        if expected and _ABBREVIATION.search(expected[-1].rstrip()):
            expected[-1] = f"{expected[-1].rstrip()} {piece.strip()}"
        else:
            expected.append(piece.strip())
    assert sentences(text) == expected
