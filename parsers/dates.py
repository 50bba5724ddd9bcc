"""Dates as regulators write them. Add a (pattern, builder) pair to `_FORMATS` to teach it a new form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date

# Values sources use for "no date" (FDA's catalogue has 01/01/1900 rows).
_PLACEHOLDERS = frozenset({date(1900, 1, 1)})

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"

_Builder = Callable[[dict[str, str]], date]


def _ymd(g: dict[str, str]) -> date:
    return date(int(g["year"]), int(g["month"]), int(g.get("day") or 1))


def _named(g: dict[str, str]) -> date:
    month = _MONTHS.get(g["month"].lower())
    if month is None:
        raise ValueError(f"unknown month {g['month']!r}")
    return date(int(g["year"]), month, int(g.get("day") or 1))


# Japanese eras: the Gregorian year of each era's first year (元年 = year 1).
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988}
_ERA = r"(?P<era>令和|平成|昭和)\s*(?P<eyear>元|\d{1,2})\s*年"
_CJK_TAIL = r"\s*(?:\([^)]*\))?\s*(?:掲載|公布|발표|게시|施行|发布|発出)?"


def _era(g: dict[str, str]) -> date:
    year = _ERAS[g["era"]] + (1 if g["eyear"] == "元" else int(g["eyear"]))
    return date(year, int(g["month"]), int(g.get("day") or 1))


# Tried in order; each must match the whole string.
_FORMATS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (re.compile(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})"), _ymd),  # 07/20/2020 (US)
    (re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?"), _ymd),
    (re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})"), _named),  # July 22, 2020 / Jul. 3, 2023
    (re.compile(rf"(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>\d{{4}})"), _named),  # 22 July 2020
    (re.compile(rf"{_MONTH},?\s+(?P<year>\d{{4}})"), _named),  # December 2017, August, 2024 → the 1st
    (re.compile(r"(?P<month>\d{1,2})/(?P<year>\d{4})"), _ymd),  # 6/2023 (CBER list) → the 1st
    # 令和6年5月1日(水)
    (re.compile(rf"{_ERA}\s*(?P<month>\d{{1,2}})\s*月\s*(?P<day>\d{{1,2}})\s*日{_CJK_TAIL}"), _era),
    (re.compile(rf"{_ERA}\s*(?P<month>\d{{1,2}})\s*月"), _era),  # 令和元年5月
    # 2025年10月7日, 2017年09月11日掲載, 2024年5月1日 (JA/ZH)
    (re.compile(rf"(?P<year>\d{{4}})\s*年\s*(?P<month>\d{{1,2}})\s*月\s*(?P<day>\d{{1,2}})\s*日{_CJK_TAIL}"), _ymd),
    (re.compile(r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月"), _ymd),  # 2024年5月
    # 2024년 5월 1일 (KO)
    (re.compile(rf"(?P<year>\d{{4}})\s*년\s*(?P<month>\d{{1,2}})\s*월\s*(?P<day>\d{{1,2}})\s*일{_CJK_TAIL}"), _ymd),
    (re.compile(r"(?P<year>\d{4})\.\s*(?P<month>\d{1,2})\.\s*(?P<day>\d{1,2})\.?"), _ymd),  # 2024.05.01
    (re.compile(r"(?P<year>(?:19|20)\d{2})(?P<month>[01]\d)(?P<day>[0-3]\d)"), _ymd),  # 20260820 (CDE, data.go.kr)
    (re.compile(r"(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})"), _ymd),  # 2024/05/01
)


def parse_date(s: str | None) -> date | None:
    """Parse one date string; None when it is empty, a placeholder, impossible or in no known form.

    Month-only forms give the first of the month. A time or offset after an ISO date is ignored: the calendar
    date is taken as written.
    """
    if not s:
        return None
    text = " ".join(unicodedata.normalize("NFKC", s).split())
    for pattern, build in _FORMATS:
        match = pattern.fullmatch(text)
        if match:
            try:
                found = build(match.groupdict())
            except ValueError:
                return None
            return None if found in _PLACEHOLDERS else found
    return None
