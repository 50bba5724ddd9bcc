"""HTML: decoding, main content without chrome, sections by heading path, parse_page."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parser_fixtures import load

from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.formats.html import drop_noise, html_to_sections, html_to_text, main_content, parse_page, soup_of
from regwatch.parsers.types import Fetched, ParseError, Section


def _page(body: bytes, content_type: str = "text/html", status: int = 200) -> Fetched:
    return Fetched(url="https://example.org/p", status=status, headers={"Content-Type": content_type}, body=body)


# --- decoding ---------------------------------------------------------------------------------------------


def test_latin1_declared_in_meta_decodes_as_windows_1252() -> None:
    doc = parse_page(load("html-latin1-meta"))
    assert doc.title == "Café “quoted” – naïve"
    assert doc.text == "Café “quoted” – naïve\n\nStraße coöperate € 5"


def test_header_charset_wins_over_meta() -> None:
    body = '<meta charset="iso-8859-1"><p>Zürich – ok</p>'.encode()
    assert "Zürich – ok" in decode_html(body, "text/html; charset=utf-8")


def test_bom_wins_over_everything() -> None:
    body = b"\xef\xbb\xbf<p>\xc3\xa9t\xc3\xa9</p>"
    assert decode_html(body, "text/html; charset=iso-8859-1") == "<p>été</p>"
    assert decode_html("\ufeff<p>été</p>".encode("utf-16-le")) == "<p>été</p>"


def test_undeclared_bytes_are_utf8_when_valid_else_windows_1252() -> None:
    assert decode_html("<p>naïve</p>".encode()) == "<p>naïve</p>"
    assert decode_html(b"<p>na\xefve \x81</p>") == "<p>naïve \x81</p>"


def test_unknown_or_unusable_charset_labels_fall_back() -> None:
    assert decode_html("<p>é</p>".encode(), 'text/html; charset="x-no-such"') == "<p>é</p>"
    assert decode_html("<p>é</p>".encode(), "text/html; charset=base64") == "<p>é</p>"


# --- main content and sections ----------------------------------------------------------------------------


_CHROME = b"""<html><head><title>T</title><script>var x = 1;</script><style>p{}</style></head><body>
<a class="skip-link" href="#main-content">Skip to main content</a>
<header><nav><a href="/">Home</a></nav></header>
<div id="main-content"><nav class="breadcrumb">Home / Docs</nav>
<h1>IV. Minimal manipulation</h1><p>Intro.</p>
<h2>B. Structural tissue</h2><p>One.</p><p>Two<br>lines.</p>
<h3>1. Examples</h3><ul><li>Bone</li><li>Skin</li></ul>
<h2>C. Cells</h2><table><tr><td>Cell</td><td>Type</td></tr></table>
<aside>Related links</aside><noscript>Enable JS</noscript>
<div class="social-share-buttons">Share Tweet</div>
<p>Was this page helpful?</p>
<ul><li class="x"><h2>Content current as of:</h2><p>09/16/2024</p></li></ul>
</div><footer>Footer text</footer></body></html>"""


def test_main_content_drops_chrome_widgets_and_stamps() -> None:
    soup = BeautifulSoup(_CHROME, "lxml")
    text = html_to_text(main_content(soup))
    for noise in ("Skip", "Home", "Related", "Enable JS", "Share", "helpful", "current as of", "09/16/2024",
                  "var x", "Footer"):
        assert noise not in text
    assert text.startswith("IV. Minimal manipulation\n\nIntro.")
    assert soup.find("aside") is not None  # the soup itself is not modified


def test_boilerplate_words_inside_real_prose_are_kept() -> None:
    body = (b"<main><p>Staff should scroll back to top of the form and confirm every entry before the record is "
            b"signed.</p><p>Back to Top</p></main>")
    assert parse_page(_page(body)).text == ("Staff should scroll back to top of the form and confirm every entry "
                                            "before the record is signed.")


def test_sections_carry_their_heading_path() -> None:
    sections = html_to_sections(main_content(BeautifulSoup(_CHROME, "lxml")))
    assert sections == (
        Section(("IV. Minimal manipulation",), "Intro."),
        Section(("IV. Minimal manipulation", "B. Structural tissue"), "One.\n\nTwo\n\nlines."),
        Section(("IV. Minimal manipulation", "B. Structural tissue", "1. Examples"), "Bone\n\nSkin"),
        Section(("IV. Minimal manipulation", "C. Cells"), "Cell Type"),
    )


def test_a_selector_that_matches_nothing_fails_loudly() -> None:
    with pytest.raises(ParseError, match=r"selector '\.content-body' matched nothing"):
        parse_page(_page(_CHROME), selector=".content-body")


def test_an_invalid_selector_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="invalid CSS selector"):
        parse_page(_page(_CHROME), selector="div[")


def test_selector_scopes_the_content() -> None:
    body = b"<html><body><div class='a'><p>Keep</p></div><div class='b'><p>Drop</p></div></body></html>"
    assert parse_page(_page(body), selector="div.a").text == "Keep"


def test_title_falls_back_to_the_title_element_then_the_url() -> None:
    assert parse_page(_page(b"<title>Only a title</title><p>Body</p>")).title == "Only a title"
    assert parse_page(_page(b"<p>Body</p>")).title == "https://example.org/p"


def test_malformed_html_is_still_read() -> None:
    doc = parse_page(load("html-malformed"))
    assert doc.title == "Broken page"
    assert "First para unclosed" in doc.text and "Second para" in doc.text
    assert "item one" in doc.text and "item two" in doc.text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"", 200, "empty body"),
        (b"  \n\t ", 200, "empty body"),
        (b"<html><body><p>Gone</p></body></html>", 404, "HTTP 404"),
        (b"<html><body><script>only()</script></body></html>", 200, "no text in the main content"),
    ],
)
def test_bad_responses_raise_parse_error(body: bytes, status: int, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_page(_page(body, status=status))


# --- fuzz -------------------------------------------------------------------------------------------------

_HTML_BITS = ["<p>", "</p>", "<h1>", "</h2>", "<br>", "<li>", "<table><td>", "<script>", "<!--", "&amp;", "&#xD800;",
              "<main>", "</main>", "<meta charset='utf-16'>", "text", "\x00", "\u00ad", "<nav>", "é", "\r\n"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.sampled_from(_HTML_BITS), max_size=40).map(lambda bits: "".join(bits).encode())),
       st.sampled_from([None, "main", "p", "div > p"]))
@pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning", "ignore::bs4.XMLParsedAsHTMLWarning")
def test_fuzz_only_parse_error_escapes(body: bytes, selector: str | None) -> None:
    try:
        doc = parse_page(_page(body), selector)
    except ParseError:
        return
    assert doc.text


@pytest.mark.parametrize("codec", ["shift_jis", "euc_jp", "euc_kr", "gbk", "gb18030", "utf-8"])
@pytest.mark.parametrize("content_type", [None, "text/html", "text/html; charset=UTF-8",
                                          "text/html; charset=ISO-8859-1"])
def test_cjk_pages_decode_whatever_they_declare(codec: str, content_type: str | None) -> None:
    """Never mojibake: a missing, wrong or Western declaration still gives the right text."""
    text = {"shift_jis": "再生医療等の安全性の確保等に関する法律 施行規則 細胞加工物",
            "euc_jp": "再生医療等の安全性の確保等に関する法律 施行規則 細胞加工物",
            "euc_kr": "화장품 안전기준 등에 관한 규정 인체 세포·조직 배양액 안전기준 줄기세포 엑소좀",
            "gbk": "国家药监局关于发布已使用化妆品原料目录的公告 干细胞 外泌体 条件培养基",
            "gb18030": "国家药监局关于发布已使用化妆品原料目录的公告 干细胞 外泌体 条件培养基",
            "utf-8": "人源干细胞产品非临床研究技术指导原则"}[codec]
    page = f"<html><head><title>t</title></head><body><p>{text}</p></body></html>"
    assert decode_html(page.encode(codec), content_type) == page


# --- the soup of the parts a parser reads ---------------------------------------------------------------------


def test_a_soup_of_the_kept_parts_reads_like_the_whole_page() -> None:
    whole, kept = BeautifulSoup(_CHROME, "lxml"), soup_of(_CHROME.decode(), ("#main-content", "footer"))
    assert kept.find("aside") is not None and kept.find("header") is None  # inside a kept part / outside all
    assert kept.title is not None and kept.title.string == "T"  # <head> always comes along
    assert [t.name for t in kept.body.children] == ["div", "footer"]  # outermost matches, in page order
    assert html_to_text(main_content(kept)) == html_to_text(main_content(whole))
    assert html_to_sections(main_content(kept)) == html_to_sections(main_content(whole))
    assert parse_page(_page(_CHROME)) == parse_page(_page(_CHROME), "#main-content")


@pytest.mark.parametrize("markup", [
    "<html><body><p>No main here.</p></body></html>",  # nothing to keep
    '<?xml version="1.0" encoding="utf-8"?><html><body><main><p>XHTML</p></main></body></html>',  # lxml refuses str
])
def test_the_whole_page_when_nothing_is_kept(markup: str) -> None:
    assert soup_of(markup, ("main",)).get_text() == BeautifulSoup(markup, "lxml").get_text()


def test_the_fixture_pages_parse_the_same_from_their_kept_parts() -> None:
    for name in ("fda-guidance-final", "fda-guidance-draft", "fda-consumer-alert", "html-malformed"):
        fetched = load(name)
        markup = decode_html(fetched.body, fetched.header("Content-Type"))
        whole, kept = BeautifulSoup(markup, "lxml"), soup_of(markup, ("main", "#main-content", "article"))
        assert html_to_text(main_content(kept)) == html_to_text(main_content(whole)), name


def test_noise_selectors_are_applied_in_order_when_one_depends_on_what_another_removed() -> None:
    root = BeautifulSoup('<main><div><p class="x" hidden>gone</p><span>kept</span></div></main>', "lxml").main
    drop_noise(root, ("div:has(> p.x)",))  # [hidden] (generic) first: the div no longer has a p.x
    assert root.get_text() == "kept"
