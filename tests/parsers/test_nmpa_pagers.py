"""NMPA list pages as the real sites serve them: the static TRS pager, relative links, both bracket forms."""

from __future__ import annotations

from datetime import date

import pytest
from real_captures import real_fetched

from regwatch.parsers.nmpa import parse_catalogue
from regwatch.parsers.types import Fetched

_YAOPIN = "https://www.nmpa.gov.cn/yaopin/{}/index.html"


@pytest.mark.parametrize(("name", "column", "first", "issued", "number", "last_issued"), [
    ("cn-yaopin-ypggtg-list.html", "ypggtg", "/xxgk/ggtg/ypggtg/ypshmshxdgg/20251014104752137.html",
     date(2025, 10, 14), "2025年第101号", date(2025, 7, 28)),
    ("cn-yaopin-ypjgdt-list.html", "ypjgdt", "/zhuanti/cxylqx/cxypxx/20251013084802179.html",
     date(2025, 10, 13), None, date(2025, 7, 11)),
])
def test_real_chinese_columns(name: str, column: str, first: str, issued: date, number: str | None,
                              last_issued: date) -> None:
    listing = parse_catalogue(real_fetched(f"nmpa/{name}", _YAOPIN.format(column), "text/html"))
    assert len(listing.entries) == 20
    assert listing.next_page == _YAOPIN.format(column).replace("index.html", "index_1.html")
    assert listing.notes == ()
    head = listing.entries[0]
    assert head.key == first and head.url == "https://www.nmpa.gov.cn" + first  # ../../ resolved from /yaopin/x/
    assert head.issued == issued and head.number == number
    assert listing.entries[-1].issued == last_issued
    assert all(e.issued for e in listing.entries)


def test_real_english_list() -> None:
    listing = parse_catalogue(real_fetched("nmpa/english-drugs-list.html", "https://english.nmpa.gov.cn/drugs.html",
                                           "text/html"))
    assert len(listing.entries) == 6  # the sidebar's ul is not a row
    assert listing.entries[0].url == "https://english.nmpa.gov.cn/2026-04/14/c_1175738.htm"
    assert listing.entries[0].issued == date(2026, 4, 14) and listing.entries[0].number == "No. 134, 2025"
    assert listing.entries[-1].number == "[2025] No. 86"
    assert listing.next_page == "https://english.nmpa.gov.cn/drugs_2.html"


def _page(rows: str, pager: str) -> Fetched:
    html = f'<html><body><div class="list"><ul>{rows}</ul>{pager}</div></body></html>'
    return Fetched(url="https://www.nmpa.gov.cn/xxgk/ggtg/index_3.html", status=200,
                   headers={"Content-Type": "text/html; charset=utf-8"}, body=html.encode("utf-8"))


_ROWS = ('<li><a href="../../xxgk/ggtg/qtggtg/20171222145101370.html">细胞治疗产品的通告（2017年第216号）</a>'
         '<span>（2017-12-22）</span></li>'
         '<li><a href="./ypqtggtg/20250728092519123.html" title="药品目录的公告">药品目录…</a>'
         '<span>(2025-07-28)</span></li>')


@pytest.mark.parametrize(("pager", "next_page", "said"), [
    ('<div class="gray"><span class="current">4</span><a href="index_4.html">下一页</a><span>共9页</span></div>',
     "https://www.nmpa.gov.cn/xxgk/ggtg/index_4.html", False),
    ('<div class="gray"><a href="index_2.html">上一页</a><span class="current">4</span><span>共4页</span></div>',
     None, False),  # the last page
    ('<div class="page"><script>createPageHTML(9, 3, "index", "html");</script></div>',
     "https://www.nmpa.gov.cn/xxgk/ggtg/index_4.html", False),
    ('<div class="gray"><span class="current">4</span><a href="javascript:;">下一页</a><span>共9页</span></div>',
     None, True),  # a pager that is there but unreadable
    ("", None, True),  # no pager at all
])
def test_pagers(pager: str, next_page: str | None, said: bool) -> None:
    listing = parse_catalogue(_page(_ROWS, pager))
    assert listing.next_page == next_page
    assert bool(listing.notes) is said


def test_relative_links_and_both_bracket_forms() -> None:
    first, second = parse_catalogue(_page(_ROWS, "")).entries
    assert first.url == "https://www.nmpa.gov.cn/xxgk/ggtg/qtggtg/20171222145101370.html"
    assert first.issued == date(2017, 12, 22) and first.number == "2017年第216号"
    assert second.url == "https://www.nmpa.gov.cn/xxgk/ggtg/ypqtggtg/20250728092519123.html"
    assert second.issued == date(2025, 7, 28) and second.title == "药品目录的公告"  # the title attribute, whole
