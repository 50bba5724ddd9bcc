"""NMPA parsers on the mirror's saved pages (raw bytes with the headers the mirror sends): the Chinese TRS site,
the English site (real saved list and article pages), URL aliases, attachment names and encodings."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch import parsers
from regwatch.mirror.agencies.nmpa import NMPA_CHALLENGE, build_attachments
from regwatch.parsers import nmpa
from regwatch.parsers.challenge import is_challenge
from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.types import Fetched, ParseError

SITES = Path(__file__).parents[2] / "mirror" / "sites"
CN, EN = "http://127.0.0.1:8001", "http://127.0.0.1:8002"
IECIC = "/xxgk/ggtg/hzhpggtg/jmhzhptg/20210430162707173.html"
CELL_216 = "/xxgk/ggtg/qtggtg/20171222145101370.html"
KEPU = "/xxgk/kpzhsh/kpzhshhzhp/20210914103407129.html"
EN_ARTICLE = "/2026-04/14/c_1175738.htm"


def served(site: str, path: str, base: str = CN) -> Fetched:
    """The bytes the mirror serves at `path`, with its Content-Type (header overrides applied)."""
    file = SITES / site / path.lstrip("/")
    overrides = json.loads((SITES / site / "_mirror/headers.json").read_text()) if site == "nmpa" else {}
    default = "text/html" if file.suffix == ".htm" else "text/html; charset=UTF-8"
    ctype = overrides.get(path, {}).get("Content-Type", default)
    return Fetched(base + path, 200, {"Content-Type": ctype}, file.read_bytes())


def test_trs_list_page_entries_dates_numbers_and_next_page() -> None:
    listing = parsers.parse_listing("nmpa", served("nmpa", "/xxgk/ggtg/index.html"))
    assert not listing.complete and listing.next_page == CN + "/xxgk/ggtg/index_1.html"
    first = listing.entries[1]
    assert (first.key, first.issued, first.number) == (
        "/xxgk/ggtg/hzhpggtg/jmhzhptg/20210528174051160.html", date(2021, 5, 28), "2021年第74号")
    assert first.title == "国家药监局关于更新化妆品禁用原料目录的公告(2021年第74号)"  # NFKC: （ → (
    last = parsers.parse_listing("nmpa", served("nmpa", "/xxgk/ggtg/index_1.html"))
    assert last.next_page is None and last.entries[1].number == "2017年第216号"


def test_an_aliased_link_is_the_canonical_document() -> None:
    listing = nmpa.parse_catalogue(served("nmpa", "/xxgk/kpzhsh/kpzhshhzhp/index.html"))
    stem = listing.entries[0]
    assert stem.key == KEPU and stem.url == CN + KEPU and stem.title == "“干细胞化妆品”是个伪概念"
    page = served("nmpa", "/directory/web/nmpa" + KEPU)
    assert nmpa.parse_guidance_page(page).text == nmpa.parse_guidance_page(served("nmpa", KEPU)).text
    both = Fetched(CN + "/l/index.html", 200, {"Content-Type": "text/html; charset=UTF-8"}, (
        '<div class="list"><ul><li><a href="/directory/web/nmpa/x/1.html#top">甲</a><span>2021-01-01</span></li>'
        '<li><a href="../x/1.html">甲</a><span>（2021-01-01）</span></li>'
        '<li><a href="https://mp.weixin.qq.com/s/abc">转载</a><span>2021-01-02</span></li></ul></div>').encode())
    listing = nmpa.parse_catalogue(both)  # linked both ways = one document; off-site reposts are left out
    assert [(e.key, e.url, e.issued) for e in listing.entries] == [("/x/1.html", CN + "/x/1.html", date(2021, 1, 1))]
    assert nmpa.canonical_url(CN + "/directory/web/nmpa/images/a.pdf") == CN + "/directory/web/nmpa/images/a.pdf"


def test_trs_article_metas_text_number_and_attachments() -> None:
    doc = parsers.parse_document(served("nmpa", IECIC), "nmpa:guidance")
    assert doc.title == "国家药监局关于发布《已使用化妆品原料目录(2021年版)》的公告(2021年第62号)"
    assert (doc.issued, doc.number, doc.language) == (date(2021, 4, 30), "2021年第62号", "zh")
    assert doc.doc_type == "化妆品监督管理公告"  # ColumnName
    assert doc.text.startswith("根据《化妆品监督管理条例》的规定") and doc.text.endswith("2021年4月27日")
    assert "$_ts" not in doc.text and "_$" not in doc.text and "打印本页" not in doc.text  # challenge script, chrome
    assert [nmpa.attachment_name(u) for u in doc.attachments] == ["已使用化妆品原料目录（2021年版）.xlsx"]
    assert not is_challenge(served("nmpa", IECIC))  # a real page carries the script in its head but is large


def test_gb18030_page_without_charset_is_decoded_with_the_hint() -> None:
    page = served("nmpa", CELL_216)
    assert page.header("Content-Type") == "text/html" and b"charset" not in page.body[:400]
    assert "细胞治疗产品" in decode_html(page.body, "text/html", hints=nmpa.HINTS)
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    doc = nmpa.parse_guidance_page(page)
    assert doc.number == "2017年第216号" and doc.issued == date(2017, 12, 22)
    assert "人体来源的活细胞产品" in doc.text and "\ufffd" not in doc.text
    wrong = dataclasses.replace(page, headers={"Content-Type": "text/html; charset=UTF-8"})  # a wrong declaration
    assert nmpa.parse_guidance_page(wrong).text == doc.text


def test_english_list_follows_the_real_page_with_its_pager() -> None:
    mirror = served("nmpa_en", "/drugs.html", EN)  # the mirror's own page in the real layout (titles, dates, ids)
    listing = nmpa.parse_catalogue(mirror)
    assert len(listing.entries) == 6 and listing.next_page == EN + "/drugs_2.html"
    top = listing.entries[0]
    assert (top.key, top.issued, top.number) == (EN_ARTICLE, date(2026, 4, 14), "No. 134, 2025")
    assert listing.entries[5].number == "[2025] No. 86"
    assert nmpa.parse_catalogue(served("nmpa_en", "/drugs_2.html", EN)).next_page == EN + "/drugs_3.html"
    assert nmpa.parse_catalogue(served("nmpa_en", "/cosmetics.html", EN)).next_page is None


def test_english_article_keeps_the_cms_comment_out() -> None:
    page = served("nmpa_en", EN_ARTICLE, EN)
    doc = parsers.parse_document(page, "nmpa:guidance")
    assert doc.title.startswith("Announcement of the National Medical Products Administration on Strengthening")
    assert (doc.issued, doc.number, doc.language) == (date(2026, 4, 14), "No. 134, 2025", "en")
    assert doc.text.startswith("This mirror page stands in for NMPA's announcement No. 134") and doc.text.endswith(
        "December 30, 2025")
    assert "enpproperty" not in doc.text and "articleid" not in doc.text and "Presented by China Daily" not in doc.text
    moved = page.body.replace(b"<date>2026-04-14 18:17:07.0</date>", b"<date>2026-05-01 09:00:00.0</date>")
    assert moved != page.body and nmpa.parse_guidance_page(dataclasses.replace(page, body=moved)).text == doc.text


@pytest.mark.parametrize(("url", "name"), [
    ("/directory/web/nmpa/images/z7iw+9bOwcay+sa30dC+v9PrxsC827y8yvXWuLW81K3U8qOoytTQ0KOpLmRvY3g=.docx",
     "细胞治疗产品研究与评价技术指导原则（试行）.docx"),
    ("/directory/web/nmpa/images/uL28/jIuu6/Xsca3vfvTw9Stwc/Ev8K8Lnhsc3g=.xlsx", "附件2.化妆品禁用原料目录.xlsx"),
    ("/directory/web/nmpa/images/1610416113512058121.docx", None),  # numeric names carry no name
    ("/directory/web/nmpa/images/5rWL6K+V.docx", None),  # decodes, but not to a name ending in .docx
    ("/xxgk/a.docx", None),
])
def test_attachment_names_are_base64_of_gbk(url: str, name: str | None) -> None:
    assert nmpa.attachment_name("https://www.nmpa.gov.cn" + url) == name


@pytest.mark.parametrize(("title", "number"), [
    ("关于印发干细胞制剂质量控制及临床前研究指导原则（试行）的通知（国卫办科教发〔2015〕46号）",
     "国卫办科教发〔2015〕46号"),
    ("“干细胞化妆品”是个伪概念", None),
    ("NMPA Announcement on Optimizing ... ([2025] No. 86)", "[2025] No. 86"),
])
def test_document_numbers(title: str, number: str | None) -> None:
    assert nmpa.number_of(title) == number


@pytest.mark.parametrize("body", [NMPA_CHALLENGE, b"<html><body><p>\xe6\xb2\xa1\xe6\x9c\x89</p></body></html>", b" "])
def test_challenge_and_redesigned_pages_are_parse_errors(body: bytes) -> None:
    page = Fetched(CN + "/xxgk/ggtg/index.html", 200, {"Content-Type": "text/html"}, body)
    for parse in (nmpa.parse_catalogue, nmpa.parse_guidance_page):
        with pytest.raises(ParseError):
            parse(page)


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=9000))
def test_fuzz_only_parse_errors_escape(noise: bytes, cut: int) -> None:
    for site, path in (("nmpa", "/xxgk/ggtg/index.html"), ("nmpa", IECIC), ("nmpa_en", EN_ARTICLE)):
        page = served(site, path)
        for body in (page.body[:cut] + noise, noise, page.body[:cut] + noise + page.body[cut:]):
            for parse in (nmpa.parse_catalogue, nmpa.parse_guidance_page):
                with contextlib.suppress(ParseError):
                    parse(dataclasses.replace(page, body=body))


def test_shipped_office_files_are_rebuilt_byte_for_byte_and_sites_stay_small(tmp_path: Path) -> None:
    for name in ("nmpa", "cde"):
        copy = Path(shutil.copytree(SITES / name, tmp_path / name))
        rebuilt = build_attachments(copy)
        assert rebuilt and all(p.read_bytes() == (SITES / name / p.relative_to(copy)).read_bytes() for p in rebuilt)
    files = [p for name in ("nmpa", "nmpa_en", "cde") for p in (SITES / name).rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3 << 20 and max(p.stat().st_size for p in files) < 500 << 10
