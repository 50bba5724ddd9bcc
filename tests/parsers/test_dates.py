"""parse_date: the date forms regulators write."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.parsers.dates import parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07/20/2020", date(2020, 7, 20)),  # FDA catalogue field_issue_datetime
        ("7/2/2020", date(2020, 7, 2)),
        ("  02/12/2026 ", date(2026, 2, 12)),
        ("2024-10-01", date(2024, 10, 1)),
        ("2024-10-01T07:00:51-04:00", date(2024, 10, 1)),  # <time datetime>: the date as written
        ("2020-07-21T14:10:03Z", date(2020, 7, 21)),
        ("July 22, 2020", date(2020, 7, 22)),  # consumer alert "Date: July 22, 2020"
        ("December 6, 2019", date(2019, 12, 6)),
        ("Jul. 3, 2023", date(2023, 7, 3)),
        ("Sept. 5, 2023", date(2023, 9, 5)),
        ("Oct 1 2024", date(2024, 10, 1)),
        ("22 July 2020", date(2020, 7, 22)),
        ("December 2017", date(2017, 12, 1)),  # title-page month
        ("11/2024", date(2024, 11, 1)),  # CBER list M/YYYY
        ("4/2024", date(2024, 4, 1)),
        ("２０２０-０７-２０", date(2020, 7, 20)),  # full-width digits
    ],
)
def test_known_forms(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["01/01/1900", "", None, "   ", "None found", "13/45/2020", "02/30/2021", "Smarch 3, 2020", "2020", "07/20/20",
     "0000-01-01"],
)
def test_placeholders_impossible_and_unknown_forms_give_none(raw: str | None) -> None:
    assert parse_date(raw) is None


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)))
def test_generated_dates_round_trip_in_every_full_form(day: date) -> None:
    forms = [day.strftime("%m/%d/%Y"), day.isoformat(), day.strftime("%B %d, %Y"), day.strftime("%b. %d, %Y"),
             day.strftime("%d %B %Y")]
    assert {parse_date(form) for form in forms} == {day}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_date_or_none(raw: str) -> None:
    assert parse_date(raw) is None or isinstance(parse_date(raw), date)


@pytest.mark.parametrize(("text", "expected"), [
    ("令和6年5月1日", date(2024, 5, 1)),
    ("令和元年5月7日", date(2019, 5, 7)),
    ("令和４年２月７日（月）", date(2022, 2, 7)),
    ("平成26年9月26日", date(2014, 9, 26)),
    ("令和7年5月", date(2025, 5, 1)),
    ("2025年10月7日", date(2025, 10, 7)),
    ("2017年09月11日掲載", date(2017, 9, 11)),
    ("2024년 5월 1일", date(2024, 5, 1)),
    ("2024.05.01", date(2024, 5, 1)),
    ("20260820", date(2026, 8, 20)),
    ("August, 2024", date(2024, 8, 1)),
    ("令和6年13月1日", None),
])
def test_japanese_korean_chinese_and_compact_forms(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected
