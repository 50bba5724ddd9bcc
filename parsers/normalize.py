"""Text normalization: the one canonical form that is hashed and diffed.

`normalize_text` is deterministic and idempotent. Paragraphs are separated by one blank line; lines that
wrapping broke inside a paragraph are joined, while headings and list items keep their own line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Characters that render as nothing (or as a line-end hyphen only) and change between fetches.
_INVISIBLE_CHARS = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
                    "\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb")
_CONTROL_CHARS = "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
_BREAK_CHARS = "\r\x0b\x0c\x1c-\x1e\x85\u2028"
_PARAGRAPH_SEPARATOR = "\u2029"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_LINE_BREAKS = re.compile(f"\r\n|[{_BREAK_CHARS}]")
# Any character the three patterns above or the paragraph separator act on (most texts have none).
_SPECIAL = re.compile(f"[{_INVISIBLE_CHARS}{_CONTROL_CHARS}{_BREAK_CHARS}{_PARAGRAPH_SEPARATOR}]")
# "recom-\nmendation": a lower-case word split by a line-end hyphen (the hyphen goes)...
_SPLIT_WORD = re.compile(r"(?<=[a-zß-öø-ÿ])-\n(?=[a-zß-öø-ÿ])")
# ...while "COVID-\n19" or "HCT/P-\nBased" is a hyphenated compound that wrapped (the hyphen stays).
_SPLIT_COMPOUND = re.compile(r"(?<=[^\W_])-\n(?=[^\W_])")
_BLANK_LINES = re.compile(r"\n{2,}")

# "I. INTRODUCTION", "B. Structural tissue", "3.2 Potency", "a. Scope": a numbered heading or list item.
# ("(3) …" is left out: in PDFs it is mostly an inline enumeration that wrapping put at a line start.)
NUMBERED = re.compile(r"(?:[IVXLC]{1,6}|[A-Za-z]|\d{1,2})[.)]\s+\S|\d{1,2}(?:\.\d{1,2})+\.?\s+\S")
_BULLET = re.compile(r"[•◦▪▫‣∙●○■□➢►–—*-]\s")
_LEADERS = re.compile(r"\.{4,}|…{2,}|(?:\. ){4,}")
_SENTENCE_END = ".,;:"
# A line ending in one of these words was cut by wrapping, so it is not a heading.
_CONTINUATION = frozenset({
    "a", "an", "and", "as", "at", "be", "by", "for", "from", "in", "is", "of", "on", "or", "that", "the", "to",
    "which", "with",
})
_MAX_HEADING = 100  # characters
_MAX_NUMBERED_WORDS = 12  # longer numbered lines are list items that wrapped


def is_heading(line: str) -> bool:
    """Whether one normalized line reads as a heading: short, not a cut sentence, and numbered or in capitals."""
    if len(line) > _MAX_HEADING:  # first: a paragraph being joined grows long, and splitting it again is slow
        return False
    words = line.split()
    if not words or line[-1] in _SENTENCE_END or words[-1] in _CONTINUATION:
        return False
    if NUMBERED.match(line):
        return not line[:2].islower() and len(words) <= _MAX_NUMBERED_WORDS + 1 and not _LEADERS.search(line)
    if any(map(str.islower, line)):  # most lines stop here: a heading in capitals has no lower-case letter
        return False
    letters = sum(map(str.isalpha, line))
    return letters >= 4 and 2 * letters >= len(line.replace(" ", "")) and not _LEADERS.search(line)


def _starts_block(line: str) -> bool:
    """Whether a line begins a list item or numbered block (so it is never glued to the line before).

    Only the start of the line matters, so the answer cannot change when later lines are joined onto it.
    """
    return bool(_BULLET.match(line) or NUMBERED.match(line))


def _paragraph(lines: list[str]) -> str:
    """Join wrapped lines; headings and block starts keep their own line."""
    out: list[str] = []
    for line in lines:
        if out and not (is_heading(out[-1]) or is_heading(line) or _starts_block(line)):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _clean_characters(s: str) -> str:
    """Unify line endings, drop invisible/control characters, then apply NFKC.

    Deleting before NFKC matters: deleting afterwards could bring a base letter and a combining mark together
    and change the text again on the next pass.
    """
    if _SPECIAL.search(s):
        s = s.replace(_PARAGRAPH_SEPARATOR, "\n\n")
        s = _LINE_BREAKS.sub("\n", s)
        s = _CONTROL.sub("", _INVISIBLE.sub("", s))
    return unicodedata.normalize("NFKC", s)


def normalize_text(s: str) -> str:
    """Return the canonical form of `s` (NFKC, one space between words, one blank line between paragraphs)."""
    s = _clean_characters(s)
    s = "\n".join([" ".join(line.split()) for line in s.split("\n")])  # one space between words, none around
    if "-\n" in s:  # what both split patterns need
        s = _SPLIT_COMPOUND.sub("-", _SPLIT_WORD.sub("", s))
    s = s.strip("\n")
    blocks = _BLANK_LINES.split(s) if "\n\n\n" in s else s.split("\n\n")
    paragraphs = (_paragraph(block.split("\n")) for block in blocks)
    return "\n\n".join(p for p in paragraphs if p)


def text_sha256(text: str) -> str:
    """Hex sha256 of the normalized form of `text` (UTF-8): equal wording gives an equal hash."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
