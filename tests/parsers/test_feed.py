"""RSS 1.0 / RSS 2.0 / Atom parsing, including the quirks seen on the real feeds, and hostile XML."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.parsers.formats.feed import feed_date, parse_feed
from regwatch.parsers.types import Fetched, ParseError

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>MFDS</title>
<item><title>  \xec\xa4\x84\xea\xb8\xb0\xec\x84\xb8\xed\x8f\xac \xec\x95\x88\xeb\x82\xb4\xec\x84\x9c </title>
<link>https://www.mfds.go.kr/brd/m_1060/view.do?seq=15874</link>
<pubDate>Tue, 06 Jan 2026 00:04:43 GMT</pubDate><category>guide</category></item>
<item><title>quirk</title><link/>https://www.ema.europa.eu/en/documents/x_en.pdf
<dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">2026-07-30T17:27:00+02:00</dc:date></item>
</channel></rss>"""

RSS1 = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://www.mhlw.go.jp/stf/news.rdf"><title>厚生労働省 新着情報</title></channel>
<item rdf:about="https://www.mhlw.go.jp/stf/newpage_1.html"><title>再生医療等の安全性の確保等に関する法律</title>
<link>https://www.mhlw.go.jp/stf/newpage_1.html</link><dc:date>2026-10-01T09:00:00+09:00</dc:date></item>
</rdf:RDF>""".encode()

ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>A</title><link href="/a.html"/><updated>2024-05-01T00:00:00Z</updated></entry></feed>"""


def fetched(body: bytes, url: str = "https://example.org/feed.xml") -> Fetched:
    return Fetched(url, 200, {"Content-Type": "application/rss+xml"}, body)


def test_rss2_items_with_korean_titles_and_the_empty_link_quirk() -> None:
    listing = parse_feed(fetched(RSS2))
    assert not listing.complete
    first, second = listing.entries
    assert first.title == "줄기세포 안내서"
    assert first.key == "https://www.mfds.go.kr/brd/m_1060/view.do?seq=15874"
    assert first.issued == date(2026, 1, 6)
    assert first.topics == ("guide",)
    assert second.url == "https://www.ema.europa.eu/en/documents/x_en.pdf"
    assert second.issued == date(2026, 7, 30)


def test_rss1_rdf_feed_of_mhlw() -> None:
    (entry,) = parse_feed(fetched(RSS1)).entries
    assert entry.title == "再生医療等の安全性の確保等に関する法律"
    assert entry.issued == date(2026, 10, 1)


def test_atom_links_are_made_absolute() -> None:
    (entry,) = parse_feed(fetched(ATOM, "https://example.org/x/feed")).entries
    assert entry.url == "https://example.org/a.html"


@pytest.mark.parametrize("body", [
    b"",
    b"<html><body>Service unavailable</body></html>",
    b"<rss><channel><item><title>unterminated",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<rss><channel><item><title>&lol2;</title></item></channel></rss>",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>',
])
def test_bad_or_hostile_feeds_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(fetched(body))


@pytest.mark.parametrize(("value", "expected"), [
    ("Thu, 30 Jul 2026 17:27:00 +0200", date(2026, 7, 30)),
    ("Tue, 06 Jan 2026 00:04:43 GMT", date(2026, 1, 6)),
    ("Mon, 03 Jul 2023 10:00:00 EDT", date(2023, 7, 3)),
    ("2026-10-01", date(2026, 10, 1)),
    ("garbage", None),
    ("", None),
])
def test_feed_dates(value: str, expected: date | None) -> None:
    assert feed_date(value) == expected


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_only_parse_errors_escape(body: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_feed(fetched(body))
