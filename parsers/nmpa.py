"""NMPA: the Chinese site www.nmpa.gov.cn (TRS CMS) and the English site english.nmpa.gov.cn (China Daily CMS);
CDE's guideline database is parsed in `parsers.cde`. `parse_catalogue` and `parse_guidance_page` tell the three
apart by their markup, so a mirror on another host parses exactly like the real sites.

Structure per shared/sources/pmda-mfds-nmpa.md §3.2 and the stored pages named in mirror/sites/nmpa*/README.md.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import unicodedata
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from regwatch.parsers import cde
from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.formats.html import main_content, page_title, render, soup_of
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, LayoutChanged, Listing, ParseError
from regwatch.parsers.urls import absolute_links

HINTS = ("gb18030",)  # what Chinese pages without (or with a wrong) charset declaration are in
ALIAS = "/directory/web/nmpa"  # the same page is linked as /directory/web/nmpa/xxgk/… and /xxgk/…
IMAGES = "/directory/web/nmpa/images/"  # attachments: <base64 of the GBK file name>.<ext> or <digits>.<ext>
FILE_SUFFIXES = (".doc", ".docx", ".pdf", ".xls", ".xlsx", ".zip", ".rar", ".wps", ".et")
_CN_TEXT = ("div.text", "#zoom", "div.TRS_Editor")
_CN_NOISE = (".share", ".print-close")
# What the article parsers (and cde.parse_detail) read besides <head>: the soup is built of these only
_ARTICLE_KEEP = (".new_detail_content", ".new_detail_title", ".new_detail_box", 'a[href*="downloadAtt"]', "div.art",
                 *_CN_TEXT, "h2.title", "div.date")
# 文号 at the end of a title: （2021年第62号）, （国卫办科教发〔2015〕46号）, (No. 134, 2025), ([2025] No. 86)
_NUMBER = re.compile(r"[（(]\s*([^（）()]{0,30}?(?:第\s*\d+\s*号|〔\d{4}〕\s*\d+\s*号))\s*[）)]\s*$"
                     r"|\(\s*((?:\[\d{4}\]\s*)?No\.\s*\d+(?:,\s*\d{4})?)\s*\)\s*$")
_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_BRACKETS = "()（）[]【】 "
_NEXT = ("下一页", "下页", "next", ">")
_TOTAL_PAGES = re.compile(r"共\s*([\d,]+)\s*页")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).split())


def number_of(title: str) -> str | None:
    """The document number a title ends with, as written (e.g. "2021年第62号", "No. 134, 2025")."""
    match = _NUMBER.search(normalize_text(title))
    return next((g.strip() for g in match.groups() if g), None) if match else None


def canonical_url(url: str) -> str:
    """The URL without the /directory/web/nmpa alias (attachments under …/images/ keep it) and fragment."""
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(ALIAS + "/") and not path.startswith(IMAGES):
        path = path[len(ALIAS):]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def document_key(url: str) -> str:
    """A document's identity: its canonical path (and query), the same on the real host and on a mirror."""
    parts = urlsplit(canonical_url(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def attachment_name(url: str) -> str | None:
    """The original file name of an attachment: base64 of its GBK bytes, extension included, e.g.
    …/images/z7iw+9bO…LmRvY3g=.docx → "细胞治疗产品研究与评价技术指导原则（试行）.docx"; None for numeric names."""
    path = unquote(urlsplit(url).path)
    if IMAGES not in path:
        return None
    stem, dot, ext = path.split(IMAGES, 1)[1].rpartition(".")
    if not dot or not stem or stem.isdigit():
        return None
    for altchars in (b"+/", b"-_"):
        try:
            raw = base64.b64decode(stem + "=" * (-len(stem) % 4), altchars=altchars, validate=True)
            name = unicodedata.normalize("NFC", raw.decode("gb18030"))
        except (binascii.Error, ValueError):
            continue
        if name.lower().endswith("." + ext.lower()) and name.isprintable():
            return name
    return None


def _soup(fetched: Fetched, keep: tuple[str, ...] = ()) -> BeautifulSoup:
    require_body(fetched, "nmpa")
    return soup_of(decode_html(fetched.body, fetched.header("Content-Type"), hints=HINTS), keep)


def _same_site(url: str, base: str) -> bool:
    return urlsplit(url).netloc == urlsplit(base).netloc


def _date(tag: Tag | None):  # type: ignore[no-untyped-def]
    return parse_date(_plain(tag.get_text(" ")).strip(_BRACKETS)) if tag is not None else None


def _entries(rows: list[tuple[Tag, Tag | None]], base: str) -> tuple[CatalogueEntry, ...]:
    """(link, date element) pairs as entries, keyed by canonical path; off-site links (WeChat reposts) are left
    out, and a page linked twice (with and without the alias) is one entry."""
    found: dict[str, CatalogueEntry] = {}
    for link, when in rows:
        href = link.get("href")
        url = canonical_url(urljoin(base, href)) if isinstance(href, str) and href.strip() else ""
        full = link.get("title")
        title = _plain(full if isinstance(full, str) and full.strip() else link.get_text(" "))
        if not url.startswith(("http://", "https://")) or not _same_site(url, base) or not title:
            continue
        found.setdefault(document_key(url), CatalogueEntry(key=document_key(url), url=url, title=title,
                                                           issued=_date(when), number=number_of(title)))
    if not found:
        raise ParseError(f"nmpa list: no usable rows on {base} (page redesigned?)")
    return tuple(found.values())


def _cn_listing(fetched: Fetched, soup: BeautifulSoup) -> Listing:
    """A TRS column page: `div.list ul li` (a + span date, "(2025-10-14)" or "（2025-10-14）"); links may be
    relative (../../xxgk/…). Pages index.html, index_1.html, … by the static pager `div.gray` (下一页) or by a
    `createPageHTML(...)` script; a pager that is there but cannot be read is said, never passed over."""
    rows = [(a, li.find("span")) for li in soup.select("div.list ul li") if (a := li.find("a", href=True))]
    if not rows:
        raise ParseError(f"nmpa list: 'div.list ul li a' matched nothing on {fetched.url} (page redesigned?)")
    next_page, note = _cn_next_page(fetched.url, soup)
    return Listing(entries=_entries(rows, fetched.url), complete=False, next_page=next_page,
                   notes=(note,) if note else ())


def _cn_next_page(url: str, soup: BeautifulSoup) -> tuple[str | None, str | None]:
    """(next page URL, None), (None, None) on the last page, or (None, why) when the pager cannot be read."""
    script = _PAGER.search(str(soup))
    if script:
        if int(script.group(2)) + 1 < int(script.group(1)):
            return urljoin(url, f"{script.group(3)}_{int(script.group(2)) + 1}.{script.group(4)}"), None
        return None, None
    static = soup.select_one("div.gray, div.page, div.pages")
    if static is None:
        return None, "no pager found (neither div.gray nor createPageHTML); only this page was read"
    forward = next((a for a in static.find_all("a", href=True) if _plain(a.get_text()) in _NEXT), None)
    href = forward.get("href") if forward else None
    if isinstance(href, str) and href.strip() and not href.strip().lower().startswith("javascript"):
        return urljoin(url, href.strip()), None
    current, total = static.select_one(".current"), _TOTAL_PAGES.search(static.get_text(" "))
    if current and total and current.get_text(strip=True) == total.group(1).replace(",", ""):
        return None, None  # the last page: no 下一页
    return None, "pager found but its next-page link could not be read; paging stopped at this page"


def _en_listing(fetched: Fetched, soup: BeautifulSoup) -> Listing:
    """An English column page: `div.list li h3.list-tit a` + `p.list-date`; pager `div#displaypagenum`."""
    rows = [(a, li.select_one("p.list-date")) for li in soup.select("div.list > ul > li")
            if (a := li.select_one("h3.list-tit a[href]"))]
    if not rows:
        raise ParseError(f"nmpa-en list: 'h3.list-tit a' matched nothing on {fetched.url} (page redesigned?)")
    forward = next((a for a in soup.select("#displaypagenum a[href]") if a.get_text(strip=True) == ">"), None)
    href = forward.get("href") if forward else None
    return Listing(entries=_entries(rows, fetched.url), complete=False,
                   next_page=urljoin(fetched.url, href) if isinstance(href, str) else None)


def parse_catalogue(fetched: Fetched) -> Listing:
    """A list page of any of the three sites (CDE's JSON list API, the English site, the Chinese site)."""
    if fetched.body.lstrip()[:1] in (b"{", b"["):
        return cde.parse_guide_list(fetched)
    soup = _soup(fetched)
    if soup.select_one("#displaypagenum, h3.list-tit"):
        return _en_listing(fetched, soup)
    return _cn_listing(fetched, soup)


def _meta(soup: BeautifulSoup, name: str) -> str:
    tag = soup.find("meta", attrs={"name": name})
    value = tag.get("content") if isinstance(tag, Tag) else None
    return _plain(value) if isinstance(value, str) else ""


def _attachments(root: Tag, base: str) -> tuple[str, ...]:
    urls = (canonical_url(u) for u in absolute_links(base, (a["href"] for a in root.find_all("a", href=True))))
    return tuple(dict.fromkeys(u for u in urls if IMAGES in urlsplit(u).path
                               or urlsplit(u).path.lower().endswith(FILE_SUFFIXES)))


def _cn_article(fetched: Fetched, soup: BeautifulSoup) -> Document:
    """A TRS article: head metas ArticleTitle/PubDate/ColumnName, body `div.text` (the Ruishu script in the
    head never reaches the text)."""
    selector = next((css for css in _CN_TEXT if soup.select_one(css)), None)
    if selector is None:
        raise LayoutChanged(f"nmpa article: none of {', '.join(_CN_TEXT)} on {fetched.url} (page redesigned?)")
    heading = soup.select_one("h2.title")
    title = _meta(soup, "ArticleTitle") or (_plain(heading.get_text(" ")) if heading else "")
    stamp = soup.select_one("div.date")
    shown = _ISO_DATE.search(stamp.get_text(" ")) if stamp else None  # 发布时间：2021-04-30
    issued = parse_date(_meta(soup, "PubDate")) or (parse_date(shown.group(0)) if shown else None)
    doc_type = _meta(soup, "ColumnName") or None
    attachments = _attachments(soup.select_one(selector) or soup, fetched.url)
    document = render(fetched, soup, main_content(soup, selector, noise=_CN_NOISE, in_place=True), title=title)
    return dataclasses.replace(document, url=canonical_url(fetched.url), issued=issued, number=number_of(title),
                               doc_type=doc_type, language="zh", attachments=attachments)


def _en_article(fetched: Fetched, soup: BeautifulSoup) -> Document:
    """An English article: `div.art > h2.art-tit`, "Updated: YYYY-MM-DD", body `div.art-text` (the
    <!--enpproperty …--> metadata comment sits outside it and comments are never text)."""
    heading, body = soup.select_one("div.art h2.art-tit"), soup.select_one("div.art div.art-text")
    if heading is None or body is None:
        raise LayoutChanged(f"nmpa-en article: 'div.art h2.art-tit' / 'div.art-text' missing on {fetched.url}")
    title = _plain(heading.get_text(" "))
    stamps = [_plain(s.get_text(" ")) for s in soup.select("div.art-info span")]
    updated = next((s.partition(":")[2].strip() for s in stamps if s.lower().startswith("updated")), None)
    attachments = _attachments(body, fetched.url)
    document = render(fetched, soup, main_content(soup, "div.art div.art-text", in_place=True), title=title)
    return dataclasses.replace(document, issued=parse_date(updated), number=number_of(title), language="en",
                               attachments=attachments)


def parse_guidance_page(fetched: Fetched) -> Document:
    """A document page of any of the three sites, told apart by its markup."""
    soup = _soup(fetched, keep=_ARTICLE_KEEP)
    if soup.select_one(".new_detail_content"):
        return cde.parse_detail(fetched, soup)
    if soup.select_one("div.art h2.art-tit"):
        return _en_article(fetched, soup)
    return _cn_article(fetched, soup)


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any other page of the three sites: `selector` (or the generic content root) without chrome."""
    soup = _soup(fetched)
    title = _meta(soup, "ArticleTitle")
    root = main_content(soup, selector, noise=_CN_NOISE, in_place=True)
    return render(fetched, soup, root, title=title or page_title(root, soup))
