"""Does a change matter? Each changed sentence gets a class, and the findings are ranked for the alert.

Classes, most significant first (`store.vocabulary.Significance`): a definition changed; an obligation changed
strength (should → must, 望ましい → しなければならない, 할 수 있다 → 하여야 한다, 可以 → 应当, and back); numbers,
dates or durations changed; the scope changed (a sentence naming a product class from the topic glossary was added
or removed, or a changed sentence names a different set of them); the document's status changed (given by the
caller); a sentence was added or removed; anything else is editorial. Whitespace-only differences give no finding
at all. Pure functions.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from regwatch.alerts.diff import CJK, HANGUL, DiffOp, Path, diff_words, positioned, summarize_ops, tokenize_words
from regwatch.alerts.sections import section_label, short_path
from regwatch.alerts.topics import Glossary, tag
from regwatch.parsers.formats.pdf_furniture import REFERENCE, is_page_number
from regwatch.store.vocabulary import SIGNIFICANCES

_ELLIPSIS = "…"
# A sentence ends at . ! ? before a space, at 。！？, or at a blank line; a single line break is not an end (a PDF
# keeps wrapped CJK lines apart, and where they wrap moves when the file is regenerated).
_BOUNDARY = re.compile(r"[.!?]+(?=\s|$)|[。！？]+|\n\s*\n")
# A stamp or counter just before a changed number ("Last updated: 21/05/2008", "조회수 1287", "[263KB]"): a change
# that touches only such numbers is no finding (parsers should drop these; this is the second line of defence).
_STAMP_BEFORE = re.compile(
    r"(?:last\s+updated|updated|last\s+modified|modified|current\s+as\s+of|published|page\s+views?|views?|"
    r"downloads?|ratings?|最終更新日?|更新日?|掲載日?|조회수?|수정일|등록일|浏览(?:次数)?|访问量|点击(?:数|量)?|更新时间)"
    r"\s*[:：]?\s*[\d/.\-年月日 ]*$", re.I)
_FIGURES = re.compile(r"[\d\s/.:\-]+")
_SIZED = re.compile(r"[\d.,]+\s?(?:[KMG]i?B|[KMG]bytes)", re.I)
_OPEN = re.compile(r"[\[(（【][^\[\]()（）【】]{0,16}$")  # a file size sits in brackets: "[263KB]", "(PDF - 400 KB)"
_CLOSE = re.compile(r"[^\[\]()（）【】]{0,16}[\])）】]")
_SIZE_AFTER = re.compile(r"^[\d.,]*\s*(?:[KMG]i?B|[KMG]bytes)\b", re.I)
_AROUND_CJK = re.compile(f"\\s+(?=[{CJK}{HANGUL}])|(?<=[{CJK}{HANGUL}])\\s+")
_BETWEEN_CJK = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")
_PAIRING = 0.3  # sentences at least this similar are one reworded sentence, not a removal and an addition


# --- the wording that marks a definition, an obligation's strength, a number ---------------------------------------

def _alternation(pairs: Sequence[tuple[str, str]], flags: int = 0) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of named alternatives (tried in order) and group name → canonical label."""
    regex = re.compile("|".join(f"(?P<m{k}>{pattern})" for k, (pattern, _) in enumerate(pairs)), flags)
    return regex, {f"m{k}": label for k, (_, label) in enumerate(pairs)}


# Modal wording, canonical labels; longer forms first. A different multiset of labels in a reworded sentence is an
# obligation change ("May 31" is a date, not a modal; 反应/应用 and 许可/可能 are not 应/可).
_MODALS = _alternation([
    (r"\bneed\s+not\b|\bneed\s+no\b|\b(?:is|are)\s+not\s+(?:necessary|needed)\b", "need not"),
    (r"\bmust\s+not\b", "must not"), (r"\bshall\s+not\b", "shall not"), (r"\bshould\s+not\b", "should not"),
    (r"\bmay\s+not\b", "may not"), (r"\b(?:is|are|be)\s+not\s+required\b", "not required"),
    (r"\bmust\b", "must"), (r"\bshall\b", "shall"), (r"\b(?:is|are|be)\s+required\s+to\b", "is required to"),
    (r"\brequired\b", "required"), (r"\bmandatory\b", "mandatory"), (r"\b(?:has|have)\s+to\b", "have to"),
    (r"\bshould\b", "should"), (r"\brecommend(?:s|ed)?\b", "recommended"), (r"\bencourage[sd]?\b", "encouraged"),
    (r"\bmay\b(?!\s+\d)", "may"), (r"\bcan\b", "can"), (r"\boptional\b", "optional"), (r"\bpermitted\b", "permitted"),
    ("必要(?:では|で|は|が)?ない|必要とし?ない", "必要ではない"),
    ("(?:し|さ)?なくて(?:も)?(?:よい|良い|差し支えない|構わない)", "しなくてもよい"),
    ("してはならない|してはいけない", "してはならない"), ("(?:し|れ)?なければならない", "しなければならない"),
    ("ものとする", "ものとする"), ("必要がある|必要である", "必要がある"), ("(?:ことが)?望ましい", "望ましい"),
    ("推奨", "推奨"), ("差し支えない", "差し支えない"), ("(?:ことが)?できる", "できる"),
    ("こと(?=[。.]|$)", "すること"),
    (r"(?:하여서는|해서는)\s?(?:아니\s?된다|안\s?된다)", "하여서는 아니 된다"),
    (r"필요하지\s?않다|필요가\s?없다", "필요하지 않다"), (r"(?:하지|지)\s?않아도\s?된다", "하지 않아도 된다"),
    (r"(?:하여야|해야|여야|어야|아야)\s?한다", "하여야 한다"), (r"필요하다|필요가\s?있다", "필요하다"),
    ("권장|권고|바람직", "권장"), (r"수\s?있다", "할 수 있다"),
    ("不应(?:当|该)?", "不应当"), ("不(?:建议|推荐|鼓励)", "不建议"),
    ("不得|禁止|严禁|不可|不能", "不得"), ("无须|无需|不必|不需要", "无须"), ("必须|(?<!无)须(?!知)", "必须"),
    ("应当|应该|(?<![反对相供适响呼效])应(?![用对急答])", "应当"), ("建议|鼓励|推荐|(?<![适便])宜", "建议"),
    ("可以|(?<![许认])可(?![能靠行见控及])", "可以"),
], re.I)

_DEFINES = re.compile(
    r"\bmeans\b(?!\s+of\b)|\bshall\s+mean\b|\b(?:is|are)\s+defined\b|\bdefinition\s+of\b|"
    r"[\"“][^\"”]{1,60}[\"”]\s+refers?\s+to\b|"
    r"「[^」]{1,40}」とは|とは、|をいう(?:[。.]|$)|と定義|"
    r"(?:이)?란\s|(?:이)?라\s?함은|말한다(?:[.]|$)|정의(?:한다|된다)|"
    "是指|系指|指的是|定义为|所称", re.I)
_TERM = re.compile(r"[\"“「『]([^\"”」』]{1,60})[\"”」』]|^(?:under [^,]+,\s*)?([A-Za-z][\w\s/-]{2,60}?)\s+means\b",
                   re.I)

_NUM = r"\d+(?:[.,/:]\d+)*"
_NUMERAL = "[〇一二三四五六七八九十百千万两]+(?=[年月日天周个ヶか箇倍%])"
_UNIT = (r"(?:\s?(?:%|percent\b|per cent\b|years?\b|months?\b|weeks?\b|days?\b|hours?\b|minutes?\b|mg\b|ml\b|kg\b|"
         r"µg\b|°c|年|か月|ヶ月|箇月|个月|月|日|天|周|週間|時間|小时|년|개월|월|일|주|시간|배|倍))?")
_NUMBERS = re.compile(f"(?:{_NUM}|{_NUMERAL}){_UNIT}", re.I)


def modals(text: str) -> list[str]:
    """Canonical labels of the modal wording in `text`, in order (e.g. ["should", "may"])."""
    return [label for label, _ in modal_words(text)]


def modal_words(text: str) -> list[tuple[str, str]]:
    """(canonical label, words as written) of the modal wording in `text`, in order."""
    regex, labels = _MODALS
    return [(labels[m.lastgroup], " ".join(m.group(0).split())) for m in regex.finditer(text) if m.lastgroup]


# A negated modal → the positive modals it negates ("must" → "must not" is a negation, not a change of strength).
NEGATES: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "must not": {"must", "shall", "have to", "is required to", "required", "mandatory"},
    "shall not": {"shall", "must"}, "should not": {"should", "recommended"}, "may not": {"may", "can"},
    "not required": {"required", "is required to", "must", "mandatory", "have to"},
    "need not": {"must", "required", "is required to", "have to", "shall", "should"},
    "必要ではない": {"必要がある", "しなければならない"},
    "しなくてもよい": {"しなければならない", "必要がある", "ものとする"},
    "してはならない": {"しなければならない", "できる", "差し支えない"},
    "하여서는 아니 된다": {"하여야 한다", "할 수 있다"}, "필요하지 않다": {"필요하다", "하여야 한다"},
    "하지 않아도 된다": {"하여야 한다", "필요하다"},
    "不应当": {"应当"}, "不建议": {"建议"}, "不得": {"必须", "应当", "可以"}, "无须": {"必须", "应当"},
}.items()}


def obligation_change(old: str, new: str) -> str | None:
    """How the modal wording of a reworded sentence changed, None when it did not.

    A negation added or removed reads as such ("必要である → 必要ではない (negated)"), as does a modal that is
    only removed or only added; any other change is one of strength ("'should' → 'must'").
    """
    before, after = modal_words(old), modal_words(new)
    plain = _changed([label for label, _ in before], [label for label, _ in after])
    if plain is None:
        return None
    gone = Counter(label for label, _ in before) - Counter(label for label, _ in after)
    came = Counter(label for label, _ in after) - Counter(label for label, _ in before)

    def words(found: list[tuple[str, str]], labels: Counter[str]) -> str:
        return ", ".join(dict.fromkeys(word for label, word in found if label in labels))

    if any(NEGATES.get(label, frozenset()) & set(gone) for label in came):
        return f"{words(before, gone)} → {words(after, came)} (negated)"
    if any(NEGATES.get(label, frozenset()) & set(came) for label in gone):
        return f"{words(before, gone)} → {words(after, came)} (negation removed)"
    if not came:
        return f"{plain} (modal removed)"
    if not gone:
        return f"{plain} (modal added)"
    return plain


def defines(text: str) -> bool:
    """Whether the sentence defines a term ("X means", "「X」とは", "X란 … 말한다", "X是指")."""
    return bool(_DEFINES.search(text))


def defined_term(text: str) -> str:
    """The term a defining sentence defines, when it can be read off ("" otherwise)."""
    match = _TERM.search(text)
    return next((g.strip() for g in match.groups() if g), "") if match else ""


def numbers(text: str) -> list[str]:
    """Numbers with their unit, normalized ("36 months", "3년", "6个月", "1271.10"), in order."""
    return [" ".join(m.group(0).casefold().split()) for m in _NUMBERS.finditer(text)]


@dataclass(frozen=True)
class Finding:
    """One significant change: its class, a short description (`detail`), the old and new sentence(s)
    ("" on the side where there is none), where it is, and which topics it names."""

    kind: str
    detail: str
    old: str = ""
    new: str = ""
    section: Path = ()
    topics: frozenset[str] = frozenset()
    kinds: tuple[str, ...] = ()  # every class that applies, best first (kind is kinds[0])
    at: int = -1  # offset in the new text (in the old text for a removal)


def tidy(text: str) -> str:
    """A sentence as shown and searched: whitespace collapsed, and dropped between two Han/kana characters (a line
    break inside a Japanese or Chinese sentence is no space)."""
    return _BETWEEN_CJK.sub("", " ".join(text.split()))


def squash(text: str) -> str:
    """Text compared for meaning: whitespace collapsed, and dropped next to CJK/Hangul (where a parser's line join
    or a re-wrapped source adds or moves spaces without changing a word)."""
    return _AROUND_CJK.sub("", " ".join(text.split()))


class _Sentences:
    """Sentence boundaries of one text, for expanding a change to the sentences around it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends = [m.end() for m in _BOUNDARY.finditer(text)]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The smallest run of whole sentences covering text[start:end]."""
        k = bisect.bisect_right(self.ends, start)
        left = self.ends[k - 1] if k > 0 else 0
        k = bisect.bisect_left(self.ends, end)
        right = self.ends[k] if k < len(self.ends) else len(self.text)
        return left, max(right, left)

    def split(self, start: int, end: int) -> list[str]:
        """The sentences in text[start:end], stripped, empty ones dropped."""
        cuts = [start, *(e for e in self.ends if start < e < end), end]
        return [s for x, y in zip(cuts, cuts[1:], strict=False) if (s := self.text[x:y].strip())]


@dataclass
class _Unit:
    old: tuple[int, int]
    new: tuple[int, int]
    section: Path


def classify(
    old_text: str, new_text: str, ops: Sequence[DiffOp], *, status: tuple[str, str] | None = None,
    glossary: Glossary | None = None,
) -> list[Finding]:
    """Findings for one change of a document, in text order (see `rank`).

    `ops` is the diff of the two texts (`diff_words`, or `alerts.sections.diff_document` for sections and moves).
    `status` is the document's (old, new) status when the caller knows it ("draft", "final", "withdrawn",
    "superseded"). An empty old text is a new document, an empty new text a removed one.
    """
    found: list[Finding] = []
    if status and status[0] != status[1]:
        found.append(Finding("status", f"{status[0]} → {status[1]}", kinds=("status",)))
    if not old_text.strip() or not new_text.strip():
        if old_text.strip() or new_text.strip():
            kind, text = ("new", new_text) if new_text.strip() else ("removed", old_text)
            found.append(Finding(kind, f"{kind} document", topics=frozenset(tag(text, glossary)), kinds=(kind,)))
        return found
    if any(op.old_at < 0 for op in ops):
        ops = positioned(ops)
    old_s, new_s = _Sentences(old_text), _Sentences(new_text)
    units = [(unit, *_sides(old_s.split(*unit.old), new_s.split(*unit.new))) for unit in _units(ops, old_s, new_s)]
    found += _moved_sentences(units, glossary)
    for unit, gone, came in units:
        found += _judge(gone, came, unit, glossary)
    for op in ops:
        if op.op == "move":
            found += _judge_move(op, glossary)
    return found


def _units(ops: Sequence[DiffOp], old_s: _Sentences, new_s: _Sentences) -> list[_Unit]:
    """Changed stretches grown to whole sentences; stretches sharing a sentence become one unit."""
    units: list[_Unit] = []
    for op in ops:
        if op.op in ("equal", "move") or squash(op.old) == squash(op.new):
            continue
        old = old_s.span(op.old_at, op.old_at + len(op.old))
        new = new_s.span(op.new_at, op.new_at + len(op.new))
        if units and (new[0] < units[-1].new[1] or old[0] < units[-1].old[1]):
            last = units[-1]
            last.old = (min(last.old[0], old[0]), max(last.old[1], old[1]))
            last.new = (min(last.new[0], new[0]), max(last.new[1], new[1]))
        else:
            units.append(_Unit(old, new, op.section or op.old_section))
    return units


def _sides(olds: list[str], news: list[str]) -> tuple[list[str], list[str]]:
    """The sentences of one unit that vanished and that appeared (compared by `squash`), tidied."""
    olds, news = [tidy(s) for s in olds], [tidy(s) for s in news]
    old_keys, new_keys = {squash(s) for s in olds}, {squash(s) for s in news}
    return [s for s in olds if squash(s) not in new_keys], [s for s in news if squash(s) not in old_keys]


def _moved_sentences(units: list[tuple[_Unit, list[str], list[str]]], glossary: Glossary | None) -> list[Finding]:
    """A sentence that vanished in one unit and appeared unchanged in another moved: one editorial finding, and
    it is taken out of both units (a repeated text can make the diff show such a pair)."""
    gone = Counter(squash(s) for _, g, _ in units for s in g)
    came = Counter(squash(s) for _, _, c in units for s in c)
    moved = gone & came
    if not moved:
        return []
    found, left_old, left_new = [], Counter(moved), Counter(moved)
    for unit, g, c in units:
        for sentence in list(c):
            if left_new[squash(sentence)] > 0:
                left_new[squash(sentence)] -= 1
                c.remove(sentence)
                if not furniture(sentence):  # a page number or a running reference that moved is no finding
                    found.append(Finding("editorial", f"moved: {_q(sentence)}", sentence, sentence, unit.section,
                                         frozenset(tag(sentence, glossary)), ("editorial",), unit.new[0]))
        for sentence in list(g):
            if left_old[squash(sentence)] > 0:
                left_old[squash(sentence)] -= 1
                g.remove(sentence)
    return found


def furniture(text: str) -> bool:
    """Whether a sentence is only page furniture a parser left in: page numbers ("- 3 -", "第3页", "Page 3 of 9")
    and document references ("EMA/CAT/22473/2025"); its moves, additions and removals are no finding."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(lines) and not text.strip().isdigit() and all(
        is_page_number(line) or REFERENCE.fullmatch(line) for line in lines)


def _judge(gone: list[str], came: list[str], unit: _Unit, glossary: Glossary | None) -> list[Finding]:
    """Findings for one unit: reworded pairs (a stamp-only pair gives none), then additions, then removals; page
    furniture gives none."""
    gone, came = [s for s in gone if not furniture(s)], [s for s in came if not furniture(s)]
    pairs = _pair(gone, came)
    found = [_reworded(o, n, unit, glossary) for o, n in pairs if not stamp_only(o, n)]
    paired_old, paired_new = {o for o, _ in pairs}, {n for _, n in pairs}
    found += [_added(n, unit, glossary, "new") for n in came if n not in paired_new]
    found += [_added(o, unit, glossary, "removed") for o in gone if o not in paired_old]
    return found


def stamp_only(old: str, new: str) -> bool:
    """Whether the two versions of a sentence differ only in numbers that are stamps, counters or file sizes."""
    ops = diff_words(old, new)
    if all(op.op == "equal" for op in ops):
        return False
    offset = 0
    for op in ops:
        if op.op != "equal":
            before, after = new[:offset], new[offset + len(op.new):]
            bracketed = bool(_OPEN.search(before) and _CLOSE.match(after))
            sized = bracketed and all(_SIZED.fullmatch(text) for text in (op.old, op.new) if text)
            if not sized and not _FIGURES.fullmatch(op.old + op.new):
                return False
            if not (sized or _STAMP_BEFORE.search(before[-40:]) or (bracketed and _SIZE_AFTER.match(after))):
                return False
        offset += len(op.new)
    return True


def _pair(gone: list[str], came: list[str]) -> list[tuple[str, str]]:
    """Reworded sentences: each vanished sentence with the most similar new one; one of each always pairs."""
    if len(gone) == 1 and len(came) == 1:
        return [(gone[0], came[0])]
    scored = sorted(((-_similarity(o, n), k, m) for k, o in enumerate(gone) for m, n in enumerate(came)))
    pairs, used_o, used_n = [], set(), set()
    for score, k, m in scored:
        if -score >= _PAIRING and k not in used_o and m not in used_n:
            used_o.add(k)
            used_n.add(m)
            pairs.append((gone[k], came[m]))
    return pairs


def _similarity(a: str, b: str) -> float:
    tokens_a = [t for t in tokenize_words(a) if not t.isspace()]
    tokens_b = [t for t in tokenize_words(b) if not t.isspace()]
    return SequenceMatcher(None, tokens_a, tokens_b, autojunk=False).ratio()


def _reworded(old: str, new: str, unit: _Unit, glossary: Glossary | None) -> Finding:
    topics_old, topics_new = tag(old, glossary), tag(new, glossary)
    details: dict[str, str] = {}
    if defines(old) or defines(new):
        term = defined_term(new) or defined_term(old)
        details["definition"] = (f"{_q(term)}: " if term else "") + summarize_ops(diff_words(old, new), limit=1)
    if (modal := obligation_change(old, new)) is not None:
        details["obligation"] = modal
    if (figures := _changed(numbers(old), numbers(new))) is not None:
        details["numbers"] = figures
    if topics_old != topics_new:
        details["scope"] = _topic_change(topics_old, topics_new)
    if not details:
        details["editorial"] = summarize_ops(diff_words(old, new), limit=2)
    kinds = tuple(kind for kind in SIGNIFICANCES if kind in details)
    return Finding(kinds[0], details[kinds[0]], old, new, unit.section, frozenset(topics_old | topics_new), kinds,
                   unit.new[0])


def _added(sentence: str, unit: _Unit, glossary: Glossary | None, side: str) -> Finding:
    """A sentence only on one side: a definition, a scope change (names a product class), or plain new/removed."""
    topics = frozenset(tag(sentence, glossary))
    verb = "added" if side == "new" else "removed"
    kinds = tuple(k for k, hit in (("definition", defines(sentence)), ("scope", bool(topics)), (side, True))
                  if hit)
    detail = ("" if kinds[0] == side else f"{verb}: ") + _q(sentence)
    detail += f" ({', '.join(sorted(topics))})" if topics else ""
    old, new = ("", sentence) if side == "new" else (sentence, "")
    return Finding(kinds[0], detail, old, new, unit.section, topics, kinds,
                   unit.new[0] if side == "new" else unit.old[0])


def _judge_move(op: DiffOp, glossary: Glossary | None) -> list[Finding]:
    where = f" from {short_path(op.old_section) or 'top'} to {short_path(op.section) or 'top'}"
    if squash(op.old) == squash(op.new):
        if furniture(op.new):
            return []
        topics = frozenset(tag(op.new, glossary))
        return [Finding("editorial", f"moved{where if op.old_section != op.section else ''}: {_q(op.new)}",
                        op.old.strip(), op.new.strip(), op.section, topics, ("editorial",), op.new_at)]
    unit = _Unit((op.old_at, op.old_at + len(op.old)), (op.new_at, op.new_at + len(op.new)), op.section)
    gone, came = _sides(_Sentences(op.old).split(0, len(op.old)), _Sentences(op.new).split(0, len(op.new)))
    return _judge(gone, came, unit, glossary)


def _changed(old: list[str], new: list[str]) -> str | None:
    """"'should' → 'must'" when the two lists differ as multisets, else None."""
    gone, came = Counter(old) - Counter(new), Counter(new) - Counter(old)
    if not gone and not came:
        return None
    left = ", ".join(_q(x) for x in gone) or "(none)"
    right = ", ".join(_q(x) for x in came) or "(none)"
    return f"{left} → {right}"


def _topic_change(old: set[str], new: set[str]) -> str:
    parts = []
    if new - old:
        parts.append("now names " + ", ".join(sorted(new - old)))
    if old - new:
        parts.append("no longer names " + ", ".join(sorted(old - new)))
    return "; ".join(parts)


def _q(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return "'" + (flat if len(flat) <= width else flat[: width - 1] + _ELLIPSIS) + "'"


def rank(findings: Sequence[Finding]) -> list[Finding]:
    """Most significant first: by class (Significance order), then findings naming a topic, then text order."""
    return sorted(findings, key=lambda f: (SIGNIFICANCES.index(f.kind), not f.topics, f.at))


_GENERIC_TITLE = re.compile(
    r"^(?:draft\s+)?(?:guidance|guideline)\s+for\s+(?:industry|.*\bstaff)\b.*$|^small entity compliance guide$"
    r"|^(?:scientific\s+guideline|questions and answers|q\s*&\s*a)$", re.I)
_GENERIC_SUFFIX = re.compile(r"\s+[-–]\s+(?:scientific\s+guideline|guidance)\s*$", re.I)


def short_title(title: str, width: int = 80) -> str:
    """The distinctive part of a title: the last part after ': ' that has at least two words and is not a generic
    label such as "Guidance for Industry and Food and Drug Administration Staff" or "- Scientific guideline"."""
    flat = _GENERIC_SUFFIX.sub("", " ".join(title.split()))
    parts = [p for p in flat.split(": ") if p.strip()]
    while len(parts) > 1 and _GENERIC_TITLE.match(parts[-1].strip()):
        parts.pop()
    tail = parts[-1] if parts else flat
    text = tail if len(parts) > 1 and len(tail.split()) >= 2 else ": ".join(parts) or flat
    return text if len(text) <= width else text[: width - 1] + _ELLIPSIS


def summary_line(agency: str, title: str, findings: Sequence[Finding], section: Path | None = None) -> str:
    """One line for a human, e.g. `FDA · Minimal Manipulation and Homologous Use · obligation: 'should' → 'must'
    in V.A`; `section` overrides the top finding's own; further findings are counted at the end."""
    head = f"{agency.upper()} · {short_title(title)}"
    if not findings:
        return f"{head} · no wording change"
    ranked = rank(findings)
    top = ranked[0]
    where = section_label(top.section if section is None else section)
    line = f"{head} · {top.kind}: {top.detail}" + (f" in {where}" if where else "")
    if len(ranked) > 1:
        others = Counter(f.kind for f in ranked[1:])
        line += " (+" + ", ".join(f"{n} {kind}" for kind, n in others.items()) + ")"
    return line
