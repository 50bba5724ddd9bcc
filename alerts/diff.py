"""Word-level diff of two texts as data: a list of operations, rendered elsewhere.

Pure functions, no I/O. Rejoining the `old` texts of `diff_words(a, b)` gives back `a` exactly, and the `new`
texts give back `b` (folding context with `fold_context` gives that up on purpose). With `moves=True` a line that
moved is one `move` op at its new place, so `old_text(ops)` puts it back at its old place by offset.

Tokens: Latin words; one token per Han character and kana (Japanese and Chinese have no spaces, and a
one-character edit inside 外泌体 should show as that character); one token per Korean eojeol (the space-separated
word with its particles, which reads better than lone syllables), narrowed to the changed syllables when one eojeol
replaces another (줄기세포[-를-]{+는+}). Digits are split from CJK and Hangul (3년 → 2년 shows '3' → '2').
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

OpName = Literal["equal", "insert", "delete", "replace", "move"]
Tokenizer = Callable[[str], list[str]]
Path = tuple[str, ...]

ELLIPSIS = "…"
# Above this many token comparisons a block is reported as one replacement instead of being refined word by word
# (two unrelated 100 KB texts would otherwise cost minutes in difflib, for a diff nobody can read).
REFINE_BUDGET = 500_000

CJK = "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"
_WORD_TOKEN = re.compile(f"[{CJK}]|[{HANGUL}]+|[^\\W{CJK}{HANGUL}]+|\\s+|[^\\w\\s]")
# A segment is a sentence or line with its trailing whitespace; the first pass aligns whole segments.
_SEGMENT = re.compile(r"[^.;:!?。\n]*(?:[.;:!?。]+|\n|$)\s*")
_SHORT_CJK = re.compile(f"[{CJK}]{{1,2}}")  # a coincidental match between two CJK changes
_EOJEOL = re.compile(f"[{HANGUL}]+")


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a diff: `old` is the text on the old side, `new` on the new side (equal ops: the same).

    The rest is where the op sits and is left out of `==`: `old_at`/`new_at` are offsets in the old and new text
    (-1 when unknown), `section`/`old_section` the heading paths there (see alerts.sections). A `move` op stands at
    its new place in the list; `old_at` says where its text was.
    """

    op: OpName
    old: str
    new: str
    section: Path = field(default=(), compare=False)
    old_section: Path = field(default=(), compare=False)
    old_at: int = field(default=-1, compare=False)
    new_at: int = field(default=-1, compare=False)


def tokenize_words(text: str) -> list[str]:
    """Split into words (CJK: characters; Korean: eojeol), whitespace runs and single punctuation marks;
    `"".join` of the result is `text`."""
    return _WORD_TOKEN.findall(text)


def split_segments(text: str) -> list[str]:
    """Split into sentences/lines, each with its trailing whitespace; `"".join` of the result is `text`."""
    return [s for s in _SEGMENT.findall(text) if s]


def diff_words(
    old: str, new: str, *, context: int | None = None, tokenize: Tokenizer = tokenize_words, moves: bool = False
) -> list[DiffOp]:
    """Diff `old` and `new` word by word. With `context`, long unchanged runs are folded to that many words.
    With `moves`, a line (paragraph, heading, list item) found unchanged or nearly so at another place is one
    `move` op instead of a deletion there and an insertion here.

    Two passes keep it fast on long documents: unchanged sentences are aligned first, then only the changed
    stretches are diffed token by token (difflib, autojunk off, so common words still match); a stretch too
    large to refine cheaply (see REFINE_BUDGET) is reported as one replacement.
    """
    ops = _diff_with_moves(old, new, tokenize) if moves else positioned(_diff(old, new, tokenize))
    return fold_context(ops, context) if context is not None else ops


def _diff(old: str, new: str, tokenize: Tokenizer) -> list[DiffOp]:
    if old == new:
        return [DiffOp("equal", old, new)] if old else []
    ops = _merge(_cleanup(_merge(_two_pass(old, new, tokenize))))
    return _merge(_narrow_eojeols(ops))


def positioned(ops: Iterable[DiffOp], old_at: int = 0, new_at: int = 0) -> list[DiffOp]:
    """The ops with `old_at`/`new_at` filled in, counting from the given offsets."""
    out = []
    for op in ops:
        out.append(dataclasses.replace(op, old_at=old_at, new_at=new_at))
        old_at, new_at = old_at + len(op.old), new_at + len(op.new)
    return out


def _two_pass(old: str, new: str, tokenize: Tokenizer) -> Iterable[DiffOp]:
    """Align sentences first (compared without their trailing whitespace, so a paragraph break that moved does not
    unmatch a sentence), then refine the stretches that differ."""
    a, b = split_segments(old), split_segments(new)
    a_keys, b_keys = [s.rstrip() for s in a], [s.rstrip() for s in b]
    for tag, i1, i2, j1, j2 in align(a_keys, b_keys):
        if tag == "equal":
            yield from _equal_segments(a[i1:i2], b[j1:j2])
        elif i2 - i1 == j2 - j1:  # as many sentences on each side: most likely each one was reworded
            for old_seg, new_seg in zip(a[i1:i2], b[j1:j2], strict=True):
                yield from _refine(old_seg, new_seg, tokenize)
        else:
            yield from _refine("".join(a[i1:i2]), "".join(b[j1:j2]), tokenize)


def _equal_segments(a: Sequence[str], b: Sequence[str]) -> Iterable[DiffOp]:
    """Segments equal but for their trailing whitespace: one equal op, or a word and a whitespace change each."""
    old, new = "".join(a), "".join(b)
    if old == new:
        yield DiffOp("equal", old, new)
        return
    for old_seg, new_seg in zip(a, b, strict=True):
        key = old_seg.rstrip()
        yield DiffOp("equal", key, key)
        yield from _split_spacing(old_seg[len(key):], new_seg[len(key):])


Opcode = tuple[str, int, int, int, int]


def align(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes aligning two lists of segments, patience style: segments that occur once on each
    side anchor the alignment (their heaviest in-order chain), and only the stretches between anchors go to
    difflib. Repeated sentences (boilerplate, a pool of stock phrases) cannot make it quadratic this way."""
    out: list[Opcode] = []
    _align(a, b, 0, len(a), 0, len(b), out)
    joined: list[Opcode] = []
    for tag, i1, i2, j1, j2 in out:
        if i1 == i2 and j1 == j2:
            continue
        if joined and (joined[-1][0] == "equal") == (tag == "equal"):
            last = joined.pop()
            merged = "equal" if tag == "equal" else "replace"
            tag, i1, j1 = merged, last[1], last[3]
        if tag != "equal":
            tag = "replace" if i1 < i2 and j1 < j2 else ("delete" if i1 < i2 else "insert")
        joined.append((tag, i1, i2, j1, j2))
    return joined


def _align(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[Opcode]) -> None:
    head = 0
    while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
        head += 1
    tail = 0
    while alo + head < ahi - tail and blo + head < bhi - tail and a[ahi - 1 - tail] == b[bhi - 1 - tail]:
        tail += 1
    out.append(("equal", alo, alo + head, blo, blo + head))
    alo, blo, ahi, bhi = alo + head, blo + head, ahi - tail, bhi - tail
    if alo < ahi and blo < bhi:
        _align_middle(a, b, alo, ahi, blo, bhi, out)
    else:
        out.append(("replace", alo, ahi, blo, bhi))
    out.append(("equal", ahi, ahi + tail, bhi, bhi + tail))


def _align_middle(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int,
                  out: list[Opcode]) -> None:
    pairs = _anchors(a, b, alo, ahi, blo, bhi)
    if pairs:
        blocks = _blocks(pairs, a, b)
        chain = sorted(_heaviest_chain([block[0] for block in blocks],
                                       [sum(len(a[i]) for i, _ in block) for block in blocks]))
        i, j = alo, blo
        for (first_i, first_j), (last_i, last_j) in ((blocks[k][0], blocks[k][-1]) for k in chain):
            _align(a, b, i, first_i, j, first_j, out)
            out.append(("equal", first_i, last_i + 1, first_j, last_j + 1))  # a block is equal throughout
            i, j = last_i + 1, last_j + 1
        _align(a, b, i, ahi, j, bhi, out)
    elif _match_cost(a[alo:ahi], b[blo:bhi]) <= REFINE_BUDGET:
        matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
        out += [(tag, alo + i1, alo + i2, blo + j1, blo + j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    else:
        out.append(("replace", alo, ahi, blo, bhi))


_MAX_REPEAT = 16  # segments repeated more often than this never anchor an alignment


def _anchors(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Candidate anchor pairs: segments occurring once on each side; failing those (a text repeated several
    times over), segments occurring equally often on each side, the k-th occurrence with the k-th."""
    a_count, b_count = _counts(a[alo:ahi]), _counts(b[blo:bhi])
    b_unique = {b[j]: j for j in range(blo, bhi) if b_count[b[j]] == 1}
    pairs = [(i, b_unique[a[i]]) for i in range(alo, ahi) if a_count[a[i]] == 1 and a[i] in b_unique]
    if pairs:
        return pairs
    b_seen: dict[str, list[int]] = {}
    for j in range(blo, bhi):
        if a_count.get(b[j]) == b_count[b[j]] <= _MAX_REPEAT:
            b_seen.setdefault(b[j], []).append(j)
    taken: dict[str, int] = {}
    for i in range(alo, ahi):
        if a[i] in b_seen:
            k = taken.get(a[i], 0)
            taken[a[i]] = k + 1
            pairs.append((i, b_seen[a[i]][k]))
    return pairs


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


def _size(op: DiffOp) -> int:
    return max(len(op.old), len(op.new))


def _cleanup(ops: list[DiffOp]) -> list[DiffOp]:
    """Absorb whitespace-only equal runs between two changes, so 'a b c' → 'x y z' reads as one replacement;
    likewise one or two CJK characters that match by chance between two longer changes (することが望まし →
    しなければならな shares a し)."""
    out = list(ops)
    for k in range(1, len(out) - 1):
        op, before, after = out[k], out[k - 1], out[k + 1]
        if op.op != "equal" or before.op == "equal" or after.op == "equal":
            continue
        chance = _SHORT_CJK.fullmatch(op.old) and len(op.old) < min(_size(before), _size(after))
        if not op.old.strip() or chance:
            out[k] = DiffOp("replace", op.old, op.new)
    return out


def _narrow_eojeols(ops: list[DiffOp]) -> list[DiffOp]:
    """A replace of one Korean eojeol by another keeps the syllables they share as equal text."""
    out: list[DiffOp] = []
    for op in ops:
        if op.op != "replace" or not (_EOJEOL.fullmatch(op.old) and _EOJEOL.fullmatch(op.new)):
            out.append(op)
            continue
        head = len(os.path.commonprefix([op.old, op.new]))
        tail = len(os.path.commonprefix([op.old[head:][::-1], op.new[head:][::-1]]))
        old_mid, new_mid = op.old[head : len(op.old) - tail], op.new[head : len(op.new) - tail]
        out += [DiffOp("equal", op.old[:head], op.old[:head]), _change(old_mid, new_mid),
                DiffOp("equal", op.old[len(op.old) - tail :], op.old[len(op.old) - tail :])]
    return out


# --- moves: lines found out of order are taken out, the rest is diffed, and each comes back as one op -----------

MOVE_MIN_CHARS = 12  # a shorter line (a lone "Yes.", a date) is never reported as moved
MOVE_SIMILARITY = 0.8  # a line this similar to one that vanished elsewhere moved with edits
_PAIR_BUDGET = 40_000  # at most this many (vanished, appeared) line pairs are compared for moves-with-edits
_LINE = re.compile(r"[^\n]*\n*")
Lines = list[tuple[int, str]]


def _lines(text: str) -> Lines:
    """(offset, line with the newlines after it) for every line; lines rejoin to `text`."""
    return [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group()]


def _diff_with_moves(old: str, new: str, tokenize: Tokenizer) -> list[DiffOp]:
    a, b = _lines(old), _lines(new)
    moved = _find_moves([" ".join(t.split()) for _, t in a], [" ".join(t.split()) for _, t in b])
    if not moved:
        return positioned(_diff(old, new, tokenize))
    gone, came = {i for i, _ in moved}, {j: i for i, j in moved}
    old_rest = "".join(t for i, (_, t) in enumerate(a) if i not in gone)
    new_rest = "".join(t for j, (_, t) in enumerate(b) if j not in came)
    splice = _Splice(a, b, _gaps(a, gone), _gaps(b, set(came)), came)
    for op in _diff(old_rest, new_rest, tokenize):
        splice.add(op)
    splice.flush(len(old_rest), len(new_rest))
    return splice.out


def _find_moves(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """(old line, new line) pairs that moved: lines unique on both sides (or a vanished line and a very similar
    new one) that fall outside the heaviest in-order chain of such pairs."""
    a_count, b_count = _counts(a), _counts(b)
    b_unique = {key: j for j, key in enumerate(b) if b_count[key] == 1}
    pairs = [(i, b_unique[key]) for i, key in enumerate(a)
             if len(key) >= MOVE_MIN_CHARS and a_count[key] == 1 and key in b_unique]
    pairs = sorted(pairs + _similar_pairs(a, b, a_count, b_count))
    blocks = _blocks(pairs, a, b)  # runs of consecutive pairs: one item each, so a few edits cost a few items
    kept = _heaviest_chain([block[0] for block in blocks], [sum(len(a[i]) for i, _ in block) for block in blocks])
    return [pair for k, block in enumerate(blocks) if k not in kept for pair in block]


def _blocks(pairs: list[tuple[int, int]], a: Sequence[str] = (), b: Sequence[str] = ()
            ) -> list[list[tuple[int, int]]]:
    """Pairs grouped into runs where both indexes go up in step and what lies between is equal on both sides."""
    blocks: list[list[tuple[int, int]]] = []
    for i, j in pairs:
        if blocks and _in_step(blocks[-1][-1], (i, j), a, b):
            blocks[-1].append((i, j))
        else:
            blocks.append([(i, j)])
    return blocks


def _in_step(last: tuple[int, int], pair: tuple[int, int], a: Sequence[str], b: Sequence[str]) -> bool:
    (i0, j0), (i, j) = last, pair
    return i - i0 == j - j0 > 0 and (i - i0 == 1 or a[i0 + 1 : i] == b[j0 + 1 : j])


def _counts(keys: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts


def _similar_pairs(a: list[str], b: list[str], a_count: dict[str, int], b_count: dict[str, int]
                   ) -> list[tuple[int, int]]:
    """Vanished and appeared lines paired by similarity (≥ MOVE_SIMILARITY), best pairs first."""
    gone = [i for i, key in enumerate(a) if len(key) >= MOVE_MIN_CHARS and key not in b_count]
    came = [j for j, key in enumerate(b) if len(key) >= MOVE_MIN_CHARS and key not in a_count]
    if not gone or not came or len(gone) * len(came) > _PAIR_BUDGET:
        return []
    scored = []
    words = {j: _tokens(b[j]) for j in came}
    for i in gone:
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(_tokens(a[i]))
        for j in came:
            matcher.set_seq1(words[j])
            if (matcher.real_quick_ratio() >= MOVE_SIMILARITY and matcher.quick_ratio() >= MOVE_SIMILARITY
                    and (score := matcher.ratio()) >= MOVE_SIMILARITY):
                scored.append((-score, i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for _, i, j in sorted(scored):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs


def _tokens(key: str) -> list[str]:
    return [token for token in tokenize_words(key) if token != " "]


def _heaviest_chain(pairs: list[tuple[int, int]], weights: list[int]) -> set[int]:
    """Indexes of the pairs (sorted by old line) forming the heaviest chain increasing in new line too
    (a weighted longest increasing subsequence, with a Fenwick tree of prefix maxima). Blocks of pairs can stand
    for their first pair: their new-line ranges never overlap."""
    if not pairs:
        return set()
    size = max(j for _, j in pairs) + 1
    tree: list[tuple[int, int]] = [(0, -1)] * (size + 1)
    best: list[int] = []
    before: list[int] = []
    for k, (_, j) in enumerate(pairs):
        top, x = (0, -1), j
        while x > 0:
            top, x = max(top, tree[x]), x - (x & -x)
        best.append(top[0] + weights[k])
        before.append(top[1])
        x = j + 1
        while x <= size:
            tree[x], x = max(tree[x], (best[k], k)), x + (x & -x)
    chain, k = set(), max(range(len(pairs)), key=best.__getitem__)
    while k >= 0:
        chain.add(k)
        k = before[k]
    return chain


def _gaps(lines: Lines, cut: set[int]) -> list[tuple[int, int]]:
    """(offset in the text without the cut lines, line index) for each cut line, in order."""
    gaps, at = [], 0
    for index, (_, text) in enumerate(lines):
        if index in cut:
            gaps.append((at, index))
        else:
            at += len(text)
    return gaps


class _Splice:
    """Rebuilds the ops of the diff without the moved lines: cursors in the real texts skip each moved line
    where it was and emit its move op where it is now; ops that span such a place are cut in two there."""

    def __init__(self, a: Lines, b: Lines, old_gaps: list[tuple[int, int]], new_gaps: list[tuple[int, int]],
                 source: dict[int, int]) -> None:
        self.a, self.b, self.source = a, b, source
        self.old_gaps, self.new_gaps = old_gaps[::-1], new_gaps[::-1]  # popped from the end
        self.out: list[DiffOp] = []
        self.old_at = self.new_at = 0  # in the real texts
        self.old_rest = self.new_rest = 0  # in the texts without the moved lines

    def flush(self, old_upto: int, new_upto: int) -> None:
        """Pass the moved lines' old places up to `old_upto`, emit their moves up to `new_upto`."""
        while self.old_gaps and self.old_gaps[-1][0] <= old_upto:
            self.old_at += len(self.a[self.old_gaps.pop()[1]][1])
        while self.new_gaps and self.new_gaps[-1][0] <= new_upto:
            j = self.new_gaps.pop()[1]
            start, old = self.a[self.source[j]]
            self.out.append(DiffOp("move", old, self.b[j][1], old_at=start, new_at=self.new_at))
            self.new_at += len(self.b[j][1])

    def add(self, op: DiffOp) -> None:
        old_cuts = self._cuts(self.old_gaps, self.old_rest, len(op.old))
        new_cuts = self._cuts(self.new_gaps, self.new_rest, len(op.new))
        if op.op == "equal":
            old_cuts = new_cuts = sorted(set(old_cuts) | set(new_cuts))
        olds, news = _cut(op.old, old_cuts), _cut(op.new, new_cuts)
        for k in range(max(len(olds), len(news))):
            old, new = (olds[k] if k < len(olds) else ""), (news[k] if k < len(news) else "")
            self.flush(self.old_rest if old else -1, self.new_rest if new else -1)
            if old or new:
                self.out.append(DiffOp(op.op if op.op == "equal" else _change(old, new).op, old, new,
                                       old_at=self.old_at, new_at=self.new_at))
            self.old_at, self.new_at = self.old_at + len(old), self.new_at + len(new)
            self.old_rest, self.new_rest = self.old_rest + len(old), self.new_rest + len(new)

    @staticmethod
    def _cuts(gaps: list[tuple[int, int]], start: int, length: int) -> list[int]:
        return [at - start for at, _ in reversed(gaps) if start < at < start + length]


def _cut(text: str, offsets: list[int]) -> list[str]:
    bounds = [0, *offsets, len(text)]
    return [text[x:y] for x, y in zip(bounds, bounds[1:], strict=False)]


def old_text(ops: Sequence[DiffOp]) -> str:
    """The old text back from positioned ops (moves put back at their `old_at`)."""
    if not any(op.op == "move" for op in ops):
        return "".join(op.old for op in ops)
    return "".join(op.old for op in sorted(ops, key=lambda op: op.old_at))


def new_text(ops: Sequence[DiffOp]) -> str:
    """The new text back from the ops."""
    return "".join(op.new for op in ops)


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
        out.append(dataclasses.replace(op, old=text, new=text))
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
    if op.op == "move":
        return f"moved: {_quote(op.new)}"
    return f"{_quote(op.old)} → {_quote(op.new)}"


def _quote(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "(whitespace)"
    return "'" + (flat if len(flat) <= width else flat[: width - 1] + ELLIPSIS) + "'"


def ops_to_json(ops: Sequence[DiffOp]) -> list[dict[str, Any]]:
    """`[{"op": "replace", "old": "should", "new": "must"}, …]`; equal ops carry their text on both sides.

    Ops that know their section add `"section"` (a list of headings); a move adds `"old_section"`, `"old_at"`
    and `"new_at"`.
    """
    out: list[dict[str, Any]] = []
    for op in ops:
        item: dict[str, Any] = {"op": op.op, "old": op.old, "new": op.new}
        if op.section:
            item["section"] = list(op.section)
        if op.op == "move":
            item |= {"old_section": list(op.old_section), "old_at": op.old_at, "new_at": op.new_at}
        out.append(item)
    return out
