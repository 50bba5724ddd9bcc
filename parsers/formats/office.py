"""Office documents → text. DOCX and XLSX are ZIP packages of XML parts; their text is read straight from the
parts with defusedxml (no DTDs, no entity expansion), inside hard limits on member count, part size, total size
and compression ratio, so a zip bomb or an absurd sheet is refused with a ParseError instead of eating memory.
(Reading the parts directly needs no new dependency and keeps every byte read under those limits; python-docx
and openpyxl would parse whole packages on their own terms.)

DOC (Word 97 binary, OLE) stays versioned by its bytes: no well-kept pure-Python reader exists for it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from regwatch.parsers.formats.binary import binary_document
from regwatch.parsers.formats.sections import build_sections
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import Document, Fetched, ParseError

MAX_MEMBERS = 10_000
MAX_PART = 64 * 1024 * 1024  # bytes of one XML part, uncompressed
MAX_TOTAL = 256 * 1024 * 1024  # bytes of all members, uncompressed, as the directory declares them
MAX_RATIO = 200  # uncompressed/compressed of one member above 1 MiB (real sheets stay well below)
MAX_CELLS = 2_000_000
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


class _Package:
    """A ZIP package opened with its size limits checked up front; `xml(name)` reads one part, bounded."""

    def __init__(self, fetched: Fetched, fmt: str) -> None:
        self.fmt, self.url = fmt, fetched.url
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(fetched.body))
            members = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise ParseError(f"{fmt}: not a readable ZIP package ({exc}) at {fetched.url}") from exc
        if len(members) > MAX_MEMBERS:
            raise ParseError(f"{fmt}: {len(members)} members in {fetched.url} (limit {MAX_MEMBERS})")
        if sum(m.file_size for m in members) > MAX_TOTAL:
            raise ParseError(f"{fmt}: more than {MAX_TOTAL >> 20} MiB uncompressed in {fetched.url}")
        for m in members:
            if m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise ParseError(f"{fmt}: {m.filename} expands {m.file_size // max(m.compress_size, 1)}x "
                                 f"(a zip bomb?) in {fetched.url}")
        self.names = {m.filename for m in members}

    def read(self, name: str) -> bytes:
        try:
            with self.zip.open(name) as part:
                data = part.read(MAX_PART + 1)
        except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise ParseError(f"{self.fmt}: cannot read {name} in {self.url}: {exc}") from exc
        if len(data) > MAX_PART:
            raise ParseError(f"{self.fmt}: {name} is larger than {MAX_PART >> 20} MiB in {self.url}")
        return data

    def xml(self, name: str, required: bool = True) -> Element | None:
        if name not in self.names:
            if required:
                raise ParseError(f"{self.fmt}: {name} missing from {self.url}")
            return None
        try:
            return fromstring(self.read(name), forbid_dtd=True)
        except (XmlError, DefusedXmlException, ValueError) as exc:
            raise ParseError(f"{self.fmt}: {name} is not usable XML in {self.url}: {exc}") from exc


def _title(pkg: _Package) -> str:
    core = pkg.xml("docProps/core.xml", required=False)
    found = core.find(_DC_TITLE) if core is not None else None
    return " ".join(normalize_text(found.text or "").split()) if found is not None else ""


def _document(fetched: Fetched, fmt: str, pkg: _Package, blocks: list[tuple[int, str]]) -> Document:
    text = normalize_text("\n\n".join(t for _, t in blocks))
    if not text:
        return binary_document(fetched, fmt, why="the file holds no text")
    return Document(url=fetched.url, title=_title(pkg), text=text, sections=build_sections(blocks))


# --- DOCX --------------------------------------------------------------------------------------------------


def _heading_levels(pkg: _Package) -> dict[str, int]:
    """Paragraph style id → heading level, from styles named "heading N" / "标题 N" (ids vary by language)."""
    styles = pkg.xml("word/styles.xml", required=False)
    levels: dict[str, int] = {}
    for style in styles.iter(W + "style") if styles is not None else ():
        name = style.find(W + "name")
        label = (name.get(W + "val") or "").lower().replace("标题", "heading") if name is not None else ""
        digits = label.removeprefix("heading").strip()
        if label.startswith("heading") and digits.isdigit() and 1 <= int(digits) <= 6:
            levels[style.get(W + "styleId") or ""] = int(digits)
    return levels


def _runs(paragraph: Element) -> str:
    """A paragraph's visible text: w:t, tabs and breaks (deleted text and field codes are other elements)."""
    out = []
    for node in paragraph.iter():
        if node.tag == W + "t":
            out.append(node.text or "")
        elif node.tag in (W + "tab", W + "br", W + "cr"):
            out.append(" " if node.tag == W + "tab" else "\n")
    return "".join(out).strip()


def _docx_blocks(container: Element, levels: dict[str, int]) -> Iterator[tuple[int, str]]:
    for node in container:
        if node.tag == W + "p":
            style = node.find(f"{W}pPr/{W}pStyle")
            if text := _runs(node):
                yield levels.get(style.get(W + "val") or "", 0) if style is not None else 0, text
        elif node.tag == W + "tbl":
            for row in node.iter(W + "tr"):
                cells = [" ".join(filter(None, map(_runs, cell.iter(W + "p")))) for cell in row.findall(W + "tc")]
                if any(cells):
                    yield 0, " | ".join(cells)
        elif node.tag == W + "sdt":
            content = node.find(W + "sdtContent")
            yield from _docx_blocks(content, levels) if content is not None else ()


def parse_docx(fetched: Fetched) -> Document:
    """Paragraphs (headings by their style) and table rows of word/document.xml."""
    pkg = _Package(fetched, "docx")
    root = pkg.xml("word/document.xml")
    body = root.find(W + "body") if root is not None else None
    if body is None:
        raise ParseError(f"docx: no w:body in word/document.xml of {fetched.url}")
    return _document(fetched, "docx", pkg, list(_docx_blocks(body, _heading_levels(pkg))))


# --- XLSX --------------------------------------------------------------------------------------------------


def _shared_strings(pkg: _Package) -> list[str]:
    """The shared-string table: each <si> is a plain <t> or rich-text runs <r><t>; phonetic <rPh> is left out."""
    table = pkg.xml("xl/sharedStrings.xml", required=False)
    strings = []
    for si in table.findall(S + "si") if table is not None else ():
        plain = si.find(S + "t")
        runs = [t.text or "" for r in si.findall(S + "r") if (t := r.find(S + "t")) is not None]
        strings.append((plain.text or "" if plain is not None else "") + "".join(runs))
    return strings


def _sheet_paths(pkg: _Package) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order, resolved through the workbook's relationships."""
    workbook = pkg.xml("xl/workbook.xml")
    rels = pkg.xml("xl/_rels/workbook.xml.rels")
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(_PKG_REL)} if rels is not None else {}
    sheets = []
    for sheet in workbook.iter(S + "sheet") if workbook is not None else ():
        target = targets.get(sheet.get(_REL_ID))
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            sheets.append((sheet.get("name") or path, path))
    if not sheets:
        raise ParseError(f"xlsx: the workbook lists no sheets in {pkg.url}")
    return sheets


def _cell(cell: Element, shared: list[str], url: str) -> str:
    kind, value = cell.get("t"), cell.find(S + "v")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(S + "t"))
    raw = (value.text or "") if value is not None else ""
    if kind == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError) as exc:
            raise ParseError(f"xlsx: shared string {raw!r} does not exist in {url}") from exc
    return {"1": "TRUE", "0": "FALSE"}.get(raw, raw) if kind == "b" else raw


def parse_xlsx(fetched: Fetched) -> Document:
    """Each sheet as a level-1 section (its name) with one paragraph per non-empty row, cells joined by " | "."""
    pkg = _Package(fetched, "xlsx")
    shared, blocks, cells = _shared_strings(pkg), [], 0
    for name, path in _sheet_paths(pkg):
        sheet = pkg.xml(path, required=False)
        blocks.append((1, name))
        for row in sheet.iter(S + "row") if sheet is not None else ():
            values = [_cell(c, shared, fetched.url).strip() for c in row.findall(S + "c")]
            cells += len(values)
            if cells > MAX_CELLS:
                raise ParseError(f"xlsx: more than {MAX_CELLS} cells in {fetched.url}")
            if any(values):
                blocks.append((0, " | ".join(v for v in values if v)))
    return _document(fetched, "xlsx", pkg, blocks)


def parse_doc(fetched: Fetched) -> Document:
    """Word 97 binary: versioned by its bytes (no well-kept pure-Python reader exists)."""
    return binary_document(fetched, "doc", why="no well-kept reader for Word 97 binary files; convert to DOCX")
