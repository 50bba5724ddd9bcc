"""parsers.ema: guideline pages and their file cards, other EMA pages, the CAT listing and its pager."""

from __future__ import annotations

import contextlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regwatch.mirror.agencies import ema as ema_mirror
from regwatch.mirror.site import resolve
from regwatch.parsers import ema, parse_document
from regwatch.parsers.types import Fetched, ParseError, Status

BASE = "http://127.0.0.1:8765"
HUMAN_CELL = "/en/human-cell-based-medicinal-products-scientific-guideline"
ATMP = "/en/guideline-quality-non-clinical-clinical-requirements-investigational-advanced-therapy-medicinal"
GM_CELLS = "/en/quality-non-clinical-clinical-aspects-medicinal-products-containing-genetically-modified-cells-" \
           "scientific-guideline"
CAT = ema_mirror.CAT


def served(path: str, site: Path = ema_mirror.SITE, body: bytes | None = None) -> Fetched:
    """The mirror's response for `path` (query included): raw bytes and the Content-Type it is served with."""
    route, _, query = path.partition("?")
    found = resolve(site, route, query)
    assert found is not None, path
    return Fetched(url=BASE + path, status=200, headers={"Content-Type": found.content_type},
                   body=found.body if body is None else body)


def page_text(path: str) -> str:
    return served(path).body.decode("utf-8")


def test_guideline_page_record_from_the_current_card() -> None:
    doc = ema.parse_guidance_page(served(HUMAN_CELL))
    assert doc.title == "Human cell-based medicinal products - Scientific guideline"
    assert (doc.status, doc.number, doc.issued, doc.doc_type) == (
        Status.FINAL, "EMEA/CHMP/410869/2006", date(2008, 5, 21), "scientific-guideline")
    assert doc.attachments == (
        BASE + "/en/documents/scientific-guideline/guideline-human-cell-based-medicinal-products_en.pdf",
        BASE + "/en/documents/comments/overview-comments-received-draft-guideline-cell-based-medicinal-products_en.pdf",
        BASE + "/en/documents/scientific-guideline/draft-guideline-human-cell-based-medicinal-products_en.pdf")
    assert doc.language == "en"


def test_page_text_is_summary_plus_card_metadata_without_noise() -> None:
    doc = ema.parse_guidance_page(served(HUMAN_CELL))
    assert doc.text.split("\n\n")[3:8] == [
        "Current effective version", "Guideline on human cell-based medicinal products", "Adopted",
        "Legal effective date: 01/09/2008", "Reference number: EMEA/CHMP/410869/2006"]
    # publication and update stamps are metadata, not wording (issue 15)
    assert ("First published", "21/05/2008") in doc.stamps and ("Last updated", "21/05/2008") in doc.stamps
    assert "Keywords: Human cell-based medicinal products" in doc.text
    for noise in ("maintenance", "How useful", "Share this page", "English (EN)", "400.09 KB", "View",
                  "Related content", "Table of contents", "Scientific guidelines", "utility", "Average rating",
                  "Medicines", "Skip to main content", "Cookies"):
        assert noise not in doc.text, noise
    assert [s.path[-1] for s in doc.sections][1:] == ["Current effective version", "Document history"]


def test_values_are_found_by_label_text_whatever_the_glued_class_names() -> None:
    html = page_text(HUMAN_CELL)
    for glued in ("first-publishedfw-normal", "last-updatedfw-normal", "reference-numberfw-normal",
                  "legal-effective-datefw-normal"):
        html = html.replace(glued, "x" + glued.replace("-", "")[::-1])
    doc = ema.parse_guidance_page(served(HUMAN_CELL, body=html.encode()))
    assert (doc.number, doc.issued) == ("EMEA/CHMP/410869/2006", date(2008, 5, 21))
    assert "Legal effective date: 01/09/2008" in doc.text


def test_dates_print_day_first_and_fall_back_to_the_text_without_datetime() -> None:
    html = page_text(HUMAN_CELL).replace('<time datetime="2008-05-21T12:00:00Z">', "<time>")
    cards = ema.parse_cards(BeautifulSoup(html, "lxml"), BASE)
    assert cards[0].first_published == date(2008, 5, 21)
    assert cards[0].shown[2] == ("Legal effective date", "01/09/2008")  # 1 September, as printed


def test_draft_stage_page_and_consultation_dates() -> None:
    doc = ema.parse_page(served(ATMP))
    assert (doc.status, doc.number) == (Status.DRAFT, "EMA/CAT/852602/2018 Rev.1")
    assert "Current version" in doc.text and "Draft: consultation open" in doc.text
    assert "Consultation dates: 19/01/2024 to 30/04/2024" in doc.text
    cards = ema.parse_cards(BeautifulSoup(page_text(GM_CELLS), "lxml"), BASE)
    assert [c.status for c in cards] == ["Adopted", "", "Draft: consultation closed", "Draft: consultation closed"]
    assert cards[0].last_updated == date(2021, 4, 28) and cards[3].number is None  # concept paper: no reference


def test_adoption_moves_the_draft_into_document_history(tmp_path: Path) -> None:
    site = Path(shutil.copytree(ema_mirror.SITE, tmp_path / "ema"))
    before = ema.parse_guidance_page(served(ATMP, site))
    ema_mirror.adopt(site, ema_mirror._data(site, "demo/edits.json")["adopt"])
    after = ema.parse_guidance_page(served(ATMP, site))
    assert (after.status, after.number, after.issued) == (Status.FINAL, "EMA/CAT/22473/2025", date(2025, 2, 11))
    assert after.attachments[0].endswith("/guideline-quality-non-clinical-clinical-requirements-investigational-"
                                         "advanced-therapy-medicinal-products-clinical-trials_en.pdf")
    assert after.attachments[1:] == before.attachments
    history = after.text.split("Document history", 1)[1]
    assert "second version\n\nDraft: consultation closed" in history
    assert "Legal effective date: 01/07/2025" in after.text.split("Document history", 1)[0]


def test_noise_only_edit_leaves_the_text_unchanged(tmp_path: Path) -> None:
    site = Path(shutil.copytree(ema_mirror.SITE, tmp_path / "ema"))
    ema_mirror.touch(site, HUMAN_CELL.removeprefix("/en/"))
    assert served(HUMAN_CELL, site).body != served(HUMAN_CELL).body
    assert ema.parse_guidance_page(served(HUMAN_CELL, site)).text == ema.parse_guidance_page(served(HUMAN_CELL)).text


def test_dispatch_by_kind_and_pdfs_by_magic() -> None:
    assert parse_document(served(HUMAN_CELL), "ema:page").number == "EMEA/CHMP/410869/2006"
    pdf = parse_document(served(ema_mirror.HUMAN_CELL_PDF), "ema:guidance")
    assert "The applicant should establish the suitability" in " ".join(pdf.text.split())


def test_a_selector_narrows_any_page_and_pages_without_cards_are_fine() -> None:
    doc = ema.parse_page(served(HUMAN_CELL), selector="#summary-section")
    assert doc.text.startswith("The guideline sets out") and doc.attachments == ()
    assert doc.status is Status.UNKNOWN
    with pytest.raises(ParseError, match="matched nothing"):
        ema.parse_page(served(HUMAN_CELL), selector="#gone")


@pytest.mark.parametrize("old, new, message", [
    ('class="main-content-wrapper"', 'class="content"', "main.main-content-wrapper"),
    ("data-ema-document-type", "data-kind", "nothing under 'Current effective version'"),
    ('class="file-title mb-1 fw-bold"', 'class="name"', "without .file-title"),
])
def test_redesigns_fail_loudly(old: str, new: str, message: str) -> None:
    body = page_text(HUMAN_CELL).replace(old, new).encode()
    with pytest.raises(ParseError, match=message):
        ema.parse_page(served(HUMAN_CELL, body=body))


def test_a_guideline_page_needs_file_cards() -> None:
    body = page_text(HUMAN_CELL).replace("data-ema-document-type", "data-kind").replace("Current effective", "Old")
    body = body.encode()
    ema.parse_page(served(HUMAN_CELL, body=body))  # an ordinary page: fine
    with pytest.raises(ParseError, match="no \\[data-ema-document-type\\] file card"):
        ema.parse_guidance_page(served(HUMAN_CELL, body=body))


def test_cat_listing_pages_through_the_minutes_pager() -> None:
    first = served(CAT)
    assert first.header("Content-Type") == "text/html"  # served without a charset (decoded from <meta charset>)
    listing = ema.parse_listing(first)
    assert not listing.complete and listing.next_page == BASE + CAT + "?page=,0,1"
    titles = [e.title for e in listing.entries]
    assert titles[:2] == ["Agenda of the CAT meeting 11-13 September 2019",
                          "Agenda of the CAT meeting 19–20 February 2015"]  # U+2013: decoded as UTF-8
    assert len(titles) == 5 and titles[2] == "Minutes of the CAT meeting 22-24 April 2020"
    minutes = listing.entries[2]
    assert (minutes.key, minutes.number, minutes.issued, minutes.doc_type) == (
        BASE + "/en/documents/minutes/minutes-cat-meeting-22-24-april-2020_en.pdf", "EMA/CAT/297683/2020",
        date(2020, 5, 18), "minutes")
    last = ema.parse_listing(served(CAT + "?page=,0,1"))
    assert last.next_page is None and [e.title for e in last.entries][2:] == [
        "Minutes of the CAT meeting 10-12 May 2017", "Minutes of the CAT meeting 15-17 February 2017",
        "Minutes of the CAT meeting 13-15 July 2016"]


def test_a_listing_without_cards_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no \\[data-ema-document-type\\] card"):
        ema.parse_listing(served(CAT, body=page_text(CAT).replace("data-ema-document-type", "x").encode()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=30000), junk=st.binary(max_size=60))
def test_only_parse_errors_escape(cut: int, junk: bytes) -> None:
    body = served(ATMP).body
    for mangled in (body[:cut] + junk, junk + body[cut:], junk):
        for parse in (ema.parse_guidance_page, ema.parse_page, ema.parse_listing):
            with contextlib.suppress(ParseError):
                parse(served(ATMP, body=mangled))


def test_the_shipped_mirror_files_are_exactly_what_the_builder_writes(tmp_path: Path) -> None:
    site = Path(shutil.copytree(ema_mirror.SITE, tmp_path / "ema"))
    ema_mirror.build(site)
    shipped = {p.relative_to(ema_mirror.SITE): p.read_bytes() for p in ema_mirror.SITE.rglob("*") if p.is_file()}
    rebuilt = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert rebuilt == shipped


def test_demo_edit_rewords_one_sentence_of_the_pdf(tmp_path: Path) -> None:
    site = Path(shutil.copytree(ema_mirror.SITE, tmp_path / "ema"))
    done = ema_mirror.demo_edits({"ema": site})
    assert done["ema reworded"] == ema_mirror.HUMAN_CELL_PDF
    text = " ".join(parse_document(served(ema_mirror.HUMAN_CELL_PDF, site), "ema:guidance").text.split())
    assert "The applicant must establish the suitability" in text and "should establish" not in text
    with pytest.raises(ValueError, match="not found"):
        ema_mirror.reword(site, *ema_mirror.DEMO_REWORD)  # already reworded
