"""PDF page furniture: running headers and footers, page numbers, and line breaks inside CJK paragraphs.

A regenerated PDF with the same words must give the same text. What moves when a file is re-paginated or
re-flowed is removed (or undone) here, before the pages are joined and normalized:

- page numbers in any of the four scripts: "Page 3 of 12", "3/12", "- 3 -", "— 3 —", "第3页", "第 3 頁 共 12 頁",
  "3ページ", "3 페이지", "- 3쪽 -", "(3)", "iii";
- running lines: a line that sits at the same edge (top or bottom) of most pages, digits masked, so "EMA/CAT/22473/2025
  Page 3/12" on every page counts as one; a document reference alone at the edge of a page (EMA/CAT/22473/2025);
- line breaks inside a Japanese, Chinese or Korean paragraph, wherever the layout put them: the lines are joined,
  without a space for Japanese and Chinese, with one for Korean (English wrapped lines are left to normalization).

Pure functions over the page lines `pdf.read_pages` returns ("" between paragraphs).
"""

from __future__ import annotations

import re
from collections import Counter

EDGE = 3  # lines at the top and at the bottom of a page where furniture lives
_MIN_SHARE = 0.5  # a line at the same edge of at least this share of the pages (and of two pages) is running
_MAX_RUNNING = 120  # characters: a longer line is prose even when it repeats

_NUM = r"(?:\d{1,4}|[ivxlc]{1,7}|[IVXLC]{1,7}|[〇一二三四五六七八九十百]{1,4})"
_DASH = r"[-–—―‐−ー－~～]"
PAGE_NUMBER = re.compile(
    "|".join((
        rf"(?:page|p\.|pg\.?)\s*{_NUM}(?:\s*(?:of|/)\s*\d{{1,4}})?",
        rf"{_NUM}\s*(?:of|/)\s*\d{{1,4}}",
        rf"{_DASH}*\s*{_NUM}\s*(?:/\s*\d{{1,4}}\s*)?{_DASH}*",
        rf"[(（\[]\s*{_NUM}\s*[)）\]]",
        rf"(?:共\s*\d{{1,4}}\s*[页頁]\s*)?第\s*{_NUM}\s*[页頁](?:\s*[,，/、]?\s*共\s*\d{{1,4}}\s*[页頁])?",
        rf"{_DASH}?\s*{_NUM}\s*(?:ページ|頁|页|페이지|쪽|面)(?:\s*/\s*\d{{1,4}}\s*(?:ページ|頁|页|페이지|쪽)?)?\s*{_DASH}?",
        rf"(?:ページ|페이지|页码|頁)\s*[:：]?\s*{_NUM}(?:\s*/\s*\d{{1,4}})?",
    )),
    re.I,
)
# A document reference printed on every page: "EMA/CAT/22473/2025", "EMA/CHMP/BWP/534898/2008 Rev. 1".
REFERENCE = re.compile(r"[A-Z][A-Z0-9-]{1,15}(?:/[A-Za-z0-9.-]{1,20}){2,7}(?:\s+(?:Rev\.?|rev\.?|Corr\.?)\s*\d{0,2})?")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006\u30fc"
_CJK_END = re.compile(f"[{_CJK}、，,「」『』（）()・：；]$")
_CJK_START = re.compile(f"^[{_CJK}、，。「」『』（）()・]")
_STOP = re.compile("[。！？：:.!?]$")
_HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_HANGUL_END = re.compile(f"[{_HANGUL}0-9,·)」』]$")
_HANGUL_START = re.compile(f"^[{_HANGUL}(「『]")
# A line that starts a new block in a Japanese or Chinese document (never joined to the line before).
_CJK_BLOCK = re.compile(r"^(?:第\s*[0-9一二三四五六七八九十百]+\s*[条章節节款项部編编]?|[一二三四五六七八九十]+[、.．]|"
                        r"[（(][一二三四五六七八九十0-9]+[)）]|\d{1,2}(?:\.\d{1,2})*[.．、)）]?\s|[①-⑳]|[・•●○■□◆◇※]|"
                        r"[０-９]+[.．、]|[A-ZＡ-Ｚ][.．]\s|別[紙添表]|附[件表录])")


def is_page_number(line: str) -> bool:
    return bool(PAGE_NUMBER.fullmatch(line.strip()))


_MASKED = 60  # characters: digits are masked in lines up to this long ("Page 3 of 12"), not in a sentence
_DIGITS = re.compile(r"\d+")


def _shape(line: str) -> str:
    flat = " ".join(line.lower().split())
    return _DIGITS.sub("#", flat) if len(flat) <= _MASKED else flat


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return filled[:EDGE], filled[-EDGE:]


def _without_page_numbers(lines: list[str]) -> list[str]:
    top, bottom = _edges(lines)
    drop = {i for i in top + bottom if is_page_number(lines[i])}
    return [line for i, line in enumerate(lines) if i not in drop]


def _edge_keys(lines: list[str]) -> dict[int, tuple[str, int, str]]:
    """Each edge line's (side, place counted from that edge, shape): furniture keeps its place on every page,
    while prose that happens to repeat (a clause used in every paragraph) moves with the page breaks."""
    top, bottom = _edges(lines)
    keys = {i: ("bottom", len(bottom) - 1 - k, _shape(lines[i])) for k, i in enumerate(bottom)}
    keys.update({i: ("top", k, _shape(lines[i])) for k, i in enumerate(top)})
    return keys


def strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """The pages without page numbers, running headers/footers and edge document references.

    A line is running when its shape sits at the same place from the same edge of at least half the pages and
    of three; in a two-page file, when it is the outermost line of both and ends no sentence.
    """
    pages = [_without_page_numbers(lines) for lines in pages]
    page_keys = [_edge_keys(lines) for lines in pages]
    counts: Counter[tuple[str, int, str]] = Counter()
    outer: Counter[tuple[str, int, str]] = Counter()
    for edge_keys in page_keys:
        keys = set(edge_keys.values())  # each page counts once
        counts.update(keys)
        outer.update(key for key in keys if key[1] == 0)
    needed = max(3, round(len(pages) * _MIN_SHARE + 0.01))
    running = {key for key, n in counts.items() if len(key[2]) <= _MAX_RUNNING and (
        n >= needed or (len(pages) == 2 and outer[key] == 2 and not key[2].endswith((".", "。"))))}

    cleaned = []
    for lines, edge_keys in zip(pages, page_keys, strict=True):
        drop = {i for i, key in edge_keys.items() if key in running or REFERENCE.fullmatch(lines[i].strip())}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _joins(previous: str, line: str, full: int) -> str | None:
    """How `line` continues `previous` inside one paragraph: "" for Japanese/Chinese, " " for Korean; None when
    it starts a new line: after a line well short of the full width (a heading, a paragraph's last line), or
    at a block start ("第2", "二、", "（一）", "1.")."""
    block = _CJK_BLOCK.match(line)
    if block and line[block.end():block.end() + 1] not in "。、，,.)）":  # "(3)。" ends a sentence, starts nothing
        return None
    if _CJK_START.match(line) and (_CJK_END.search(previous) or _STOP.search(previous)):
        return "" if len(previous) >= 0.9 * full else None
    if _HANGUL_START.match(line) and (_HANGUL_END.search(previous) or _STOP.search(previous)):
        return " " if len(previous) >= 0.7 * full else None
    return None


def _full_width(pages: list[list[str]]) -> int:
    """The length of a full line of the document (most lines a layout wrapped are this long)."""
    lengths = sorted(len(line.strip()) for lines in pages for line in lines if line.strip())
    return lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0


def reflow_cjk(pages: list[list[str]]) -> list[list[str]]:
    """Lines a layout broke inside a Japanese, Chinese or Korean paragraph joined again, across page breaks too.

    Only a line about as long as a full line continues on the next; a sentence that ends a page ends its
    paragraph. Blank lines stay (those around the edges of a page, where its furniture was, go).
    """
    full = _full_width(pages)
    out: list[list[str]] = []
    for lines in pages:
        page: list[str] = []
        for raw in lines:
            line = raw.strip()
            glue = _joins(page[-1], line, full) if page and page[-1] and line else None
            if glue is not None:
                page[-1] += glue + line
            elif line or (page and page[-1]):
                page.append(line)
        while page and not page[-1]:
            page.pop()
        previous = next((p for p in reversed(out) if p), None)
        if previous and page and not _STOP.search(previous[-1]):
            glue = _joins(previous[-1], page[0], full)
            if glue is not None:
                previous[-1] += glue + page.pop(0)
                while page and not page[0]:
                    page.pop(0)
        out.append(page)
    return out


def clean_pages(pages: list[list[str]]) -> list[list[str]]:
    """Furniture removed, then CJK paragraphs rebuilt: what `pdf.document_from_pages` joins and normalizes."""
    return reflow_cjk(strip_furniture(pages))
