"""MFDS parsers on the mirror's files as served (raw bytes with the headers the mirror sends): board lists with
pinned rows and pagination, RSS feeds, detail pages (one CP949 page without a charset), noise that must not
count, dates and document numbers, bad input → ParseError, a small fuzz."""

from __future__ import annotations

import contextlib
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.mirror.agencies import mfds as site_edits
from regwatch.mirror.site import resolve
from regwatch.parsers import mfds, parse_document
from regwatch.parsers.dates import parse_date
from regwatch.parsers.types import Fetched, ParseError, Status

SITE = Path(__file__).parents[2] / "mirror" / "sites" / "mfds"
BASE = "http://127.0.0.1:8765"  # what a crawl of the mirror sees as the origin


def served(url: str, site: Path = SITE) -> Fetched:
    """The mirror's answer for `url` (path and query), with its Content-Type and header overrides."""
    parts = urlsplit(url)
    resource = resolve(site, parts.path, parts.query)
    assert resource is not None, url
    return Fetched(url=BASE + url, status=200, headers={"Content-Type": resource.content_type, **resource.headers},
                   body=resource.body)


# --- lists -----------------------------------------------------------------------------------------------


def test_press_list_page_one_rows_and_next_page() -> None:
    listing = mfds.parse_board_list(served("/brd/m_99/list.do?page=1"))
    assert len(listing.entries) == 10 and not listing.complete
    assert listing.next_page == f"{BASE}/brd/m_99/list.do?page=2"
    row = next(e for e in listing.entries if e.key == "m_99:47612")
    assert row.url.startswith(f"{BASE}/brd/m_99/view.do?seq=47612&srchFr=")  # the form the list gives, fetched
    assert row.title == "인체 유래 세포 배양액 화장품 책임판매업체 점검 결과 3개 업체 적발"
    assert row.issued == date(2023, 9, 27) and row.offices == ("화장품정책과",) and row.doc_type == "보도자료"
    last = mfds.parse_board_list(served("/brd/m_99/list.do?page=2"))
    assert [e.key for e in last.entries] == ["m_99:14718"] and last.next_page is None


def test_pinned_notice_repeating_a_row_is_listed_once_with_its_guidance_number() -> None:
    listing = mfds.parse_board_list(served("/brd/m_1060/list.do?page=1"))
    keys = [e.key for e in listing.entries]
    assert keys.count("m_1060:15700") == 1 and len(keys) == 5
    guide = next(e for e in listing.entries if e.key == "m_1060:15700")
    assert guide.number == "안내서-0086-07" and guide.doc_type == "민원인안내서"


def test_notice_numbers_and_statuses_from_rows() -> None:
    rules = mfds.parse_board_list(served("/brd/m_211/list.do?page=1")).entries
    assert {e.key: e.number for e in rules} == {"m_211:14931": "제2025-63호", "m_211:14885": "제2024-70호"}
    assert {e.status for e in rules} == {Status.FINAL}
    drafts = mfds.parse_board_list(served("/brd/m_209/list.do?page=1")).entries
    assert {e.status for e in drafts} == {Status.DRAFT}


def test_rss_items_are_keyed_like_list_rows_on_the_feeds_own_origin() -> None:
    feed = mfds.parse_board_feed(served("/www/rss/brd.do?brdId=data0009"))
    rows = mfds.parse_board_list(served("/brd/m_209/list.do?page=1"))
    assert {e.key for e in feed.entries} == {e.key for e in rows.entries}
    item = next(e for e in feed.entries if e.key == "m_209:39260")
    assert item.url == f"{BASE}/brd/m_209/view.do?seq=39260"  # the item links to https://www.mfds.go.kr/…
    assert item.issued == date(2017, 10, 30) and item.changed == "Mon, 30 Oct 2017 00:00:00 GMT"


def test_a_next_page_from_the_pager_when_the_totals_line_is_missing() -> None:
    page = served("/brd/m_99/list.do?page=1")
    body = page.body.replace("전체 11건, 현재페이지 <b>1</b>/<b>2</b>".encode(), b"")
    listing = mfds.parse_board_list(Fetched(page.url, 200, page.headers, body))
    assert listing.next_page is not None and "page=2" in listing.next_page


# --- detail pages ----------------------------------------------------------------------------------------


def test_amendment_page_metadata_text_and_attachments() -> None:
    document = mfds.parse_guidance_page(served("/brd/m_207/view.do?seq=13673&srchWord=&page=1"))
    assert document.title == "「화장품 안전성 정보관리 규정」일부개정고시"
    assert (document.issued, document.number, document.offices) == (date(2017, 12, 29), "제2017-115호",
                                                                      ("화장품정책과",))
    assert document.status is Status.FINAL and document.doc_type == "제개정고시등" and document.language == "ko"
    assert document.attachments == (
        f"{BASE}/brd/m_207/down.do?brd_id=data0008&seq=13673&data_tp=A&file_seq=1",)
    assert "재검토기한을 기준 시점부터 일정 주기마다" in document.text
    assert "화장품 안전성 정보관리 규정 일부개정고시(제2017-115호).hwp" in document.text  # the file's name stays
    for noise in ("조회수", "13536", "만족", "이전글", "다음글", "다운받기", "미리보기", "이은경", "COPYRIGHT"):
        assert noise not in document.text


def test_cp949_page_without_any_charset_is_decoded() -> None:
    page = served("/brd/m_209/view.do?seq=39260")
    assert page.header("Content-Type") == "text/html" and b"charset" not in page.body[:600]
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    document = mfds.parse_guidance_page(page)
    assert document.title == "「유전자치료제 비임상시험 평가 가이드라인」제정안 의견조회"
    assert document.number == "제2017-174호" and document.status is Status.DRAFT
    assert "벡터가 복제될 수 있다" in document.text and len(document.attachments) == 2


def test_duplicate_attachment_links_are_kept_in_order() -> None:
    document = mfds.parse_guidance_page(served("/brd/m_209/view.do?seq=25788"))
    assert [a.rsplit("=", 1)[1] for a in document.attachments] == ["1", "2", "3", "4"]  # the board lists 4 files


def test_view_counter_and_neighbour_links_do_not_change_the_text(tmp_path: Path) -> None:
    before = mfds.parse_guidance_page(served("/brd/m_99/view.do?seq=50018"))
    rows_before = {e.key: e for e in mfds.parse_board_list(served("/brd/m_99/list.do?page=2")).entries}
    site = Path(shutil.copytree(SITE, tmp_path / "site"))
    site_edits.bump_views(site, 41)
    site_edits.publish(site)  # 50018's 다음글 now names the new press release, and a row moves to page 2
    bumped = served("/brd/m_99/view.do?seq=50018", site)
    assert bumped.body != served("/brd/m_99/view.do?seq=50018").body
    after = mfds.parse_guidance_page(bumped)
    assert (after.text, after.title, after.issued, after.number) == (before.text, before.title, before.issued,
                                                                     before.number)
    rows_after = {e.key: e for e in mfds.parse_board_list(served("/brd/m_99/list.do?page=2", site)).entries}
    assert list(rows_after) == ["m_99:16385", "m_99:14718"]
    assert rows_after["m_99:14718"] == rows_before["m_99:14718"]


def test_live_counter_markup_is_recognised_in_both_encodings() -> None:
    for url in ("/brd/m_211/view.do?seq=14931", "/brd/m_209/view.do?seq=39260", "/brd/m_211/list.do?page=1"):
        page = served(url)
        counted = site_edits.count_views(page.body, 5)
        assert counted != page.body
        again = Fetched(page.url, 200, page.headers, counted)
        parse = mfds.parse_board_list if "list.do" in url else mfds.parse_guidance_page
        assert parse(again) == parse(page)


def test_parse_page_and_dispatch() -> None:
    board_post = served("/brd/m_1060/view.do?seq=15700")
    assert mfds.parse_page(board_post) == mfds.parse_guidance_page(board_post)
    assert parse_document(board_post, "mfds:guidance").title == "화장품 표시·광고 관리 지침(민원인 안내서)"
    only_body = mfds.parse_page(board_post, "div.bv_cont")
    assert only_body.text.startswith("「화장품법」 제13조") and "첨부파일" not in only_body.text
    listing = mfds.parse_page(served("/brd/m_1060/list.do?page=1"))
    assert "민원인안내서" in listing.text and "COPYRIGHT" not in listing.text


# --- identity, numbers, dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.mfds.go.kr/brd/m_1060/view.do?seq=14596&srchFr=&srchTp=0&page=1", ("m_1060", "14596")),
    ("https://www.mfds.go.kr/brd/99/view.do?seq=50005", ("m_99", "50005")),
    ("https://www.mfds.go.kr/brd/m_99/down.do?brd_id=ntc0021&seq=1", None),
    ("https://www.mfds.go.kr/brd/m_99/view.do?seq=abc", None),
    ("https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq=193478", None),
    ("https://www.mfds.go.kr/law/board/boardDetail.do?brdId=data0011&menuKey=38&seq=15802", ("m_1060", "15802")),
    ("https://www.mfds.go.kr/law/board/boardDetail.do?brdId=data0011&menuKey=29&seq=15802", ("m_1060", "15802")),
    ("https://www.mfds.go.kr/brd/m_1060/view.do?seq=15802&Data_stts_gubun=C9999&page=1", ("m_1060", "15802")),
    ("https://www.mfds.go.kr/brd/m_1060/view.do?Data_stts_gubun=C1004&seq=15802", ("m_1060", "15802")),
    ("https://www.mfds.go.kr/law/board/boardDetail.do?brdId=data9999&seq=7", ("data9999", "7")),
    ("https://www.mfds.go.kr/law/board/boardDetail.do?menuKey=38&seq=7", None),
])
def test_post_identity(url: str, expected: tuple[str, str] | None) -> None:
    assert mfds.post_id(url) == expected


@pytest.mark.parametrize(("text", "number"), [
    ("식품의약품안전처 고시 제2017 - 115호", "제2017-115호"),
    ("「화장품 안전기준 등에 관한 규정」 일부개정고시(제2025-63호, 2025.9.2)", "제2025-63호"),
    ("화장품 표시·광고 관리 지침 안내서-0086-07", "안내서-0086-07"),
    ("보도자료", None),
])
def test_document_numbers(text: str, number: str | None) -> None:
    assert mfds.document_number(text) == number


@pytest.mark.parametrize(("text", "day"), [
    ("2024-05-13", date(2024, 5, 13)), ("2024.05.01", date(2024, 5, 1)), ("2024. 11. 12.", date(2024, 11, 12)),
    ("2024년 5월 1일", date(2024, 5, 1)), ("2014년 12월 2일", date(2014, 12, 2)), ("20250902", date(2025, 9, 2)),
])
def test_korean_date_forms(text: str, day: date) -> None:
    assert parse_date(text) == day


# --- bad input -------------------------------------------------------------------------------------------

ERROR_PAGE = "<html><body><p>일시적으로 서비스를 이용하실 수 없습니다.</p></body></html>".encode()


@pytest.mark.parametrize("parse", [mfds.parse_board_list, mfds.parse_guidance_page, mfds.parse_board_feed])
@pytest.mark.parametrize(("status", "body"), [
    (200, b""), (404, b"<html>Not found</html>"), (200, ERROR_PAGE),
    (200, '<div class="bbs_list01"><ul><li>게시물이 없습니다.</li></ul></div>'.encode()),
    (200, '<div class="bbs_view01"><p>제목 없음</p></div>'.encode()),
])
def test_wrong_pages_are_parse_errors(parse, status: int, body: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParseError):
        parse(Fetched(f"{BASE}/brd/m_99/list.do", status, {"Content-Type": "text/html"}, body))


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(lambda t: f'<div class="bbs_list01">{t}'.encode()))
def test_fuzzed_input_only_ever_raises_parse_error(body: bytes) -> None:
    for parse in (mfds.parse_board_list, mfds.parse_guidance_page, mfds.parse_board_feed):
        with contextlib.suppress(ParseError):
            parse(Fetched(f"{BASE}/brd/m_99/view.do?seq=1", 200, {"Content-Type": "text/html"}, body))


# --- the mirror's files are what its builder makes --------------------------------------------------------


def test_the_shipped_site_is_reproduced_byte_for_byte_by_its_builder(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(SITE, tmp_path / "site"))
    generated = [p for p in copy.rglob("*") if p.is_file() and "_mirror" not in p.parts
                 and p.name != "robots.txt" and p.name != "README.md"]
    for path in generated:
        path.unlink()
    site_edits.builder().build(copy)
    for path in SITE.rglob("*"):
        if path.is_file():
            assert (copy / path.relative_to(SITE)).read_bytes() == path.read_bytes(), path


def test_one_post_one_key_whatever_form_list_and_feed_give() -> None:
    """The m_1060 list links view.do (with Data_stts_gubun), its feed the /law/board/boardDetail.do form: one key,
    and each source fetches the form it was given."""
    row = next(e for e in mfds.parse_board_list(served("/brd/m_1060/list.do?page=1")).entries
               if e.key == "m_1060:15700")
    item = next(e for e in mfds.parse_board_feed(served("/www/rss/brd.do?brdId=data0011")).entries
                if e.key == "m_1060:15700")
    assert "/brd/m_1060/view.do?seq=15700" in row.url and "Data_stts_gubun=C1004" in row.url
    assert item.url == f"{BASE}/law/board/boardDetail.do?brdId=data0011&menuKey=38&seq=15700"
    assert row.doc_type == item.doc_type == "민원인안내서"
    page = mfds.parse_guidance_page(served("/law/board/boardDetail.do?brdId=data0011&menuKey=38&seq=15700"))
    assert page.doc_type == "민원인안내서" and page.title == row.title
