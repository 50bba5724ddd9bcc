"""Deadlines read from a document: comment close, effective and transition-end dates, each with its evidence.

Pure functions over text (English, Japanese, Korean, Chinese; 和暦 included) and over catalogue fields (FDA's
`field_comment_close_date` / `open-comment`, EMA's `consultation_date`). A date that is written but cannot be
a date (2月30日, 13월) or a period without an end is returned with `date=None` and a `problem`, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from regwatch.parsers.dates import parse_date
from regwatch.parsers.textdates import MONTH_RE, Unit
from regwatch.parsers.textdates import units as find_units

KINDS = ("comment_open", "comment_close", "effective", "transition_end")
MAX_EVIDENCE = 300


@dataclass(frozen=True)
class Found:
    """One date a document states: its kind, the date (None when not understood), and where it was read."""

    kind: str
    date: date | None
    evidence: str  # the sentence, or "field: value"
    origin: str = "text"  # "text" or the catalogue field's name
    problem: str | None = None  # why `date` is None


# --- what a date means: keywords -------------------------------------------------------------------------------

# (kind, pattern). "period" words name a comment period (its end closes comments); "transition" words a
# transition period (its end is transition_end).
_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.I)) for kind, p in (
    ("comment_close", r"comments?\s+(?:period\s+)?(?:(?:is|are|will be)\s+)?"
                      r"(?:clos\w*|due|deadline|must be (?:received|submitted))"
                      r"|(?:deadline|closing date)\s+for\s+(?:\w+\s+){0,2}comments?|submit\s+(?:\w+\s+){0,5}comments?"
                      r"|comments?\s+(?:should|must|may)\s+be\s+(?:submitted|sent|received)"
                      r"|end of (?:the )?consultation|comments?\b[^.;]{0,40}?\b(?:is|are)\s+due"
                      r"|consultation\s+(?:end|clos\w*|deadline)|closes? for comments?"
                      r"|comments?\b[^.;]{0,40}?\b(?:accepted|received)\s+(?:until|through|by|after)"),
    ("comment_open", r"start of (?:the )?consultation|consultation\s+(?:start|open\w*|begins?)"
                     r"|released for (?:public )?consultation|open(?:ed)? for (?:public )?comments?"),
    ("period", r"consultation\s+(?:dates?|period)|comment(?:ing)?\s+period|public consultation"
               r"|意見募集期間|意見の?募集期間|募集期間|受付期間|意見提出期間|パブリックコメント"
               r"|의견\s*제출\s*기간|행정예고\s*기간|의견\s*수렴\s*기간|예고\s*기간"
               r"|征求意见(?:时间|期限|期)?|意见反馈时间|反馈时间|公示期"
               r"|意見を?募集|意見を?求め|의견을?\s*(?:받|수렴)"),
    ("comment_close", r"意見(?:募集|提出|受付)?(?:の)?締切|締切日|締め切り|締切|提出期限|意見提出期限|受付締切"
                      r"|의견\s*제출\s*기한|제출\s*기한|의견\s*제출|마감"
                      r"|反馈截止(?:日期|时间)?|意见反馈截止(?:日期|时间)?|截止(?:日期|时间)?|反馈意见"),
    ("effective", r"date (?:for|of) coming into effect|coming into effect|(?:legal\s+)?effective\s+date"
                  r"|comes?\s+into\s+(?:effect|force)|becomes?\s+effective|with effect from|(?:will\s+)?apply\s+from"
                  r"|enters?\s+into\s+force|takes?\s+effect|(?:will\s+)?(?:be\s+)?effective\s+(?:from|on|as of)"
                  r"|applies\s+from|shall\s+apply\s+from|implementation\s+date|date\s+of\s+application"
                  r"|施行日|施行期日|施行する|施行され|から施行|より施行|適用日|適用する|から適用|より適用|適用開始"
                  r"|시행일|시행한다|부터\s*시행|시행\s*예정|적용한다|부터\s*적용|시행"
                  r"|起施行|施行日期|实施日期|起实施|起执行|施行|实施|生效"),
    ("transition", r"transition(?:al)?\s+(?:period|arrangements?|provisions?)(?:\s+ends?)?|grace period"
                   r"|経過措置(?:期間)?(?:の終期|の?終了日)?|猶予期間|移行期間|경과\s*조치|경과규정|유예\s*기간"
                   r"|过渡期(?:截止|结束|届满)?(?:日期|时间)?"),
))
_PARENS = r"(?:\([^)]{0,4}\)|（[^）]{0,4}）)?"  # a weekday after a date: (水), （金）
_CONNECTIVE_AFTER = re.compile(rf"^\s*{_PARENS}\s*(?:から|より|以降|に|までに|まで|の間|부터|에|까지|起|开始|前)?"
                               r"\s*(?:は|を|로|으로|)?\s*$")
_NEAR_AFTER = 6  # characters a keyword may follow a date by (令和7年4月1日から施行)
_FAR_AFTER = 40  # … or farther after a "from" word (令和7年7月1日以降に製造販売される製品に適用する)
_FROM_AFTER = re.compile(rf"^\s*{_PARENS}\s*(?:から|より|以降|부터|起)")
_BY_AFTER = re.compile(rf"^\s*{_PARENS}\s*(?:までに|まで|까지|前|以前)")
_COMMENT_WORDS = re.compile(r"意見|ご意見|コメント|의견|意见|反馈|comments?", re.I)
_TO_BEFORE = re.compile(r"(?:\bto|\buntil|\bthrough|\bend(?:s|ing)?(?:\s+on)?|\bclos\w*(?:\s+on)?)\s*$", re.I)
_BY_AFTER_ALL = re.compile(rf"^\s*{_PARENS}\s*(?:までに|まで|까지|之前|以前|前)")
# Grandfathering: "until X the former rules may still be followed / products made before X may still be sold".
_FORMER = re.compile(r"従前|종전|原规定|旧版|may (?:continue|still)|continue to be (?:supplied|marketed|sold)"
                     r"|have until|可继续|继续(?:销售|使用)", re.I)
# A second date that replaces the first ("extended to", 延長, 연장, 延长至): it takes the first one's meaning.
_MOVED_TO = re.compile(r"(?:extended|postponed|deferred|moved|changed)\s+(?:to|until)\s*$|(?:延長|延期|変更)\S{0,4}$"
                       r"|(?:연장|변경)\S{0,4}$|(?:延长|推迟|延期)(?:至|到)?\s*$", re.I)
_FROM_EFFECT = re.compile(r"(?:自|从)\s*$")  # 自2026年1月1日起: from that day on
_NEAR_BEFORE = 80  # characters a keyword may precede a date by (施行日は…)
_DURATION = re.compile(r"(?<!\d)(?P<n>\d{1,3})\s*(?P<unit>か月|ヶ月|カ月|箇月|个月|個月|개월|months?|年間|年(?!\s*\d)"
                       r"|년(?!\s*\d)|years?)", re.I)
_DURATION_UNITS = ("月", "월", "年", "년")  # in every unit `_DURATION` reads, with "month" and "year"


def _may_state_duration(text: str) -> bool:
    """False when `_DURATION` cannot match (checked first: its look-behind makes it slow to search)."""
    if any(unit in text for unit in _DURATION_UNITS):
        return True
    lowered = text.lower()  # as `_DURATION` ignores case: no other character matches these letters
    return "month" in lowered or "year" in lowered


def _keywords(sentence: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), kind) for kind, pat in _KEYWORDS for m in pat.finditer(sentence)]
    found.sort(key=lambda k: (k[0], -(k[1] - k[0])))
    kept: list[tuple[int, int, str]] = []
    for k in found:  # the longest keyword at each place; overlapping shorter ones dropped
        if not kept or k[0] >= kept[-1][1]:
            kept.append(k)
    return kept


def _kind_for(sentence: str, unit: Unit, units: list[Unit], keywords: list[tuple[int, int, str]]) -> str | None:
    """The keyword a date belongs to: the nearest one before it (no other date between), else one right after."""
    before = [k for k in keywords if k[1] <= unit.start and unit.start - k[1] <= _NEAR_BEFORE
              and not any(k[1] <= u.start and u.end <= unit.start for u in units if u is not unit)]
    after = [k for k in keywords if k[0] >= unit.end and (
        (k[0] - unit.end <= _NEAR_AFTER and _CONNECTIVE_AFTER.match(sentence[unit.end:k[0]]))
        or (k[0] - unit.end <= _FAR_AFTER and _FROM_AFTER.match(sentence[unit.end:]) and k[2] == "effective"
            and not any(unit.end <= u.start and u.end <= k[0] for u in units)))]
    if not before and not after:
        return _implied_kind(sentence, unit)
    if after and (not before or after[0][0] - unit.end < unit.start - before[-1][1] - 2):
        return after[0][2]
    if before:
        return before[-1][2]
    return after[0][2] if after else None


def _implied_kind(sentence: str, unit: Unit) -> str | None:
    """A date with no label: its meaning from the words around it."""
    if _BY_AFTER_ALL.match(sentence[unit.end:]) or re.search(r"\b(?:until|by)\s*$", sentence[:unit.start]):
        if _FORMER.search(sentence):
            return "transition_end"  # ご意見… / 従前の例 … まで / 종전 … 까지 / may continue … until
        if _COMMENT_WORDS.search(sentence):
            return "comment_close"  # ご意見は…までに / …까지 의견을 제출 / 请于…前反馈
    if _FROM_EFFECT.search(sentence[:unit.start]) and re.match(r"\s*起", sentence[unit.end:]):
        return "effective"
    return None


def _closing_word(sentence: str, unit: Unit) -> bool:
    """A single date followed by "until"/まで/까지/截止/前: it ends something."""
    return bool(re.match(rf"\s*{_PARENS}\s*(?:まで|迄|까지|截止|止|前|以前)", sentence[unit.end:]))


def _from_unit(kind: str, unit: Unit, evidence: str) -> list[Found]:
    if kind == "period" or (kind == "transition" and unit.period):
        closes = "comment_close" if kind == "period" else "transition_end"
        out = []
        if kind == "period" and (unit.first or not unit.last):
            out.append(Found("comment_open", unit.first, evidence, problem=None if unit.first else unit.problem))
        if unit.period and unit.last is None:
            out.append(Found(closes, None, evidence, problem=unit.problem or "a period without an end"))
        elif unit.period:
            out.append(Found(closes, unit.last, evidence, problem=None))
        return [f for f in out if f.date or f.problem]
    if kind == "transition":
        kind = "transition_end"
    if unit.period:  # "effective from A to B" reads as A; "comments … A to B" as B
        chosen = unit.last if kind == "comment_close" else unit.first
        problem = None if chosen else (unit.problem or "a period without an end")
        return [Found(kind, chosen, evidence, problem=problem)]
    return [Found(kind, unit.first, evidence, problem=unit.problem)]


def _durations(sentence: str, evidence: str) -> list[Found]:
    """A transition period given as a length ("経過措置期間は1年間"): its end is filled in by `resolve`."""
    m = _DURATION.search(sentence)
    if not m:
        return []
    months = int(m.group("n")) * (1 if re.match(r"か月|ヶ月|カ月|箇月|个月|個月|개월|month", m.group("unit"), re.I)
                                  else 12)
    return [Found("transition_end", None, evidence, problem=f"+{months} months")]


_DIGIT = re.compile(r"\d")  # a sentence without one states no date (nor a transition length)
_SPLIT = re.compile(r"(?<=[。！？；])|\n+|(?<=[.;])\s+(?=[A-Z(\"“가-힣一-鿿])|(?<=다\.)\s+")
_SPLIT_NONEMPTY = re.compile(r"\n+|(?<=[.;])\s+(?=[A-Z(\"“가-힣一-鿿])|(?<=다\.)\s+")  # `_SPLIT` but its empty match
_SPLIT_NEAR = re.compile(r"[。！？；.;]|\n")  # `_SPLIT` can match only just after one of these, or at a line break
_ABBREV = re.compile(r"(?:\b(?:no|nos|art|vol|p|pp|e\.g|i\.e|ref|fig|a\.m|p\.m|" + MONTH_RE + r"))\.$", re.I)
_ABBREV_WIDTH = max(map(len, MONTH_RE.split("|"))) + 1  # the longest `_ABBREV` match ("september.")


def _ends_in_abbreviation(text: str) -> bool:
    """Whether the text ends with an abbreviation's full stop; only its tail is searched (`\\b` still sees the
    character before it)."""
    return _ABBREV.search(text, max(0, len(text) - _ABBREV_WIDTH)) is not None


def _split(text: str) -> list[str]:
    """`_SPLIT.split(text)`, with `_SPLIT` tried only where it can match (the engine would try it at every position,
    where its look-behinds make it slow): the same matches in the same order, an empty match followed by a try for a
    non-empty one at the same place, as `re` does."""
    pieces: list[str] = []
    start, empty_at = 0, -1
    for near in _SPLIT_NEAR.finditer(text):
        at = near.start() if near.group() == "\n" else near.end()
        if at < start:
            continue  # inside the previous match
        found = (_SPLIT_NONEMPTY if at == empty_at else _SPLIT).match(text, at)
        while found is not None:
            pieces.append(text[start:found.start()])
            start = found.end()
            if start != at:
                break
            empty_at = at  # after an empty match, re looks for a non-empty one at the same place
            found = _SPLIT_NONEMPTY.match(text, at)
    pieces.append(text[start:])
    return pieces


def sentences(text: str) -> list[str]:
    """The text cut into sentences (。, full stops before a capital, line breaks), abbreviations kept whole."""
    pieces = [p for p in _split(text) if p and p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and _ends_in_abbreviation(out[-1].rstrip()):
            out[-1] = f"{out[-1].rstrip()} {piece.strip()}"
        else:
            out.append(piece.strip())
    return out


def _evidence(sentence: str) -> str:
    flat = " ".join(sentence.split())
    return flat if len(flat) <= MAX_EVIDENCE else flat[:MAX_EVIDENCE - 1] + "…"


def from_sentence(sentence: str, slash: str = "dmy") -> list[Found]:
    """The deadlines one sentence states. `slash`: "dmy" (EMA's 31/07/2024) or "mdy" (FDA's 07/31/2024)."""
    text = unicodedata.normalize("NFKC", sentence)
    units = find_units(text, slash)
    if not units and not (_may_state_duration(text) and _DURATION.search(text)):
        return []  # no date and no length: nothing to read (most sentences with numbers)
    keywords = _keywords(text)
    evidence = _evidence(sentence)
    out: list[Found] = []
    previous: str | None = None
    for unit in units:
        kind = _kind_for(text, unit, units, keywords)
        if kind is None and previous and _MOVED_TO.search(text[:unit.start]):
            kind = previous
        if kind is None:
            continue
        previous = kind
        if kind == "period" and not unit.period and (_closing_word(text, unit)
                                                     or _TO_BEFORE.search(text[:unit.start])):
            kind = "comment_close"
        elif kind == "transition" and not unit.period and not _closing_word(text, unit):
            kind = "transition"
        out.extend(_from_unit(kind, unit, evidence))
    if any(k[2] == "transition" for k in keywords) and not any(f.kind == "transition_end" for f in out):
        out.extend(_durations(text, evidence))
    return out


def from_text(text: str, slash: str = "dmy") -> list[Found]:
    """Every deadline the text states, sentence by sentence, with transition lengths resolved (see `resolve`)."""
    return resolve([f for s in sentences(text) if _DIGIT.search(s) for f in from_sentence(s, slash)])


def resolve(found: Iterable[Found]) -> list[Found]:
    """Transition periods given as a length end that long after the effective date; without one, not understood."""
    items = list(found)
    effective = min((f.date for f in items if f.kind == "effective" and f.date), default=None)
    out = []
    for f in items:
        if f.problem and f.problem.startswith("+") and f.problem.endswith(" months"):
            months = int(f.problem[1:-7])
            if effective is None:
                f = Found(f.kind, None, f.evidence, f.origin, "a transition length without an effective date")
            else:
                f = Found(f.kind, _add_months(effective, months), f.evidence, f.origin, None)
        out.append(f)
    return out


def _add_months(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, [31, 29 if _leap(start.year + year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                          31][month])
    return date(start.year + year, month + 1, day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --- catalogue fields ------------------------------------------------------------------------------------------

def from_fields(fields: Mapping[str, str]) -> list[Found]:
    """Deadlines from catalogue fields: FDA `field_comment_close_date` (MM/DD/YYYY) and `open-comment` (Yes/No),
    EMA `consultation_date` (a period as printed)."""
    out: list[Found] = []
    close = (fields.get("field_comment_close_date") or "").strip()
    is_open = (fields.get("open-comment") or "").strip().lower() == "yes"
    if close:
        day = parse_date(close)
        evidence = f"field_comment_close_date: {close}"
        out.append(Found("comment_close", day, evidence, "field_comment_close_date",
                         None if day else f"not a date: {close!r}"))
    elif is_open:
        out.append(Found("comment_close", None, "open-comment: Yes", "open-comment",
                         "open for comment, no closing date given"))
    period = (fields.get("consultation_date") or "").strip()
    if period:
        text = f"Consultation dates: {period}"
        out.extend(Found(f.kind, f.date, f"consultation_date: {period}", "consultation_date", f.problem)
                   for f in from_sentence(text))
    return out


# --- one date per kind -----------------------------------------------------------------------------------------

def primary(found: Iterable[Found]) -> dict[str, Found]:
    """The date of each kind a document is tracked by: the latest (an extension names the old and the new close;
    a staged rule's last stage is the one still ahead; EMA's history cards carry older effective dates), the
    earliest comment opening. Catalogue fields win over text."""
    best: dict[str, Found] = {}
    for f in found:
        if f.date is None:
            continue
        held = best.get(f.kind)
        if held is None or _better(f, held):
            best[f.kind] = f
    return best


def _better(new: Found, held: Found) -> bool:
    if (new.origin != "text") != (held.origin != "text"):
        return new.origin != "text"
    assert new.date is not None and held.date is not None
    return new.date < held.date if new.kind == "comment_open" else new.date > held.date


def not_understood(found: Iterable[Found]) -> list[Found]:
    """The dates that were written but could not be read (impossible dates, periods without an end)."""
    return [f for f in found if f.date is None]
