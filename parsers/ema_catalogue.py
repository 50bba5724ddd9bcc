"""EMA machine-readable sources: the documents JSON catalogue and the RSS 2.0 feeds, plus shared EMA helpers.

The catalogue (`/en/documents/report/documents-output-json-report_en.json`, refreshed twice a day) is
`{"meta": {"total_records", "timestamp"}, "data": [{id, name, type, …, document_url}]}` (shared/sources/fda-ema.md
§2.2). Some consumers report it "almost JSON" (no commas between records, unescaped quotes in `name`): such a
file is read record by record and never passes for an empty catalogue.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.feed import feed_date
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Fetched, Listing, ParseError, Status

EMA_HOSTS = frozenset({"www.ema.europa.eu", "ema.europa.eu"})
FIELDS = ("id", "name", "type", "medicine_name", "ema_product_number", "status", "consultation_date",
          "first_published_date", "last_updated_date", "reference_number", "document_url")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_RECORD = re.compile(r"\{(?:[^{}]|\{[^{}]*\})*\}")  # a flat record, or one holding a `translations` object
_MIN_RECOVERED = 0.5  # an "almost JSON" file yielding fewer records than this share of total_records is truncated


# --- shared helpers ----------------------------------------------------------------------------------------


def status_of(text: str) -> Status:
    """EMA's status words: "Adopted" → final; "Draft", "Draft: consultation open/closed" → draft."""
    words = " ".join(text.split()).lower()
    if words.startswith(("adopted", "final")):
        return Status.FINAL
    if words.startswith(("draft", "under consultation")):
        return Status.DRAFT
    return Status.WITHDRAWN if words.startswith("withdrawn") else Status.UNKNOWN


def same_site(url: str, base: str) -> str:
    """`url` on the host `base` was fetched from when `url` names EMA's own site (www. or not).

    EMA's catalogue and feeds spell out absolute links to www.ema.europa.eu; fetching them from the host the
    listing came from keeps one identity per document and lets a mirror or proxy base URL stand in for the site.
    """
    parts, home = urlsplit(url), urlsplit(base)
    if parts.hostname in EMA_HOSTS and parts.netloc != home.netloc:
        return urlunsplit((home.scheme, home.netloc, parts.path, parts.query, parts.fragment))
    return url


def ema_date(text: str | None) -> date | None:
    """An EMA date: ISO 8601 (catalogue, `time@datetime`) or DD/MM/YYYY as printed on pages.

    DD/MM/YYYY is turned into ISO before `parse_date`, whose slash form is the US month-first one.
    """
    if not text:
        return None
    found = _DMY.fullmatch(text.strip())
    if found:
        day, month, year = (int(g) for g in found.groups())
        text = f"{year:04d}-{month:02d}-{day:02d}"
    return parse_date(text)


# --- documents catalogue -------------------------------------------------------------------------------------


def _value(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return str(value).strip() if isinstance(value, (str, int)) else ""


def _entry(record: dict[str, Any], base: str) -> CatalogueEntry | None:
    """One record; None when it has no id or no document URL (it cannot be fetched or followed)."""
    key, href = _value(record, "id"), _value(record, "document_url")
    if not key or not href:
        return None
    try:
        url = same_site(urljoin(base, href), base)
    except ValueError:  # not a URL at all ("http://[")
        return None
    doc_type, medicine = _value(record, "type"), _value(record, "medicine_name")
    return CatalogueEntry(
        key=key,
        url=url,
        title=" ".join(normalize_text(_value(record, "name")).split()) or key,
        status=status_of(_value(record, "status")),
        issued=ema_date(_value(record, "first_published_date")),
        doc_type=doc_type or None,
        number=_value(record, "reference_number") or None,
        topics=(doc_type,) if doc_type else (),
        products=(medicine,) if medicine else (),
        changed=_value(record, "last_updated_date") or None,
        dates=(("consultation_date", period),) if (period := _value(record, "consultation_date")) else (),
    )


def _field(raw: str, name: str) -> str | None:
    """One string field of a malformed record: up to the quote that ends it before the next key or the brace."""
    found = re.search(rf'"{name}"\s*:\s*(?:"(.*?)"|(-?\d+))\s*(?=,\s*"\w+"\s*:|,?\s*\}})', raw, re.S)
    if found is None:
        return None
    if found.group(2) is not None:
        return found.group(2)
    try:
        return json.loads(f'"{found.group(1)}"', strict=False)
    except ValueError:  # an unescaped quote or a stray backslash: keep the characters as they are
        return found.group(1)


def _lenient(text: str, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """meta and records from a file that is not valid JSON: each record alone, else field by field."""
    start = text.find('"data"')
    if start < 0:
        raise ParseError(f"ema catalogue: {url} is neither JSON nor a records file (no \"data\" key)")
    meta_match = re.search(r'"meta"\s*:\s*(\{[^{}]*\})', text[:start])
    meta = json.loads(meta_match.group(1)) if meta_match else {}
    records = []
    for raw in _RECORD.findall(text, start):
        try:
            records.append(json.loads(raw, strict=False))
        except ValueError:
            records.append({name: value for name in FIELDS if (value := _field(raw, name)) is not None})
    return meta, records


def _decoded(fetched: Fetched) -> str:
    require_body(fetched, "ema catalogue")
    if fetched.body.lstrip()[:1] == b"<":
        raise ParseError(f"ema catalogue: {fetched.url} is HTML (an error or block page?), not the JSON catalogue")
    return fetched.body.decode("utf-8-sig", errors="replace")


def parse_catalogue(fetched: Fetched) -> Listing:
    """The documents catalogue as a Listing keyed by record id; complete (absence = withdrawal) unless a record
    could not be read or the count differs from `meta.total_records`.

    ParseError for an error page, an empty catalogue, a file with no recognisable records, or a truncated one.
    """
    text = _decoded(fetched)
    try:
        data = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        meta, records = _lenient(text, fetched.url)
    else:
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ParseError(f"ema catalogue: {fetched.url} has no \"data\" array")
        meta, records = data.get("meta") or {}, data["data"]
    total = meta.get("total_records") if isinstance(meta, dict) else None
    if not records:
        raise ParseError(f"ema catalogue: {fetched.url} holds no records (the catalogue is never empty)")
    if isinstance(total, int) and len(records) < total * _MIN_RECOVERED:
        raise ParseError(f"ema catalogue: {fetched.url} holds {len(records)} of {total} records (truncated?)")
    entries = [e for r in records if isinstance(r, dict) and (e := _entry(r, fetched.url)) is not None]
    if not entries:
        raise ParseError(f"ema catalogue: none of the {len(records)} records of {fetched.url} has an id and a file")
    # Complete only when every record could be read with its id and file, and as many as the file announces.
    complete = len(entries) == len(records) and (not isinstance(total, int) or total == len(records))
    return Listing(entries=tuple(entries), complete=complete)


# --- RSS feeds ---------------------------------------------------------------------------------------------


def _text(item: Element, tag: str) -> str:
    found = item.find(tag, {"dc": "http://purl.org/dc/elements/1.1/"})
    return (found.text or "").strip() if found is not None else ""


def _link(item: Element) -> str:
    """`<link>` text, else the URL after an empty `<link/>` (EMA quirk), else a permalink `<guid>`."""
    link = item.find("link")
    if link is not None and (link.text or "").strip():
        return link.text.strip()  # type: ignore[union-attr]
    if link is not None and (link.tail or "").strip().startswith("http"):
        return link.tail.strip().split()[0]  # type: ignore[union-attr]
    guid = item.find("guid")
    text = (guid.text or "").strip() if guid is not None else ""
    permalink = guid is not None and guid.get("isPermaLink", "true") != "false"
    return text if permalink and text.startswith("http") else ""


def parse_feed(fetched: Fetched) -> Listing:
    """An EMA RSS 2.0 feed (`/en/scientific-guidelines.xml` …), keyed by the item's link on the fetched host.

    Drupal's `<guid isPermaLink="false">NNN at https://…</guid>` is never taken for a link.
    """
    require_body(fetched, "ema feed")
    try:
        root = fromstring(fetched.body, forbid_dtd=True)
    except (XmlError, DefusedXmlException, ValueError) as exc:
        raise ParseError(f"ema feed: {fetched.url} is not well-formed or unsafe XML ({exc})") from None
    if root.tag != "rss" or root.find("channel") is None:
        raise ParseError(f"ema feed: {fetched.url} is not an RSS 2.0 feed (root element {root.tag!r})")
    entries = []
    for item in root.findall("channel/item"):
        link = _link(item)
        if not link:
            continue
        try:
            url = same_site(urljoin(fetched.url, link), fetched.url)
        except ValueError:
            continue
        stamp = _text(item, "pubDate") or _text(item, "dc:date")
        entries.append(CatalogueEntry(key=url, url=url, title=" ".join(normalize_text(_text(item, "title")).split())
                                      or url, issued=feed_date(stamp), changed=stamp or None,
                                      topics=tuple(c.text.strip() for c in item.findall("category") if c.text)))
    return Listing(entries=tuple(entries), complete=False)
