"""PMDA (www.pmda.go.jp): hub pages of notices (JP and EN), the news list, feeds, and pages.

Selectors follow the stored copy of the real EN regenerative page and the dossier (shared/sources §1.2): the CMS
body is `div.inner.editor` with `h2`/`h4` heads and `ul > li` notices linking `/files/<9 digits>.pdf`, link labels
carry file sizes (`Japanese[263KB]`, `[112 KB]`) that are noise. MHLW pages (filed under PMDA) go to parsers.mhlw.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError as XmlError

from bs4 import BeautifulSoup, Tag
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from regwatch.parsers import mhlw
from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.feed import NS
from regwatch.parsers.formats.html import main_content, pruned_soup, render, soup_of
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.pmda_ja import doc_type, find_numbers, jp_date, trailing_group
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ParseError
from regwatch.parsers.urls import absolute_links

EDITOR = "div.inner.editor"
_NEWS = "ul.list__news > li"
_TITLE = "div.title__block__page h1.title"
_FILE = re.compile(r"^/files/\d{9}\.(?:pdf|xlsx?|docx?|pptx?|zip)$", re.I)
SIZE = re.compile(r"\[\s*[\d.,]+\s*[KMG]B\s*\]", re.I)
_LABEL = re.compile(r"(?:japanese|english|日本語|英語版?|別添\d*|別紙\d*|pdf(?:\s*(?:ファイル|file))?|ファイル)?", re.I)
# Lists on a hub that are not notices: talks, papers, videos (their /files/ links are slides)
_DATED = re.compile(r"(?:[A-Z][a-z]{2,8}\.?\s+(?:\d{1,2},\s*)?\d{4}|(?:令和|平成|昭和|\d{4})[^。]{0,12}年)")
_NOT_NOTICES = re.compile(r"^(?:presentations?|publications?|learning videos?|講演|発表|論文|学会)", re.I)
_EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)")
_EN_META = re.compile(r",?\s*(?:(?:\b[A-Z][A-Za-z]*(?:/ ?[A-Z][A-Za-z]*)*\s+)?(?:Notification|Ordinances?)\s+No"
                      r"|(?:[A-Z]{2,}[A-Za-z/]*(?:,\s*[A-Z]{2,}[A-Za-z/]*)*\s+)?Administrative Notice"
                      r"|PMDA Science Board)")
_HEADINGS = ("h2", "h3", "h4")


def parse_html(fetched: Fetched, keep: tuple[str, ...] = ()) -> BeautifulSoup:
    """The response as a soup, decoded with the Japanese encodings as hints (see parsers.mhlw.parse_html)."""
    return mhlw.parse_html(fetched, keep)


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).split())


def notice_key(title: str, url: str, taken: dict[str, CatalogueEntry]) -> str:
    """A listed notice's identity: its title, which outlives the file ids PMDA and MHLW give each upload (a revised
    PDF under a new id is a change of the same notice); title and path when two notices share a title."""
    return title if title not in taken else f"{title} {path_key(url)}"


def path_key(url: str) -> str:
    """A page's identity: its path and query, whatever host or scheme served it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- hub pages: ul > li notices and Issue Date tables -------------------------------------------------------


def _own(li: Tag) -> Tag:
    """A copy of the item without its nested lists (they are notices of their own)."""
    own = copy.copy(li)
    for nested in own.find_all(["ul", "ol"]):
        nested.decompose()
    return own


def _files(scope: Tag, base: str) -> list[str]:
    hrefs = (a.get("href") for a in scope.find_all("a", href=True))
    urls = absolute_links(base, hrefs)
    return list(dict.fromkeys(u for u in urls if _FILE.match(urlsplit(u).path)))


def item_text(own: Tag) -> str:
    """The item's words: language/file-label links (`Japanese[263KB]`), size labels and empty brackets dropped."""
    for a in own.find_all("a"):
        if _LABEL.fullmatch(SIZE.sub("", a.get_text()).strip()):
            a.decompose()
    return _plain(_EMPTY_BRACKETS.sub(" ", SIZE.sub(" ", own.get_text(" "))))


def split_title(text: str) -> tuple[str, str]:
    """(title, the part naming date, number and type): JP `題（2014年（平成26年）8月12日 薬食発0812第30号）`,
    EN `Title, PFSB Notification No. 0812-30, 2014.`."""
    title, meta = trailing_group(text)
    if meta:
        return title, meta
    found = _EN_META.search(text)
    if found and found.start() > 0:
        return text[:found.start()].rstrip(" ,"), text[found.start():].lstrip(" ,")
    return text, ""


def _after_break(li: Tag) -> tuple[Tag, str]:
    """The item up to its first <br> and the text after it (the date and number, on the EN hubs), else the item
    and the text of a `p.ml20` that follows its list when it is the list's last item (the other EN form)."""
    own = _own(li)
    br = own.find("br")
    if br is not None:
        tail = []
        for node in list(br.next_siblings):
            tail.append(node.get_text("\n") if isinstance(node, Tag) else str(node))
            node.extract()
        br.decompose()
        return own, _plain(" ".join(tail))
    parent = li.parent
    follower = parent.find_next_sibling() if parent is not None and parent.name in ("ul", "ol") else None
    last = parent.find_all("li", recursive=False)[-1] if parent is not None else None
    if last is li and isinstance(follower, Tag) and follower.name == "p" and "ml20" in (follower.get("class") or []):
        return own, _plain(follower.get_text(" "))
    return own, ""


def _entry(text: str, files: list[str], topics: tuple[str, ...], after: str = "") -> CatalogueEntry:
    """An entry from the item's words and, when it starts with a date, the text after its break (else that text
    is part of the item, e.g. "Note: Latest partial revision …")."""
    if after and not _DATED.match(after):
        text, after = f"{text} {after}", ""
    title, meta = (text, after) if after else split_title(text)
    numbers = find_numbers(meta.split("Note:")[0])
    return CatalogueEntry(key=title or text, url=files[0], title=title or text,
                          issued=jp_date(meta) if meta else None, doc_type=doc_type(meta) if meta else None,
                          number=(", " if numbers and numbers[0].isascii() else " ").join(numbers) or None,
                          topics=topics, attachments=tuple(files[1:]))


def _row(tr: Tag, columns: list[str], base: str, topics: tuple[str, ...]) -> CatalogueEntry | None:
    cells = {name: td for name, td in zip(columns, tr.find_all("td"), strict=False)}
    files = _files(tr, base)
    if not files:
        return None
    kind = _plain(cells["type"].get_text("\n")) if "type" in cells else ""
    if "title" not in cells:  # a JP table whose links read only "PDFファイル[317 KB]": the row names the notice
        return _entry(item_text(copy.copy(tr)), files, topics)
    numbers = find_numbers(kind)
    lines = cells["subject"].get_text("\n").split("\n") if "subject" in cells else []
    subject = tuple(_plain(s) for s in lines if _plain(s))
    title = _plain(cells["title"].get_text(" "))
    return CatalogueEntry(key=title, url=files[0], title=title,
                          issued=parse_date(_plain(cells["date"].get_text(" "))) if "date" in cells else None,
                          doc_type=doc_type(kind), number=", ".join(numbers) or None,
                          topics=topics + tuple(t.rstrip(",") for t in subject), attachments=tuple(files[1:]))


def _columns(table: Tag) -> list[str]:
    names = {"issue date": "date", "document type": "type", "title": "title", "subject": "subject"}
    heads = [_plain(th.get_text(" ")).lower() for th in table.select("thead th, tr th")]
    return [next((v for k, v in names.items() if h.startswith(k)), h) for h in heads]


def parse_notices(fetched: Fetched, soup: BeautifulSoup) -> Listing:
    """Every notice of a hub page (JP 関連通知, EN Related Guidelines, EN Issue Date tables), keyed by its title."""
    root = soup.select_one(EDITOR)
    if root is None:
        raise ParseError(f"pmda hub: {EDITOR!r} matched nothing on {fetched.url} (page redesigned?)")
    path: list[tuple[int, str]] = []
    entries: dict[str, CatalogueEntry] = {}
    for node in root.find_all(["h2", "h3", "h4", "li", "table"]):
        if node.name in _HEADINGS:
            level = int(node.name[1])
            path = [(lv, t) for lv, t in path if lv < level] + [(level, _plain(node.get_text(" ")))]
            continue
        topics = tuple(t for _, t in path)
        if path and _NOT_NOTICES.match(path[-1][1]):
            continue
        if node.name == "table":
            columns = _columns(node)
            rows = (_row(tr, columns, fetched.url, topics) for tr in node.select("tbody tr") or node.find_all("tr"))
            found = [e for e in rows if e is not None]
        elif files := _files(_own(node), fetched.url):
            own, after = _after_break(node)
            found = [_entry(item_text(own), files, topics, after)]
        else:
            found = []
        for entry in found:
            if not any(e.url == entry.url for e in entries.values()):
                key = notice_key(entry.key, entry.url, entries)
                entries[key] = dataclasses.replace(entry, key=key)
    if not entries:
        raise ParseError(f"pmda hub: no notice links /files/ in {EDITOR} on {fetched.url}")
    return Listing(entries=tuple(entries.values()), complete=True)


# --- the news list (新着情報) and feeds -------------------------------------------------------------------------


def parse_news(fetched: Fetched, soup: BeautifulSoup) -> Listing:
    """`ul.list__news > li`: a link wrapping p.date (2025年10月7日), p.category (審査, 安全, 採用 …) and p.title."""
    entries = []
    for li in soup.select(_NEWS):
        link = li.select_one("a[href]")
        title = li.select_one("p.title")
        if link is None or title is None:
            raise ParseError(f"pmda news: an item without a link or p.title on {fetched.url}")
        url = urljoin(fetched.url, str(link["href"]).strip())
        date_el, category = li.select_one("p.date"), li.select_one("p.category")
        entries.append(CatalogueEntry(key=path_key(url), url=url, title=_plain(title.get_text(" ")),
                                      issued=jp_date(date_el.get_text()) if date_el else None,
                                      topics=(_plain(category.get_text()),) if category else ()))
    if not entries:
        raise ParseError(f"pmda news: {_NEWS!r} matched nothing on {fetched.url}")
    return Listing(entries=tuple(entries), complete=False)


def _channel_origin(fetched: Fetched) -> str | None:
    try:
        root = fromstring(fetched.body, forbid_dtd=True)
    except (XmlError, DefusedXmlException, ValueError):
        return None
    link = root.find("rss1:channel/rss1:link", NS)
    if link is None:
        link = root.find("channel/link")
    parts = urlsplit((link.text or "").strip()) if link is not None else None
    return f"{parts.scheme}://{parts.netloc}" if parts and parts.netloc else None


def localize_feed(listing: Listing, fetched: Fetched) -> Listing:
    """Feed items keyed by path; links under the feed's own site (its channel link) follow the origin the feed
    was fetched from (the same in production; a mirror or a proxy otherwise)."""
    own, parts = _channel_origin(fetched), urlsplit(fetched.url)
    here = f"{parts.scheme}://{parts.netloc}"
    entries = []
    for entry in listing.entries:
        url = here + entry.url[len(own):] if own and entry.url.startswith(own + "/") else entry.url
        tag = re.match(r"\[([^\]]+)\]", entry.title)  # PMDA titles start with their category: [審査], [安全]
        entries.append(dataclasses.replace(entry, key=path_key(url), url=url,
                                           topics=entry.topics + ((tag.group(1),) if tag else ())))
    return dataclasses.replace(listing, entries=tuple(entries))


def parse_catalogue(fetched: Fetched) -> Listing:
    """A listing page by the template it has: PMDA news list, PMDA hub, else an MHLW listing."""
    soup = parse_html(fetched)
    if soup.select_one("ul.list__news"):
        return parse_news(fetched, soup)
    if soup.select_one(EDITOR):
        return parse_notices(fetched, soup)
    return mhlw.parse_listing(fetched, soup)


# --- pages -----------------------------------------------------------------------------------------------------


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """A PMDA page: the editor body without chrome and size labels, the h1 title, the /files/ links as
    attachments. A page without the PMDA template (the MHLW ones) goes to parsers.mhlw."""
    page = mhlw.markup(fetched)
    pruned = None if selector else pruned_soup(page, ("div.title__block__page", EDITOR, "main"))
    soup = pruned if pruned is not None else soup_of(page)
    h1 = soup.select_one(_TITLE)
    if h1 is None and not soup.select_one(EDITOR):  # MHLW templates: the whole page
        return mhlw.parse_soup(fetched, soup if pruned is None else soup_of(page), selector)
    title = _plain(h1.get_text(" ")) if h1 else ""
    root = main_content(soup, selector or (EDITOR if soup.select_one(EDITOR) else "main"), in_place=True)
    mhlw.drop_sizes(root)
    document = render(fetched, soup, root, title=title)
    return dataclasses.replace(document, attachments=tuple(_files(root, fetched.url)))


def parse_guidance_page(fetched: Fetched) -> Document:
    """A notice's page (PMDA or MHLW); notices themselves are mostly PDFs, parsed by parsers.pmda_ja."""
    return parse_page(fetched)
