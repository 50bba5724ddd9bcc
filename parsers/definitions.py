"""Definitions in a document's text: which term a sentence defines, in English, Japanese, Korean and Chinese.

The defining forms read (one match per sentence; the whole sentence is kept):
- English: `X means …`, `X is defined as …`, `the term X refers to …`, `"X" refers to …`, and `X: …` / `X – …`
  entries under a Definitions / Glossary heading;
- Japanese: `「X」とは、…をいう。`, `Xとは…をいう。` (also …を指す, …のことをいう), entries under 定義 / 用語;
- Korean: `"X"(이)란 …을 말한다.`, `X(이)라 함은 … 말한다.`, entries under 용어의 정의 / 정의;
- Chinese: `X是指…`, `本指导原则所称X，是指…`, `X，指…`, `X系指…`, `X定义为…`, entries under 术语和定义 / 定义.

A sentence cut by a page break (a blank line and a lone page number in the middle) is joined again before it is
read; quoted terms may hold nested quotation marks of their script (「X『Y』」, “X ‘Y’”, "X 'Y'"); a term is the
whole phrase before the defining words (幹細胞とは… defines 幹細胞, never 細胞). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KANA = "\u3040-\u30ff\u31f0-\u31ff"
_HAN = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"
_WIDE = f"{_KANA}{_HAN}{_HANGUL}"

MAX_TERM = 80  # characters of a term (English); CJK terms are shorter
MAX_CJK_TERM = 30


@dataclass(frozen=True)
class Definition:
    """One defining sentence: the term as written, its matching keys (the term and any abbreviation given with it),
    the whole sentence, its language, the defining form, the heading it falls under and its offset in the text."""

    term: str
    keys: tuple[str, ...]
    sentence: str
    language: str  # en | ja | ko | zh
    form: str  # means | defined_as | refers_to | toiu | ran | shizhi | suocheng | zhi | entry
    section: str = ""
    at: int = 0


# --- term keys -------------------------------------------------------------------------------------------------

_QUOTES = "\"'“”‘’「」『』《》〈〉【】«»"
_PAREN = re.compile(r"\s*[(（]([^()（）]{1,30})[)）]\s*")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)


def term_key(text: str) -> str:
    """The form a term is compared in: NFKC, case-folded, quotes and hyphens dropped, a plural made singular,
    whitespace removed next to CJK/Hangul ("줄기 세포" = "줄기세포"). "Stem cells" → "stem cell"."""
    flat = unicodedata.normalize("NFKC", text).casefold()
    flat = flat.translate({ord(c): None for c in _QUOTES})
    flat = re.sub(r"[-‐‑–—_]", " ", flat)
    flat = " ".join(flat.split())
    flat = _ARTICLE.sub("", flat)
    flat = re.sub(f"(?<=[{_WIDE}])\\s+|\\s+(?=[{_WIDE}])", "", flat)
    words = flat.split(" ")
    last = words[-1] if words else ""
    if re.fullmatch(r"[a-z][a-z/]*", last):
        if "/" in last and last.endswith("s"):
            last = last[:-1]  # "hct/ps" → "hct/p"
        elif last.endswith("ies") and len(last) > 4:
            last = last[:-3] + "y"
        elif last.endswith(("ches", "shes", "sses", "xes")):
            last = last[:-2]
        elif len(last) >= 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
            last = last[:-1]
    if last == "media" and len(words) > 1:
        last = "medium"
    words[-1] = last
    return " ".join(words).strip()


def keys_of(term: str) -> tuple[str, ...]:
    """Keys for a term as written: the term without its parenthesis, and the parenthesis itself when it is an
    abbreviation or a second name ("mesenchymal stem cells (MSCs)" → "mesenchymal stem cell", "msc")."""
    keys: list[str] = []
    inner = [m.group(1) for m in _PAREN.finditer(term)]
    bare = _PAREN.sub(" ", term).strip()
    for candidate in (bare, *inner):
        key = term_key(candidate)
        if key and key not in keys and not re.fullmatch(r"[\d\s.,/()]*", key):
            keys.append(key)
    return tuple(keys)


# --- text → sentences ------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4}"
    r"|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*페이지)\s*$", re.I)
_END = ".。!?！？:：;；"
_CJK_NUMBERED = re.compile(
    r"^(?:第[0-9一二三四五六七八九十百]+[章節节条條]|제\d+[장절조]|[一二三四五六七八九十]+[、．.]|[(（][0-9一二三四五六七八九十]+[)）]"
    r"|\d{1,2}(?:\.\d{1,2})*[.、．)]?\s|[IVXLC]{1,6}\.\s|[A-Z]\.\s|[가-하]\.\s)")
_DEF_HEADING = re.compile(
    r"^(?:(?:第[0-9一二三四五六七八九十]+[章節节条條]|제\d+[조장]|[0-9一二三四五六七八九十IVX]{1,4}[.、．)]|[(（][0-9一二三四五六七八九十]+[)）]"
    r"|[A-Z]\.)\s*)?[(（]?(?:definitions?(?:\s+and\s+abbreviations)?|glossary(?:\s+of\s+terms)?|terms\s+and\s+definitions"
    r"|definitions?\s+of\s+terms|用語の定義|定義|用語|용어의\s?정의|정의|术语和定义|术语及定义|术语|定义|名词解释)[)）]?\s*[:：]?$",
    re.I)
_COLON_THEN_TEXT = re.compile(r"[:：]\s*\S")
_WIDE_CHAR = re.compile(f"[{_WIDE}]")
_KANA_HAN = re.compile(f"[{_KANA}{_HAN}]")
_KANA_HAN_OR_CLOSE = re.compile(f"[{_KANA}{_HAN}、，）」』]")
_HANGUL_CHAR, _KANA_CHAR, _HAN_CHAR = (re.compile(f"[{chars}]") for chars in (_HANGUL, _KANA, _HAN))
_ABBREV = re.compile(r"(?:\b(?:U\.S|e\.g|i\.e|etc|No|Nos|Sec|Dr|vs|cf|Fig|al|approx|Inc|Ltd|Co|St)|\b[A-Z])\.$")
_ABBREV_WIDTH = len("approx.")  # the longest `_ABBREV` match: a full stop is checked against the text just before it
_CUT = re.compile(r"[。！？]|[.!?](?=\s+[\"“'‘(]?[A-Z0-9" + _WIDE + r"])|[.!?]$")


def _is_heading(block: str) -> bool:
    """A one-line block that reads as a heading: short, no closing punctuation, numbered, in capitals, or a
    definitions heading."""
    if "\n" in block or len(block) > 80 or block[-1:] in _END or _COLON_THEN_TEXT.search(block):
        return False
    if _DEF_HEADING.match(block):
        return True
    if _DEFINING_HINT.search(block):
        return False
    if _CJK_NUMBERED.match(block) and len(block) <= 60:
        return True
    letters = [c for c in block if c.isalpha()]
    return len(letters) >= 4 and all(not c.islower() for c in letters) and not _WIDE_CHAR.search(block)


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one string: no space where a break fell between two CJK characters."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (_KANA_HAN.match(line[0]) and _KANA_HAN_OR_CLOSE.match(out[-1])):
            out += " "
        out += line
    return out


def _blocks(text: str) -> list[tuple[int, str]]:
    """Paragraphs (offset, text): blank lines split, lone page numbers dropped, and a paragraph that stops without
    closing punctuation runs on into the next one (a sentence cut by a page break)."""
    raw: list[tuple[int, list[str]]] = []
    pos, current, start = 0, [], 0
    for line in text.split("\n"):
        stripped = line.strip().replace("\f", "")
        if not stripped or _PAGE_NUMBER.match(stripped):
            if current:
                raw.append((start, current))
                current = []
        else:
            if not current:
                start = pos
            current.append(stripped)
        pos += len(line) + 1
    if current:
        raw.append((start, current))
    blocks: list[tuple[int, str]] = []
    for start, lines in raw:
        joined = _join(lines)
        if blocks:
            prev = blocks[-1][1]
            cut = prev[-1:] not in _END and not _is_heading(prev) and not _is_heading(joined)
            if cut and (joined[:1].islower() or re.match(f"[{_WIDE}、，]", joined[:1])) and not _ENTRY.match(joined):
                blocks[-1] = (blocks[-1][0], _join([prev, joined]))
                continue
        blocks.append((start, joined))
    return blocks


def _sentences(block: str) -> list[tuple[int, str]]:
    """Sentences of one paragraph with their offsets in it (abbreviations such as "U.S." and "e.g." do not end one)."""
    out, start = [], 0
    for match in _CUT.finditer(block):
        end = match.end()
        if match.group(0) == "." and _ABBREV.search(block, max(0, end - _ABBREV_WIDTH), end):
            continue
        if block[start:end].strip():
            out.append((start, block[start:end].strip()))
        start = end
    if block[start:].strip():
        out.append((start, block[start:].strip()))
    return out


# --- the defining forms ----------------------------------------------------------------------------------------

_Q_EN = r"[\"“]((?:[^\"“”]|[‘'][^‘’']*[’'])+?)[\"”]"
_Q_JA = r"[「『]((?:[^「」『』]|『[^』]*』|「[^」]*」)+?)[」』]"
_Q_KO = r"[\"“‘「『]((?:[^\"“”‘’「」『』]|[‘'「『][^’'」』]*[’'」』])+?)[\"”’」』]"
_Q_ZH = r"[“\"「『《]((?:[^“”\"「」『』《》]|[‘「『][^’」』]*[’」』])+?)[”\"」』》]"

_PRONOUN = re.compile(
    r"^(?:this|that|it|which|what|such|these|those|there|he|she|they|we|you|each|any|all|one|compliance|use|"
    r"failure|doing so|approval|this term|that term|the term|the word|it also|this also)$", re.I)
_EN_LEAD = re.compile(
    r"^(?:(?:for|in|as used in)\s+(?:the\s+purposes?\s+of\s+)?(?:this|these|the\s+present)\s+[\w\s-]{1,40}?,\s*"
    r"|under\s+[^,]{1,60},\s*|\(?[a-z0-9ivx]{1,4}[.)]\s*|[-•·*]\s*)*(?:the\s+terms?\s+)?", re.I)
_EN_MEANS = re.compile(rf"^(?:{_Q_EN}|([A-Za-z][\w/,()\s-]{{0,{MAX_TERM}}}?))\s*,?\s+(?-i:means|shall\s+mean|mean)\b"
                       r"(?!\s+(?:that|of|to)\b)", re.I)
_EN_DEFINED = re.compile(rf"^(?:{_Q_EN}|([A-Za-z][\w/,()\s-]{{0,{MAX_TERM}}}?))\s+(?-i:is|are)\s+(?:hereby\s+)?"
                         r"(?-i:defined)\s+(?:(?:in|under|by)\s+[^,]{1,60}?\s+)?as\b", re.I)
_EN_REFERS = re.compile(rf"^(?:the\s+terms?\s+(?:{_Q_EN}|([A-Za-z][\w/()\s-]{{0,{MAX_TERM}}}?))|{_Q_EN})"
                        r"\s+(?-i:refers?|is\s+used)\s+to\b", re.I)
_EN_ASIDE = re.compile(r",\s*(?:as used (?:in|here|herein)|for the purposes? of|in the context of)[^,]{0,60},\s*"
                       r"(?=(?-i:means|is defined|are defined|refers?)\b)", re.I)
# The verb every English form needs (`means`, `is defined as`, `refers to`, `is used to`): a sentence without one is
# not matched against the forms.
_EN_VERB = re.compile(r"mean|defined|refer|is\s+used")
_EN_CLAUSE = re.compile(r"\b(?:should|must|shall|may|will|can|could|would|what|which|whether|describe|explain)\b",
                        re.I)

_JA_LEAD = re.compile(r"^(?:[(（]?[0-9一二三四五六七八九十]{1,3}[)）.、．]\s*)?"
                      r"(?:.{0,30}?(?:において|では|における)、?)?")
_JA_QUOTED = re.compile(rf"{_Q_JA}とは[、，]?")
_JA_BARE = re.compile(rf"^([{_KANA}{_HAN}A-Za-z0-9・／/ー－\-]{{1,{MAX_CJK_TERM}}}?)とは[、，]")
_JA_END = re.compile(r"(?:をいう|をいい、|を言う|をいいます|を指す|を指します|のことをいう|のことである"
                     r"|と定義する|と定義される)")
_JA_NOT = re.compile(r"^(?:異な|限ら|いえ|言え|違|別|無関係|関係な)")

_KO_LEAD = re.compile(r"^(?:[(（]?[0-9]{1,3}[)）.]\s*|[가-하]\.\s*)?"
                      r"(?:이\s(?:지침|규정|고시|가이드라인|법|안내서|규칙)에서\s*(?:사용하는\s*용어의\s*뜻은\s*다음과\s*같다\.?\s*)?)?")
_KO_QUOTED = re.compile(rf"{_Q_KO}\s?(?:이)?(?:란|라\s?함은|라고\s?함은|는|은)\s")
_KO_BARE = re.compile(rf"^([{_HANGUL}A-Za-z0-9·/()\s-]{{1,{MAX_CJK_TERM}}}?)(?:이)?(?:란|라\s?함은)\s")
_KO_END = re.compile(r"(?:말한다|말함|의미한다|뜻한다|정의한다|가리킨다)\s*[.。]?\s*$")

_ZHI = "(?![导南标出定示明引令派控责挥数纹针])"  # 指 of 是指/指, not of 指导, 指南, 指标, 指出, 指定 …
_ZH_TERM = rf"[{_HAN}A-Za-z0-9/（）()\-]{{1,{MAX_CJK_TERM}}}?"
_ZH_SUOCHENG = re.compile(rf"所称(?:的)?(?:{_Q_ZH}|({_ZH_TERM}))[，,]?(?:是指|系指|指){_ZHI}")
_ZH_QUOTED = re.compile(rf"{_Q_ZH}[，,]?\s?(?:是指{_ZHI}|系指|指的是|定义为|指{_ZHI})")
_ZH_LEAD = re.compile(r"^(?:[(（]?[0-9一二三四五六七八九十]{1,3}[)）.、．]\s*)?"
                      r"(?:本(?:指导原则|规定|办法|指南|文件|通知|标准)中[，,]?|所谓)?")
_ZH_BARE = re.compile(rf"^({_ZH_TERM})(?:(是指{_ZHI}|系指|指的是|定义为)|[，,](指){_ZHI})")
_ZH_PRONOUN = re.compile(r"^(?:这|此|其|它|该|上述|前者|后者|以上|本文|这里|这也|也就)")

_ENTRY = re.compile(rf"^(?:[(（]?[0-9一二三四五六七八九十]{{1,3}}[)）.、．]\s*|[①-⑳]\s*|[-•·*]\s*|[가-하]\.\s*)?"
                    rf"(?:{_Q_EN}|{_Q_JA}|([^\s:：–—][^:：–—。.]{{0,{MAX_TERM}}}?))\s*(?:[:：]|\s[–—]\s|\s-\s)\s*(\S.{{4,}})$",
                    re.S)
_DEFINING_HINT = re.compile(r"\bmeans\b|\bdefined\s+as\b|\brefers?\s+to\b|とは|란\s|라\s?함은|是指|系指|所称")


def language(sentence: str) -> str:
    """en | ja | ko | zh, from the script of the sentence (kana → ja; Hangul → ko; Han alone → zh)."""
    if _HANGUL_CHAR.search(sentence):
        return "ko"
    if _KANA_CHAR.search(sentence):
        return "ja"
    if _HAN_CHAR.search(sentence):
        return "zh"
    return "en"


def _pick(match: re.Match[str]) -> str:
    term = next((g for g in match.groups() if g), "").strip()
    return re.sub(r"^(?:the|a|an)\s+", "", term, flags=re.I) if term.isascii() else term


def _term_ok(term: str, lang: str) -> bool:
    if not term or len(term) > (MAX_TERM if lang == "en" else MAX_CJK_TERM + 10):
        return False
    if lang == "en":
        words = term.split()
        return (len(words) <= 10 and not _PRONOUN.match(term) and not re.search(r"[.;:]", term)
                and not _EN_CLAUSE.search(term)
                and not re.match(r"(?:this|that|it|which|what|there|such)\b", term, re.I))
    if lang == "zh":
        return not _ZH_PRONOUN.match(term)
    return not re.search(r"[。.;；]", term)


def _english(flat: str) -> tuple[str, str] | None:
    body = _EN_LEAD.sub("", flat, count=1)
    for regex, form in ((_EN_MEANS, "means"), (_EN_DEFINED, "defined_as"), (_EN_REFERS, "refers_to")):
        if (m := regex.match(body)) and _term_ok(_pick(m), "en"):
            return _pick(m), form
        if (m := regex.match(flat)) and _term_ok(_pick(m), "en"):
            return _pick(m), form
    return None


def read_sentence(sentence: str, in_definitions: bool = False) -> tuple[str, str] | None:
    """(term as written, form) when the sentence defines a term, else None. `in_definitions`: the sentence is an
    entry of a Definitions / Glossary / 定義 / 정의 / 术语和定义 section (then `Term: text` entries count too)."""
    lang = language(sentence)
    flat = sentence.strip()
    found: tuple[str, str] | None = None
    if lang == "en":
        if _EN_VERB.search(flat):
            flat = _EN_ASIDE.sub(" ", flat)  # "X, as used in this guidance, means" → "X means"
            found = _english(flat)
    elif lang == "ja":
        if _JA_END.search(flat):
            body = _JA_LEAD.sub("", flat, count=1)
            m = _JA_QUOTED.search(flat)
            if not (m and not _JA_NOT.match(flat[m.end():]) and m.start() <= 40):
                m = _JA_BARE.match(body) or _JA_BARE.match(flat)
            if m:
                found = (_pick(m), "toiu")
    elif lang == "ko":
        if _KO_END.search(flat):
            body = _KO_LEAD.sub("", flat, count=1)
            m = _KO_QUOTED.search(body)
            if m and m.start() <= 10:
                found = (_pick(m), "ran")
            elif (m := _KO_BARE.match(body)) and not m.group(1).strip().endswith(("이", "것")):
                found = (_pick(m).strip(), "ran")
    else:
        if m := _ZH_SUOCHENG.search(flat):
            found = (_pick(m), "suocheng")
        else:
            body = _ZH_LEAD.sub("", flat, count=1)
            if (m := _ZH_QUOTED.match(body)) or (m := _ZH_QUOTED.match(flat)):
                found = (_pick(m), "shizhi")
            elif m := _ZH_BARE.match(body):
                found = (m.group(1), "zhi" if m.group(3) else "shizhi")
    if found and _term_ok(found[0], lang):
        return found
    if in_definitions and (m := _ENTRY.match(flat)):
        term = next((g for g in m.groups()[:-1] if g), "").strip()
        if _term_ok(term, lang if re.search(f"[{_WIDE}]", term) else "en") and len(m.groups()[-1].strip()) >= 4:
            return term, "entry"
    return None


def extract(text: str) -> list[Definition]:
    """Every defining sentence of a normalized document text, in text order (a document without any: [])."""
    found: list[Definition] = []
    heading, in_defs = "", False
    for offset, block in _blocks(text):
        if _is_heading(block):
            heading, in_defs = block, bool(_DEF_HEADING.match(block))
            continue
        # a glossary entry is one unit, whatever full stops it holds
        units = [(0, block)] if in_defs and _ENTRY.match(block) else _sentences(block)
        for at, sentence in units:
            hit = read_sentence(sentence, in_definitions=in_defs)
            if hit is None:
                continue
            term, form = hit
            keys = keys_of(term)
            if keys:
                found.append(Definition(term=term, keys=keys, sentence=sentence, language=language(sentence),
                                        form=form, section=heading, at=offset + at))
    return found
