"""FDA: the static guidance catalogue, guidance detail pages, other pages, the Akamai apology redirect."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parser_fixtures import MIRROR_BASE, MIRROR_SITE, load, mirror

from regwatch.parsers import fda
from regwatch.parsers.types import Fetched, ParseError, Status

CATALOGUE = fda.CATALOGUE_PATH
_GUIDANCE = "/regulatory-information/search-fda-guidance-documents/"


def _json(value: object, url: str = "https://www.fda.gov" + CATALOGUE) -> Fetched:
    return Fetched(url=url, status=200, headers={"Content-Type": "application/json"}, body=json.dumps(value).encode())


# --- catalogue --------------------------------------------------------------------------------------------


def test_catalogue_entries_follow_the_real_field_shapes() -> None:
    listing = fda.parse_catalogue(load("fda-catalogue"))
    assert listing.complete and listing.next_page is None
    first, draft, cpg, gases, closure = listing.entries
    assert first.key == "regulatory-considerations-human-cells-tissues-and-cellular-and-tissue-based-products-minimal"
    assert first.url == "https://www.fda.gov" + _GUIDANCE + first.key
    assert first.title.endswith("Minimal Manipulation and Homologous Use")
    assert (first.status, first.issued, first.doc_type) == (Status.FINAL, date(2020, 7, 20), "Guidance Document")
    assert first.docket == "FDA-2017-D-6146"
    assert first.offices == (
        "Center for Biologics Evaluation and Research", "Center for Devices and Radiological Health",
        "Office of the Commissioner", "Office of Clinical Policy and Programs", "Office of Combination Products",
    )
    assert first.topics == ("Tissue", "Cellular Therapy", "Biologics")
    assert first.products == ("Biologics",)
    assert first.attachments == ("https://www.fda.gov/media/109176/download",)
    assert first.changed == "2024-10-01T07:00:51-04:00"
    assert draft.status is Status.DRAFT and draft.key.endswith("-0")
    assert draft.offices == ("Office of the Commissioner", "Office of Policy, Legislation, and International Affairs",
                             "Office of Policy")
    assert draft.products == ("Food & Beverages", "Biologics")
    assert (cpg.issued, cpg.docket, cpg.attachments, cpg.offices) == (None, None, (), ())
    assert cpg.title == "CPG Sec. 420.500 Interference with Compendial Tests & Assays"
    assert (gases.docket, gases.doc_type) == ("2012-D-1197", None)
    assert closure.docket is None and "—" in closure.title


def test_catalogue_urls_follow_the_base_it_was_fetched_from() -> None:
    fetched = dataclasses.replace(load("fda-catalogue"), url=MIRROR_BASE + CATALOGUE)
    entry = fda.parse_catalogue(fetched).entries[0]
    assert entry.url.startswith(MIRROR_BASE + _GUIDANCE)
    assert entry.attachments == (MIRROR_BASE + "/media/109176/download",)


def test_html_error_page_in_place_of_the_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match=r"is HTML \(an error, challenge or block page\?\)"):
        fda.parse_catalogue(load("fda-catalogue-error-page"))


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"", 200, "empty body"),
        (b"[]", 200, "empty array"),
        (b'{"data": []}', 200, "expected a JSON array, got a dict"),
        (b'[{"title": "no link here"}]', 200, "record 0 has no page link"),
        (b'[["<a href=\\"/x\\">X</a>"]]', 200, "record 0 is a list"),
        (b'[{"title": "<a href=\\"http://[bad/x\\">X</a>"}]', 200, "record 0 has no page link"),
        (b"\xff\xfe[", 200, "not JSON"),
        (b'[{"title": "<a href=\\"/x\\">X</a>"}', 200, "not JSON"),
        (b"Service Unavailable", 503, "HTTP 503"),
    ],
)
def test_bad_catalogue_bodies_raise_parse_error(body: bytes, status: int, message: str) -> None:
    fetched = Fetched(url="https://www.fda.gov" + CATALOGUE, status=status, headers={}, body=body)
    with pytest.raises(ParseError, match=message):
        fda.parse_catalogue(fetched)


def test_a_broken_attachment_link_is_skipped_not_fatal() -> None:
    record = {"title": '<a href="/a/b">B</a>', "field_associated_media_2": '<a href="http://[x/media/1/download">PDF</a>'}
    assert fda.parse_catalogue(_json([record])).entries[0].attachments == ()


def test_office_and_term_splitting_rules() -> None:
    raw = "Center for Drug Evaluation and Research<br><br>Office of Policy, Legislation, and International Affairs,OC"
    assert fda.split_offices(raw) == ("Center for Drug Evaluation and Research",
                                      "Office of Policy, Legislation, and International Affairs", "OC")
    assert fda.split_terms("Food &amp; Beverages, Drugs,<br>Drugs") == ("Food & Beverages", "Drugs")


# --- guidance detail pages ---------------------------------------------------------------------------------


def test_final_guidance_page() -> None:
    doc = fda.parse_guidance_page(load("fda-guidance-final"))
    assert doc.title == ("Regulatory Considerations for Human Cells, Tissues, and Cellular and Tissue-Based Products: "
                         "Minimal Manipulation and Homologous Use")
    assert (doc.status, doc.docket, doc.issued) == (Status.FINAL, "FDA-2017-D-6146", None)
    assert doc.offices == ("Center for Biologics Evaluation and Research",)
    assert doc.attachments == ("https://www.fda.gov/media/109176/download",)
    assert doc.language == "en"
    assert "Here the Agency sets out, for makers of human cells" in doc.text and "Questions?" in doc.text
    for chrome in ("official website", "reorganization", "Home", "Skip to", "Submit Comments", "HFA- 305",
                   "Content current as of", "07/21/2020", "helpful", "Back to Top", "Guidance Issuing Office",
                   "Regulated Product(s)", "(PDF, 291 KB)", "dataLayer", "baseUrl"):
        assert chrome not in doc.text, chrome
    assert doc.sections[-1].path[-1] == "Questions?"


def test_draft_guidance_page() -> None:
    doc = fda.parse_guidance_page(load("fda-guidance-draft"))
    assert doc.title == "Expedited Programs for Regenerative Medicine Therapies for Serious Conditions"
    assert (doc.status, doc.docket) == (Status.DRAFT, "FDA-2017-D-6159")
    assert doc.offices == ("Center for Biologics Evaluation and Research",
                           "Office of Policy, Legislation, and International Affairs")
    assert doc.attachments == ("https://www.fda.gov/media/188874/download?attachment",)
    assert "RMAT" in doc.text and "Not for implementation." in doc.text
    assert "Submit comments on this guidance" not in doc.text and "Fishers Lane" not in doc.text


def test_a_page_without_the_title_selector_fails_loudly() -> None:
    page = load("fda-guidance-final")
    redesigned = dataclasses.replace(page, body=page.body.replace(b'class="content-title', b'class="page-title'))
    with pytest.raises(ParseError, match=r"'h1\.content-title' matched nothing .*redesigned"):
        fda.parse_guidance_page(redesigned)


def test_the_same_page_with_other_chrome_gives_the_same_text() -> None:
    page = load("fda-guidance-final")
    restamped = page.body.replace(b"07/21/2020", b"10/01/2024").replace(b"HFA- 305", b"HFA-305")
    restamped = restamped.replace(b"Was this page helpful?", b"Did this page help you?")
    assert fda.parse_guidance_page(dataclasses.replace(page, body=restamped)).text == fda.parse_guidance_page(page).text


# --- other pages --------------------------------------------------------------------------------------------


def test_consumer_alert_page() -> None:
    doc = fda.parse_page(load("fda-consumer-alert"))
    assert doc.title == "Consumer Alert on Regenerative Medicine Products Including Stem Cells and Exosomes"
    assert doc.text.startswith(doc.title + "\n\nDate: July 22, 2020\n\nReporting")
    assert "Share" not in doc.text and "Consumers (Biologics)" not in doc.text and "current as of" not in doc.text
    assert [s.path[1:] for s in doc.sections] == [(), ("Reporting",), ("Regulation", "Stem cell products"),
                                                 ("Regulation", "Exosome products")]


def test_page_title_without_content_title_comes_from_the_title_element() -> None:
    body = b"<title>Tissue Guidances | FDA</title><main><h1>Tissue</h1><p>List.</p></main>"
    page = Fetched("https://www.fda.gov/x", 200, {"Content-Type": "text/html"}, body)
    assert fda.parse_page(page).title == "Tissue"
    assert fda.parse_page(dataclasses.replace(page, body=body.replace(b"<h1>Tissue</h1>", b""))).title == (
        "Tissue Guidances")


def test_a_page_without_any_main_content_element_fails_loudly() -> None:
    page = Fetched("https://www.fda.gov/x", 200, {"Content-Type": "text/html"}, b"<html><body><p>Hi</p></body></html>")
    with pytest.raises(ParseError, match="none of main, #main-content, article, div\\[role=main\\]"):
        fda.parse_page(page)


@pytest.mark.parametrize(
    ("location", "blocked"),
    [
        ("/apology_objects/abuse-detection-apology.html", True),
        ("https://www.fda.gov/apology_objects/excessive-requests-apology.html", True),
        ("https://www.fda.gov/media/109176/download", False),
        ("https://www.fda.gov/search?q=/apology_objects/", False),
        ("", False),
    ],
)
def test_apology_redirect(location: str, blocked: bool) -> None:
    assert fda.is_apology_redirect(location) is blocked


# --- the offline mirror (mirror/sites/fda) ------------------------------------------------------------------


def test_mirror_catalogue_and_detail_pages_agree() -> None:
    listing = fda.parse_catalogue(mirror(CATALOGUE))
    assert listing.entries and all(e.url.startswith(MIRROR_BASE + _GUIDANCE) for e in listing.entries)
    checked = 0
    for entry in listing.entries:
        path = _GUIDANCE + entry.key
        if not (MIRROR_SITE / path.lstrip("/") / "index.html").is_file():
            continue  # the mirror has detail pages for part of its catalogue only
        doc = fda.parse_guidance_page(mirror(path))
        assert doc.status == entry.status, entry.key
        assert doc.docket == entry.docket, entry.key
        assert set(doc.attachments) <= set(entry.attachments), entry.key
        assert doc.text and doc.title
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    "path",
    [
        "/vaccines-blood-biologics/biologics-guidances/cellular-gene-therapy-guidances",
        "/vaccines-blood-biologics/consumers-biologics/"
        "consumer-alert-regenerative-medicine-products-including-stem-cells-and-exosomes",
        "/vaccines-blood-biologics/safety-availability-biologics/public-safety-notification-exosome-products",
    ],
)
def test_mirror_other_pages(path: str) -> None:
    doc = fda.parse_page(mirror(path))
    assert doc.title and doc.text.startswith(doc.title)
    assert "official website" not in doc.text and "current as of" not in doc.text


# --- fuzz -------------------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_FIELDS = ["title", "field_associated_media_2", "field_issue_datetime", "field_issuing_office_taxonomy",
           "field_final_guidance_1", "field_docket_number", "changed", "term_node_tid"]
_FRAGMENTS = st.lists(st.sampled_from([
    '<a href="/x/y">', '<a href="http://[z/media/1/download">', "</a>", "<br>", ",", ", ", "&amp;",
    "<time datetime='", "'>", "None found", "01/01/1900", "Draft", "<", '"', "é",
]), max_size=8)


@settings(max_examples=100, deadline=None)
@given(st.one_of(_JSON, st.lists(st.dictionaries(st.sampled_from(_FIELDS), _FRAGMENTS.map("".join)), max_size=3)))
def test_fuzz_catalogue_only_raises_parse_error(value: object) -> None:
    with contextlib.suppress(ParseError):
        listing = fda.parse_catalogue(_json(value))
        assert listing.entries and all(entry.key for entry in listing.entries)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
@pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning")
def test_fuzz_guidance_page_only_raises_parse_error(data: st.DataObject) -> None:
    body = load(data.draw(st.sampled_from(["fda-guidance-final", "fda-guidance-draft"]))).body
    start = data.draw(st.integers(0, len(body)))
    end = data.draw(st.integers(start, len(body)))
    junk = data.draw(st.binary(max_size=30))
    mangled = body[:start] + junk + body[end:]
    fetched = Fetched("https://www.fda.gov" + _GUIDANCE + "x", 200, {"Content-Type": "text/html"}, mangled)
    with contextlib.suppress(ParseError):
        fda.parse_guidance_page(fetched)
    with contextlib.suppress(ParseError):
        fda.parse_page(fetched)
