"""The benchmark's version pairs: hand-made ones from pairs/<id>/, and ones made from the mirrors at run time.

A mirror pair starts from the bytes the offline mirror serves for a path (`mirror.site.resolve`) and applies one
recipe of pairs/mirror.json: a literal or regex edit of the page, an edit of an FDA PDF's text source (re-rendered
by `mirror.pdf.render`), a PDF re-stamped with new dates, or a generic edit that finds its own target in the parsed
text (flip a modal, change a number, add a sentence naming exosomes; re-indent the source, add a comment or a
session id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regwatch.mirror import pdf as mirror_pdf
from regwatch.mirror import site as mirror_site
from regwatch.mirror.agencies import SITES_ROOT, origins
from regwatch.parsers.dispatch import kinds, parse_document
from regwatch.parsers.formats.encoding import detect
from regwatch.parsers.types import Document, Fetched, ParseError

HERE = Path(__file__).resolve().parent
SITE_AGENCY = {"nmpa_en": "nmpa"}  # site folder → agency, where they differ
SITE_FALLBACK = {"mhlw": "pmda", "cde": "nmpa"}  # parsers to try when the site has no agency of its own
PDF = "application/pdf"


@dataclass(frozen=True)
class Case:
    id: str
    source: str  # "hand" | "mirror"
    agency: str
    lang: str
    kinds: tuple[str, ...]  # parse_document kinds to try, first that parses the old version wins
    url: str
    content_type: str
    old: bytes
    new: bytes
    label: str  # "change" | "noise"
    expect: str | None
    note: str
    new_content_type: str | None = None
    klass: str = ""  # issue-15 noise class (classes.py), "" for the older pairs
    half: str = ""  # "tuning" | "held-out"
    siblings: tuple[bytes, ...] = ()  # other pages of the same host section, as the store holds them
    history: tuple[bytes, ...] = ()  # earlier versions of this page, oldest first
    expect_detail: str = ""  # what the top finding's detail must say (e.g. "(negated)")

    @property
    def fmt(self) -> str:
        return "pdf" if self.content_type == PDF else "html"

    def fetched(self, new: bool) -> Fetched:
        ctype = (self.new_content_type or self.content_type) if new else self.content_type
        return Fetched(self.url, 200, {"Content-Type": ctype}, self.new if new else self.old)


def kind_options(spec: str) -> tuple[str, ...]:
    """"pmda:guidance|page" → ("pmda:guidance", "pmda:page", "page"): a bare part reuses the agency before it."""
    out, agency = [], None
    for part in spec.split("|"):
        agency, _, page = part.rpartition(":") if ":" in part else (agency, ":", part)
        out.append(f"{agency}:{page}" if agency else page)
    return tuple(dict.fromkeys([*out, "page"]))


def parse(case: Case, new: bool, kind: str) -> Document:
    return parse_document(case.fetched(new), kind)


def choose_kind(case: Case) -> tuple[str, Document]:
    """The first kind that exists and parses the old version; ParseError when none does."""
    errors = []
    for kind in case.kinds:
        if kind not in kinds():
            continue
        try:
            return kind, parse(case, False, kind)
        except ParseError as exc:
            errors.append(f"{kind}: {exc}")
    raise ParseError("; ".join(errors) or f"no parser among {case.kinds}")


# --- hand-made pairs -----------------------------------------------------------------------------------------

def hand_cases(folder: Path = HERE / "pairs") -> list[Case]:
    cases = []
    for meta_file in sorted(folder.glob("*/pair.json")):
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        old = next(meta_file.parent.glob("old.*"))
        new = next(meta_file.parent.glob("new.*"))
        cases.append(Case(meta_file.parent.name, "hand", meta["agency"], meta["lang"], kind_options(meta["kind"]),
                          meta["url"], meta["content_type"], old.read_bytes(), new.read_bytes(), meta["label"],
                          meta.get("expect"), meta["note"], meta.get("new_content_type")))
    return cases


# --- mirror pairs --------------------------------------------------------------------------------------------

def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def site_kinds(site: str) -> tuple[str, ...]:
    agencies = [SITE_AGENCY.get(site, site), *([SITE_FALLBACK[site]] if site in SITE_FALLBACK else [])]
    return tuple([f"{a}:{page}" for a in agencies for page in ("guidance", "page")] + ["page"])


def language(text: str) -> str:
    if re.search("[가-힣]", text):
        return "ko"
    if re.search("[ぁ-ヿ]", text):
        return "ja"
    return "zh" if re.search("[一-鿿]", text) else "en"


def served(site: str, rel: str) -> Case | None:
    """The mirror's answer for one file of a site, as an unedited Case (None when the mirror does not serve it)."""
    root = SITES_ROOT / site
    reverse = {target: key for key, target in _json(root / "_mirror/routes.json").items()}
    key = reverse.get(rel)
    if key:
        path, _, query = key.partition("?")
    else:
        path, query = "/" + rel.removesuffix("/index.html").removesuffix("index.html"), ""
    resource = mirror_site.resolve(root, path, query)
    if resource is None:
        return None
    origin = {folder: host for host, folder in origins().items()}.get(site, f"https://{site}.example")
    url = origin + path + (f"?{query}" if query else "")
    return Case(f"{site}:{rel}", "mirror", SITE_AGENCY.get(site, site), "", site_kinds(site), url,
                resource.content_type, resource.body, resource.body, "noise", None, "")


def site_files(site: str, pattern: str) -> Iterator[str]:
    """Relative paths of a site matching a glob (FDA's PDFs appear as media/<id>/download), internals left out."""
    root = SITES_ROOT / site
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith("_mirror/") and path.name != "robots.txt":
            yield rel.removesuffix(".txt") if rel.endswith("/download.txt") else rel


def decode(body: bytes) -> tuple[str, str]:
    """The page's text and the encoding that gives its bytes back exactly (UTF-8, else what the project's own
    detector finds: GBK, Shift_JIS, EUC-KR …); Latin-1 when nothing round-trips (edits then stay ASCII-safe)."""
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    found = detect(body)
    if found:
        try:
            if found[1].encode(found[0]) == body:
                return found[1], found[0]
        except (UnicodeEncodeError, LookupError):
            pass
    return body.decode("latin-1"), "latin-1"


def _text_edit(body: bytes, edit: Callable[[str], str | None]) -> bytes | None:
    text, encoding = decode(body)
    changed = edit(text)
    return None if changed is None or changed == text else changed.encode(encoding)


def _increment(match: re.Match[str]) -> str:
    start, end = match.span("n")
    number = str(int(match.group("n")) + 1)
    return match.group(0)[: start - match.start()] + number + match.group(0)[end - match.start():]


def regex_edit(text: str, edit: dict[str, Any]) -> str | None:
    pattern = re.compile(edit["pattern"])
    if not pattern.search(text):
        return None
    if edit["new"] == "increment":
        return pattern.sub(_increment, text, count=1)
    return pattern.sub(edit["new"], text, count=edit.get("count", 1))


def pdf_dates(body: bytes) -> bytes | None:
    """The same PDF re-stamped: creation/modification dates (Info and XMP) and the file ID, same lengths."""
    stamp = b"20260930080000"
    out, n = re.subn(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{4,14})",
                     lambda m: m.group(1) + stamp[: len(m.group(2))], body)
    out, k = re.subn(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)\d{4}", rb"\g<1>2026", out)
    out = re.sub(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]{8})", lambda m: m.group(1) + m.group(2)[::-1], out)
    return out if (n or k) and out != body else None


def fda_source(rel: str, edit: dict[str, Any]) -> tuple[bytes, bytes] | None:
    """An FDA guidance PDF rendered from its text source before and after a reword or a paragraph move."""
    source = (SITES_ROOT / "fda" / f"{rel}.txt").read_text(encoding="utf-8")
    if edit["type"] == "source":
        if edit["old"] not in source:
            return None
        changed = source.replace(edit["old"], edit["new"], 1)
    else:
        paragraphs = source.split("\n\n")
        moving = next((p for p in paragraphs if edit["paragraph"] in p), None)
        anchor = next((k for k, p in enumerate(paragraphs) if edit["after"] in p), None)
        if moving is None or anchor is None:
            return None
        rest = [p for p in paragraphs if p is not moving]
        at = rest.index(paragraphs[anchor]) + 1
        changed = "\n\n".join(rest[:at] + [moving] + rest[at:])
    return mirror_pdf.render(source), mirror_pdf.render(changed)


def apply(case: Case, edit: dict[str, Any], rel: str) -> Case | None:
    """The case with its new version made by one recipe edit; None when the edit does not apply."""
    kind = edit["type"]
    if kind in ("source", "move"):
        bodies = fda_source(rel, edit)
        return replace(case, old=bodies[0], new=bodies[1]) if bodies else None
    if kind == "pdf-dates":
        new = pdf_dates(case.old) if case.fmt == "pdf" else None
    elif kind == "replace":
        new = _text_edit(case.old, lambda t: t.replace(edit["old"], edit["new"], 1) if edit["old"] in t else None)
    elif kind == "regex":
        new = _text_edit(case.old, lambda t: regex_edit(t, edit))
    elif kind == "utf8":
        text, encoding = decode(case.old)
        if encoding == "utf-8":
            return None
        flipped = re.sub(r"charset=[\w-]+", "charset=UTF-8", text, count=1)
        return replace(case, new=flipped.encode("utf-8"), new_content_type="text/html; charset=UTF-8")
    else:
        raise ValueError(f"unknown edit type {kind!r}")
    return replace(case, new=new) if new else None


def recipe_cases(spec: dict[str, Any]) -> tuple[list[Case], list[str]]:
    """Cases of the named recipes; ids of the recipes (or their files) that did not apply."""
    cases, skipped = [], []
    for recipe in spec["recipes"]:
        site = recipe["site"]
        if not (SITES_ROOT / site).is_dir():
            skipped.append(f"{recipe['id']} (no site {site})")
            continue
        files = [recipe["path"]] if "path" in recipe else list(site_files(site, recipe["glob"]))
        made = 0
        for rel in files:
            base = served(site, rel)
            if base is None or (recipe.get("requires") and not re.search(recipe["requires"], decode(base.old)[0])):
                continue
            case = apply(base, recipe["edit"], rel)
            if case is None:
                continue
            made += 1
            suffix = "" if "path" in recipe else f"#{made}"
            lang = language(decode(case.old)[0]) if case.fmt == "html" else "en" if site in ("fda", "ema") else "?"
            cases.append(replace(case, id=recipe["id"] + suffix, lang=lang, label=recipe["label"],
                                 expect=recipe.get("expect"), note=f"{recipe['note']} [{rel}]"))
            if made >= recipe.get("limit", 1):
                break
        if not made:
            skipped.append(recipe["id"])
    return cases, skipped
