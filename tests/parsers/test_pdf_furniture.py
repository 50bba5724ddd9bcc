"""PDF page furniture: page numbers in four scripts, running lines by position, CJK paragraphs re-flowed."""

from __future__ import annotations

import pytest
from parser_fixtures import make_pdf, pdf_fetched

from regwatch.parsers.formats.pdf import document_from_pages, parse_pdf
from regwatch.parsers.formats.pdf_furniture import clean_pages, is_page_number, reflow_cjk, strip_furniture
from regwatch.parsers.types import Fetched


@pytest.mark.parametrize("line", [
    "Page 3 of 12", "3/12", "- 3 -", "— 3 —", "– 3 –", "(3)", "iii", "12", "第3页", "第 3 页 共 12 页", "共12页 第3页",
    "3ページ", "- 3 ページ -", "ページ 3", "3 페이지", "- 3쪽 -", "페이지 3/12", "ー 3 ー", "3 of 12",
])
def test_page_numbers_are_recognised_in_all_four_scripts(line: str) -> None:
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["3. Scope", "第3条 適用範囲", "Article 3", "申請者は、3日以内に届け出ること。",
                                  "1년"])
def test_numbered_text_is_not_a_page_number(line: str) -> None:
    assert not is_page_number(line)


def _pages(per_page: int, body: list[str], header: str, footer: str) -> list[list[str]]:
    chunks = [body[k:k + per_page] for k in range(0, len(body), per_page)]
    return [[header, "", *chunk, "", footer.format(n=n, total=len(chunks))] for n, chunk in enumerate(chunks, 1)]


BODY_EN = [f"Paragraph {k} says what sponsors should submit about the product, in its own words." for k in range(12)]


def test_a_reference_printed_on_every_page_and_the_page_numbers_go_whatever_the_pagination() -> None:
    a = _pages(4, BODY_EN, "EMA/CAT/22473/2025", "Page {n} of {total}")
    b = _pages(5, BODY_EN, "EMA/CAT/22473/2025", "Page {n} of {total}")
    assert [line for page in strip_furniture(a) for line in page if line] == BODY_EN
    assert [line for page in strip_furniture(b) for line in page if line] == BODY_EN


def test_a_running_header_of_a_two_page_file_goes_but_a_repeated_sentence_stays() -> None:
    pages = [["Guideline on potency assays", "", "Applicants should describe the assay.", "- 1 -"],
             ["Guideline on potency assays", "", "Applicants should describe the assay.", "- 2 -"]]
    assert strip_furniture(pages) == [["", "Applicants should describe the assay."],
                                      ["", "Applicants should describe the assay."]]


def test_a_lone_document_reference_at_the_edge_of_a_single_page_goes() -> None:
    assert strip_furniture([["EMA/CHMP/BWP/534898/2008 Rev. 1", "", "The scope is unchanged."]]) == [
        ["", "The scope is unchanged."]]


JA = "申請者は、原料となる細胞の品質に関する試験を実施し、その結果を製造記録に記載しなければならない。"


def _wrapped(text: str, width: int) -> list[str]:
    return [text[k:k + width] for k in range(0, len(text), width)]


def test_japanese_lines_are_joined_without_spaces_across_line_and_page_breaks() -> None:
    lines = _wrapped(JA, 17)
    pages = [["- 1 -", *lines[:2]], [*lines[2:], "", "第2 定義", "", "- 2 -"]]
    flowed = reflow_cjk(strip_furniture(pages))
    assert flowed[0] == [JA] and flowed[1] == ["第2 定義"]


def test_a_japanese_paragraph_re_flowed_at_another_width_gives_the_same_text() -> None:
    fetched = Fetched("https://www.pmda.go.jp/files/1.pdf", 200, {}, b"")
    narrow = [["第1 目的", "", *_wrapped(JA, 13), "", "- 1 -"]]
    wide = [["第1 目的", "", *_wrapped(JA, 29)[:2]], [*_wrapped(JA, 29)[2:], "", "— 2 —"]]
    assert document_from_pages(fetched, narrow, "").text == document_from_pages(fetched, wide, "").text
    assert JA in document_from_pages(fetched, narrow, "").text


def test_korean_lines_are_joined_with_one_space() -> None:
    pages = [["제조업자는 배양액의 품질에 관한 시험을 실시하여야", "한다.", "", "- 1 -"]]
    assert clean_pages(pages) == [["제조업자는 배양액의 품질에 관한 시험을 실시하여야 한다."]]


def test_a_heading_or_block_start_is_never_joined_to_the_line_before() -> None:
    zh = "本指导原则适用于间充质干细胞制剂的药学研究，申请人应当对每批制剂进行无菌检查和内毒素检查。"
    lines = ["一、概述", *_wrapped(zh, 14), "（一）适用范围", *_wrapped(zh, 14), "二、技术要求"]
    assert reflow_cjk([lines]) == [["一、概述", zh, "（一）适用范围", zh, "二、技术要求"]]


def test_a_regenerated_pdf_with_new_pagination_has_the_same_text() -> None:
    words = ("potency", "identity", "purity", "sterility", "stability", "comparability", "release", "labeling")
    paragraphs = [f"Sponsors should describe the {words[k % 8]} testing of lot {k} and justify each "
                  f"acceptance criterion{' in full' * (k % 3)}." for k in range(1, 30)]
    one = make_pdf([paragraphs[:10], paragraphs[10:20], paragraphs[20:]], header="FDA-2024-D-0001 Draft")
    other = make_pdf([paragraphs[:7], paragraphs[7:15], paragraphs[15:24], paragraphs[24:]],
                     header="FDA-2024-D-0001 Draft")
    assert parse_pdf(pdf_fetched(one)).text == parse_pdf(pdf_fetched(other)).text
