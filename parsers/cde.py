"""CDE (www.cde.org.cn): the guideline database list API (`POST /zdyz/getDomesticGuideList`, JSON) and guideline
detail pages (`/zdyz/domesticinfopage?zdyzIdCODE=<32 hex>`). Shapes per shared/sources/pmda-mfds-nmpa.md §3.3."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.html import main_content, render
from regwatch.parsers.formats.sniff import json_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, LayoutChanged, Listing, ParseError, Status
from regwatch.parsers.urls import absolute_links

LIST_API = "/zdyz/getDomesticGuideList"
DETAIL = "/zdyz/domesticinfopage?zdyzIdCODE="
PAGE_SIZE = "10"
_ID = re.compile(r"[0-9a-f]{32}")
_LISTPAGE = re.compile(r"/zdyz/listpage/[0-9a-f]{32}/?$")
_STATUS = {"颁布": Status.FINAL, "现行": Status.FINAL, "征求意见": Status.DRAFT, "废止": Status.WITHDRAWN}
_NOISE = (".crumb", ".new_detail_title", ".related_title")


def _plain(text: str) -> str:
    return " ".join(normalize_text(text).split())


def status_of(text: str | None) -> Status:
    """版本状态 / nowstate as a Status (颁布 final, 征求意见 draft, 废止 withdrawn)."""
    return next((s for word, s in _STATUS.items() if word in (text or "")), Status.UNKNOWN)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_url(url: str, number: int) -> str:
    """The list API URL for one page (the page number travels as `pageNum`; the spider posts it as a form)."""
    return f"{_origin(url)}{LIST_API}?pageNum={number}"


def list_form(url: str, page: int) -> tuple[str, dict[str, str]] | None:
    """For a guideline list page (`/zdyz/listpage/<32 hex>`) or the list API, the form POST its own script sends:
    (API URL, fields); None for any other URL. The page number is `pageNum` in the URL, else `page`."""
    parts = urlsplit(url)
    if not (_LISTPAGE.search(parts.path) or parts.path.endswith(LIST_API)):
        return None
    asked = dict(parse_qsl(parts.query)).get("pageNum", "")
    number = asked if asked.isdigit() else str(page)
    fields = {"pageNum": number, "pageSize": PAGE_SIZE, "searchTitle": "", "zyfl1": "", "zyfl2": "",
              "issueDate1": "", "issueDate2": ""}
    return f"{_origin(url)}{LIST_API}", fields


def _records(fetched: Fetched) -> tuple[list[Any], dict[str, Any]]:
    data = json_body(fetched, "cde list")
    if not isinstance(data, dict) or data.get("code") != 200:
        code = data.get("code") if isinstance(data, dict) else type(data).__name__
        raise ParseError(f"cde list: answer code {code!r} from {fetched.url} (expected 200)")
    page = data.get("data")
    records = page.get("records") if isinstance(page, dict) else None
    if not isinstance(records, list) or not records:
        raise ParseError(f"cde list: no records in {fetched.url} (the guideline database is never empty)")
    return records, page  # type: ignore[return-value]


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return _plain(value) if isinstance(value, str) else ""


def _entry(record: object, index: int, base: str) -> CatalogueEntry:
    if not isinstance(record, dict):
        raise ParseError(f"cde list: record {index} is a {type(record).__name__}, not an object")
    code, title = _text(record, "zdyzIdCODE").lower(), _text(record, "title")
    link = _text(record, "externalLinks")
    if not title or not (_ID.fullmatch(code) or link.startswith(("http://", "https://", "/"))):
        raise ParseError(f"cde list: record {index} has no title or no zdyzIdCODE: {record!r:.160}")
    url = _origin(base) + DETAIL + code if _ID.fullmatch(code) else urljoin(base, link)
    return CatalogueEntry(
        key=code if _ID.fullmatch(code) else urlsplit(url).path, url=url, title=title,
        status=status_of(_text(record, "nowstate")), issued=parse_date(_text(record, "issueDate")),
        doc_type="指导原则", topics=tuple(t.strip() for t in _text(record, "fclass").split(",") if t.strip()),
    )


def parse_guide_list(fetched: Fetched) -> Listing:
    """One page of `getDomesticGuideList` as a Listing (never complete: the database is paged)."""
    records, page = _records(fetched)
    entries = tuple(dict((e.key, e) for e in (_entry(r, i, fetched.url) for i, r in enumerate(records))).values())
    try:
        current, pages = int(page.get("current") or 1), int(page.get("pages") or 1)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"cde list: bad paging fields in {fetched.url}: {exc}") from exc
    return Listing(entries=entries, complete=False,
                   next_page=page_url(fetched.url, current + 1) if current < pages else None)


def _facts(content: Tag) -> dict[str, str]:
    """Label → value from the two-cell rows (发布时间, 名称, 适用范围, 专业分类, 版本状态)."""
    facts = {}
    for row in content.select("tr"):
        cells = [_plain(td.get_text(" ")) for td in row.find_all(["td", "th"])]
        if len(cells) == 2 and cells[0]:
            facts.setdefault(cells[0].rstrip(":："), cells[1])
    return facts


def parse_detail(fetched: Fetched, soup: BeautifulSoup) -> Document:
    """A guideline page: the fields table and summary (`.new_detail_content`) plus the attachment names."""
    content = soup.select_one(".new_detail_content")
    if content is None:
        raise LayoutChanged(f"cde detail: '.new_detail_content' matched nothing on {fetched.url} (page redesigned?)")
    facts = _facts(content)
    heading = soup.select_one(".new_detail_title")
    title = _plain(heading.get_text(" ")) if heading else facts.get("名称", "")
    root = ".new_detail_box" if soup.select_one(".new_detail_box") else ".new_detail_content"
    links = (a.get("href") for a in soup.select('a[href*="downloadAtt"]'))
    attachments = tuple(dict.fromkeys(absolute_links(fetched.url, links)))
    document = render(fetched, soup, main_content(soup, root, noise=_NOISE, in_place=True), title=title)
    return dataclasses.replace(document, issued=parse_date(facts.get("发布时间")), doc_type="指导原则",
                               status=status_of(facts.get("版本状态")), attachments=attachments, language="zh")
