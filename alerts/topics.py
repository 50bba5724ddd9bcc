"""Which product classes a text names: a multilingual topic glossary and a tagger.

The glossary maps a topic (e.g. "exosomes") to its terms in English, Japanese, Korean, Simplified and Traditional
Chinese. Matching applies NFKC and case folding to both sides; Latin terms match whole words only (with an optional
plural "s"/"es", so "EVs" counts and "level" does not), CJK and Hangul terms match as substrings (造血干细胞 names
干细胞). Pure functions; the compiled matcher is cached per glossary.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from types import MappingProxyType

Glossary = Mapping[str, tuple[str, ...]]

DEFAULT_GLOSSARY: Glossary = MappingProxyType({
    "stem_cells": (
        "stem cell", "stem/progenitor cell", "mesenchymal stromal cell", "induced pluripotent", "iPS cell",
        "幹細胞", "iPS細胞", "줄기세포", "干细胞",
    ),
    "conditioned_media": (
        "conditioned medium", "conditioned media", "culture supernatant", "secretome", "cell culture medium",
        "培養上清", "馴化培地", "セクレトーム", "배양액", "배양 상층액", "조건배지",
        "条件培养基", "培养上清液", "培养上清", "细胞培养液", "條件培養基", "培養上清液",
    ),
    "exosomes": (
        "exosome", "extracellular vesicle", "EV",
        "エクソソーム", "細胞外小胞", "엑소좀", "세포외소포", "세포밖소포", "外泌体", "细胞外囊泡", "胞外囊泡",
        "外泌體", "細胞外囊泡",
    ),
    "regenerative_medicine": (
        "regenerative medicine", "regenerative medical product", "RMAT",
        "再生医療", "재생의료", "재생의학", "再生医学", "再生医疗", "再生醫學",
    ),
    "hctp": (
        "HCT/P", "human cells, tissues, and cellular and tissue-based product",
        "human cell, tissue, or cellular or tissue-based product",
        "ヒト細胞加工製品", "인체세포등", "인체 세포·조직", "人体细胞组织产品", "人體細胞組織產品",
    ),
    "atmp": (
        "ATMP", "advanced therapy medicinal product", "advanced therapy",
        "再生医療等製品", "첨단바이오의약품", "先进治疗药品", "先进疗法", "先進治療藥品", "先進療法",
    ),
    "cosmetics": ("cosmetic", "化粧品", "화장품", "化妆品", "化妝品"),
    "gene_therapy": (
        "gene therapy", "genome editing", "遺伝子治療", "ゲノム編集", "유전자치료", "유전자 치료",
        "基因治疗", "基因编辑", "基因治療",
    ),
    "cell_therapy": (
        "cell therapy", "cellular therapy", "cell-based medicinal product", "CAR T",
        "細胞治療", "細胞療法", "細胞加工物", "세포치료", "세포 치료", "细胞治疗", "细胞疗法",
    ),
})

_LATIN = "0-9a-z\u00df-\u024f"  # after case folding
_HAS_LATIN = re.compile(f"[{_LATIN}]")


def fold(text: str) -> str:
    """The matching form of a text: NFKC, then case folding."""
    return unicodedata.normalize("NFKC", text).casefold()


def merge_glossary(user: Mapping[str, Iterable[str]], base: Glossary = DEFAULT_GLOSSARY) -> dict[str, tuple[str, ...]]:
    """`base` plus the user's glossary (config `topics`): a known topic gains the user's terms, a new one is added.

    Terms are stripped; empty and repeated terms are dropped (order kept).
    """
    merged = {topic: tuple(terms) for topic, terms in base.items()}
    for topic, terms in user.items():
        wanted = [term.strip() for term in terms if term.strip()]
        merged[topic.strip()] = tuple(dict.fromkeys([*merged.get(topic.strip(), ()), *wanted]))
    return merged


_WORD_GAP = r"[\s\-]+"  # what separates a term's words, in the term and in a text that names it


def _words(folded: str) -> list[str]:
    """The words of a folded term."""
    return [word for word in re.split(_WORD_GAP, folded) if word]


def _pattern(term: str) -> str:
    """A folded term as a regex: Latin-bearing terms whole-word with flexible spaces/hyphens and a plural."""
    folded = fold(term)
    body = _WORD_GAP.join(re.escape(word) for word in _words(folded))
    if not _HAS_LATIN.search(folded):
        return body
    plural = "(?:e?s)?" if _HAS_LATIN.fullmatch(folded[-1:]) and not folded[-1:].isdigit() else ""
    return f"(?<![{_LATIN}]){body}{plural}(?![{_LATIN}])"


def _first(term: str) -> str:
    """The first character a match of `_pattern(term)` consumes ("" for a term of spaces and hyphens only)."""
    words = _words(fold(term))
    return words[0][0] if words else ""


class _Matcher:
    """One alternation of every term (longest first), and folded term → topics."""

    def __init__(self, glossary: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self.topics: dict[str, set[str]] = {}
        for topic, terms in glossary:
            for term in terms:
                self.topics.setdefault(fold(term), set()).add(topic)
        terms_by_length = sorted(self.topics, key=len, reverse=True)
        patterns = {term: re.compile(_pattern(term)) for term in terms_by_length}
        for term in terms_by_length:  # 再生医療等製品 also names 再生医療: a longer match keeps the shorter's topics
            for inner, pattern in patterns.items():
                if inner != term and pattern.search(term):
                    self.topics[term] |= self.topics[inner]
        alternation = "|".join(f"(?P<t{i}>{_pattern(t)})" for i, t in enumerate(terms_by_length))
        # every term starts with one of these characters: other positions are passed over by one class test,
        # instead of trying each term there (the alternation's leading look-behinds defeat re's own prefix scan)
        starts = {_first(term) for term in terms_by_length}
        self.regex = re.compile(alternation if "" in starts or not starts else
                                f"(?=[{re.escape(''.join(sorted(starts)))}])(?:{alternation})")
        self.names = {f"t{i}": term for i, term in enumerate(terms_by_length)}

    def find(self, text: str) -> list[str]:
        """Folded glossary terms found in `text`, in order."""
        if not self.names:
            return []
        return [self.names[m.lastgroup] for m in self.regex.finditer(fold(text)) if m.lastgroup]


@functools.lru_cache(maxsize=16)
def _matcher(glossary: tuple[tuple[str, tuple[str, ...]], ...]) -> _Matcher:
    return _Matcher(glossary)


def _key(glossary: Glossary | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    chosen = DEFAULT_GLOSSARY if glossary is None else glossary
    return tuple(sorted((topic, tuple(terms)) for topic, terms in chosen.items()))


def find_terms(text: str, glossary: Glossary | None = None) -> list[str]:
    """The glossary terms (folded) that `text` names, in reading order, repeats included."""
    return _matcher(_key(glossary)).find(text)


def tag(text: str, glossary: Glossary | None = None) -> set[str]:
    """The topics `text` names, e.g. `tag("EV-derived 外泌体")` → {"exosomes"}."""
    matcher = _matcher(_key(glossary))
    return {topic for term in matcher.find(text) for topic in matcher.topics[term]}


def tag_folded(folded: str, glossary: Glossary | None = None) -> set[str]:
    """`tag` for a long text already folded (NFKC, case folded, whitespace collapsed), e.g. a search haystack.

    The same matching rules, run only on short windows around the first plausible occurrence of each term: over a
    whole long text the tagger's regular expression costs milliseconds.
    """
    windows = []
    for term in _spellings(_key(glossary)):
        at, tries = folded.find(term), 0
        while at != -1 and tries < 50:
            if not (_HAS_LATIN.match(term) and at > 0 and _HAS_LATIN.match(folded[at - 1])):
                windows.append(folded[max(0, at - 1):at + len(term) + 3])  # room for a plural and a boundary
                break
            at, tries = folded.find(term, at + 1), tries + 1
    return tag("\n".join(windows), glossary) if windows else set()


@functools.lru_cache(maxsize=4)
def _spellings(glossary: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """Every term folded as a search haystack is, with spaces and hyphens in both spellings ("stem cell",
    "stem-cell")."""
    folded = {" ".join(fold(term).split()) for _, terms in glossary for term in terms}
    return tuple(sorted({v for t in folded for v in (t, t.replace(" ", "-"), t.replace("-", " ")) if v}))
