"""parsers.parse_document / parse_listing: format first (PDF by magic bytes), then the kind."""

from __future__ import annotations

import dataclasses

import pytest
from parser_fixtures import load, make_pdf, pdf_fetched

from regwatch import parsers
from regwatch.parsers.types import Fetched, ParseError, Status


def test_kinds_are_listed_explicitly() -> None:
    assert parsers.kinds() == ("page", *(f"{a}:{k}" for a in ("fda", "ema", "pmda", "mfds", "nmpa")
                                         for k in ("guidance", "page")))


def test_pdf_is_chosen_by_magic_bytes_whatever_the_content_type_and_kind() -> None:
    pdf = pdf_fetched(make_pdf([["I. INTRODUCTION", "Body."]]))
    pdf = dataclasses.replace(pdf, headers={"Content-Type": "text/html"})
    assert parsers.parse_document(pdf, "fda:guidance").text == "I. INTRODUCTION\n\nBody."


def test_html_an_agency_guidance_page_and_a_generic_page() -> None:
    page = load("fda-guidance-final")
    assert parsers.parse_document(page, "fda:guidance").status is Status.FINAL
    assert parsers.parse_document(page, "page").status is Status.UNKNOWN
    assert parsers.parse_document(page, "page", selector="div[role=main]").text.startswith("Here the Agency sets out")


def test_html_served_as_pdf_is_a_parse_error() -> None:
    page = dataclasses.replace(load("fda-guidance-final"), headers={"Content-Type": "application/pdf"})
    with pytest.raises(ParseError, match="does not start with %PDF-"):
        parsers.parse_document(page, "fda:guidance")


def test_unknown_kind_or_agency_is_a_configuration_error() -> None:
    page = Fetched("https://example.org", 200, {}, b"<p>x</p>")
    with pytest.raises(ValueError, match="unknown document kind 'who:guidance'; known: page, fda:guidance"):
        parsers.parse_document(page, "who:guidance")
    with pytest.raises(ValueError, match="unknown agency 'who'"):
        parsers.parse_listing("who", page)


def test_parse_listing_uses_the_agency_catalogue_parser() -> None:
    assert len(parsers.parse_listing("fda", load("fda-catalogue")).entries) == 5
