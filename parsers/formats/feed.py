"""RSS 1.0 (RDF), RSS 2.0 and Atom feeds → a `Listing` of what is new or updated.

XML is parsed with defusedxml: entity expansion, external entities and DTDs are refused.
A feed is never complete (an item falling off a feed is not a withdrawal). Elements a feed format does not
define (MHLW's RSS 1.0 carries a `<copyright>`) are passed over. A date more than a day after the response's
`Date` header (the fetch time; MHLW once dated an item 2088-04-25) is not trusted: the item gets the fetch date
and the listing a note saying so. Size labels (`［PDF形式：84KB］`) are stripped from titles.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.sizes import strip_size_labels
from regwatch.parsers.types import CatalogueEntry, Fetched, Listing, ParseError

FUTURE_SLACK = timedelta(days=1)  # time zones and clocks: a date up to a day ahead is believed

NS = {
    "rss1": "http://purl.org/rss/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": "http://www.w3.org/2005/Atom",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}


def parse_feed(fetched: Fetched) -> Listing:
    """The items of an RSS 1.0, RSS 2.0 or Atom feed, keyed by their link."""
    root = _root(fetched)
    items = root.findall("channel/item") or root.findall("rss1:item", NS) or root.findall("atom:entry", NS)
    if not items and root.tag not in ("rss", f"{{{NS['rdf']}}}RDF", f"{{{NS['atom']}}}feed"):
        raise ParseError(f"{fetched.url}: not an RSS or Atom feed (root element {root.tag!r})")
    entries = [e for e in (_entry(item, fetched.url) for item in items) if e is not None]
    return _no_future(Listing(entries=tuple(entries), complete=False), fetch_date(fetched))


def fetch_date(fetched: Fetched) -> date | None:
    """The day the response was served (its `Date` header), None when it has none."""
    served = fetched.header("Date")
    return feed_date(served) if served else None


def _no_future(listing: Listing, today: date | None) -> Listing:
    """Items dated more than a day after `today` get `today` instead, each with a note."""
    if today is None:
        return listing
    latest = today + FUTURE_SLACK
    notes = [f"item {e.url} is dated {e.issued} (in the future): the fetch date {today} is used"
             for e in listing.entries if e.issued and e.issued > latest]
    if not notes:
        return listing
    entries = tuple(replace(e, issued=today) if e.issued and e.issued > latest else e for e in listing.entries)
    return replace(listing, entries=entries, notes=listing.notes + tuple(notes))


def _root(fetched: Fetched) -> Element:
    if not fetched.body.strip():
        raise ParseError(f"{fetched.url}: empty feed")
    try:
        return fromstring(fetched.body, forbid_dtd=True)
    except (XmlError, DefusedXmlException, ValueError) as exc:
        raise ParseError(f"{fetched.url}: not well-formed or unsafe XML ({exc})") from None


def _text(item: Element, *paths: str) -> str:
    for path in paths:
        found = item.find(path, NS)
        if found is not None and (found.text or "").strip():
            return found.text.strip()  # type: ignore[union-attr]
    return ""


def _link(item: Element) -> str:
    link = _text(item, "link", "rss1:link")
    if link:
        return link
    for el in item.findall("link") + item.findall("atom:link", NS):
        if el.get("href") and el.get("rel", "alternate") == "alternate":
            return el.get("href", "")
        if (el.tail or "").strip().startswith("http"):  # <link/>https://… quirk seen in EMA feeds
            return el.tail.strip()  # type: ignore[union-attr]
    guid = item.find("guid")
    if guid is not None and guid.get("isPermaLink", "true") != "false" and (guid.text or "").startswith("http"):
        return guid.text.strip()  # type: ignore[union-attr]
    return ""


def _entry(item: Element, base: str) -> CatalogueEntry | None:
    link = _link(item)
    try:
        url = urljoin(base, link) if link else ""
    except ValueError:  # not a URL at all (e.g. "http://[::1"): the item cannot be followed
        return None
    if not url:
        return None
    title = strip_size_labels(normalize_text(_text(item, "title", "rss1:title", "atom:title"))) or url
    stamp = _text(item, "pubDate", "dc:date", "atom:updated", "atom:published")
    return CatalogueEntry(key=url, url=url, title=title, issued=feed_date(stamp),
                          topics=tuple(c.text.strip() for c in item.findall("category") if c.text),
                          changed=stamp or None)


def feed_date(value: str) -> date | None:
    """RFC 822 (`Tue, 06 Jan 2026 00:04:43 GMT`, also with `EDT`) or ISO 8601 (`2026-10-01T09:00:00+09:00`)."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None
