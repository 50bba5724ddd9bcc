"""Where a change falls: the heading path of a text position, diffs annotated with it, and per-section diffs.

Heading paths come from the parser's `Section` list when there is one (HTML h1–h6, numbered PDF headings), else
from heading lines found in the normalized text itself (`parsers.normalize.is_heading`, plus numbered CJK headings
such as 第1章, 一、, (一), 1.2, which that function does not see). Pure functions.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from regwatch.alerts.diff import CJK, HANGUL, DiffOp, Path, Tokenizer, diff_words, tokenize_words
from regwatch.parsers.normalize import NUMBERED, is_heading
from regwatch.parsers.types import Section

_PROBE = 80  # characters of a section's text looked up in the document text
_MAX_CJK_HEADING = 40
_LOWER = re.compile("[a-z]")
_SHORT_LINE = re.compile(r"^[^\n]{1,100}$", re.M)  # normalize.is_heading allows 100 characters at most
_SIMILAR = 0.75  # sections under different headings pair when their texts are this similar
_HAS_CJK = re.compile(f"[{CJK}{HANGUL}]")
_NUMERAL = "0-9一二三四五六七八九十百〇"
# (pattern at the start of a heading line, outline level); the first that matches wins. Levels interleave the
# English (I. > A. > 1. > 1.1), Chinese (第一章 > 一、 > (一) > 1.), Japanese (第1 > 1. > (1)) and Korean
# (제1장 > 1. > 가.) conventions, so each nests correctly within its own.
_LEVELS: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(p), level) for p, level in (
    (f"第[{_NUMERAL}]+[章編编部]", 1), (f"第[{_NUMERAL}]+[節节]", 1.2), (f"第[{_NUMERAL}]+[条條]", 3),
    (f"제[{_NUMERAL}]+장", 1), (f"제[{_NUMERAL}]+절", 1.2), (f"제[{_NUMERAL}]+조", 3),
    (r"[IVXLC]{1,6}\.\s", 1), ("[一二三四五六七八九十]+[、.]", 1.5), (r"[A-Z]\.\s", 2),
    (r"\([一二三四五六七八九十]+\)", 2.5), (r"\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s?", 5), (r"\d{1,2}\.\d{1,2}\.?\s?", 4),
    (r"\d{1,2}[.)]\s?", 3), ("[가-하]\\.\\s", 3.5), ("[①-⑳⑴-⒇]", 4.5),
))
_NUMBER_PREFIX = re.compile(
    r"^(?:(?:[IVXLC]{1,6}|[A-Z]|\d{1,2}(?:\.\d{1,2})*|[一二三四五六七八九十]+)[.、)]|\d{1,2}(?:\.\d{1,2})+"
    f"|\\([{_NUMERAL}]+\\)|第[{_NUMERAL}]+[章編编部節节条條]|제[{_NUMERAL}]+[장절조])\\s*")

_DECIMAL = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?(?=\s|$)")  # 4.1, 4.1.2 (a heading number, not a decimal)


@dataclass(frozen=True)
class SectionIndex:
    """Offsets where each heading path begins in one text; `at(pos)` is the path in force at `pos`."""

    starts: tuple[int, ...] = ()
    paths: tuple[Path, ...] = ()

    def at(self, pos: int) -> Path:
        k = bisect.bisect_right(self.starts, pos) - 1
        return self.paths[k] if k >= 0 else ()


@dataclass(frozen=True)
class SectionChange:
    """One section that differs between two versions: its path on each side (None: absent) and its word diff."""

    old_path: Path | None
    new_path: Path | None
    ops: tuple[DiffOp, ...]

    @property
    def kind(self) -> str:
        """added | removed | renamed (path changed; the text may have too) | changed."""
        if self.old_path is None:
            return "added"
        if self.new_path is None:
            return "removed"
        return "renamed" if self.old_path != self.new_path else "changed"


def index_sections(text: str, sections: Sequence[Section]) -> SectionIndex:
    """Where each parsed section begins in `text`: a section owns the text from the end of the one before it
    (so its heading lines are inside it) to the end of its own text. Sections not found are skipped."""
    starts, paths, cursor = [0], [()], 0
    for section in sections:
        found = text.find(section.text[:_PROBE], cursor) if section.text else -1
        if found < 0:
            continue
        starts.append(cursor if paths[-1] != section.path else starts[-1])
        paths.append(section.path)
        cursor = found + len(section.text[:_PROBE])
    return _compact(starts, paths)


def _compact(starts: list[int], paths: list[Path]) -> SectionIndex:
    """Drop entries a later entry at the same offset overrides, and repeats of the same path."""
    out_starts: list[int] = []
    out_paths: list[Path] = []
    for start, path in zip(starts, paths, strict=True):
        if out_starts and out_starts[-1] == start:
            out_starts.pop()
            out_paths.pop()
        if not out_paths or out_paths[-1] != path:
            out_starts.append(start)
            out_paths.append(path)
    return SectionIndex(tuple(out_starts), tuple(out_paths))


def heading_level(line: str) -> float:
    """Outline level of a heading line (1 = top), 0 when the line is not a heading."""
    cjk = bool(_HAS_CJK.search(line))
    if cjk and (len(line) > _MAX_CJK_HEADING or line.endswith(("。", ".", "다"))):
        return 0
    if not cjk and ((_LOWER.search(line) and not NUMBERED.match(line)) or not is_heading(line)):
        return 0  # (a cheap first test: an unnumbered line with a lower-case letter is no heading)
    level = next((level for pattern, level in _LEVELS if pattern.match(line)), 0.0)
    return level or (0 if cjk else 1)  # an unnumbered heading in capitals is a top-level one


def index_headings(text: str) -> SectionIndex:
    """Heading paths from the heading lines of a normalized text (no parser sections available)."""
    starts, paths = [0], [()]
    stack: list[tuple[float, str]] = []
    for match in _SHORT_LINE.finditer(text):  # only short lines can be headings: long ones are skipped in C
        line = match.group(0).strip()
        if level := heading_level(line):
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, line))
            starts.append(match.start())
            paths.append(tuple(title for _, title in stack))
    return _compact(starts, paths)


def section_at(text: str, pos: int, sections: Sequence[Section] = ()) -> Path:
    """The heading path in force at offset `pos` of `text` (from `sections` when given, else heading lines)."""
    index = index_sections(text, sections) if sections else index_headings(text)
    return index.at(pos)


def annotate(ops: Sequence[DiffOp], old_index: SectionIndex, new_index: SectionIndex) -> list[DiffOp]:
    """Fill in `section` (new side; the old side for a deletion) and `old_section` of positioned ops."""
    out = []
    for op in ops:
        old_path = old_index.at(op.old_at) if op.old_at >= 0 else ()
        new_path = new_index.at(op.new_at) if op.new_at >= 0 else ()
        out.append(dataclasses.replace(op, section=old_path if op.op == "delete" else new_path, old_section=old_path))
    return out


def diff_document(
    old: str, new: str, *, old_sections: Sequence[Section] = (), new_sections: Sequence[Section] = (),
    moves: bool = True, tokenize: Tokenizer = tokenize_words,
) -> list[DiffOp]:
    """`diff_words` with moves, each op carrying its heading path on both sides."""
    ops = diff_words(old, new, moves=moves, tokenize=tokenize)
    old_index = index_sections(old, old_sections) if old_sections else index_headings(old)
    new_index = index_sections(new, new_sections) if new_sections else index_headings(new)
    return annotate(ops, old_index, new_index)


def short_path(path: Path) -> str:
    """A compact label for a heading path: the numbers when every heading has one ("V.A"), else the last title."""
    numbers = _numbers(path)
    if path and numbers and _all_numbered(path):
        return ".".join(numbers)
    return path[-1] if path else ""


def _all_numbered(path: Path) -> bool:
    return all(_DECIMAL.match(t) or _NUMBER_PREFIX.match(t) for t in path)


def _numbers(path: Path) -> list[str]:
    """The heading numbers of a path, a decimal one standing for its parents ("4", "4.1" → "4.1")."""
    out: list[str] = []
    for title in path:
        if not (m := _DECIMAL.match(title) or _NUMBER_PREFIX.match(title)):
            continue
        number = m.group(0).strip().rstrip(".、)").lstrip("(")
        while out and number.startswith(out[-1] + "."):
            out.pop()
        out.append(number)
    return out


def section_label(path: Path, width: int = 60) -> str:
    """Where a change falls, for a summary: the innermost heading with its full number ("4.1 Starting and raw
    materials", "V.A Scope", "第2章 …"), cut to `width` characters."""
    if not path:
        return ""
    last = " ".join(path[-1].split())
    numbers = _numbers(path)
    own = _DECIMAL.match(last) or _NUMBER_PREFIX.match(last)
    if own and len(path) > 1 and _all_numbered(path):
        last = ".".join(numbers) + " " + last[own.end():].strip()
    return last if len(last) <= width else last[: width - 1] + "…"


# --- per-section diffs -------------------------------------------------------------------------------------------

def _bare(path: Path) -> Path:
    """A path without heading numbers, case-folded: "IV. HOMOLOGOUS USE" and "V. Homologous use" match."""
    return tuple(_NUMBER_PREFIX.sub("", title).casefold() for title in path)


def _pair(old: Sequence[Section], new: Sequence[Section]) -> dict[int, int]:
    """new section index → old section index: same path, then same path without numbers, then similar text."""
    pairs: dict[int, int] = {}
    for key in (lambda s: s.path, lambda s: _bare(s.path)):
        free: dict[object, list[int]] = {}
        for i, section in enumerate(old):
            if i not in pairs.values():
                free.setdefault(key(section), []).append(i)
        for j, section in enumerate(new):
            if j not in pairs and free.get(key(section)):
                pairs[j] = free[key(section)].pop(0)
    for j, section in enumerate(new):
        if j in pairs:
            continue
        taken = set(pairs.values())
        scored = [(SequenceMatcher(None, old[i].text, section.text).quick_ratio(), i)
                  for i in range(len(old)) if i not in taken]
        score, i = max(scored, default=(0.0, -1))
        if score >= _SIMILAR and SequenceMatcher(None, old[i].text, section.text).ratio() >= _SIMILAR:
            pairs[j] = i
    return pairs


def diff_sections(old_sections: Sequence[Section], new_sections: Sequence[Section]) -> list[SectionChange]:
    """The sections that differ, in new-document order (a removed section follows its old predecessor's match).

    Sections are paired by path, then by path without heading numbers (a renumbered section is "renamed"), then
    by similar text; unchanged sections are left out.
    """
    pairs = _pair(old_sections, new_sections)
    by_old = {i: j for j, i in pairs.items()}
    changes: list[tuple[float, SectionChange]] = []
    for j, section in enumerate(new_sections):
        i = pairs.get(j)
        if i is None:
            changes.append((j, _change(None, section)))
        elif old_sections[i] != section:
            changes.append((j, _change(old_sections[i], section)))
    anchor = -1.0
    for i, section in enumerate(old_sections):
        if i in by_old:
            anchor = by_old[i]
        else:
            changes.append((anchor + 0.5, _change(section, None)))
    return [change for _, change in sorted(changes, key=lambda item: item[0])]


def _change(old: Section | None, new: Section | None) -> SectionChange:
    ops = diff_words(old.text if old else "", new.text if new else "")
    path = (new or old).path if (new or old) else ()
    ops = [dataclasses.replace(op, section=path, old_section=old.path if old else ()) for op in ops]
    return SectionChange(old.path if old else None, new.path if new else None, tuple(ops))
