"""How much unchanged text to keep around a change, in every script. Pure functions.

Context is measured in words for Latin scripts and Korean (which separate words by spaces), and in characters
for Japanese and Chinese (which do not: a whitespace "word" there is a whole paragraph). One word of context is
worth `CJK_CHARS_PER_WORD` characters. Context never reaches past the line (paragraph) the change is on, and in
Japanese and Chinese not past the sentence either; 0 keeps nothing but the changed words.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from regwatch.alerts.diff import CJK, DiffOp

ELLIPSIS = "…"
CJK_CHARS_PER_WORD = 3
_UNIT = re.compile(f"[{CJK}]|[^\\s{CJK}]+")  # one CJK character, or one run of other non-space characters
_CJK_CHAR = re.compile(f"[{CJK}]")
_SENTENCE_END = "。！？!?"


def trim_context(text: str, words: int, *, keep_head: bool, keep_tail: bool) -> str:
    """Shorten an unchanged run to `words` words (or their worth in CJK characters) at its start (`keep_head`:
    what follows the change before it) and at its end (`keep_tail`: what leads to the change after it); the cut
    is marked with '…'."""
    head, cut, tail = split_context(text, words, keep_head=keep_head, keep_tail=keep_tail)
    return " ".join(p for p in (head, ELLIPSIS if cut else "", tail) if p) if cut else head + tail


def split_context(text: str, words: int, *, keep_head: bool, keep_tail: bool) -> tuple[str, bool, str]:
    """`trim_context` in parts: (kept start, whether text was cut out, kept end); uncut, the start is the text."""
    head = _head(text, words) if keep_head else 0
    tail = _tail(text, words) if keep_tail else len(text)
    if head >= tail:
        return text, False, ""
    if not text[head:tail].strip():
        return text[:head], False, text[head:]
    return text[:head].rstrip(" "), True, text[tail:].lstrip(" ")


def _weight(unit: str) -> int:
    return 1 if _CJK_CHAR.fullmatch(unit) else CJK_CHARS_PER_WORD


def _head(text: str, words: int) -> int:
    """Where the start of `text` worth `words` words ends: not past its line (nor its CJK sentence)."""
    budget, end = words * CJK_CHARS_PER_WORD, 0
    for m in _UNIT.finditer(text):
        if "\n" in text[end:m.start()] or budget < _weight(m.group()):
            break
        budget -= _weight(m.group())
        end = m.end()
        if m.group()[-1] in _SENTENCE_END and _CJK_CHAR.search(text[max(0, end - 2):end]):
            break
    return end


def _tail(text: str, words: int) -> int:
    """Where the end of `text` worth `words` words starts: not before its line (nor its CJK sentence)."""
    budget, start = words * CJK_CHARS_PER_WORD, len(text)
    for m in reversed(list(_UNIT.finditer(text))):
        if "\n" in text[m.end():start] or budget < _weight(m.group()):
            break
        if m.group()[-1] in _SENTENCE_END and _CJK_CHAR.search(m.group() + text[m.end():m.end() + 1]):
            break
        budget -= _weight(m.group())
        start = m.start()
    return start


def fold_ops(ops: Sequence[DiffOp], words: int) -> list[DiffOp]:
    """`ops` with each unchanged run trimmed to `words` words of context on the sides that touch a change."""
    if not any(op.op != "equal" for op in ops):
        return list(ops)
    last = len(ops) - 1
    out = []
    for k, op in enumerate(ops):
        if op.op == "equal":
            text = trim_context(op.old, words, keep_head=k > 0, keep_tail=k < last)
            op = dataclasses.replace(op, old=text, new=text)
        out.append(op)
    return out
