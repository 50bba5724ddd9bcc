"""EMA (www.ema.europa.eu): guideline pages with their file cards, listing pages (CAT agendas and minutes),
and — from parsers.ema_catalogue — the documents JSON catalogue and the RSS feeds.

The structure follows shared/sources/fda-ema.md §2.3: everything outside `main.main-content-wrapper` is chrome;
documents are `div.bcl-file[data-ema-document-type]` cards under "Current effective version" (or "Current
version") and "Document history"; their date and reference classes are glued to `fw-normal`, so values are found
by their label text, never by class.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from regwatch.parsers.ema_catalogue import ema_date, parse_catalogue, parse_feed, same_site, status_of
from regwatch.parsers.formats.html import (
    cleanable,
    drop_noise,
    drop_phrases,
    drop_sections,
    page_title,
    parse_html,
    render,
)
from regwatch.parsers.formats.scan import select
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.selectors import checked
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, LayoutChanged, Listing, ParseError

__all__ = ["parse_catalogue", "parse_feed", "parse_guidance_page", "parse_listing", "parse_page", "parse_cards"]

MAIN = "main.main-content-wrapper"
CARD = "[data-ema-document-type]"
_WRAPPER = "ema-file-wrapper"  # the card's frame, replaced with it
_NOISE = (".bcl-inpage-navigation", "[class*=ema-bg-]", ".language-meta", ".file-language-links",
          "[class*=social-media-share]", "[class*=feedback]", ".pager", ".pagination")
# The maintenance/outage banner (a whole sentence), the feedback widget and the share links, by their words.
_PHRASES = re.compile(r"(?:on \w+day,? )?[^.]{0,120}?website will be unavailable due to (?:scheduled )?maintenance"
                      r"[^.]{0,40}\.?|how useful (?:do you find|was) this page\??|share this page", re.I)
_DROPPED = re.compile(r"related content|how useful (?:do you find|was) this page\??", re.I)
_STATUS = re.compile(r"adopted|draft(?::\s*consultation (?:open|closed))?|under consultation|withdrawn|"
                     r"superseded|under revision", re.I)
_CURRENT = re.compile(r"current(?: effective)? version\b.*|document history\s*-.*\(current\)", re.I)
_HISTORY = re.compile(r"document history\b.*", re.I)
_LABELS = {"reference number": "number", "first published": "first_published", "last updated": "last_updated",
           "legal effective date": "effective", "consultation dates": "consultation"}


@dataclass(frozen=True)
class Card:
    """One `bcl-file` card as the page shows it."""

    doc_type: str
    title: str
    url: str | None
    status: str = ""
    number: str | None = None
    first_published: date | None = None
    last_updated: date | None = None
    shown: tuple[tuple[str, str], ...] = ()  # (label, value as printed), in page order
    current: bool = False

    def lines(self) -> list[str]:
        """The card's metadata as text lines: title, status, then each labelled value."""
        return [self.title, *([self.status] if self.status else []), *(f"{k}: {v}" for k, v in self.shown)]


def _clean(text: str) -> str:
    return " ".join(normalize_text(text).split())


def _label_values(card: Tag) -> list[tuple[str, Tag]]:
    """(label text without the colon, the element holding the value) for every `.label` in the card."""
    pairs = []
    for label in card.select(".label"):
        holder = label.parent if isinstance(label.parent, Tag) else None
        if holder is None:
            continue
        value = holder.select_one(".value") or holder
        pairs.append((_clean(label.get_text(" ")).rstrip(":").strip(), value))
    return pairs


def _value_text(value: Tag) -> str:
    """The value as printed, without its label (a `.value` span, or the holder when there is none)."""
    shown = copy.copy(value)
    for tag in shown.select(".label"):
        tag.decompose()
    return _clean(shown.get_text(" "))


def _first_date(value: Tag) -> date | None:
    stamp = value.find("time")
    attr = stamp.get("datetime") if isinstance(stamp, Tag) else None
    return ema_date(attr if isinstance(attr, str) else _value_text(value).split(" to ")[0])


def _href(card: Tag, base: str) -> str | None:
    """The English file: the first link to a `_en.pdf` (or any /documents/ link) in the card."""
    links = [a.get("href") for a in card.select("a[href]")]
    links = [h for h in links if isinstance(h, str)]
    best = next((h for h in links if h.endswith("_en.pdf")), None) or next((h for h in links if "/documents/" in h),
                                                                           None)
    return _absolute(best, base) if best else None


def _absolute(href: str, base: str) -> str | None:
    """`href` resolved on the fetched host; None for a link that is no URL at all (e.g. "http://[")."""
    try:
        return same_site(urljoin(base, href.strip()), base)
    except ValueError:
        return None


def _is_current(card: Tag) -> bool:
    heading = card.find_previous(["h2", "h3"])
    return bool(heading and _CURRENT.fullmatch(_clean(heading.get_text(" "))))


def _card(tag: Tag, base: str) -> Card:
    title = tag.select_one(".file-title")
    if title is None or not _clean(title.get_text(" ")):
        raise ParseError(f"ema page: a {CARD} card without .file-title on {base} (cards redesigned?)")
    labelled = [(label, value) for label, value in _label_values(tag) if label.lower() in _LABELS]
    values = {_LABELS[label.lower()]: value for label, value in labelled}
    shown = tuple((label, _value_text(value)) for label, value in labelled)
    skip = {_clean(s) for lab in tag.select(".label") for s in lab.stripped_strings}
    status = next((_clean(s) for s in tag.stripped_strings if _clean(s) not in skip and _STATUS.fullmatch(_clean(s))),
                  "")
    return Card(doc_type=str(tag.get("data-ema-document-type") or ""), title=_clean(title.get_text(" ")),
                url=_href(tag, base), status=status,
                number=_value_text(values["number"]) if "number" in values else None,
                first_published=_first_date(values["first_published"]) if "first_published" in values else None,
                last_updated=_first_date(values["last_updated"]) if "last_updated" in values else None,
                shown=shown, current=_is_current(tag))


def _outer_cards(root: Tag) -> list[Tag]:
    """Cards not nested in another card (a wrapper may carry the attribute too)."""
    found = select(root, (CARD,))
    ids = {id(tag) for tag in found}
    return [tag for tag in found if not any(id(parent) in ids for parent in tag.parents)]


def parse_cards(soup: BeautifulSoup | Tag, base: str) -> list[Card]:
    """Every file card in `soup`, in page order."""
    return [_card(tag, base) for tag in _outer_cards(soup)]


def _main(soup: BeautifulSoup, selector: str | None, url: str) -> Tag:
    wanted = checked(selector) if selector else MAIN
    found = soup.select_one(wanted)
    if found is None:
        raise LayoutChanged(f"ema page: {wanted!r} matched nothing on {url} (page redesigned?)")
    return found


def _content(soup: BeautifulSoup, main: Tag, cards: list[Card]) -> Tag:
    """The main content (cleaned in place when nothing else reads it) with each card replaced by its metadata
    lines, then without chrome and noise."""
    wrapped = any(_WRAPPER in (tag.get("class") or ()) for tag in (main, *main.parents))
    root = copy.copy(main) if wrapped else cleanable(soup, main, _NOISE)  # a card's wrapper is found inside the root
    for tag, card in zip(_outer_cards(root), cards, strict=True):
        block = soup.new_tag("div")
        for line in card.lines():
            para = soup.new_tag("p")
            para.string = line
            block.append(para)
        (tag.find_parent(class_=_WRAPPER) or tag).replace_with(block)
    drop_noise(root, _NOISE)
    drop_sections(root, _DROPPED)
    drop_phrases(root, _PHRASES)
    return root


def _document(fetched: Fetched, selector: str | None, need_cards: bool) -> Document:
    soup = parse_html(fetched, keep=() if selector else (MAIN,))  # everything read is in MAIN (and <head>)
    main = _main(soup, selector, fetched.url)
    cards = parse_cards(main, fetched.url)
    if need_cards and not cards:
        raise LayoutChanged(f"ema guideline page: no {CARD} file card on {fetched.url} (page redesigned?)")
    heading = main.find(["h2", "h3"], string=lambda s: bool(s and _CURRENT.fullmatch(_clean(s))))
    if heading is not None and not any(c.current for c in cards):
        raise ParseError(f"ema guideline page: nothing under {_clean(heading.get_text())!r} on {fetched.url}")
    h1 = main.find("h1")
    heading = _clean(h1.get_text(" ")) if isinstance(h1, Tag) else None
    root = _content(soup, main, cards)
    title = heading if heading is not None else page_title(root, soup)
    lead = next((c for c in cards if c.current), cards[0] if cards else None)
    attachments = [c.url for c in sorted(cards, key=lambda c: not c.current) if c.url]
    document = render(fetched, soup, root, title=title.removesuffix(" | European Medicines Agency (EMA)"))
    if lead is None:
        return document
    return dataclasses.replace(document, status=status_of(lead.status), number=lead.number, issued=lead.first_published,
                               doc_type=lead.doc_type or None, attachments=tuple(dict.fromkeys(attachments)))


def parse_guidance_page(fetched: Fetched) -> Document:
    """A scientific guideline page (`/en/<slug>-scientific-guideline`): summary + the cards' metadata as text,
    the card PDFs as attachments (current version first), status, number and date from the current card."""
    return _document(fetched, None, need_cards=True)


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any EMA page: `main.main-content-wrapper` (or `selector`) without chrome; file cards handled as above."""
    return _document(fetched, selector, need_cards=False)


def _next_page(main: Tag, url: str) -> str | None:
    link = main.select_one('.pagination a[rel~="next"], .pager a[rel~="next"]')
    href = link.get("href") if isinstance(link, Tag) else None
    return _absolute(href, url) if isinstance(href, str) and href.strip() else None


def parse_listing(fetched: Fetched) -> Listing:
    """A page listing documents as file cards (the CAT page's agendas and minutes): one entry per card, keyed
    by its PDF URL, and the next page from the Drupal pager (`?page=,N,0`). Never complete (paged)."""
    soup = parse_html(fetched)
    main = _main(soup, None, fetched.url)
    cards = [c for c in parse_cards(main, fetched.url) if c.url]
    if not cards:
        raise ParseError(f"ema listing: no {CARD} card with a file link on {fetched.url} (page redesigned?)")
    entries = tuple(CatalogueEntry(key=c.url, url=c.url, title=c.title, status=status_of(c.status), number=c.number,
                                   issued=c.first_published, doc_type=c.doc_type or None,
                                   topics=(c.doc_type,) if c.doc_type else (),
                                   changed=c.last_updated.isoformat() if c.last_updated else None)
                    for c in cards if c.url)
    return Listing(entries=entries, complete=False, next_page=_next_page(main, fetched.url))
