"""FDA drafts print a line number left of every line: removed by position, headings and title rebuilt."""

from __future__ import annotations

import io
import re

import pytest
from parser_fixtures import pdf_fetched
from real_captures import real_fetched

from regwatch.alerts.diff import diff_words
from regwatch.alerts.significance import classify
from regwatch.parsers.formats.pdf import parse_pdf

_ANDA = "fda/media-102360-anda-referencing.pdf"
_TPP = "fda/media-72566-target-product-profile.pdf"
_NUMBERED_LINE = re.compile(r"^\d{1,3} \S", re.M)


def _real(name: str, media_id: str):
    return parse_pdf(real_fetched(name, f"https://www.fda.gov/media/{media_id}/download", "application/pdf"))


def test_real_anda_draft_loses_its_line_numbers_and_keeps_its_outline() -> None:
    doc = _real(_ANDA, "102360")
    assert doc.title == "Referencing Approved Drug Products in ANDA Submissions"  # metadata, generic tail dropped
    top = [s.path[0] for s in doc.sections if s.path]
    assert top[:3] == ["I. INTRODUCTION", "II. BACKGROUND", "III. DISCUSSION"]
    assert ("III. DISCUSSION", "C. Reference Standard", "2. Selection of a New Reference Standard") in {
        s.path for s in doc.sections}
    intro = next(s.text for s in doc.sections if s.path == ("I. INTRODUCTION",))
    assert intro.startswith("This guidance is intended to provide information to potential applicants")
    assert "market a generic drug.3 FDA’s regulations use certain terms" in doc.text  # no "21" after the mark
    assert not re.search(r"\b13 I\. INTRODUCTION|\b53 II\. BACKGROUND", doc.text)


def test_real_tpp_draft_title_comes_from_the_cover_page() -> None:
    doc = _real(_TPP, "72566")
    assert doc.title == "Target Product Profile — A Strategic Development Process Tool"  # metadata: generic
    paths = [s.path for s in doc.sections]
    assert ("I. INTRODUCTION",) in paths and ("II. BACKGROUND",) in paths
    assert ("III. DESCRIPTION AND BENEFITS OF A TPP", "A. Purpose of a TPP") in paths
    assert not any(p[:1] == ("I. INTRODUCTION",) and len(p) > 1 for p in paths)  # II. is not nested under I.
    assert "40 II. BACKGROUND" not in doc.text and "\n409\n" not in doc.text  # also a table page's two numbers


def _draft(inserted: str = "") -> str:
    """A mirror-style draft source: enough paragraphs to run over several pages."""
    paragraphs = [
        "I. INTRODUCTION",
        "This draft guidance provides sponsors of cellular therapy products with recommendations on potency "
        f"assays{inserted} and on the information to include in an investigational new drug application.",
        "II. BACKGROUND",
    ] + [
        f"Paragraph {k} explains that a sponsor should describe how each lot of the product is tested, which "
        "reference materials are used, how acceptance criteria were set and how the assay was validated before "
        "the first clinical study began, and it keeps every line of the page busy with ordinary words."
        for k in range(1, 40)
    ]
    title = "Potency Assurance for Cellular Products\n\nDraft Guidance for Industry\n\nSeptember 2025"
    return title + "\n\f\n" + "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    render = pytest.importorskip("regwatch.mirror.pdf").render
    return render(_draft()), render(_draft(", including a matrix of orthogonal methods,"))


def test_generated_drafts_carry_margin_numbers_that_shift(pair: tuple[bytes, bytes]) -> None:
    from pypdf import PdfReader

    old, new = (PdfReader(io.BytesIO(body)).pages[2].extract_text() for body in pair)
    assert len(_NUMBERED_LINE.findall(old)) > 20 and old != new  # the numbers are really printed, and shift


def test_one_inserted_clause_in_a_renumbered_draft_is_one_finding(pair: tuple[bytes, bytes]) -> None:
    old, new = (parse_pdf(pdf_fetched(body)) for body in pair)
    assert not _NUMBERED_LINE.search(old.text) and not _NUMBERED_LINE.search(new.text)
    assert old.title == "Potency Assurance for Cellular Products"
    findings = classify(old.text, new.text, diff_words(old.text, new.text))
    assert len(findings) == 1
    assert "orthogonal" in findings[0].new and "orthogonal" not in findings[0].old


@pytest.mark.parametrize(("cover", "title"), [
    (["Guidance for Industry", "and Review Staff", "Target Product Profile — A", "Strategic Development",
      "Process Tool", "", "DRAFT GUIDANCE"], "Target Product Profile — A Strategic Development Process Tool"),
    (["Referencing Approved", "Drug Products in", "ANDA Submissions", "", "Guidance for Industry"],
     "Referencing Approved Drug Products in ANDA Submissions"),
    (["Guidance for Industry", "", "Potency Tests for Cellular and Gene Therapy Products"],
     "Potency Tests for Cellular and Gene Therapy Products"),
    (["Guidance documents for hospitals"], "Guidance documents for hospitals"),  # not the generic phrase
    (["DRAFT GUIDANCE", "", "Guidance for Industry"], ""),
])
def test_cover_title(cover: list[str], title: str) -> None:
    from regwatch.parsers.formats.pdf import cover_title

    assert cover_title(cover) == title


def test_page_lines_do_not_depend_on_reading_the_text_in_one_call() -> None:
    """PDFium's page text stands for its characters one for one only when it is as long as the character list;
    a shorter text (a character beyond U+FFFF, a control character) makes page_lines read each code point."""
    import pypdfium2 as pdfium

    from regwatch.parsers.formats import pdf_margin

    doc = pdfium.PdfDocument(real_fetched(_ANDA, "https://www.fda.gov/media/102360/download", "application/pdf").body)
    try:
        numbered, column = [], None
        for index in range(len(doc)):
            textpage = doc[index].get_textpage()
            text = textpage.get_text_range()
            found = pdf_margin.page_lines(textpage, text, column)
            assert pdf_margin.page_lines(textpage, text[:-1], column) == found
            textpage.close()
            numbered.append(found is not None)
            column = found[1] if found else column
        assert numbered == [False] * 3 + [True] * (len(doc) - 3)  # two cover pages and the contents, then the text
    finally:
        doc.close()
