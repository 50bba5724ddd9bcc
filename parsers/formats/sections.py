"""Cutting a document into sections by its headings (shared by the HTML and PDF parsers)."""

from __future__ import annotations

from collections.abc import Iterable

from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import Section


def build_sections(blocks: Iterable[tuple[int, str]]) -> tuple[Section, ...]:
    """Blocks in reading order, each (heading level 1–6, heading) or (0, body text), as heading-pathed sections.

    A heading closes every open heading of the same or a deeper level; the body text under one path becomes
    one section (paragraphs kept), and a path with no text under it gives no section.
    """
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    pending: list[str] = []

    def close() -> None:
        text = normalize_text("\n\n".join(pending))
        pending.clear()
        if text:
            sections.append(Section(path=tuple(title for _, title in path), text=text))

    for level, text in blocks:
        if not level:
            pending.append(text)
            continue
        close()
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, normalize_text(text)))
    close()
    return tuple(sections)
