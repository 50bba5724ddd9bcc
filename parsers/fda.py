"""FDA (www.fda.gov): the static guidance catalogue, guidance detail pages and other pages.

Field names and selectors follow the real site as recorded in shared/sources/fda-ema.md §1.2–1.3.
"""

from __future__ import annotations

import copy
import dataclasses
import html
import re
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.html import drop_phrases, drop_sections, main_content, page_title, parse_html, render
from regwatch.parsers.formats.sniff import json_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, LayoutChanged, Listing, ParseError, Status

CATALOGUE_PATH = "/files/api/datatables/static/search-for-guidance.json"
_ANCHOR = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>(.*?)</a\s*>""", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_BR = re.compile(r"<br\s*/?>", re.I)
_OFFICE_SEP = re.compile(r",(?!\s)")  # office names contain ", " themselves
_TIME = re.compile(r"""<time\b[^>]*?\bdatetime\s*=\s*(["'])(.*?)\1""", re.I | re.S)
_TOPIC_FIELDS = ("term_node_tid", "topics-product", "field_topics", "field_health_topics")
_DATE_FIELDS = ("field_comment_close_date", "open-comment")  # read by parsers.deadlines
_NO_DOCKET = frozenset({"", "none found"})
_STATUS = {"final": Status.FINAL, "draft": Status.DRAFT}

_TITLE = "h1.content-title"
_ROOTS = ("main", "#main-content", "article", "div[role=main]")
_NOISE = ("div.field--label", "div:has(> h2.lcds-description-list__item-heading)")
_KEEP = (_TITLE, *_ROOTS, "dl", "dt")  # all a guidance page is read for (parse_html builds the soup of these only)
_DROPPED_SECTIONS = re.compile(r"submit comments:?", re.I)  # mailing-address block that changes cosmetically
# Site-wide notice that comes and goes on every page (dossier §1.3).
_SITE_NOTICE = re.compile(r"the fda began implementing a reorganization.{0,120}?updating fda\.gov content"
                          r"[^.]{0,60}\.", re.I | re.S)
_STATUS_LINE = re.compile(r"(final|draft)(?: guidance)?", re.I)
_STATUS_LOOKAHEAD = 12  # non-blank strings after the h1 searched for the Final/Draft line
_MEDIA = re.compile(r"/media/\d+/download")


# --- catalogue: search-for-guidance.json -------------------------------------------------------------------


def _plain(fragment: str) -> str:
    """An HTML fragment as one line of normalized text (tags dropped, <br> a space, entities decoded)."""
    return " ".join(normalize_text(html.unescape(_TAG.sub("", _BR.sub(" ", fragment)))).split())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def split_offices(raw: str) -> tuple[str, ...]:
    """Issuing offices: chunks split on <br> first, then on commas not followed by a space."""
    return _unique(name.strip() for chunk in _BR.split(raw) for name in _OFFICE_SEP.split(_plain(chunk)))


def split_terms(raw: str) -> tuple[str, ...]:
    """A comma-separated taxonomy field (entities decoded, <br> also separates)."""
    return _unique(term.strip() for chunk in _BR.split(raw) for term in _plain(chunk).split(","))


def _field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""


def _absolute(base: str, href: str) -> str:
    """`href` resolved against `base`; "" for a link that is not a URL at all (e.g. "http://[")."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return ""


def _links(fragment: str, base: str) -> tuple[str, ...]:
    return _unique(_absolute(base, html.unescape(m.group(2))) for m in _ANCHOR.finditer(fragment))


def _docket_value(text: str) -> str | None:
    """A docket number as written ("FDA-2017-D-6146", also "2012-D-1197"); None for "" and "None found"."""
    return None if text.lower() in _NO_DOCKET else text


def _docket(raw: str) -> str | None:
    anchor = _ANCHOR.search(raw)
    return _docket_value(_plain(anchor.group(3) if anchor else raw))


def _changed(raw: str) -> str | None:
    stamp = _TIME.search(raw)
    return html.unescape(stamp.group(2)).strip() if stamp else (_plain(raw) or None)


def _entry(record: object, index: int, base: str) -> CatalogueEntry:
    """One catalogue record; ParseError when it has no page link to key it by."""
    if not isinstance(record, dict):
        raise ParseError(f"fda catalogue: record {index} is a {type(record).__name__}, not an object")
    anchor = _ANCHOR.search(_field(record, "title"))
    url = _absolute(base, html.unescape(anchor.group(2))) if anchor else ""
    slug = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    if not slug:
        raise ParseError(f"fda catalogue: record {index} has no page link in 'title': {record.get('title')!r:.120}")
    return CatalogueEntry(
        key=slug,
        url=url,
        title=_plain(anchor.group(3)) or slug,
        status=_STATUS.get(_plain(_field(record, "field_final_guidance_1")).lower(), Status.UNKNOWN),
        issued=parse_date(_plain(_field(record, "field_issue_datetime"))),
        doc_type=_plain(_field(record, "field_communication_type")) or None,
        docket=_docket(_field(record, "field_docket_number")),
        offices=split_offices(_field(record, "field_issuing_office_taxonomy")),
        topics=_unique(t for name in _TOPIC_FIELDS for t in split_terms(_field(record, name))),
        products=split_terms(_field(record, "field_regulated_product_field")),
        attachments=_links(_field(record, "field_associated_media_2"), base),
        changed=_changed(_field(record, "changed")),
        dates=tuple((name, " ".join(_field(record, name).split())) for name in _DATE_FIELDS
                    if _field(record, name).strip()),
    )


def _records(fetched: Fetched) -> list[object]:
    """The body as a non-empty JSON array; ParseError for anything else (an HTML error page, {}, [])."""
    data = json_body(fetched, "fda catalogue")
    if not isinstance(data, list):
        raise ParseError(f"fda catalogue: expected a JSON array, got a {type(data).__name__}")
    if not data:
        raise ParseError(f"fda catalogue: {fetched.url} is an empty array (the catalogue is never empty)")
    return data


def parse_catalogue(fetched: Fetched) -> Listing:
    """The whole guidance catalogue (search-for-guidance.json) as a complete Listing."""
    entries = tuple(_entry(record, i, fetched.url) for i, record in enumerate(_records(fetched)))
    return Listing(entries=entries, complete=True)


# --- guidance detail pages and other pages ---------------------------------------------------------------


def _root_selector(soup: BeautifulSoup, url: str) -> str:
    """The first content-root selector present; ParseError when the page has none of them."""
    found = next((css for css in _ROOTS if soup.select_one(css)), None)
    if found is None:
        raise LayoutChanged(f"fda page: none of {', '.join(_ROOTS)} on {url} (page redesigned?)")
    return found


def _content(soup: BeautifulSoup, selector: str) -> Tag:
    """The main content without chrome, stamps, repeated field labels, comment-mailing block, site notice."""
    root = main_content(soup, selector, noise=_NOISE, in_place=True)
    drop_sections(root, _DROPPED_SECTIONS)
    drop_phrases(root, _SITE_NOTICE)
    return root


def _h1_title(h1: Tag) -> str:
    """The h1's leading text (its first text node); subtitle and date spans follow it."""
    lead = []
    for child in h1.children:
        if isinstance(child, Tag) and child.get_text(strip=True):
            break
        if type(child) is NavigableString:
            lead.append(str(child))
    return _plain("".join(lead)) or _plain(h1.get_text(" "))


def _facts(soup: BeautifulSoup) -> dict[str, Tag]:
    """dt label (lower-case, without the colon) → a copy of its dd with the repeated div.field--label removed."""
    facts: dict[str, Tag] = {}
    for dt in soup.find_all("dt"):
        label = _plain(dt.get_text(" ")).rstrip(":").strip().lower()
        dd = dt.find_next_sibling("dd")
        if label and isinstance(dd, Tag) and label not in facts:
            facts[label] = copy.copy(dd)
            for tag in facts[label].select("div.field--label"):
                tag.decompose()
    return facts


def _fact(facts: dict[str, Tag], *labels: str) -> Tag | None:
    return next((dd for label, dd in facts.items() if any(want in label for want in labels)), None)


def _status(h1: Tag) -> Status:
    """The "Final"/"Draft" line that follows the title."""
    seen = 0
    for string in h1.find_all_next(string=True):
        text = string.strip()
        if not text or h1 in string.parents:
            continue
        if match := _STATUS_LINE.fullmatch(text):
            return _STATUS[match.group(1).lower()]
        seen += 1
        if seen >= _STATUS_LOOKAHEAD:
            break
    return Status.UNKNOWN


def _offices(dd: Tag | None) -> tuple[str, ...]:
    """One office per div.field--item, else per line of the dd."""
    if dd is None:
        return ()
    items = [item.get_text(" ") for item in dd.select("div.field--item")] or list(dd.stripped_strings)
    return _unique(map(_plain, items))


def _issued(dd: Tag | None) -> date | None:
    if dd is None:
        return None
    stamp = dd.find("time")
    raw = stamp.get("datetime") if isinstance(stamp, Tag) else None
    return parse_date(raw if isinstance(raw, str) else _plain(dd.get_text(" ")))


def _attachments(soup: BeautifulSoup, selector: str, base: str) -> tuple[str, ...]:
    """Links to /media/<id>/download (the PDF and other files) inside the main content."""
    scope = soup.select_one(selector) or soup
    hrefs = (a.get("href") for a in scope.select('a[href*="/media/"]'))
    return _unique(_absolute(base, h) for h in hrefs if isinstance(h, str) and _MEDIA.search(h))


def parse_guidance_page(fetched: Fetched) -> Document:
    """A guidance detail page (/regulatory-information/search-fda-guidance-documents/<slug>) as a Document."""
    soup = parse_html(fetched, keep=_KEEP)
    h1 = soup.select_one(_TITLE)
    if h1 is None:
        raise LayoutChanged(f"fda guidance page: {_TITLE!r} matched nothing on {fetched.url} (page redesigned?)")
    facts = _facts(soup)
    selector = _root_selector(soup, fetched.url)
    title, status, attachments = _h1_title(h1), _status(h1), _attachments(soup, selector, fetched.url)
    document = render(fetched, soup, _content(soup, selector), title=title)
    return dataclasses.replace(
        document,
        status=status,
        issued=_issued(_fact(facts, "issue date", "date issued")),
        docket=_docket_value(_plain(docket.get_text(" "))) if (docket := _fact(facts, "docket number")) else None,
        offices=_offices(_fact(facts, "issued by")),
        attachments=attachments,
    )


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any other fda.gov page (CBER lists, consumer alerts, safety notices): main content without chrome."""
    soup = parse_html(fetched)
    h1 = soup.select_one(_TITLE)
    heading = _h1_title(h1) if h1 else None
    root = _content(soup, selector or _root_selector(soup, fetched.url))
    title = heading if heading is not None else page_title(root, soup).removesuffix(" | FDA")
    return render(fetched, soup, root, title=title)


def is_apology_redirect(url_or_location: str) -> bool:
    """True for Akamai's block page (/apology_objects/…): a block to back off from, never a missing page."""
    path = url_or_location.split("?", 1)[0].split("#", 1)[0]
    return "/apology_objects/" in path.lower()
