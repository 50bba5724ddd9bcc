"""Feeds as the agencies really serve them: a date decades ahead, elements RSS does not define, size labels."""

from __future__ import annotations

from datetime import date

import pytest

from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.sizes import strip_size_labels
from regwatch.parsers.types import Fetched

# The shape of MHLW's news.rdf: RSS 1.0 with dc:date, a <copyright> RSS 1.0 does not define, an item dated 2088
_RDF = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://www.mhlw.go.jp/stf/news.rdf">
    <title>厚生労働省 新着情報</title><link>https://www.mhlw.go.jp/</link><description>新着</description>
    <copyright>厚生労働省</copyright>
    <items><rdf:Seq><rdf:li rdf:resource="https://www.mhlw.go.jp/stf/newpage_1.html"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://www.mhlw.go.jp/stf/newpage_1.html">
    <title>再生医療等安全性確保法施行規則の一部改正について［PDF形式：84KB］</title>
    <link>https://www.mhlw.go.jp/stf/newpage_1.html</link><dc:date>2088-04-25T10:00:00+09:00</dc:date>
    <copyright>厚生労働省</copyright>
  </item>
  <item rdf:about="https://www.mhlw.go.jp/stf/newpage_2.html">
    <title>化粧品基準の改正について</title>
    <link>https://www.mhlw.go.jp/stf/newpage_2.html</link><dc:date>2026-12-08T09:00:00+09:00</dc:date>
  </item>
</rdf:RDF>"""


def _feed(date_header: str | None) -> Fetched:
    headers = {"Content-Type": "application/rdf+xml"} | ({"Date": date_header} if date_header else {})
    return Fetched(url="https://www.mhlw.go.jp/stf/news.rdf", status=200, headers=headers, body=_RDF.encode())


def test_far_future_date_is_flagged_and_replaced_by_the_fetch_date() -> None:
    listing = parse_feed(_feed("Mon, 07 Dec 2026 15:00:00 GMT"))
    future, tomorrow = listing.entries
    assert future.issued == date(2026, 12, 7)  # the fetch date, not 2088-04-25
    assert len(listing.notes) == 1 and "2088-04-25" in listing.notes[0] and future.url in listing.notes[0]
    assert tomorrow.issued == date(2026, 12, 8)  # within a day of the fetch: believed


def test_without_a_fetch_time_nothing_is_replaced() -> None:
    listing = parse_feed(_feed(None))
    assert listing.entries[0].issued == date(2088, 4, 25) and listing.notes == ()


def test_unknown_elements_are_tolerated_and_size_labels_leave_titles() -> None:
    titles = [e.title for e in parse_feed(_feed("Mon, 07 Dec 2026 15:00:00 GMT")).entries]
    assert titles == ["再生医療等安全性確保法施行規則の一部改正について", "化粧品基準の改正について"]


@pytest.mark.parametrize(("title", "clean"), [
    ("通知について［PDF形式：84KB］", "通知について"),
    ("Guideline for Biosimilars[150KB]", "Guideline for Biosimilars"),
    ("Handling of Japanese Data (Early Consideration) [81.7KB]", "Handling of Japanese Data (Early Consideration)"),
    ("Potency Assurance (PDF: 1.2 MB)", "Potency Assurance"),
    ("Guideline on quality (PDF/400.09 KB)", "Guideline on quality"),
    ("Minimal manipulation PDF (291.05 KB)", "Minimal manipulation"),
    ("相談区分 PDFファイル[317 KB]", "相談区分"),
    ("화장품 안전기준 (PDF - 400 KB)", "화장품 안전기준"),
    ("规定【PDF：123KB】", "规定"),
    ("公告（2021年第62号）", "公告（2021年第62号）"),  # a number in brackets is not a size
    ("Questions and Answers (Part 2)", "Questions and Answers (Part 2)"),
])
def test_size_labels_in_every_agency_form(title: str, clean: str) -> None:
    assert strip_size_labels(title) == clean
