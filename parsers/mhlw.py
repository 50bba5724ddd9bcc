"""MHLW (www.mhlw.go.jp) pages filed under PMDA: the 報道発表 lists (paged by month), the 再生医療 hub, press
releases, 法令等データベース notices (t_doc) and old Shift_JIS pages.

Selectors follow public scrapers (shared/sources §1.2): `ul.m-listNews > li > a` with `div > time` + `span`,
month archives `ul.m-listLinkMonth > li > a` (houdou_list_YYYYMM.html), `p.m-boxInfo__date > time[datetime]`,
`div.l-contentMain`, PDFs under `/content/<dept>/<9 digits>.pdf`. Pages are decoded with Japanese encodings as
hints: older MHLW pages are Shift_JIS and some say nothing (or something wrong) about it.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.formats.html import drop_noise, render, soup_of
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.pmda_ja import arabic, doc_type, find_numbers, jp_date, trailing_group
from regwatch.parsers.selectors import checked
from regwatch.parsers.sizes import strip_size_labels
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ParseError
from regwatch.parsers.urls import absolute_links

HINTS = ("cp932", "euc_jp")
MAIN = "div.l-contentMain"
_NEWS = "ul.m-listNews > li"
_MONTHS = "ul.m-listLinkMonth a[href]"
_MONTH = re.compile(r"(\d{6})\.html$")
_NUMBERED = re.compile(r"^\d+(?:[−\-‐－]\d+)*\.\s*")
_SIZE = re.compile(r"\[\s*[\d.,]+\s*[KMG]B\s*\]", re.I)
_ISSUER = re.compile(r"(?:号|日)\s*(厚生労働省[^()、]*?(?:局長|課長|室長|大臣))(?:通知)?$")
_ADDRESSEE = re.compile(r"あて(厚生労働省[^()]*?(?:局長|課長|室長|大臣))")
_STF_NOISE = ("div.m-boxInfo", "div.m-boxReader", "span.m-icoSize", "p.m-pageTop", "div.l-contentSub")
_LINKED = re.compile(r"^/(?:content/.+\.pdf|web/t_doc|stf/|shingi/|topics/)", re.I)


def parse_html(fetched: Fetched, keep: tuple[str, ...] = ()) -> BeautifulSoup:
    """The response as a soup (`keep`: see soup_of); ParseError for an error status or an empty body."""
    return soup_of(markup(fetched), keep)


def markup(fetched: Fetched) -> str:
    """The response decoded (the Japanese encodings as hints); ParseError for an error status or an empty body."""
    require_body(fetched, "html")
    return decode_html(fetched.body, fetched.header("Content-Type"), hints=HINTS)


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).split())


def _key(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- listings --------------------------------------------------------------------------------------------------


def _link_text(a: Tag) -> str:
    a = copy.copy(a)
    for noise in a.select("time, span.m-listNews__category, span.m-icoSize, img"):
        noise.decompose()
    return strip_size_labels(_plain(_SIZE.sub(" ", a.get_text(" "))))


def _item(a: Tag, base: str, topics: tuple[str, ...]) -> CatalogueEntry:
    url = urljoin(base, str(a["href"]).strip())
    title, meta = trailing_group(_NUMBERED.sub("", _link_text(a)))
    stamp, category = a.select_one("time"), a.select_one("span.m-listNews__category")
    posted = _plain(stamp.get_text()) if stamp else None
    issuer = _ISSUER.search(meta) if meta else None
    return CatalogueEntry(key=_key(url), url=url, title=title, issued=jp_date(meta) or jp_date(posted),
                          doc_type=doc_type(meta) if meta else None, number=" ".join(find_numbers(meta)) or None,
                          offices=(issuer.group(1),) if issuer else (),
                          topics=topics + ((_plain(category.get_text()),) if category else ()), changed=posted)


def _next_month(fetched: Fetched, soup: BeautifulSoup, entries: list[CatalogueEntry]) -> str | None:
    """The archive of the month before this page's (houdou_list_202603.html after index.html showing April)."""
    here = _MONTH.search(urlsplit(fetched.url).path)
    dated = [e.issued for e in entries if e.issued]
    current = here.group(1) if here else (max(dated).strftime("%Y%m") if dated else None)
    links = {m.group(1): urljoin(fetched.url, str(a["href"])) for a in soup.select(_MONTHS)
             if (m := _MONTH.search(str(a["href"])))}
    older = sorted((month for month in links if current and month < current), reverse=True)
    return links[older[0]] if older else None


def parse_listing(fetched: Fetched, soup: BeautifulSoup) -> Listing:
    """報道発表 lists (paged by month, never complete) or a policy hub such as 再生医療について (complete)."""
    root = soup.select_one(MAIN)
    if root is None:
        raise ParseError(f"mhlw listing: {MAIN!r} matched nothing on {fetched.url} (page redesigned?)")
    if soup.select_one("ul.m-listLinkMonth"):
        entries = [_item(a, fetched.url, ()) for li in root.select(_NEWS) if (a := li.select_one("a[href]"))]
        if not entries:
            raise ParseError(f"mhlw news list: {_NEWS!r} matched nothing on {fetched.url}")
        return Listing(entries=tuple(entries), complete=False, next_page=_next_month(fetched, soup, entries))
    return parse_hub(fetched, root)


def parse_hub(fetched: Fetched, root: Tag) -> Listing:
    """Every linked notice of a policy page, under the path of h2/h3 heads above it (重要なお知らせ, 1.…), keyed by
    its title (file ids change with each upload; see parsers.pmda.notice_key)."""
    path: list[tuple[int, str]] = []
    entries: dict[str, CatalogueEntry] = {}
    for node in root.find_all(["h2", "h3", "li"]):
        if node.name in ("h2", "h3"):
            level = int(node.name[1])
            path = [(lv, t) for lv, t in path if lv < level] + [(level, _plain(node.get_text(" ")))]
            continue
        a = node.find("a", href=True)
        if a is not None and _LINKED.match(urlsplit(urljoin(fetched.url, str(a["href"]))).path):
            entry = _item(a, fetched.url, tuple(t for _, t in path))
            if not any(e.url == entry.url for e in entries.values()):
                key = entry.title if entry.title not in entries else f"{entry.title} {entry.key}"
                entries[key] = dataclasses.replace(entry, key=key)
    if not entries:
        raise ParseError(f"mhlw hub: no linked notice in {MAIN} on {fetched.url}")
    return Listing(entries=tuple(entries.values()), complete=True)


# --- pages -----------------------------------------------------------------------------------------------------


def drop_sizes(root: Tag) -> None:
    """Remove file-size labels ([291KB], [1,024KB]) from the text: they change without the document changing."""
    for string in root.find_all(string=_SIZE):
        string.replace_with(_SIZE.sub("", str(string)))


def _attachments(root: Tag, base: str) -> tuple[str, ...]:
    urls = absolute_links(base, (a["href"] for a in root.find_all("a", href=True)))
    return tuple(dict.fromkeys(u for u in urls if urlsplit(u).path.lower().endswith(".pdf")))


def _stf(fetched: Fetched, soup: BeautifulSoup, root: Tag) -> Document:
    """A press release or policy page: date from p.m-boxInfo__date time[datetime], title from the h1."""
    stamp = root.select_one("p.m-boxInfo__date time")
    content = copy.copy(root)
    drop_noise(content, _STF_NOISE)
    drop_sizes(content)
    for p in content.select("p.m-txtM"):
        if "報道関係者" in p.get_text():
            p.decompose()
    h1 = content.select_one("h1")
    document = render(fetched, soup, content, title=_plain(h1.get_text(" ")) if h1 else "")
    issued = jp_date(stamp.get("datetime") or stamp.get_text()) if stamp else None  # type: ignore[arg-type]
    return dataclasses.replace(document, issued=issued, attachments=_attachments(content, fetched.url))


def _notice(fetched: Fetched, soup: BeautifulSoup, root: Tag) -> Document:
    """A 通知 as the 法令等データベース (t_doc) or an old page prints it: ○title, (date), (number), (あて…通知)."""
    content = copy.copy(root)
    drop_noise(content)
    drop_sizes(content)
    lines = [_plain(p.get_text(" ")) for p in content.find_all(["p", "b"]) if _plain(p.get_text(" "))]
    at = next((i for i, ln in enumerate(lines) if ln.startswith("○")), -1)
    title = lines[at].lstrip("○") if at >= 0 else ""
    head = " ".join(ln for ln in lines[at + 1:at + 5] if ln.startswith(("(", "（")))
    addressee = _ADDRESSEE.search(arabic(head))
    document = render(fetched, soup, content, title=title)
    return dataclasses.replace(document, issued=jp_date(head), number=" ".join(find_numbers(head)) or None,
                               doc_type=doc_type(head), offices=(addressee.group(1),) if addressee else (),
                               attachments=_attachments(content, fetched.url))


def parse_soup(fetched: Fetched, soup: BeautifulSoup, selector: str | None = None) -> Document:
    """An MHLW page by its template: stf (div.l-contentMain), t_doc (div#contents), or an old page (body)."""
    if selector:
        root = soup.select_one(checked(selector))
        if root is None:
            raise ParseError(f"mhlw page: selector {selector!r} matched nothing on {fetched.url}")
    else:
        root = soup.select_one(MAIN) or soup.select_one("div#contents") or soup.body
    if root is None:
        raise ParseError(f"mhlw page: no body on {fetched.url}")
    if root.select_one("p.m-boxInfo__date") or root.select_one("h1.m-hdgLv1__hdg"):
        return _stf(fetched, soup, root)
    return _notice(fetched, soup, root)


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any MHLW page (see parse_soup)."""
    return parse_soup(fetched, parse_html(fetched), selector)
