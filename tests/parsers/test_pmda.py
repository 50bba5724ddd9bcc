"""PMDA (and the Japanese helpers in parsers.pmda_ja): hub pages JP/EN (one in the real EN layout), Issue Date
tables, the news list, RSS 1.0 feeds, pages, Japanese PDFs, dates and notice numbers; bad input → ParseError.

Every response is the mirror's file with the headers the mirror sends (mirror.site.resolve), bytes untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regwatch.mirror import site as mirror_site
from regwatch.mirror.agencies import pmda as pmda_mirror
from regwatch.parsers import pmda
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.formats.pdf import parse_pdf
from regwatch.parsers.pmda_ja import doc_type, find_numbers, join_wrapped, jp_date, kanji_number, parse_pdf_ja
from regwatch.parsers.types import Fetched, ParseError

SITES = Path(__file__).parents[2] / "mirror" / "sites"
BASE = {"pmda": "http://127.0.0.1:8765", "mhlw": "http://127.0.0.1:8766"}
HUB = "/review-services/drug-reviews/about-reviews/ctp/0007.html"
EN_HUB = "/english/review-services/reviews/0003.html"


def served(site: str, target: str, root: Path | None = None) -> Fetched:
    """What the mirror answers for `target` (path and query): body bytes and the headers it sends."""
    path, _, query = target.partition("?")
    found = mirror_site.resolve(root or SITES / site, path, query)
    assert found is not None, target
    return Fetched(url=BASE[site] + target, status=200, headers={"Content-Type": found.content_type, **found.headers},
                   body=found.body)


def by_key(listing, path):  # type: ignore[no-untyped-def]
    """The entry whose main file (or page) is at `path`."""
    return next(e for e in listing.entries if e.url.endswith(path))


# --- hub pages ---------------------------------------------------------------------------------------------


def test_jp_hub_notices_carry_date_number_type_and_heading() -> None:
    listing = pmda.parse_catalogue(served("pmda", HUB))
    assert listing.complete and len(listing.entries) == 23
    maa = by_key(listing, "/files/000280466.pdf")
    assert maa.url == BASE["pmda"] + "/files/000280466.pdf"
    assert maa.title == maa.key == "再生医療等製品の製造販売承認申請について"
    assert (maa.issued, maa.number, maa.doc_type) == (date(2014, 8, 12), "薬食発0812第30号", "通知")
    assert maa.topics == ("関連通知", "製造販売承認申請書の作成")
    combination = by_key(listing, "/files/000218549.pdf")
    assert combination.number == "薬生薬審発1122第4号 薬生機審発1122第10 薬生安発1122第7号 薬生監麻発1122第4号"
    assert by_key(listing, "/files/000218548.pdf").doc_type == "事務連絡"
    assert by_key(listing, "/files/000230351.pdf").issued == date(2019, 6, 27)  # 令和元年
    guidance = by_key(listing, "/files/000267914.pdf")
    assert (guidance.number, guidance.attachments) == ("医薬機審発0329第3号", (BASE["pmda"] + "/files/000274350.pdf",))
    standard = by_key(listing, "/files/000280406.pdf")
    assert (standard.title, standard.number, standard.doc_type) == ("生物由来原料基準", "厚生労働省告示第210号", "告示")
    assert not any("KB" in e.title for e in listing.entries)


def test_real_en_page_one_entry_per_notice_with_its_translation() -> None:
    listing = pmda.parse_catalogue(served("pmda", EN_HUB))  # the real page's layout, the mirror's words
    assert listing.complete and len(listing.entries) == 66  # the three "Presentation Slides" are not notices
    maa = by_key(listing, "/files/000280466.pdf")
    assert maa.title == "Applications for Marketing Approval of Regenerative Medical Products"
    assert maa.number == "PFSB Notification No. 0812-30"
    assert maa.attachments == (BASE["pmda"] + "/files/000280722.pdf",)
    assert maa.topics == ("Related Guidelines and Notifications for Regenerative Medical Products",
                          "Marketing authorization application (MAA)")
    qa = by_key(listing, "/files/000218548.pdf")
    assert qa.title == "Questions and Answers (Q&A) on Handling of Applications for Approval of Combination Products"
    assert qa.doc_type == "Administrative Notice" and qa.number is None
    stem = by_key(listing, "/files/000273140.pdf")
    assert stem.title.endswith("(Autologous somatic stem cells)") and stem.attachments == ()
    assert by_key(listing, "/files/000280406.pdf").number == "MHLW Notification No. 210"  # not the Note's No. 155
    assert by_key(listing, "/files/000161478.pdf").title == "Point to consider for Sterility Test and Mycoplasma Test"
    assert not any(e.url.endswith("/files/000280868.pdf") for e in listing.entries)  # presentation slides


def test_issue_date_tables_give_english_dates_and_all_numbers() -> None:
    listing = pmda.parse_catalogue(served("pmda", "/english/review-services/regulatory-info/0003.html"))
    remote = by_key(listing, "/files/000264404.pdf")
    assert (remote.issued, remote.number) == (date(2023, 7, 3), "PMDA/CPE Notification No. 325")
    consent = by_key(listing, "/files/000252945.pdf")
    assert consent.number == "PSEHB/PED Notification No. 0330-6, PSEHB/MDED Notification No. 0330-1"
    assert by_key(listing, "/files/000249156.pdf").doc_type == "Administrative Notice"
    tumor = by_key(listing, "/files/000277800.pdf")
    assert tumor.topics == ("Regenerative Medical Products", "Quality", "Non-clinical")
    assert tumor.issued == date(2019, 6, 27)


def test_news_list_items_with_japanese_dates_and_categories() -> None:
    listing = pmda.parse_catalogue(served("pmda", "/0017.html"))
    assert not listing.complete and len(listing.entries) == 6
    first = listing.entries[0]
    assert (first.key, first.issued, first.topics) == ("/files/000281702.pdf", date(2026, 5, 22), ("審査",))
    assert listing.entries[-1].issued == date(2025, 10, 7)
    assert [e.topics[0] for e in listing.entries].count("採用") == 1


def test_feed_items_follow_the_origin_the_feed_came_from() -> None:
    fetched = served("pmda", "/rss_015.xml")
    listing = pmda.localize_feed(parse_feed(fetched), fetched)
    item = by_key(listing, "/files/000277559.pdf")
    assert item.url == BASE["pmda"] + "/files/000277559.pdf"  # https://www.pmda.go.jp/… in the feed
    assert item.key == "/files/000277559.pdf"  # pages and feed items: keyed by path, whatever the host
    assert item.issued == date(2025, 10, 7) and "審査" in item.topics
    assert item.title.startswith("[審査]再生医療等製品に係る条件及び期限付承認")
    production = dataclasses.replace(fetched, url="https://www.pmda.go.jp/rss_015.xml")
    assert by_key(pmda.localize_feed(parse_feed(production), production), "/files/000277559.pdf").url == (
        "https://www.pmda.go.jp/files/000277559.pdf")


# --- pages and PDFs ----------------------------------------------------------------------------------------


def test_hub_as_a_page_keeps_the_words_and_drops_size_labels_and_id_comment(tmp_path: Path) -> None:
    document = pmda.parse_page(served("pmda", HUB))
    assert document.title == "再生医療等製品" and document.language == "ja"
    assert "薬食発0812第30号" in document.text and "KB]" not in document.text and "00000152" not in document.text
    assert "メニュー" not in document.text and "法人番号" not in document.text  # header and footer chrome
    assert BASE["pmda"] + "/files/000280466.pdf" in document.attachments
    copy = Path(shutil.copytree(SITES / "pmda", tmp_path / "pmda"))
    pmda_mirror.touch(copy)
    touched = served("pmda", HUB, copy)
    assert touched.body != served("pmda", HUB).body
    assert pmda.parse_page(touched).text == document.text


def test_japanese_pdf_text_comes_back_whole() -> None:
    fetched = served("pmda", "/files/000273140.pdf")
    document = parse_pdf_ja(fetched)
    assert document.title == "ヒト(自己)体性幹細胞加工医薬品等の品質及び安全性の確保について"  # NFKC
    assert document.text.splitlines()[:2] == ["薬食発0907第2号", ""]
    assert "平成24年9月7日" in document.text  # full-width digits in the PDF, NFKC in the text
    lead = "ヒト(自己)体性幹細胞加工医薬品等の品質及び安全性の確保に関する指針を別添のとおり定めたので、御了知の上、"
    assert lead in document.text  # one line wrapped in the PDF; joined without a space or a break
    assert lead in parse_pdf(fetched).text  # the generic reading rebuilds CJK paragraphs too (issue 15)
    assert jp_date(document.text) == date(2012, 9, 7)


def test_english_pdf_is_left_as_the_generic_parser_reads_it() -> None:
    fetched = served("pmda", "/files/000274350.pdf")
    assert parse_pdf_ja(fetched) == parse_pdf(fetched)


def test_committed_pdfs_rebuild_from_their_sources_when_the_font_is_there() -> None:
    places = (Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"), Path("ipaexg.ttf"))
    fonts = [p for p in places if p.exists()]
    if not fonts:
        if os.environ.get("CI"):
            pytest.fail("IPAexGothic is required in CI (.ci/run installs fonts-ipaexfont-gothic)")
        pytest.skip("IPAexGothic (ipaexg.ttf) not installed; the committed PDFs are used as they are")
    import json

    sources = json.loads((SITES / "pmda" / pmda_mirror.PDF_SOURCES).read_text(encoding="utf-8"))
    rel = "/files/000267914.pdf"
    rebuilt = pmda_mirror.render_pdf(sources[rel], fonts[0])
    committed = (SITES / "pmda" / rel.lstrip("/")).read_bytes()
    # The same text comes back out (bytes differ between releases of the font, so they are not compared).
    as_fetched = [dataclasses.replace(served("pmda", rel), body=body) for body in (rebuilt, committed)]
    assert parse_pdf_ja(as_fetched[0]).text == parse_pdf_ja(as_fetched[1]).text


# --- Japanese dates, numbers, wrapped lines ----------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("令和6年5月1日", date(2024, 5, 1)), ("令和６年５月１日", date(2024, 5, 1)), ("令和元年6月27日", date(2019, 6, 27)),
    ("2025年10月7日", date(2025, 10, 7)), ("2017年09月11日掲載", date(2017, 9, 11)), ("Jul. 3, 2023", date(2023, 7, 3)),
    ("2014年（平成26年）8月12日 薬食発0812第30号", date(2014, 8, 12)), ("（平成十五年五月二十日）", date(2003, 5, 20)),
    ("令和8年4月10日（金）", date(2026, 4, 10)), ("平成26年9月26日医政発0926第1号", date(2014, 9, 26)),
    ("2026-05-22T17:00:00+09:00", date(2026, 5, 22)), ("事務連絡", None), ("", None), (None, None),
])
def test_jp_dates(text: str | None, expected: date | None) -> None:
    assert jp_date(text) == expected


@pytest.mark.parametrize("text, numbers, kind", [
    ("（令和6年3月29日 医薬機審発0329第3号）", ("医薬機審発0329第3号",), "通知"),
    ("薬生機審発0329第3号", ("薬生機審発0329第3号",), "通知"),
    ("（平成20年2月8日 薬食発第0208003号）", ("薬食発第0208003号",), "通知"),
    ("（平成25年法律第85号）", ("平成25年法律第85号",), "法律"),
    ("（平成26年8月8日政令第278号）", ("政令第278号",), "政令"),
    ("（厚生労働省告示第二百十号）", ("厚生労働省告示第210号",), "告示"),
    ("PSEHB/PED Notification No. 0330-6", ("PSEHB/PED Notification No. 0330-6",), "Notification"),
    ("PSEHB/MDED Notification No .0627-1, 2019", ("PSEHB/MDED Notification No .0627-1",), "Notification"),
    ("（平成28年11月22日 事務連絡）", (), "事務連絡"),
])
def test_notice_numbers_and_types(text: str, numbers: tuple[str, ...], kind: str) -> None:
    assert (find_numbers(text), doc_type(text)) == (numbers, kind)


def test_kanji_numerals() -> None:
    assert [kanji_number(k) for k in ("二百十", "十五", "二十", "一三", "百一", "〇")] == [210, 15, 20, 13, 101, 0]


def test_only_full_japanese_lines_are_joined() -> None:
    lines = ["第１　趣旨", "本指針は、細胞加工物の品質及び安全性を確保するための基本的な", "技術要件を定める。",
             "", "記"]
    joined = "本指針は、細胞加工物の品質及び安全性を確保するための基本的な技術要件を定める。"
    assert join_wrapped(lines) == ["第１　趣旨", joined, "", "記"]
    assert join_wrapped(["Wrapped English line that is long", "continues here"]) == [
        "Wrapped English line that is long", "continues here"]


# --- bad input -----------------------------------------------------------------------------------------------


def _html(body: str, status: int = 200) -> Fetched:
    return Fetched(url=BASE["pmda"] + HUB, status=status, headers={"Content-Type": "text/html; charset=UTF-8"},
                   body=body.encode("utf-8"))


@pytest.mark.parametrize("fetched, message", [
    (_html(""), "empty body"),
    (_html("<html><body>Not Found</body></html>", status=404), "HTTP 404"),
    (_html('<div class="inner editor"><ul><li>no file</li></ul></div>'), "no notice"),
    (_html('<ul class="list__news"><li><p class="date">2026年5月1日</p></li></ul>'), "without a link"),
    (_html("<html><body><p>redesigned</p></body></html>"), "matched nothing"),
])
def test_broken_listings_raise_parse_error(fetched: Fetched, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        pmda.parse_catalogue(fetched)


def test_truncated_japanese_pdf_is_a_parse_error() -> None:
    fetched = served("pmda", "/files/000273140.pdf")
    with pytest.raises(ParseError, match="truncated"):
        parse_pdf_ja(dataclasses.replace(fetched, body=fetched.body[: len(fetched.body) // 2]))


_SNIPPETS = st.sampled_from([
    '<div class="inner editor">', "<ul>", "<li>", '<a href="/files/000280466.pdf">', "</a>", "[263 KB]", "</li>",
    '<ul class="list__news">', '<p class="date">2026年5月1日</p>', '<p class="title">題</p>', "<h2>見出し</h2>",
    '<h1 class="title">再生医療等製品</h1>', '<div class="l-contentMain">', '<ul class="m-listLinkMonth">',
    '<a href="houdou_list_202603.html">3月</a>', "（平成26年8月12日 薬食発0812第30号）", "<table><tr><td>", "\x00", "&",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SNIPPETS, max_size=25).map("".join), st.binary(max_size=64))
def test_fuzz_only_parse_error_escapes(markup: str, junk: bytes) -> None:
    for body in (markup.encode("utf-8"), markup.encode("cp932", errors="replace") + junk, junk):
        fetched = dataclasses.replace(_html(""), body=body)
        for parse in (pmda.parse_catalogue, pmda.parse_page, parse_pdf_ja):
            with contextlib.suppress(ParseError):
                parse(fetched)
