"""Japanese regulatory text, shared by the PMDA and MHLW parsers: 和暦 and kanji-numeral dates, notice numbers
(薬食発0812第30号, 厚生労働省告示第210号, PSEHB/PED Notification No. 0330-6), document types, and PDF text whose
wrapped Japanese lines must join without a space."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import date

from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats import pdf
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import Document, Fetched

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
# A kanji numeral written before 年/月/日/号/条 (平成十五年五月二十日, 告示第二百十号, 平成一三年).
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千]+(?=[年月日号条])")
# 2014年（平成26年）8月12日: the era year in brackets repeats the Western year.
_ERA_ASIDE = re.compile(r"(\d{4}\s*年)\s*\(\s*(?:令和|平成|昭和)\s*(?:元|\d{1,2})\s*年\s*\)")
_DATE = re.compile(r"(?:(?:令和|平成|昭和)\s*(?:元|\d{1,2})|\d{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_EN_DATE = re.compile(r"[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s*\d{4}")
_KANJI = r"(?:(?![年月日号第])[\u4e00-\u9fff])"
_NOTICE = re.compile(rf"{_KANJI}{{1,8}}発(?:第\d{{3,8}}号|\d{{4}}第\d{{1,3}}号?)")
_STATUTE = re.compile(r"(?:(?:令和|平成|昭和)(?:元|\d{1,2})年)?(?:厚生労働省告示|厚生労働省令|政令|法律)第\d+号")
_EN_NUMBER = re.compile(r"(?:\b[A-Z][A-Za-z]*(?:/ ?[A-Z][A-Za-z]*)*\s+)?(?:Notification|Ordinances?)"
                        r"\s+No\s*\.?\s*\.?\s*\d[\d-]*")
_TYPES = (("事務連絡", "事務連絡"), ("告示", "告示"), ("省令", "省令"), ("政令", "政令"), ("法律第", "法律"),
          ("Administrative Notice", "Administrative Notice"), ("Notification No", "Notification"),
          ("Ordinance", "Ordinance"))
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff01-\uff60]")
FULL_LINE = 0.85  # a line this close to the page's widest line was wrapped by the layout, not ended by the writer


def kanji_number(text: str) -> int:
    """二百十 → 210, 十五 → 15, 一三 → 13 (digits written one by one), 〇 → 0."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            digit = _DIGITS[ch]
    return total + digit


def arabic(text: str) -> str:
    """NFKC, and kanji numerals before 年/月/日/号/条 as Arabic digits."""
    text = unicodedata.normalize("NFKC", text)
    return _KANJI_NUMBER.sub(lambda m: str(kanji_number(m.group(0))), text)


def jp_date(text: str | None) -> date | None:
    """The first date written in `text`: 令和6年5月1日, 平成十五年五月二十日, 2014年（平成26年）8月12日,
    2017年09月11日掲載, Jul. 3, 2023; None when there is none."""
    if not text:
        return None
    plain = _ERA_ASIDE.sub(r"\1", arabic(text))
    found = _DATE.search(plain) or _EN_DATE.search(plain)
    return parse_date(found.group(0)) if found else parse_date(plain)


def find_numbers(text: str) -> tuple[str, ...]:
    """Notice numbers in order of appearance: 薬食発0812第30号, 厚生労働省告示第210号, PFSB Notification No. 0812-30."""
    plain = arabic(text)
    hits = [(m.start(), m.group(0)) for rx in (_NOTICE, _STATUTE) for m in rx.finditer(plain)]
    hits += [(m.start(), " ".join(m.group(0).split())) for m in _EN_NUMBER.finditer(plain)]
    return tuple(dict.fromkeys(number for _, number in sorted(hits)))


def doc_type(text: str) -> str | None:
    """通知 / 事務連絡 / 告示 / 省令 / 政令 / 法律 (or the English document type) as the text names it."""
    plain = arabic(text)
    found = next((kind for marker, kind in _TYPES if marker in plain), None)
    return found or ("通知" if _NOTICE.search(plain) else None)


def trailing_group(text: str) -> tuple[str, str]:
    """(title, meta) when normalized `text` ends in a bracketed group naming a date, a number or a document type
    (`題(2014年(平成26年)8月12日 薬食発0812第30号)`); (text, "") otherwise."""
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            inner = text[i + 1:-1]
            named = jp_date(inner) or find_numbers(inner) or doc_type(inner)
            return (text[:i].rstrip(), inner) if named else (text, "")
    return text, ""


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def join_wrapped(lines: list[str]) -> list[str]:
    """Join a Japanese line the layout wrapped to the next one without a space (a wrap is not a word break)."""
    widest = max(map(_width, lines), default=0)
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if prev and line and _CJK.match(line[0]) and _CJK.match(prev[-1]) and _width(prev) >= FULL_LINE * widest:
            out[-1] = prev + line
        else:
            out.append(line)
    return out


def parse_pdf_ja(fetched: Fetched) -> Document:
    """A PDF as `parsers.formats.pdf.parse_pdf` reads it, with wrapped Japanese lines joined before normalizing."""
    require_body(fetched, "pdf")
    pages, title = pdf.read_pages(fetched.body, fetched.url)  # validates the file; ParseError for a broken one
    document = pdf.document_from_pages(fetched, pages, title)  # = pdf.parse_pdf(fetched), from the same reading
    if not _CJK.search(document.text):
        return document
    text = normalize_text(pdf.join_pages([join_wrapped(lines) for lines in pdf.strip_running_lines(pages)]))
    return dataclasses.replace(document, text=text, sections=pdf.pdf_sections(text))
