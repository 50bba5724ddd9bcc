"""Fuzzing every public parser entry point in one place: only `ParseError` may leave a parser, and the helpers
that answer a question (dates, encodings, sniffing, challenge detection, keys) never raise at all.

Inputs are arbitrary bytes and structured junk: HTML tag soup built around the selectors the agency parsers look
for, ZIP packages with random parts for DOCX/XLSX/HWPX, OLE files for HWP, and PDFs mutated from a real file.
A crash found here is fixed in the parser and its input saved under fixtures/crashes/ (replayed below).

Per-test example counts are kept small: the whole file must stay within a few seconds of CI time.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import hostile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regwatch import parsers
from regwatch.crawler.spiders.pmda import parse_any
from regwatch.parsers import cde, challenge, dates, ema, ema_catalogue, fda, mfds, mhlw, nmpa, pmda, pmda_ja
from regwatch.parsers.agencies import AGENCIES
from regwatch.parsers.formats import binary, encoding, feed, html, hwp, office, pdf, sniff
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import Document, Fetched, Listing, ParseError

CRASHES = Path(__file__).parent / "fixtures" / "crashes"
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fetched(body: bytes, url: str = "https://www.example.go.kr/brd/m_211/view.do?seq=1", status: int = 200,
            content_type: str | None = None) -> Fetched:
    return Fetched(url, status, {"Content-Type": content_type} if content_type else {}, body)


def only_parse_errors(parse: Callable[[Fetched], object], response: Fetched, returns: type) -> None:
    """`parse(response)` gives a `returns` or raises ParseError; anything else is a parser defect."""
    try:
        result = parse(response)
    except ParseError:
        return
    assert isinstance(result, returns), type(result)


# --- structured inputs -----------------------------------------------------------------------------------

# Opening tags the agency parsers select on (see the selectors in parsers/*.py), and text they look for.
_TAGS = (
    '<main class="main-content-wrapper">', '<div data-ema-document-type="Scientific guideline">',
    '<div class="label">', '<div class="value">', '<h1 class="content-title">', "<main>", '<div id="main-content">',
    '<div class="field--item">', '<div class="field--label">', '<div class="title__block__page"><h1 class="title">',
    '<div class="inner editor">', '<ul class="list__news"><li>', '<div class="l-contentMain">',
    '<ul class="m-listNews"><li>', '<span class="m-listNews__category">', '<ul class="m-listLinkMonth">',
    '<p class="m-boxInfo__date"><time datetime="2024-05-01">', '<h1 class="m-hdgLv1__hdg">',
    '<div class="bbs_list01">', '<div class="bbs_view01"><div class="bv_title">', '<div class="bbs_data_info">',
    '<ul class="bbs_file_view_list"><li>', '<a class="bbs_icon_filedown" href="./down.do?seq=1&file_seq=1">',
    '<div class="bbs_page"><li class="on">', '<div class="bv_txt01"><li>', '<div class="text">', '<div id="zoom">',
    '<div class="TRS_Editor">', '<div class="list"><ul><li>', '<div id="displaypagenum">', '<h3 class="list-tit">',
    '<div class="art"><h2 class="art-tit">', '<div class="art-text">', '<div class="art-info"><span>',
    '<div class="new_detail_box">', '<div class="new_detail_title">', '<div class="new_detail_content">',
    '<div id="contents">', '<div class="right_column">', '<p class="date">', '<p class="list-date">',
    '<div class="pagination"><a rel="next" href="?page=2">', "<table><thead><tr><th>", "<tbody><tr><td>", "<tr>",
    "<td>", "<dl><dt>", "<dd>", "<h2>", "<h3>", "<p>", "<span>", "<li>", "<time>", '<time datetime="2024-13-45">',
    '<a href="/files/000123456.pdf">', '<a href="/media/123/download">', '<a href="/brd/m_211/view.do?seq=14931">',
    '<a href="/directory/web/nmpa/images/0dPSqbG7yrmzxKO6.pdf">', '<a href="javascript:void(0)">', '<a href="">',
    '<a href="http://[::1">', '<meta name="ArticleTitle" content="x">', '<meta charset="x-unknown">',
    "<script>createPageHTML(3, 0, \"index\", \"html\")</script>", "<script>$_ts=1</script>",
)
_WORDS = (
    "Final", "Draft", "Withdrawn", "Adopted", "First published", "Last updated", "Reference number",
    "Document history", "Current effective version", "令和6年5月1日", "平成元年", "2024-05-01", "05/01/2024",
    "2024年5月1日", "2024년 5월 1일", "2024.05.01", "薬生機審発0329第3号", "厚生労働省告示第210号", "제2024-70호",
    "현재 페이지 1/3", "고시번호", "(国家药监局公告2024年第1号)", "〔2024〕1号", "颁布", "征求意见", "[PDF 123KB]",
    "Notification No. 0330-6", "事務連絡", "(", ")", "（", "）", "\u200b", "\x00", "&amp;", "&#0;", "&#xD800;", "]]>",
)
_SOUP = st.lists(st.one_of(st.sampled_from(_TAGS), st.sampled_from(_WORDS), st.sampled_from(("</div>", "</li>",
                                                                                           "</ul>", "</a>")),
                           st.text(max_size=12)), max_size=40).map("".join)
_URLS = st.sampled_from(("https://www.fda.gov/regulatory-information/search-fda-guidance-documents/x",
                         "https://www.ema.europa.eu/en/human-regulatory-overview/x",
                         "https://www.pmda.go.jp/review-services/notice/0001.html",
                         "https://www.mhlw.go.jp/stf/newpage_12345.html", "https://www.mhlw.go.jp/stf/shingi/2024/05.html",
                         "https://www.mfds.go.kr/brd/m_211/view.do?seq=14931", "https://www.mfds.go.kr/brd/m_99/list.do",
                         "https://www.nmpa.gov.cn/xxgk/ggtg/index.html", "https://www.nmpa.gov.cn/xxgk/ggtg/20240101.html",
                         "https://www.cde.org.cn/zdyz/domesticinfopage?zdyzIdCODE=" + "0" * 32,
                         "https://www.cde.org.cn/zdyz/listpage/" + "a" * 32, "http://127.0.0.1:8765/"))
_CHARSETS = st.sampled_from((None, "text/html", "text/html; charset=utf-8", "text/html; charset=euc-kr",
                             "text/html; charset=shift_jis", "text/html; charset=base64", "text/html; charset=bogus",
                             "application/json", "application/pdf", "application/xml"))


@st.composite
def html_responses(draw: st.DrawFn) -> Fetched:
    """Tag soup around the real selectors, encoded in one of the agencies' encodings, with any status."""
    text = f"<html><head><title>{draw(_SOUP)}</title></head><body>{draw(_SOUP)}</body></html>"
    body = text.encode(draw(st.sampled_from(("utf-8", "cp949", "gb18030", "cp932"))), "replace")
    status = draw(st.sampled_from((200, 200, 200, 202, 404, 500)))
    return fetched(body, draw(_URLS), status, draw(_CHARSETS))


def junk_responses() -> st.SearchStrategy[Fetched]:
    return st.builds(fetched, st.binary(max_size=300), _URLS, st.sampled_from((200, 304, 412)), _CHARSETS)


_PARTS = ("word/document.xml", "word/styles.xml", "docProps/core.xml", "xl/workbook.xml",
          "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "Contents/section0.xml",
          "Contents/section1.xml", "Preview/PrvText.txt", "mimetype", "../../etc/passwd")
_NS = {"w": office.W[1:-1], "s": office.S[1:-1], "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "hp": hostile.HP_NS, "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
       "dc": "http://purl.org/dc/elements/1.1/"}
_ELEMENTS = ("w:body", "w:p", "w:r", "w:t", "w:tab", "w:br", "w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent",
             "w:pPr", "w:style", "w:name", "s:sheets", "s:sheet", "s:sst", "s:si", "s:t", "s:row", "s:c", "s:v",
             "s:is", "pr:Relationship", "hp:p", "hp:run", "hp:t", "hp:tab", "hp:lineBreak", "dc:title")
_ATTRIBUTES = ('w:val="Heading1"', 'w:val="heading 7"', 'w:styleId="Heading1"', 't="s"', 't="b"', 't="inlineStr"',
               'r:id="rId1"', 'Id="rId1"', 'Target="worksheets/sheet1.xml"', 'Target="/xl/../../x.xml"', 'name="S"')


@st.composite
def xml_parts(draw: st.DrawFn) -> bytes:
    """Nested elements of the OOXML/HWPML vocabularies with random attributes and text."""
    def element(depth: int) -> str:
        tag = draw(st.sampled_from(_ELEMENTS))
        attrs = " ".join(draw(st.lists(st.sampled_from(_ATTRIBUTES), max_size=2)))
        inner = draw(st.text(max_size=6)).replace("&", "&amp;").replace("<", "&lt;")
        if depth < 4:
            inner += "".join(element(depth + 1) for _ in range(draw(st.integers(0, 3))))
        return f"<{tag} {attrs}>{inner}</{tag}>"

    namespaces = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in _NS.items())
    root = draw(st.sampled_from(("w:document", "s:workbook", "s:worksheet", "hp:sec", "pr:Relationships")))
    return f'<?xml version="1.0"?><{root} {namespaces}>{element(0)}</{root}>'.encode()


@st.composite
def zip_packages(draw: st.DrawFn) -> bytes:
    """A ZIP of random known part names holding structured XML, junk bytes or nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", draw(st.sampled_from((zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)))) as package:
        for name in draw(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=6, unique=True)):
            package.writestr(name, draw(st.one_of(xml_parts(), st.binary(max_size=80))))
    data = buffer.getvalue()
    if draw(st.booleans()):  # then damage it
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=16)) + data[cut + draw(st.integers(0, 16)):]
    return data


@st.composite
def hwp_files(draw: st.DrawFn) -> bytes:
    """HWP 5 compound files whose section is random records (compressed or not), possibly damaged."""
    records = b"".join(
        (tag | (len(payload) << 20)).to_bytes(4, "little") + payload
        for tag, payload in draw(st.lists(st.tuples(st.sampled_from((66, 67, 68, 28)), st.binary(max_size=40)),
                                          max_size=6)))
    compressed = draw(st.booleans())
    section = zlib.compress(records)[2:-4] if compressed else records
    data = hostile.hwp(section, compressed=compressed)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 8:]
    return data


def _real_pdf() -> bytes:
    from parser_fixtures import make_pdf

    return make_pdf([["I. INTRODUCTION", "Cells should be tested."], ["II. SCOPE", "This applies."]], title="T")


_PDF = _real_pdf()


@st.composite
def mutated_pdfs(draw: st.DrawFn) -> bytes:
    """A real two-page PDF with a few byte ranges overwritten, removed or repeated (the %%EOF tail kept, so the
    damage reaches the reader instead of the truncation check)."""
    data = bytearray(_PDF)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 8))
        action = draw(st.sampled_from(("overwrite", "delete", "repeat")))
        span = draw(st.integers(1, 64))
        if action == "overwrite":
            data[at:at + span] = draw(st.binary(min_size=1, max_size=span))
        elif action == "delete":
            del data[at:at + span]
        else:
            data[at:at] = data[at:at + span] * draw(st.integers(1, 20))
    return bytes(data) + b"\n%%EOF\n"


# --- dispatch --------------------------------------------------------------------------------------------


@FAST
@given(st.one_of(st.binary(max_size=400), zip_packages(), mutated_pdfs()), st.sampled_from(parsers.kinds()),
       st.sampled_from((None, "main", "div >", "#x")))
def test_parse_document_any_bytes_any_kind(body: bytes, kind: str, selector: str | None) -> None:
    only_parse_errors(partial(parsers.parse_document, kind=kind, selector=selector), fetched(body), Document)


@FAST
@given(html_responses(), st.sampled_from(parsers.kinds()))
def test_parse_document_tag_soup_any_kind(response: Fetched, kind: str) -> None:
    only_parse_errors(partial(parsers.parse_document, kind=kind), response, Document)


@FAST
@given(st.one_of(junk_responses(), html_responses()), st.sampled_from(sorted(AGENCIES)))
def test_parse_listing_every_agency(response: Fetched, agency: str) -> None:
    only_parse_errors(partial(parsers.parse_listing, agency), response, Listing)


# --- agency parsers --------------------------------------------------------------------------------------

DOCUMENT_PARSERS = {
    "fda.parse_guidance_page": fda.parse_guidance_page, "fda.parse_page": fda.parse_page,
    "ema.parse_guidance_page": ema.parse_guidance_page, "ema.parse_page": ema.parse_page,
    "pmda.parse_guidance_page": pmda.parse_guidance_page, "pmda.parse_page": pmda.parse_page,
    "mhlw.parse_page": mhlw.parse_page, "mfds.parse_guidance_page": mfds.parse_guidance_page,
    "mfds.parse_page": mfds.parse_page, "nmpa.parse_guidance_page": nmpa.parse_guidance_page,
    "nmpa.parse_page": nmpa.parse_page, "html.parse_page": html.parse_page,
    "pmda spider parse_any": partial(parse_any, kind="pmda:page"),
}
LISTING_PARSERS = {
    "fda.parse_catalogue": fda.parse_catalogue, "ema.parse_listing": ema.parse_listing,
    "ema_catalogue.parse_catalogue": ema_catalogue.parse_catalogue,
    "ema_catalogue.parse_feed": ema_catalogue.parse_feed,
    "pmda.parse_catalogue": pmda.parse_catalogue, "mfds.parse_board_list": mfds.parse_board_list,
    "mfds.parse_board_feed": mfds.parse_board_feed, "nmpa.parse_catalogue": nmpa.parse_catalogue,
    "cde.parse_guide_list": cde.parse_guide_list, "feed.parse_feed": feed.parse_feed,
    "pmda.localize_feed": lambda f: pmda.localize_feed(feed.parse_feed(f), f),
}


@FAST
@given(st.sampled_from(sorted(DOCUMENT_PARSERS)), st.one_of(html_responses(), junk_responses()))
def test_agency_document_parsers(name: str, response: Fetched) -> None:
    only_parse_errors(DOCUMENT_PARSERS[name], response, Document)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.sampled_from(_WORDS) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                         st.sampled_from(("data", "title", "url", "id", "name", "type", "status", "field_date",
                                          "records", "total_records", "pageList", "zdyzIdCODE", "0", "1")),
                         inner, max_size=5), max_leaves=20)
_FEEDS = st.builds(lambda items: ('<?xml version="1.0"?><rss version="2.0"><channel>' + "".join(
    f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate><guid>{link}</guid></item>"
    for t, link, d in items) + "</channel></rss>").encode(),
    st.lists(st.tuples(st.sampled_from(_WORDS[:12]), st.sampled_from(("", "/a", "http://[::1", "https://x/y?seq=1")),
                       st.sampled_from(("", "Tue, 06 Jan 2026 00:04:43 GMT", "2026-13-01", "Mon, 99 Foo"))),
             max_size=4))


@FAST
@given(st.sampled_from(sorted(LISTING_PARSERS)),
       st.one_of(html_responses(), junk_responses(),
                 st.builds(fetched, _JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode()), _URLS),
                 st.builds(fetched, _FEEDS, _URLS)))
def test_agency_listing_parsers(name: str, response: Fetched) -> None:
    only_parse_errors(LISTING_PARSERS[name], response, Listing)


# --- formats ---------------------------------------------------------------------------------------------


@FAST
@given(st.one_of(zip_packages(), st.binary(max_size=200)),
       st.sampled_from((office.parse_docx, office.parse_xlsx, office.parse_doc, hwp.parse_hwpx)))
def test_zip_formats(body: bytes, parse: Callable[[Fetched], Document]) -> None:
    only_parse_errors(parse, fetched(body), Document)


@FAST
@given(st.one_of(hwp_files(), st.binary(max_size=200).map(lambda b: sniff.OLE_MAGIC + b)))
def test_hwp(body: bytes) -> None:
    only_parse_errors(hwp.parse_hwp, fetched(body), Document)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_pdfs(), st.sampled_from((pdf.parse_pdf, pmda_ja.parse_pdf_ja)))
def test_mutated_pdfs(body: bytes, parse: Callable[[Fetched], Document]) -> None:
    only_parse_errors(parse, fetched(body, content_type="application/pdf"), Document)


# --- helpers that never raise ----------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=300), _CHARSETS, st.sampled_from(((), mfds.HINTS, mhlw.HINTS, nmpa.HINTS)))
def test_encoding_detection_never_raises(body: bytes, content_type: str | None, hints: tuple[str, ...]) -> None:
    assert isinstance(encoding.decode_html(body, content_type, hints), str)
    assert isinstance(encoding.declared_charset(body, content_type), str | None)
    assert encoding.detect(body) is None or isinstance(encoding.detect(body)[1], str)
    assert isinstance(encoding.windows_1252(body), str)


@FAST
@given(st.one_of(junk_responses(), st.builds(fetched, zip_packages()), st.builds(fetched, hwp_files())),
       st.dictionaries(st.sampled_from(("Set-Cookie", "set-cookie", "Content-Type")), st.text(max_size=40)))
def test_sniffing_and_challenge_detection_never_raise(response: Fetched, headers: dict[str, str]) -> None:
    assert sniff.body_format(response) in ("pdf", "docx", "xlsx", "hwpx", "zip", "hwp", "hwp3", "doc", "xls", "ole",
                                          "html")
    assert isinstance(challenge.is_challenge(Fetched(response.url, response.status, headers, response.body)), bool)
    only_parse_errors(partial(sniff.json_body, what="x"), response, object)
    assert "sha256" in binary.binary_document(response, "zip").text


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join)))
def test_dates_numbers_and_keys_never_raise(text: str) -> None:
    for value in (dates.parse_date(text), feed.feed_date(text), pmda_ja.jp_date(text), ema_catalogue.ema_date(text)):
        assert value is None or isinstance(value, date)
    assert isinstance(pmda_ja.find_numbers(text), tuple) and isinstance(pmda_ja.trailing_group(text), tuple)
    assert isinstance(pmda_ja.doc_type(text), str | None) and isinstance(pmda_ja.arabic(text), str)
    assert isinstance(nmpa.number_of(text), str | None) and isinstance(mfds.document_number(text), str | None)
    assert isinstance(normalize_text(text), str)
    for status_of in (cde.status_of, ema_catalogue.status_of):
        assert status_of(text) is not None


@FAST
@given(st.one_of(_URLS, st.text(max_size=30).map(lambda t: "https://www.nmpa.gov.cn/directory/web/nmpa/images/"
                                                             + t + ".pdf"), st.text(max_size=30)))
def test_url_helpers_never_raise(url: str) -> None:
    assert isinstance(nmpa.attachment_name(url), str | None)
    assert isinstance(nmpa.canonical_url(url), str) and isinstance(nmpa.document_key(url), str)
    assert isinstance(mfds.post_id(url), tuple | None) and isinstance(pmda.path_key(url), str)
    assert isinstance(ema_catalogue.same_site(url, "https://www.ema.europa.eu/"), str)
    assert isinstance(fda.is_apology_redirect(url), bool)
    assert cde.list_form(url, 2) is None or isinstance(cde.list_form(url, 2), tuple)


# --- crash inputs found by fuzzing, replayed -------------------------------------------------------------

_CASES = sorted(CRASHES.glob("*.json")) if CRASHES.is_dir() else []


def replay_target(spec: dict[str, str]) -> tuple[Callable[[Fetched], object], type]:
    """The entry point a saved crash names: a parser of the lists above, "listing:<agency>", or a document kind."""
    name = spec["parser"]
    if name in DOCUMENT_PARSERS:
        return DOCUMENT_PARSERS[name], Document
    if name in LISTING_PARSERS:
        return LISTING_PARSERS[name], Listing
    if name.startswith("listing:"):
        return partial(parsers.parse_listing, name.removeprefix("listing:")), Listing
    return partial(parsers.parse_document, kind=name, selector=spec.get("selector")), Document


@pytest.mark.parametrize("case", _CASES, ids=[c.stem for c in _CASES])
def test_saved_crash_inputs_now_end_as_parse_errors_or_results(case: Path) -> None:
    """Each saved input names its entry point and body file; it once raised something other than ParseError."""
    spec = json.loads(case.read_text())
    parse, returns = replay_target(spec)
    response = fetched((CRASHES / spec["body"]).read_bytes(), spec["url"], int(spec.get("status", 200)),
                       spec.get("content_type"))
    only_parse_errors(parse, response, returns)


def test_every_saved_crash_is_replayed() -> None:
    assert len(_CASES) >= 3 and all((CRASHES / json.loads(c.read_text())["body"]).is_file() for c in _CASES)
