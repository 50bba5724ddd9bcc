"""Generic recipes: edits that work on any mirror page, finding their target in the page's own parsed text.

Changes touch only wording that the parser shows (a snippet of a parsed sentence found exactly once in the raw
page), so a miss is regwatch's miss; noise touches only what no reader sees (whitespace between tags, comments,
link attributes, PDF dates).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cases import SITES_ROOT, Case, choose_kind, decode, language, pdf_dates, served, site_files

from regwatch.alerts.significance import defines
from regwatch.alerts.topics import tag
from regwatch.parsers.types import Document, ParseError

MODALS = {
    "en": [(r"\bshould\b", "must"), (r"\bmay\b(?!\s*\d)", "must"), (r"\bmust\b", "should")],
    "ja": [("することが望ましい", "しなければならない"), ("することができる", "しなければならない"),
           ("すること。", "しなければならない。")],
    "ko": [("할 수 있다", "하여야 한다"), ("하여야 한다", "할 수 있다"), ("해야 한다", "할 수 있다")],
    "zh": [("可以", "应当"), ("应当", "可以"), ("不得", "不宜")],
}
NUMBER = re.compile(r"(?<![\d.,/:-])(\d{1,3})(?![\d.,/:-])(?=\s?(?:years?|months?|weeks?|days?|hours?|年|か月|ヶ月|"
                    r"箇月|个月|月|日|天|周|년|개월|일|주|%|percent))")
SCOPE = {"en": " Products containing exosomes are also covered.", "ja": "エクソソームを含む製品も対象とする。",
         "ko": " 엑소좀을 함유한 제품도 적용 대상이다.", "zh": "含有外泌体的产品也适用本规定。"}
SENTENCE = re.compile(r"[^.。!?\n]+[.。!?]")
NOISY = re.compile(r"조회수|updated|KB|current as of|掲載|浏览", re.I)
CONTEXTS = ((16, 10), (8, 6), (4, 3))


def sentences(doc: Document) -> list[str]:
    """Body sentences worth editing: long enough, not a definition, no counter or stamp in them."""
    return [s.strip() for s in SENTENCE.findall(doc.text)
            if len(s.strip()) >= 15 and not defines(s) and not NOISY.search(s)]


def visible(raw: str, at: int) -> bool:
    """Whether offset `at` of a page is in text a reader sees: not in a tag, comment, script, style or <head>."""
    head = raw[:at].lower()
    outside_tag = head.rfind("<") <= head.rfind(">")
    outside_comment = head.rfind("<!--") <= head.rfind("-->")
    closed = all(head.rfind(f"<{tag}") <= head.rfind(f"</{tag}") for tag in ("script", "style", "head", "title"))
    return outside_tag and outside_comment and closed


def _splice(raw: str, sentence: str, start: int, end: int, new: str) -> str | None:
    """Replace sentence[start:end] by `new` at the one visible place of `raw` where a snippet around it occurs."""
    for left, right in CONTEXTS:
        before, after = sentence[max(0, start - left) : start], sentence[end : end + right]
        snippet = before + sentence[start:end] + after
        if raw.count(snippet) == 1 and visible(raw, raw.index(snippet)):
            at = raw.index(snippet)
            return raw[:at] + before + new + after + raw[at + len(snippet):]
    return None


def modal(raw: str, doc: Document, lang: str) -> str | None:
    for sentence in sentences(doc):
        for pattern, new in MODALS[lang]:
            if (match := re.search(pattern, sentence)) and (out := _splice(raw, sentence, *match.span(), new)):
                return out
    return None


def number(raw: str, doc: Document, lang: str) -> str | None:
    for sentence in sentences(doc):
        if (match := NUMBER.search(sentence)) and (
                out := _splice(raw, sentence, *match.span(1), str(int(match.group(1)) + 1))):
            return out
    return None


def scope(raw: str, doc: Document, lang: str) -> str | None:
    for sentence in sentences(doc):
        if len(sentence) >= 20 and not tag(sentence) and (
                out := _splice(raw, sentence, len(sentence), len(sentence), SCOPE[lang])):
            return out
    return None


def reindent(raw: str) -> str | None:
    if re.search(r"<(?:pre|textarea)\b", raw, re.I):
        return None
    return re.sub(r">([ \t]*\n[ \t\n]*)<", ">\n\t\t  <", raw)


def comment(raw: str) -> str | None:
    out = re.sub(r"(<body\b[^>]*>)", r"\1\n<!-- cms revision 48213, generated 2026-09-30T08:00:00Z -->", raw, count=1)
    return out.replace("</body>", "<!-- rendered in 41 ms by node-7 -->\n</body>", 1)


def session(raw: str) -> str | None:
    return re.sub(r'(href=")((?:/|\./)[^"?#;]*)', r"\1\2;jsessionid=9F8E7D6C5B4A", raw, count=20)


CHANGES: dict[str, Callable[[str, Document, str], str | None]] = {"modal": modal, "number": number, "scope": scope}
NOISE: dict[str, Callable[[str], str | None]] = {"reindent": reindent, "comment": comment, "session": session}


def documents(site: str, pages: int, pdfs: int) -> tuple[list[tuple[Case, Document]], list[tuple[Case, Document]]]:
    """The site's `pages` longest HTML documents and first `pdfs` PDFs that parse, each with its parse."""
    html, pdf = [], []
    for rel in site_files(site, "**/*"):
        case = served(site, rel)
        if case is None or not (case.fmt == "pdf" or "html" in case.content_type):
            continue
        if case.fmt == "pdf" and len(pdf) >= pdfs:
            continue
        try:
            kind, doc = choose_kind(case)
        except ParseError:
            continue
        if doc.text:
            (pdf if case.fmt == "pdf" else html).append((replace(case, kinds=(kind,)), doc))
    html.sort(key=lambda item: -len(item[1].text))
    return html[:pages], pdf[:pdfs]


def generic_cases(spec: dict[str, Any]) -> tuple[list[Case], list[str]]:
    """Every generic recipe on every site's chosen documents."""
    cases, skipped = [], []
    for site_dir in sorted(p for p in SITES_ROOT.iterdir() if p.is_dir()):
        site = site_dir.name
        html, pdf = documents(site, spec["pages"], spec["pdfs"])
        for case, doc in html:
            raw, encoding = decode(case.old)
            lang = language(doc.text)
            made = [(r, CHANGES[r["type"]](raw, doc, lang)) for r in spec["changes"]]
            made += [(r, NOISE[r["type"]](raw)) for r in spec["noise"] if r["type"] in NOISE]
            for recipe, new in made:
                name = f"generic-{recipe['type']}-{site}-{len(html) and html.index((case, doc)) + 1}"
                if new is None or new == raw:
                    skipped.append(name)
                    continue
                cases.append(replace(case, id=name, new=new.encode(encoding), lang=lang,
                                     label="change" if "expect" in recipe else "noise",
                                     expect=recipe.get("expect"), note=f"{recipe['note']} [{case.id}]"))
        for number, (case, doc) in enumerate(pdf, 1):
            new = pdf_dates(case.old)
            if new is None:
                skipped.append(f"generic-pdf-dates-{case.id}")
                continue
            cases.append(replace(case, id=f"generic-pdf-dates-{site}-{number}", new=new, lang=language(doc.text),
                                 label="noise", note=f"PDF regenerated: new creation date, same text [{case.id}]"))
    return cases, skipped
