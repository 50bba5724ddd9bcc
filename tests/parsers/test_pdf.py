"""PDF: text of every page without running lines, title, numbered sections, and loud failures."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parser_fixtures import make_pdf, mirror_pdf, pdf_fetched

from regwatch.parsers.formats import pdf_pdfium
from regwatch.parsers.formats.pdf import document_from_pages, heading_level, parse_pdf, read_pypdf, strip_running_lines
from regwatch.parsers.normalize import text_sha256
from regwatch.parsers.types import ParseError

_HEADER = "Contains Nonbinding Recommendations"
_BODY = ("This guidance provides recommendations to sponsors of cellular and gene therapy products about the "
         "{} information that should be submitted in an investigational new drug application.")
_PAGES = [
    ["Potency Assurance for Cellular and Gene Therapy Products", "Draft Guidance for Industry"],
    ["I. INTRODUCTION", _BODY.format("manufacturing"), "II. BACKGROUND", _BODY.format("clinical")],
    ["III. RECOMMENDATIONS", "A. Potency assays", _BODY.format("potency"), "B. Assay validation",
     _BODY.format("validation")],
]


@pytest.fixture(scope="module")
def guidance_pdf() -> bytes:
    return make_pdf(_PAGES, title="Potency Assurance for Cellular and Gene Therapy Products", header=_HEADER)


def test_running_headers_and_page_numbers_are_stripped(guidance_pdf: bytes) -> None:
    doc = parse_pdf(pdf_fetched(guidance_pdf))
    assert _HEADER not in doc.text
    assert not any(line.strip().isdigit() for line in doc.text.split("\n"))
    assert doc.text.startswith("Potency Assurance for Cellular and Gene Therapy Products\n\nDraft Guidance")
    assert all(_BODY.format(topic) in doc.text for topic in ("manufacturing", "clinical", "potency", "validation"))
    assert doc.note is None


def test_title_comes_from_metadata_else_the_first_line(guidance_pdf: bytes) -> None:
    assert parse_pdf(pdf_fetched(guidance_pdf)).title == "Potency Assurance for Cellular and Gene Therapy Products"
    untitled = make_pdf([["Human Gene Therapy for Rare Diseases", _BODY.format("safety")]],
                        title="Microsoft Word - a.docx")
    assert parse_pdf(pdf_fetched(untitled)).title == "Human Gene Therapy for Rare Diseases"


def test_sections_follow_the_numbered_outline(guidance_pdf: bytes) -> None:
    paths = [section.path for section in parse_pdf(pdf_fetched(guidance_pdf)).sections]
    assert paths == [(), ("I. INTRODUCTION",), ("II. BACKGROUND",),
                     ("III. RECOMMENDATIONS", "A. Potency assays"), ("III. RECOMMENDATIONS", "B. Assay validation")]


def test_letter_i_after_h_is_a_letter_heading_not_roman_one() -> None:
    assert heading_level("I. INTRODUCTION", None) == 1
    assert heading_level("I. Impurities", "H") == 2
    assert heading_level("C. Cells", "B") == 2
    assert heading_level("C. Cells", None) == 1  # ambiguous without context: Roman
    assert heading_level("3.2 Potency assays", None) == 4
    assert heading_level("This is not a heading.", None) == 0


def test_known_running_line_is_stripped_even_on_a_single_page() -> None:
    pages = [["Draft — Not for Implementation", "Title", "Body text.", "Page 1 of 1"]]
    assert strip_running_lines(pages) == [["Title", "Body text."]]


def test_a_paragraph_running_over_a_page_break_is_joined() -> None:
    half = "The sponsor should describe the manufacturing process and the controls that"
    pdf = make_pdf([[half], ["ensure the consistency of each lot."]], header=_HEADER)
    assert parse_pdf(pdf_fetched(pdf)).text == f"{half} ensure the consistency of each lot."


def test_same_bytes_give_the_same_text_hash(guidance_pdf: bytes) -> None:
    first, second = parse_pdf(pdf_fetched(guidance_pdf)), parse_pdf(pdf_fetched(bytes(guidance_pdf)))
    assert text_sha256(first.text) == text_sha256(second.text)


def test_mirror_pdf_rendered_by_the_mirror_code() -> None:
    doc = parse_pdf(mirror_pdf("109176"))
    assert doc.title.startswith("Regulatory Considerations for Human Cells, Tissues")
    assert "Contains Nonbinding Recommendations" not in doc.text
    assert ("III. MINIMAL MANIPULATION", "A. Definitions") in [s.path for s in doc.sections]


# --- failures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cut", "message"),
    [(0.5, "truncated"), (0.95, "truncated"), (0.02, "truncated")],
)
def test_truncated_pdf_is_a_parse_error(guidance_pdf: bytes, cut: float, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_pdf(pdf_fetched(guidance_pdf[: int(len(guidance_pdf) * cut)]))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "does not start with %PDF-"),
        (b"%PDF-1.7\n%%EOF\n", "unreadable"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "unreadable|no pages"),
    ],
)
def test_junk_is_a_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_pdf(pdf_fetched(body))


def test_encrypted_pdf_needs_a_password() -> None:
    locked = make_pdf([["Secret"]], password="s3cret")
    with pytest.raises(ParseError, match="encrypted"):
        parse_pdf(pdf_fetched(locked))


def test_owner_password_only_pdf_is_read() -> None:
    restricted = make_pdf([["Readable despite permissions."]], password="")
    assert parse_pdf(pdf_fetched(restricted)).text == "Readable despite permissions."


def test_pdf_without_text_gets_a_note() -> None:
    doc = parse_pdf(pdf_fetched(make_pdf([[]], numbered=False)))
    assert doc.text == "" and doc.note and "no extractable text" in doc.note


# --- fuzz -------------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_damaged_pdfs_only_raise_parse_error(guidance_pdf: bytes, data: st.DataObject) -> None:
    body = bytearray(guidance_pdf)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(body) - 1))
        body[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        body = body[: data.draw(st.integers(0, len(body)))]
    with contextlib.suppress(ParseError):
        parse_pdf(pdf_fetched(bytes(body)))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400).map(lambda tail: b"%PDF-1.4\n" + tail + b"\n%%EOF"))
def test_fuzz_random_bodies_only_raise_parse_error(body: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_pdf(pdf_fetched(body))


# --- PDFium, with pypdf as the fallback -----------------------------------------------------------------------


def test_pdfium_gives_the_text_pypdf_layout_mode_gave(guidance_pdf: bytes) -> None:
    fetched = pdf_fetched(guidance_pdf)
    lines, title = read_pypdf(fetched.body, fetched.url)
    assert parse_pdf(fetched) == document_from_pages(fetched, lines, title)  # paragraphs, sections, title alike
    assert pdf_pdfium.extract(guidance_pdf).title == "Potency Assurance for Cellular and Gene Therapy Products"


def test_paragraph_gaps_are_rebuilt_from_where_the_lines_sit() -> None:
    pages = pdf_pdfium.extract(make_pdf([["First paragraph, one line.", "Second paragraph."]], numbered=False)).pages
    assert pages == [["First paragraph, one line.", "", "Second paragraph."]]


def test_what_pdfium_cannot_open_goes_to_pypdf_which_says_why() -> None:
    with pytest.raises(pdf_pdfium.Unreadable):
        pdf_pdfium.extract(b"%PDF-1.7\n%%EOF\n")
    with pytest.raises(pdf_pdfium.Unreadable):
        pdf_pdfium.extract(make_pdf([["Secret"]], password="s3cret"))
