"""Dates as running text writes them (English, Japanese with 和暦, Korean, Chinese), joined into periods.

`units(sentence)` finds every date in a sentence — an impossible one (2月30日, 13월) kept as None with the reason —
and joins two dates with a range marker between them into a period; a period with no end is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {m: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for m in names}
MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ERA_BASE = {"令和": 2018, "平成": 1988}
_DATE = re.compile(
    r"(?P<era>令和|平成)\s*(?P<ey>元|\d{1,2})\s*年\s*(?P<em>\d{1,2})\s*月\s*(?P<ed>\d{1,2})\s*日"
    r"|(?P<same>同年)\s*(?P<sm>\d{1,2})\s*月\s*(?P<sd>\d{1,2})\s*日"
    r"|(?P<cy>\d{4})\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日"
    r"|(?P<ky>\d{4})\s*년\s*(?P<km>\d{1,2})\s*월\s*(?P<kd>\d{1,2})\s*일"
    r"|(?<![\d.])(?P<dy>\d{4})\s*\.\s*(?P<dm>\d{1,2})\s*\.\s*(?P<dd>\d{1,2})(?![\d])\.?"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?!\d)"
    r"|(?<!\d)(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4})"
    rf"|\b(?P<nm>{MONTH_RE})\.?\s+(?P<nd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ny>\d{{4}})"
    rf"|\b(?P<od>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<om>{MONTH_RE})\.?,?\s+(?P<oy>\d{{4}})"
    r"|(?<![\d年])(?P<xm>\d{1,2})\s*月\s*(?P<xd>\d{1,2})\s*日"  # 8月15日: the year of the date before it
    r"|(?<![\d년])(?P<zm>\d{1,2})\s*월\s*(?P<zd>\d{1,2})\s*일",  # 10월 21일: likewise
    re.I,
)
# What every date `_DATE` reads contains, found much faster than `_DATE` itself (whose alternatives all start with a
# look-behind, a word boundary or a group, so the engine tries every one at every position): a year, month or day
# mark (年 년 月 월), digits joined by a dot, hyphen or slash, or a four-digit year and a month name.
_MARK_OR_JOINED_DIGITS = re.compile(r"[年년月월]|\d(?:\s*\.\s*|-|/)\d")
_YEAR = re.compile(r"\d{4}")
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")  # every MONTH_RE


def _may_name_month(sentence: str) -> bool:
    """Whether a month name may start in the sentence, as `_DATE` reads one (ignoring case, where "ſ" is an "s")."""
    lowered = sentence.lower()
    return any(stem in lowered for stem in _MONTH_STEMS) or "ſ" in sentence


def _may_hold_date(sentence: str) -> bool:
    """False when `_DATE` cannot match anywhere in the sentence (most sentences with a number)."""
    return (_MARK_OR_JOINED_DIGITS.search(sentence) is not None
            or (_YEAR.search(sentence) is not None and _may_name_month(sentence)))


# Between the two dates of a period: 〜, ~, to, until, 至, から, 부터 (optionally 同年 follows, read as a date).
_BETWEEN = re.compile(r"\s*(?:\([^)]{0,4}\)|（[^）]{0,4}）)?\s*(?:～|〜|~|－|–|—|-|to|until|through|至|から|より|부터)"
                      r"\s*$", re.I)
_OPEN_END = re.compile(r"\s*(?:\([^)]{0,4}\)|（[^）]{0,4}）)?\s*(?:～|〜|~|－|–|—|-|to|至|起至|から|부터)\s*"
                       r"(?:[（(]?(?:未定|tbd|tba|미정|待定)[)）]?)?\s*[。.;；]?\s*$", re.I)


@dataclass(frozen=True)
class Unit:
    """A date or a period (start, end) found in a sentence; either side may be None with a problem."""

    start: int
    end: int
    first: date | None
    last: date | None  # None for a single date
    period: bool
    problem: str | None = None


class _NoYear(ValueError):
    """A month and day written without a year, and no year earlier in the sentence."""


def _to_date(m: re.Match[str], slash: str, year: int | None) -> date:
    g = m.groupdict()
    if g["era"]:
        return date(_ERA_BASE[g["era"]] + (1 if g["ey"] == "元" else int(g["ey"])), int(g["em"]), int(g["ed"]))
    if g["same"]:
        if year is None:
            raise ValueError("同年 without a year before it")
        return date(year, int(g["sm"]), int(g["sd"]))
    for mo, d in (("xm", "xd"), ("zm", "zd")):
        if g[mo]:
            if year is None:
                raise _NoYear
            return date(year, int(g[mo]), int(g[d]))
    for y, mo, d in (("cy", "cm", "cd"), ("ky", "km", "kd"), ("dy", "dm", "dd"), ("iy", "im", "id")):
        if g[y]:
            return date(int(g[y]), int(g[mo]), int(g[d]))
    if g["sy"]:
        a, b = int(g["sa"]), int(g["sb"])
        day_first = slash == "dmy" if a <= 12 and b <= 12 else a > 12
        return date(int(g["sy"]), b if day_first else a, a if day_first else b)
    if g["ny"]:
        return date(int(g["ny"]), _MONTHS[g["nm"].lower()], int(g["nd"]))
    return date(int(g["oy"]), _MONTHS[g["om"].lower()], int(g["od"]))


def _dates(sentence: str, slash: str) -> list[tuple[int, int, date | None, str | None]]:
    """(start, end, date or None, problem) for every date written in the sentence."""
    out: list[tuple[int, int, date | None, str | None]] = []
    if not _may_hold_date(sentence):
        return out
    year: int | None = None
    for m in _DATE.finditer(sentence):
        try:
            found: date | None = _to_date(m, slash, year)
            problem = None
            year = found.year if found else year
        except _NoYear:  # a month and day with no year to take: no date at all (a meeting, a weekday list …)
            continue
        except ValueError:
            found, problem = None, f"not a date: {m.group(0)!r}"
        out.append((m.start(), m.end(), found, problem))
    return out


def units(sentence: str, slash: str) -> list[Unit]:
    """Dates joined into periods where a range marker stands between two of them; an open period flagged."""
    raw = _dates(sentence, slash)
    units: list[Unit] = []
    i = 0
    while i < len(raw):
        s, e, d, problem = raw[i]
        if i + 1 < len(raw) and _BETWEEN.match(sentence[e:raw[i + 1][0]]):
            s2, e2, d2, problem2 = raw[i + 1]
            units.append(Unit(s, e2, d, d2, True, problem or problem2))
            i += 2
            continue
        tail = sentence[e:e + 12]
        if _OPEN_END.match(tail) or (_OPEN_END.match(sentence[e:]) is not None):
            units.append(Unit(s, e, d, None, True, problem or "a period without an end"))
        else:
            units.append(Unit(s, e, d, None, False, problem))
        i += 1
    return units
