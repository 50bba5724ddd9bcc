"""Word-level diff of two texts as data: a list of operations, rendered elsewhere.

Pure functions, no I/O. Rejoining the `old` texts of `diff_words(a, b)` gives back `a` exactly, and the `new`
texts give back `b` (folding context with `fold_context` gives that up on purpose).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

OpName = Literal["equal", "insert", "delete", "replace"]
Tokenizer = Callable[[str], list[str]]

ELLIPSIS = "…"
# Above this many token comparisons a block is reported as one replacement instead of being refined word by word
# (two unrelated 100 KB texts would otherwise cost minutes in difflib, for a diff nobody can read).
REFINE_BUDGET = 500_000

_WORD_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
# A segment is a sentence or line with its trailing whitespace; the first pass aligns whole segments.
_SEGMENT = re.compile(r"[^.;:!?\n]*(?:[.;:!?]+|\n|$)\s*")


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a diff: `old` is the text on the old side, `new` on the new side (equal ops: the same)."""

    op: OpName
    old: str
    new: str


def tokenize_words(text: str) -> list[str]:
    """Split into words, whitespace runs and single punctuation marks; `"".join` of the result is `text`."""
    return _WORD_TOKEN.findall(text)


def split_segments(text: str) -> list[str]:
    """Split into sentences/lines, each with its trailing whitespace; `"".join` of the result is `text`."""
    return [s for s in _SEGMENT.findall(text) if s]


def diff_words(
    old: str, new: str, *, context: int | None = None, tokenize: Tokenizer = tokenize_words
) -> list[DiffOp]:
    """Diff `old` and `new` word by word. With `context`, long unchanged runs are folded to that many words.

    Two passes keep it fast on long documents: unchanged sentences are aligned first, then only the changed
    stretches are diffed token by token (difflib, autojunk off, so common words still match); a stretch too
    large to refine cheaply (see REFINE_BUDGET) is reported as one replacement.
    """
    if old == new:
        ops = [DiffOp("equal", old, new)] if old else []
    else:
        ops = _merge(_cleanup(_merge(_two_pass(old, new, tokenize))))
    return fold_context(ops, context) if context is not None else ops


def _two_pass(old: str, new: str, tokenize: Tokenizer) -> Iterable[DiffOp]:
    a, b = split_segments(old), split_segments(new)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            yield DiffOp("equal", old_part, new_part)
        elif i2 - i1 == j2 - j1:  # as many sentences on each side: most likely each one was reworded
            for old_seg, new_seg in zip(a[i1:i2], b[j1:j2], strict=True):
                yield from _refine(old_seg, new_seg, tokenize)
        else:
            yield from _refine(old_part, new_part, tokenize)


def _refine(old: str, new: str, tokenize: Tokenizer) -> Iterable[DiffOp]:
    """Diff one changed stretch token by token. Whitespace rides along with the token before it and is not
    compared, so difflib never anchors on a lone space; whitespace differences are emitted afterwards."""
    a_keys, a_texts = _with_spacing(tokenize(old))
    b_keys, b_texts = _with_spacing(tokenize(new))
    if not a_keys or not b_keys or _match_cost(a_keys, b_keys) > REFINE_BUDGET:
        yield _change(old, new)
        return
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a_keys, b_keys, autojunk=False).get_opcodes():
        if tag != "equal":
            yield from _split_spacing("".join(a_texts[i1:i2]), "".join(b_texts[j1:j2]))
            continue
        for key, a_text, b_text in zip(a_keys[i1:i2], a_texts[i1:i2], b_texts[j1:j2], strict=True):
            yield DiffOp("equal", key, key)
            yield from _split_spacing(a_text[len(key) :], b_text[len(key) :])


def _with_spacing(tokens: Iterable[str]) -> tuple[list[str], list[str]]:
    """(keys, texts): each non-space token, and the same token followed by the whitespace after it."""
    keys: list[str] = []
    texts: list[str] = []
    for token in tokens:
        if token.isspace() and texts:
            texts[-1] += token
        else:
            keys.append(token)
            texts.append(token)
    return keys, texts


def _split_spacing(old: str, new: str) -> list[DiffOp]:
    """A change with the whitespace both sides share at its start and end moved out into equal ops."""
    if old == new:
        return [DiffOp("equal", old, new)]
    head = os.path.commonprefix([old[: len(old) - len(old.lstrip())], new[: len(new) - len(new.lstrip())]])
    old, new = old[len(head) :], new[len(head) :]
    tails = [old[len(old.rstrip()) :][::-1], new[len(new.rstrip()) :][::-1]]
    tail = os.path.commonprefix(tails)[::-1]
    old, new = old[: len(old) - len(tail)], new[: len(new) - len(tail)]
    return [DiffOp("equal", head, head), _change(old, new), DiffOp("equal", tail, tail)]


def _match_cost(a: Sequence[str], b: Sequence[str]) -> int:
    """Roughly how many comparisons difflib makes to find the first match: sum of count_a * count_b."""
    counts: dict[str, int] = {}
    for token in b:
        counts[token] = counts.get(token, 0) + 1
    return sum(counts.get(token, 0) for token in a)


def _change(old: str, new: str) -> DiffOp:
    op: OpName = "replace" if old and new else ("insert" if new else "delete")
    return DiffOp(op, old, new)


def _merge(ops: Iterable[DiffOp]) -> list[DiffOp]:
    """Join neighbours of the same kind (and neighbouring changes into one) and drop empty ops."""
    out: list[DiffOp] = []
    for op in ops:
        if not op.old and not op.new:
            continue
        if out and (out[-1].op == "equal") == (op.op == "equal"):
            last = out.pop()
            joined = DiffOp("equal", last.old + op.old, last.new + op.new)
            op = joined if op.op == "equal" else _change(last.old + op.old, last.new + op.new)
        out.append(op)
    return out


def _cleanup(ops: list[DiffOp]) -> list[DiffOp]:
    """Absorb whitespace-only equal runs between two changes, so 'a b c' → 'x y z' reads as one replacement."""
    out = list(ops)
    for k in range(1, len(out) - 1):
        op = out[k]
        if op.op == "equal" and not op.old.strip() and out[k - 1].op != "equal" and out[k + 1].op != "equal":
            out[k] = DiffOp("replace", op.old, op.new)
    return out


def fold_context(ops: Sequence[DiffOp], words: int = 8) -> list[DiffOp]:
    """Shorten unchanged runs to `words` words of context around each change, marking cuts with '…'."""
    if not any(op.op != "equal" for op in ops):
        return list(ops)
    out: list[DiffOp] = []
    last = len(ops) - 1
    for k, op in enumerate(ops):
        if op.op != "equal":
            out.append(op)
            continue
        text = _fold(op.old, words, keep_head=k > 0, keep_tail=k < last)
        out.append(DiffOp("equal", text, text))
    return out


def _fold(text: str, words: int, *, keep_head: bool, keep_tail: bool) -> str:
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    if len(spans) <= words * (keep_head + keep_tail):
        return text
    head = text[: spans[words - 1][1]] if keep_head and words else ""
    tail = text[spans[-words][0] :] if keep_tail and words else ""
    return " ".join(part for part in (head, ELLIPSIS, tail) if part)


def summarize_ops(ops: Sequence[DiffOp], limit: int = 3) -> str:
    """One line for humans, e.g. `'should' → 'must' (×4); added: 'within 30 days'`; repeats are counted once."""
    counts: dict[str, int] = {}
    for op in ops:
        if op.op != "equal":
            text = _describe(op)
            counts[text] = counts.get(text, 0) + 1
    if not counts:
        return "no wording change"
    parts = [text + (f" (×{n})" if n > 1 else "") for text, n in list(counts.items())[:limit]]
    if len(counts) > limit:
        parts.append(f"and {len(counts) - limit} more")
    return "; ".join(parts)


def _describe(op: DiffOp) -> str:
    if op.op == "insert":
        return f"added: {_quote(op.new)}"
    if op.op == "delete":
        return f"removed: {_quote(op.old)}"
    return f"{_quote(op.old)} → {_quote(op.new)}"


def _quote(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "(whitespace)"
    return "'" + (flat if len(flat) <= width else flat[: width - 1] + ELLIPSIS) + "'"


def ops_to_json(ops: Sequence[DiffOp]) -> list[dict[str, Any]]:
    """`[{"op": "replace", "old": "should", "new": "must"}, …]`; equal ops carry their text on both sides."""
    return [{"op": op.op, "old": op.old, "new": op.new} for op in ops]
