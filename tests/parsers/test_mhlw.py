"""MHLW pages filed under PMDA: 報道発表 lists paged by month, the 再生医療 hub, press releases, the Shift_JIS
t_doc notice served without a charset and an old Shift_JIS page served with a wrong one, the RSS 1.0 feed."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.mirror import site as mirror_site
from regwatch.parsers import mhlw, pmda
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.formats.html import parse_page as generic_parse_page
from regwatch.parsers.types import Fetched, ParseError

SITE = Path(__file__).parents[2] / "mirror" / "sites" / "mhlw"
BASE = "http://127.0.0.1:8766"
SAISEI = "/stf/seisakunitsuite/bunya/kenkou_iryou/iryou/saisei_iryou/index.html"
TDOC = "/web/t_doc?dataId=00tb4904&dataType=1&pageNo=1"
OLD = "/shingi/2004/01/s0113-3f.html"


def served(target: str) -> Fetched:
    path, _, query = target.partition("?")
    found = mirror_site.resolve(SITE, path, query)
    assert found is not None, target
    return Fetched(url=BASE + target, status=200, headers={"Content-Type": found.content_type, **found.headers},
                   body=found.body)


def test_news_list_pages_back_month_by_month() -> None:
    first = pmda.parse_catalogue(served("/stf/houdou/index.html"))
    assert not first.complete and first.next_page == BASE + "/stf/houdou/houdou_list_202603.html"
    top = first.entries[0]
    assert (top.key, top.issued, top.topics) == ("/stf/newpage_61234.html", date(2026, 4, 10), ("医療",))
    assert top.title == "再生医療等の安全性の確保等に関する法律に基づく緊急命令について"
    march = pmda.parse_catalogue(served("/stf/houdou/houdou_list_202603.html"))
    assert march.next_page == BASE + "/stf/houdou/houdou_list_202602.html"
    assert pmda.parse_catalogue(served("/stf/houdou/houdou_list_202602.html")).next_page is None


def test_regenerative_hub_items_with_era_dates_numbers_and_issuers() -> None:
    listing = pmda.parse_catalogue(served(SAISEI))
    assert listing.complete and len(listing.entries) == 16
    keys = [e.url.removeprefix(BASE) for e in listing.entries]
    enforcement = listing.entries[keys.index("/content/10800000/000060009.pdf")]
    assert enforcement.title == "再生医療等の安全性の確保等に関する法律の施行等について"  # "1−3." numbering dropped
    assert (enforcement.issued, enforcement.number) == (date(2014, 9, 26), "医政発0926第1号")
    assert enforcement.doc_type == "通知"
    assert enforcement.offices == ("厚生労働省医政局長",)
    assert enforcement.topics == ("再生医療について", "1.再生医療等の安全性の確保等に関する法律(関係法令等)")
    notice = listing.entries[keys.index("/content/10800000/000178264.pdf")]
    assert (notice.issued, notice.changed) == (date(2017, 9, 8), "2017年09月11日掲載")  # the notice's date, then posted
    assert notice.number == "医政研発0908第1号"
    assert notice.topics == ("重要なお知らせ",) and "KB" not in notice.title
    act = listing.entries[keys.index("/content/10800000/000060006.pdf")]
    assert (act.number, act.doc_type, act.issued) == ("平成25年法律第85号", "法律", None)
    cord = listing.entries[keys.index("/stf/seisakunitsuite/bunya/0000126826.html")]
    assert cord.title == "【再掲】臍帯血を用いた再生医療等について"  # the icon's alt text (サイト内リンク) is no word
    assert TDOC in keys
    assert enforcement.key == enforcement.title  # titles outlive the file ids of each upload


def test_shift_jis_notice_without_a_charset_reads_as_japanese() -> None:
    fetched = served(TDOC)
    assert fetched.header("Content-Type") == "text/html" and b"charset" not in fetched.body.lower()
    with pytest.raises(UnicodeDecodeError):
        fetched.body.decode("utf-8")
    document = pmda.parse_page(fetched)
    assert document.title == "ヒト(同種)由来細胞や組織を加工した医薬品又は医療機器の品質及び安全性の確保について"
    assert (document.issued, document.number, document.doc_type) == (date(2008, 9, 12), "薬食発第0912006号", "通知")
    assert document.offices == ("厚生労働省医薬食品局長",)
    assert "記録を作成し、保存すること。" in document.text
    assert "アクセシビリティ" not in document.text and "添付一覧" not in document.text


def test_shift_jis_page_with_a_wrong_utf8_header_reads_as_japanese() -> None:
    fetched = served(OLD)
    assert fetched.header("Content-Type") == "text/html; charset=UTF-8"
    document = mhlw.parse_page(fetched)
    assert document.title == "生物由来原料基準"
    assert (document.issued, document.number) == (date(2003, 5, 20), "厚生労働省告示第210号")  # 平成十五年五月二十日
    assert "ヒト細胞組織原料" in document.text
    assert "生物由来原料基準" in generic_parse_page(fetched).text  # the shared decoder also copes here


def test_press_release_date_title_body_and_pdf() -> None:
    document = pmda.parse_page(served("/stf/newpage_61234.html"))
    assert document.title == "再生医療等の安全性の確保等に関する法律に基づく緊急命令について"
    assert document.issued == date(2026, 4, 10)
    assert document.attachments == (BASE + "/content/10800000/001503387.pdf",)
    assert "自己脂肪由来間葉系幹細胞" in document.text
    for noise in ("照会先", "報道関係者", "Adobe Reader", "[154KB]", "Copyright", "サイトマップ"):
        assert noise not in document.text


def test_rss_feed_items_move_to_the_mirror_origin() -> None:
    fetched = served("/stf/news.rdf")
    listing = pmda.localize_feed(parse_feed(fetched), fetched)
    assert [e.key for e in listing.entries][:2] == ["/stf/newpage_61234.html", "/stf/newpage_61201.html"]
    assert listing.entries[0].url == BASE + "/stf/newpage_61234.html"
    assert listing.entries[0].issued == date(2026, 4, 10)


def test_redesigned_or_empty_mhlw_listings_raise_parse_error() -> None:
    page = dataclasses.replace(served("/stf/houdou/index.html"))
    emptied = dataclasses.replace(page, body=page.body.replace(b'class="m-listNews"', b'class="m-listNew2"'))
    with pytest.raises(ParseError, match="matched nothing"):
        pmda.parse_catalogue(emptied)
    bare = dataclasses.replace(page, body=b'<div class="l-contentMain"><p>nothing linked</p></div>')
    with pytest.raises(ParseError, match="no linked notice"):
        pmda.parse_catalogue(bare)
    with pytest.raises(ParseError, match="selector"):
        mhlw.parse_page(served(TDOC), selector="div.missing")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="<>/=\"' abcdlimptuv.-0123456789年月日第号通知（）()○", max_size=300))
def test_fuzz_mhlw_only_parse_error_escapes(markup: str) -> None:
    for body in (markup.encode("utf-8"), markup.encode("cp932", errors="replace")):
        fetched = Fetched(url=BASE + SAISEI, status=200, headers={"Content-Type": "text/html"}, body=body)
        for parse in (mhlw.parse_page, lambda f: mhlw.parse_listing(f, mhlw.parse_html(f))):
            with contextlib.suppress(ParseError):
                parse(fetched)
