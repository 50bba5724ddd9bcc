"""Stamps and counters are recognised by their shape in four languages and kept as metadata, never as wording."""

from __future__ import annotations

import pytest

from regwatch.parsers.formats.html import parse_page
from regwatch.parsers.stamps import find_stamps, strip_stamps
from regwatch.parsers.types import Fetched


@pytest.mark.parametrize(("block", "label", "value"), [
    ("Last updated: 14 March 2026", "Last updated", "14 March 2026"),
    ("Page last reviewed: 2026-03-14", "Page last reviewed", "2026-03-14"),
    ("更新日：2026年3月14日", "更新日", "2026年3月14日"),
    ("最終更新日 令和8年3月14日", "最終更新日", "令和8年3月14日"),
    ("수정일 2026-03-14", "수정일", "2026-03-14"),
    ("최종수정일 2026.03.14", "최종수정일", "2026.03.14"),
    ("更新时间：2026-03-14 09:30", "更新时间", "2026-03-14 09:30"),
    ("发布日期：2026年03月14日", "发布日期", "2026年03月14日"),
    ("조회수 1287", "조회수", "1287"),
    ("浏览次数：56", "浏览次数", "56"),
    ("閲覧数：1,024", "閲覧数", "1,024"),
    ("Downloads: 1,204", "Downloads", "1,204"),
])
def test_a_block_that_is_only_a_stamp_goes_and_is_kept_as_metadata(block: str, label: str, value: str) -> None:
    assert strip_stamps(block) == ("", [(label, value)])


def test_a_row_of_stamps_with_a_short_label_value_pair_goes_whole() -> None:
    kept, stamps = strip_stamps("등록일 2024-05-01 조회수 1287 담당부서 화장품정책과")
    assert kept == "" and stamps == [("등록일", "2024-05-01"), ("조회수", "1287")]


@pytest.mark.parametrize(("block", "kept"), [
    ("Guidance document (PDF - 400 KB) Downloads: 1,204", "Guidance document (PDF - 400 KB)"),
    ("Annex I.pdf (1,204 downloads)", "Annex I.pdf"),
    ("通知.pdf［ダウンロード数 35］", "通知.pdf"),
    ("안내서.hwp 다운로드 15", "안내서.hwp"),
    ("附件1.docx（下载次数：12）", "附件1.docx"),
])
def test_a_counter_beside_an_attachment_is_cut_and_the_file_name_stays(block: str, kept: str) -> None:
    text, stamps = strip_stamps(block)
    assert text == kept and len(stamps) == 1


@pytest.mark.parametrize("prose", [
    "This guidance was updated on 14 March 2026 to reflect the comments received during the consultation.",
    "申請者は、2026年3月14日以降に提出する申請について、更新日から30日以内に届け出なければならない。",
    "The sponsor should report within 30 days. Downloads of the template are free.",
])
def test_dates_and_numbers_inside_prose_stay(prose: str) -> None:
    assert strip_stamps(prose)[0] == prose


def test_an_effective_date_is_wording_not_a_stamp() -> None:
    assert find_stamps("施行日：2026年4月1日") == []
    assert strip_stamps("生效日期：2026-04-01")[0] == "生效日期：2026-04-01"


def _page(stamp: str, counter: str) -> Fetched:
    html = (f"<html lang='zh'><body><main><h1>指导原则</h1><p>{stamp}</p><p>申请人应当提交资料。</p>"
            f"<ul><li><a href='/a.docx'>附件1.docx</a>（下载次数：{counter}）</li></ul></main></body></html>")
    return Fetched("https://www.nmpa.gov.cn/a.html", 200, {"Content-Type": "text/html; charset=utf-8"},
                   html.encode())


def test_a_page_whose_stamps_moved_has_the_same_text_and_its_stamps_in_metadata() -> None:
    old, new = parse_page(_page("更新时间：2024-05-21", "12")), parse_page(_page("更新时间：2026-03-14", "17"))
    assert old.text == new.text and "下载次数" not in new.text and "附件1.docx" in new.text
    assert ("更新时间", "2026-03-14") in new.stamps and ("下载次数", "17") in new.stamps
