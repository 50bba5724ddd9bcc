"""Quicker equivalents of `Tag.select` and `Tag.find_all(names)` for the selectors noise removal runs on every page.

soupsieve tries each selector of a list on each element (about 1 µs a pair: 40 selectors cost ~3 ms on a 70-element
content). Most of the selectors are one compound (`.share`, `[class*=cookie]`, `a[href='#main-content']`), which an
element can only match when it has the attribute named and, in it, the value written: `select` walks the tree once,
checks that cheaply and asks soupsieve only about the few elements that pass. The answer is soupsieve's own.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bs4 import Tag
from soupsieve import SelectorSyntaxError

from regwatch.parsers.types import ParseError

# One compound selector: an optional type, then .class, #id, [attr] and [attr op value] parts (no escapes, no spaces),
# optionally ending in :has(…), which only narrows it further. Anything else is left to soupsieve alone.
_VALUE = r"""[\w-]+|'[^'\\]*'|"[^"\\]*\""""
_PART = re.compile(rf"([.#])([\w-]+)|\[([\w-]+)(?:[~|^$*]?=({_VALUE}))?\]")
_COMPOUND = re.compile(rf"([A-Za-z][\w-]*)?((?:[.#][\w-]+|\[[\w-]+(?:[~|^$*]?=(?:{_VALUE}))?\])*)"
                       r"(?::has\((?:[^()]|\([^()]*\))*\))?")
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # how CSS compares names, case-blind values
_PRESENT = re.compile("")  # the attribute's presence is enough


@dataclass(frozen=True)
class _Screen:
    """What an element needs to possibly match one of the selectors: one of `tags` as its name, or one of the
    `attributes` with a value the pattern finds (names and values compared in ASCII lower case)."""

    tags: frozenset[str]
    attributes: dict[str, re.Pattern[str]]

    def passes(self, tag: Tag) -> bool:
        if tag.name.translate(_LOWER) in self.tags:
            return True
        for name, value in tag.attrs.items():
            pattern = self.attributes.get(name.translate(_LOWER))
            if pattern is not None:
                text = value if isinstance(value, str) else "" if value is None else " ".join(value)
                if pattern.search(text.translate(_LOWER)):
                    return True
        return False


@functools.lru_cache(maxsize=64)
def _screen(selectors: tuple[str, ...]) -> _Screen | None:
    """The screen for `selectors`, None when one of them is not a single compound with a type or an attribute."""
    tags: set[str] = set()
    needles: dict[str, set[str] | None] = {}
    for css in selectors:
        compound = _COMPOUND.fullmatch(css.strip())
        if compound is None:
            return None
        parts = [_requirement(part) for part in _PART.finditer(compound.group(2))]
        if parts:  # one requirement is enough to screen by: the first with a value, else the first
            name, value = next(((n, v) for n, v in parts if v), parts[0])
            name, known = name.translate(_LOWER), needles.get(name.translate(_LOWER), set())
            needles[name] = None if not value or known is None else known | {value.translate(_LOWER)}
        elif compound.group(1):
            tags.add(compound.group(1).translate(_LOWER))
        else:
            return None
    patterns = {name: _PRESENT if values is None else re.compile("|".join(map(re.escape, sorted(values))))
                for name, values in needles.items()}
    return _Screen(frozenset(tags), patterns)


def _requirement(part: re.Match[str]) -> tuple[str, str]:
    """(attribute name, value it must hold, "" for none) of a `_PART`."""
    if part.group(1):
        return ("class" if part.group(1) == "." else "id"), part.group(2)
    value = part.group(4) or ""
    return part.group(3), value[1:-1] if value[:1] in ("'", '"') else value


def select(root: Tag, selectors: Sequence[str]) -> list[Tag]:
    """`root.select(", ".join(selectors))`: the descendants matching any of them, in document order; ParseError
    for a malformed selector."""
    css = ", ".join(selectors)
    try:
        compiled = root.css.compile(css)
    except SelectorSyntaxError as exc:
        raise ParseError(f"invalid CSS selector in {css!r}: {exc}") from exc
    screen = _screen(tuple(selectors))
    if screen is None:
        return compiled.select(root)
    candidates = []
    for tag in root.descendants:
        if isinstance(tag, Tag):
            if len(tag.name) == 8 and tag.name.translate(_LOWER) == "template":
                return compiled.select(root)  # soupsieve does not look inside a template: leave it to soupsieve
            if screen.passes(tag):
                candidates.append(tag)
    return compiled.filter(candidates)


def named(root: Tag, names: Iterable[str]) -> list[Tag]:
    """`root.find_all(names)`: the descendants named one of `names` (or `prefix:name` one of them), in order."""
    wanted = frozenset(names)
    return [tag for tag in root.descendants if isinstance(tag, Tag) and (
        tag.name in wanted or (tag.prefix and f"{tag.prefix}:{tag.name}" in wanted))]
