"""DOCX and XLSX text extraction (bounded, defused XML); DOC stays byte-versioned."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch import parsers
from regwatch.mirror.agencies.nmpa import docx_bytes, xlsx_bytes
from regwatch.parsers.formats import office
from regwatch.parsers.formats.sniff import OLE_MAGIC
from regwatch.parsers.types import Fetched, ParseError

SITES = Path(__file__).parents[2] / "mirror" / "sites"
IMAGES = SITES / "nmpa" / "directory" / "web" / "nmpa" / "images"


def fetched(body: bytes, url: str = "https://www.nmpa.gov.cn/directory/web/nmpa/images/1.docx") -> Fetched:
    return Fetched(url, 200, {"Content-Type": "application/octet-stream"}, body)


def package(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_docx_paragraphs_headings_and_tables_from_the_mirror_file() -> None:
    path = next(p for p in IMAGES.rglob("*.docx") if p.name.startswith("z7iw"))
    doc = parsers.parse_document(fetched(path.read_bytes()), "page")  # chosen by magic bytes, not the kind
    assert doc.text.startswith("细胞治疗产品研究与评价技术指导原则(试行)\n\n一、前言")
    assert "申请人应当对细胞的来源" in doc.text
    assert ("细胞治疗产品研究与评价技术指导原则(试行)", "三、药学研究") in [s.path for s in doc.sections]
    table = office.parse_docx(fetched(docx_bytes([["h1", "表"], ["table", [["序号", "内容"], ["1", "人源细胞"]]]])))
    assert table.text == "表\n\n序号 | 内容\n\n1 | 人源细胞"


def test_docx_skips_deleted_text_and_reads_content_controls() -> None:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (f"<w:document {w}><w:body><w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r>"
            "</w:del><w:r><w:tab/><w:t>文字</w:t></w:r></w:p><w:sdt><w:sdtContent><w:p><w:r><w:t>控件内容</w:t>"
            "</w:r></w:p></w:sdtContent></w:sdt></w:body></w:document>")
    doc = office.parse_docx(fetched(package({"word/document.xml": body})))
    assert doc.text == "保留 文字\n\n控件内容"


def test_xlsx_sheets_shared_strings_numbers_and_booleans() -> None:
    path = next(p for p in IMAGES.rglob("*.xlsx") if "uL28/jIuu6" in p.as_posix())  # 化妆品禁用原料目录
    doc = parsers.parse_document(fetched(path.read_bytes(), "https://x/a.xlsx"), "page")
    assert doc.sections[0].path == ("化妆品禁用原料目录",)
    assert "1 | 人的细胞、组织或人源产品 | CELLS, TISSUES OR PRODUCTS OF HUMAN ORIGIN" in doc.text
    two = office.parse_xlsx(fetched(xlsx_bytes({"甲": [["名称", "12.5"]], "乙": [["外泌体"]]})))
    assert two.text == "甲\n\n名称 | 12.5\n\n乙\n\n外泌体"


def test_xlsx_inline_rich_and_phonetic_strings() -> None:
    s = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    r = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    doc = office.parse_xlsx(fetched(package({
        "xl/workbook.xml": f'<workbook {s} {r}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      'relationships"><Relationship Id="rId1" Target="/xl/worksheets/s.xml"/>'
                                      "</Relationships>",
        "xl/sharedStrings.xml": f"<sst {s}><si><r><t>条件</t></r><r><t>培养基</t></r><rPh><t>jiao</t></rPh></si></sst>",
        "xl/worksheets/s.xml": f'<worksheet {s}><sheetData><row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>行内'
                               '</t></is></c><c t="b"><v>1</v></c></row></sheetData></worksheet>',
    })))
    assert doc.text == "S\n\n条件培养基 | 行内 | TRUE"


@pytest.mark.parametrize(("body", "match"), [
    (b"PK\x03\x04 not really a zip", "not a readable ZIP"),
    (package({"word/other.xml": "<x/>"}), "word/document.xml missing"),
    (package({"word/document.xml": "<w:document"}), "not usable XML"),
    (package({"word/document.xml": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                                   "<d>&b;</d>"}), "not usable XML"),  # no DTD, no entity expansion
    (package({"word/document.xml": "<d/>"}), "no w:body"),
], ids=["not-zip", "no-document", "broken-xml", "entities", "no-body"])  # a package's bytes hold the time: not an id
def test_broken_or_hostile_docx_is_a_parse_error(body: bytes, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        office.parse_docx(fetched(body))


def test_zip_bombs_and_absurd_packages_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParseError, match="zip bomb"):
        office.parse_docx(fetched(package({"word/document.xml": "<a>" + " " * (4 << 20) + "</a>"})))
    monkeypatch.setattr(office, "MAX_MEMBERS", 3)
    with pytest.raises(ParseError, match="members"):
        office.parse_xlsx(fetched(package({f"f{i}": "x" for i in range(4)})))
    monkeypatch.setattr(office, "MAX_MEMBERS", 10_000)
    monkeypatch.setattr(office, "MAX_CELLS", 1)
    with pytest.raises(ParseError, match="cells"):
        office.parse_xlsx(fetched(xlsx_bytes({"s": [["a", "b"]]})))


def test_a_workbook_without_sheets_or_with_a_missing_string_fails_loudly() -> None:
    with pytest.raises(ParseError, match="xl/workbook.xml missing"):
        office.parse_xlsx(fetched(package({"xl/other.xml": "<x/>"})))
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes({"s": [["文字"]]}))) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"<v>0</v>", b"<v>9</v>")
    broken = package(parts)
    with pytest.raises(ParseError, match="shared string"):
        office.parse_xlsx(fetched(broken))


def test_a_docx_without_text_and_a_doc_are_versioned_by_their_bytes() -> None:
    empty = office.parse_docx(fetched(docx_bytes([])))
    assert empty.note and "holds no text" in empty.note and "sha256" in empty.text
    doc = parsers.parse_document(fetched(OLE_MAGIC + b"\0" * 600), "page")
    assert "versioned by its bytes" in (doc.note or "")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([office.parse_docx, office.parse_xlsx]))
def test_fuzz_only_parse_errors_escape(noise: bytes, parse) -> None:  # type: ignore[no-untyped-def]
    base = docx_bytes([["p", "细胞"]]) if parse is office.parse_docx else xlsx_bytes({"s": [["细胞"]]})
    for body in (b"PK\x03\x04" + noise, base[: len(noise)] + noise, base[:200] + noise + base[200:]):
        with contextlib.suppress(ParseError):
            parse(fetched(body))
