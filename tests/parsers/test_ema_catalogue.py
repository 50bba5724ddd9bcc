"""parsers.ema_catalogue: EMA's documents JSON catalogue (also "almost JSON"), its RSS feeds, shared helpers."""

from __future__ import annotations

import contextlib
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from real_captures import real_fetched

from regwatch.mirror.agencies import ema as ema_mirror
from regwatch.mirror.site import resolve
from regwatch.parsers import ema_catalogue
from regwatch.parsers.ema_catalogue import ema_date, parse_catalogue, parse_feed, same_site, status_of
from regwatch.parsers.types import Fetched, ParseError, Status

BASE = "http://127.0.0.1:8765"


def served(path: str, body: bytes | None = None) -> Fetched:
    """What the EMA mirror sends for `path` (raw bytes and Content-Type), optionally with another body."""
    found = resolve(ema_mirror.SITE, path)
    assert found is not None, path
    return Fetched(url=BASE + path, status=200, headers={"Content-Type": found.content_type},
                   body=found.body if body is None else body)


def catalogue_text() -> str:
    return served(ema_mirror.CATALOGUE).body.decode("utf-8")


def test_the_mirror_catalogue_is_complete_and_keyed_by_record_id() -> None:
    listing = parse_catalogue(served(ema_mirror.CATALOGUE))
    assert listing.complete and len(listing.entries) == 38
    entry = next(e for e in listing.entries if e.key == "4101")
    assert entry.title == "Guideline on human cell-based medicinal products"
    assert entry.url == BASE + ema_mirror.HUMAN_CELL_PDF  # document_url names www.ema.europa.eu: same host
    assert (entry.status, entry.issued, entry.number) == (Status.FINAL, date(2008, 5, 21), "EMEA/CHMP/410869/2006")
    assert entry.doc_type == "scientific-guideline" and entry.topics == ("scientific-guideline",)
    assert entry.changed == "2008-05-21T01:00:00Z" and entry.attachments == ()
    statuses = {e.key: e.status for e in listing.entries}
    assert statuses["4103"] is Status.DRAFT and statuses["4102"] is Status.UNKNOWN  # "unknown" on comments
    kymriah = next(e for e in listing.entries if e.key == "4191")
    assert kymriah.products == ("Kymriah",) and kymriah.doc_type == "overview"


def test_the_real_shape_from_the_shared_capture_parses() -> None:
    listing = parse_catalogue(real_fetched("ema/emadownloader_sample_documents_report.json",
                                           "https://www.ema.europa.eu/en/documents/report/x.json", "application/json"))
    assert [e.key for e in listing.entries] == ["2406", "1001", "1002", "2001", "3001"] and listing.complete
    chiral = listing.entries[0]
    assert chiral.url.startswith("https://www.ema.europa.eu/en/documents/scientific-guideline/")
    assert (chiral.issued, chiral.number) == (date(1993, 10, 1), "3CC29A")


def test_almost_json_is_read_record_by_record_and_stays_complete() -> None:
    text = catalogue_text().replace("},\n{", "}\n{")  # no commas between records
    text = text.replace('"name": "Investigation of chiral', '"name": "Investigation of "chiral"')  # bare quotes
    text = text.replace("Guideline on xenogeneic", "Guideline on\txenogeneic")  # a raw control character
    listing = parse_catalogue(served(ema_mirror.CATALOGUE, text.encode("utf-8")))
    assert listing.complete and len(listing.entries) == 38
    titles = {e.key: e.title for e in listing.entries}
    assert titles["2406"] == 'Investigation of "chiral" active substances'
    assert any(t.startswith("Guideline on xenogeneic") for t in titles.values())


@pytest.mark.parametrize("body, reason", [
    (b"", "empty body"),
    (b"<!DOCTYPE html><html><body>Access denied</body></html>", "HTML"),
    (b'{"meta": {"total_records": 0}, "data": []}', "no records"),
    (b"{}", "no \"data\" array"),
    (b"[1, 2, 3]", "no \"data\" array"),
    (b"garbage without structure", "no \"data\" key"),
])
def test_broken_files_are_parse_errors_never_an_empty_catalogue(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_catalogue(served(ema_mirror.CATALOGUE, body))


def test_a_truncated_file_is_a_parse_error() -> None:
    text = catalogue_text()
    with pytest.raises(ParseError, match="truncated"):
        parse_catalogue(served(ema_mirror.CATALOGUE, text[: len(text) // 3].encode()))


def test_error_status_is_a_parse_error() -> None:
    fetched = served(ema_mirror.CATALOGUE)
    with pytest.raises(ParseError, match="HTTP 503"):
        parse_catalogue(Fetched(fetched.url, 503, fetched.headers, fetched.body))


def test_unreadable_records_or_a_wrong_count_make_the_catalogue_incomplete() -> None:
    data = json.loads(catalogue_text())
    data["data"][1]["document_url"] = ""
    listing = parse_catalogue(served(ema_mirror.CATALOGUE, json.dumps(data).encode()))
    assert not listing.complete and len(listing.entries) == 37  # a record without a file is left out
    data = json.loads(catalogue_text())
    data["meta"]["total_records"] = 39
    assert not parse_catalogue(served(ema_mirror.CATALOGUE, json.dumps(data).encode())).complete


def test_same_site_moves_only_ema_links_to_the_fetched_host() -> None:
    assert same_site("https://www.ema.europa.eu/en/a_en.pdf", BASE + "/x") == BASE + "/en/a_en.pdf"
    assert same_site("https://ema.europa.eu/en/a?b=1", BASE + "/x") == BASE + "/en/a?b=1"
    assert same_site("https://www.ema.europa.eu/en/a", "https://www.ema.europa.eu/x") == "https://www.ema.europa.eu/en/a"
    assert same_site("https://eur-lex.europa.eu/eli/reg/2007/1394", BASE) == "https://eur-lex.europa.eu/eli/reg/2007/1394"


def test_status_words_and_dates() -> None:
    assert status_of("Adopted") is Status.FINAL
    assert status_of("Draft: consultation open") is status_of("Draft: consultation  closed") is Status.DRAFT
    assert status_of("unknown") is status_of("") is Status.UNKNOWN
    assert ema_date("01/09/2008") == date(2008, 9, 1)  # day first, never the US 9 January
    assert ema_date("21/05/2008") == date(2008, 5, 21)
    assert ema_date("2008-09-01T01:00:00Z") == date(2008, 9, 1)
    assert ema_date("31/02/2008") is None and ema_date("") is None


def test_the_feed_keeps_real_links_and_the_empty_link_quirk() -> None:
    listing = parse_feed(served(ema_mirror.FEED))
    assert not listing.complete and len(listing.entries) == 6
    urls = [e.url for e in listing.entries]
    assert BASE + "/en/stem-cell-based-medicinal-products-scientific-guideline" in urls  # from `<link/>https://…`
    assert all(u.startswith(BASE + "/en/") and " at " not in u for u in urls)  # never Drupal's "NNN at …" guid
    first = listing.entries[0]
    assert first.issued == date(2024, 1, 19) and first.changed == "Fri, 19 Jan 2024 17:27:00 +0100"
    assert first.title.endswith("in clinical trials - Scientific guideline")


def test_feed_items_without_any_link_are_skipped_and_dc_date_is_used() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            b'<item><title>A</title><link/><guid isPermaLink="false">1 at https://www.ema.europa.eu</guid></item>'
            b'<item><title>B</title><link>https://www.ema.europa.eu/en/news/b</link><dc:date>2026-07-03</dc:date>'
            b'</item></channel></rss>')
    listing = parse_feed(served(ema_mirror.FEED, body))
    assert [(e.title, e.url, e.issued) for e in listing.entries] == [("B", BASE + "/en/news/b", date(2026, 7, 3))]


@pytest.mark.parametrize("body", [
    b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>",
    b"<rss><channel><item>",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><rss version="2.0"><channel/></rss>',
    b"<html><body>503</body></html>",
])
def test_other_xml_or_unsafe_xml_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(served(ema_mirror.FEED, body))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(str.encode)
       | st.sampled_from([b'{"data": [{"id": 1, "document_url": "/a.pdf"}]}', b'{"data": {}}', b'{"data": [[]]}',
                          b'{"meta": {"total_records": "x"}, "data": [{"id": "1"}]}', b'"data" {"id": "1",',
                          b'{"data": [{"id": "1", "document_url": "http://["}]}',
                          b'<rss version="2.0"><channel><item><link>http://[</link></item></channel></rss>']))
def test_only_parse_errors_escape(body: bytes) -> None:
    for parse in (ema_catalogue.parse_catalogue, ema_catalogue.parse_feed):
        with contextlib.suppress(ParseError):
            parse(Fetched(BASE + "/x", 200, {}, body))
