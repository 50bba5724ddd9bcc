"""The diff as the pages show it: inline pieces, and side-by-side rows aligned at unchanged line breaks.

Pieces are plain text with a kind; the templates escape them (crawled text is never trusted as HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from regwatch.alerts.context import fold_ops
from regwatch.alerts.diff import DiffOp
from regwatch.alerts.sections import diff_document, section_label
from regwatch.alerts.significance import classify, rank


@dataclass(frozen=True)
class Piece:
    kind: str  # equal | insert | delete
    text: str


@dataclass
class Row:
    left: list[Piece] = field(default_factory=list)
    right: list[Piece] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(p.kind != "equal" for p in self.left + self.right)


def compute(old: str, new: str, context: int | None) -> list[DiffOp]:
    """The word diff with each change's section, unchanged runs cut to `context` words (characters' worth in
    Japanese and Chinese; None: the whole text)."""
    ops = diff_document(old, new)
    return fold_ops(ops, context) if context is not None else ops


def headline(old: str, new: str, ops: Sequence[DiffOp]) -> tuple[str, str]:
    """(significance, section of the most significant finding) for the top of the diff page."""
    findings = rank(classify(old, new, list(ops))) if any(op.op != "equal" for op in ops) else []
    if not findings:
        return ("none (whitespace, wrapping, stamps or counters only)" if ops else "", "")
    return findings[0].kind + f": {findings[0].detail}", section_label(findings[0].section)


def inline(ops: Sequence[DiffOp]) -> list[Piece]:
    """One stream: deletions then insertions where text was replaced; a moved passage shows at its new place."""
    out: list[Piece] = []
    for op in ops:
        if op.op == "equal":
            out.append(Piece("equal", op.new))
            continue
        if op.old and op.op != "move":
            out.append(Piece("delete", op.old))
        if op.new:
            out.append(Piece("insert", op.new))
    return out


def side_by_side(ops: Sequence[DiffOp]) -> list[Row]:
    """Rows of (old, new): unchanged text is cut at its line breaks so both sides stay aligned."""
    rows = [Row()]
    for op in ops:
        if op.op != "equal":
            if op.old and op.op != "move":
                rows[-1].left.append(Piece("delete", op.old))
            if op.new:
                rows[-1].right.append(Piece("insert", op.new))
            continue
        lines = op.new.split("\n")
        for i, line in enumerate(lines):
            if i:
                rows.append(Row())
            if line:
                rows[-1].left.append(Piece("equal", line))
                rows[-1].right.append(Piece("equal", line))
    return [r for r in rows if r.left or r.right]
