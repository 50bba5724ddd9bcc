"""MFDS (www.mfds.go.kr): eGovFrame board lists, board detail pages and the per-board RSS 2.0 feeds.

Every `/brd/m_<N>/` board shares one skin (shared/sources/pmda-mfds-nmpa.md §2.2): list rows
`div.bbs_list01 > ul > li` (pinned notices in a first `ul.list_notice`) with `a.title`, `div.winfo > p`
("담당부서 | …", "고시번호 | …"), `div.right_column` (YYYY-MM-DD); totals "전체 N건, 현재페이지 P/T" in
`div.bbs_data_info`; detail `div.bbs_view01` with `.bv_title`, `div.bv_txt01 li` (등록일, 조회수 …), body
`div.bv_contents > div.bv_cont`, files `ul.bbs_file_view_list` (`strong` name, `a.bbs_icon_filedown`).
A post is identified by its board and `seq`, whatever URL form links it: `/brd/m_N/view.do?seq=…` (also
`/brd/N/…`) or `/law/board/boardDetail.do?brdId=data0011&menuKey=…&seq=…`, with or without extra parameters such
as `Data_stts_gubun`. The URL fetched is the one the list or feed gives (a bare `view.do?seq=N` has been seen
answering 500).
The view counter (조회수), the satisfaction widget and the previous/next links never reach the text.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from regwatch.parsers.dates import parse_date
from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.formats.feed import parse_feed
from regwatch.parsers.formats.html import main_content, pruned_soup, render, soup_of
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, LayoutChanged, Listing, ParseError, Status
from regwatch.parsers.urls import absolute_links

# Board (path segment) → name as the site shows it, and RSS brdId.
BOARDS: dict[str, tuple[str, str]] = {
    "m_74": ("공지", "ntc0003"), "m_76": ("공고", "ntc0004"), "m_99": ("보도자료", "ntc0021"),
    "m_203": ("법, 시행령, 시행규칙", "data0003"), "m_207": ("제개정고시등", "data0008"),
    "m_209": ("입법/행정예고", "data0009"), "m_211": ("고시전문", "data0005"), "m_212": ("훈령전문", "data0006"),
    "m_215": ("예규전문", "data0007"), "m_1059": ("공무원지침서", "data0010"), "m_1060": ("민원인안내서", "data0011"),
    "m_218": ("안내서/지침", "data0013"),
}
_STATUS_BY_BOARD = {"m_209": Status.DRAFT, "m_207": Status.FINAL, "m_211": Status.FINAL}
HINTS = ("cp949",)  # older Korean government pages: EUC-KR/CP949, often with no charset declared
_BOARD_PATH = re.compile(r"/brd/(m_)?(\d+)/view\.do$")
_LAW_PATH = re.compile(r"/law/board/boardDetail\.do$")
_BOARD_OF_BRD_ID = {brd_id: board for board, (_, brd_id) in BOARDS.items()}
_NUMBER = re.compile(r"제\s*(\d{4})\s*-\s*(\d+)\s*호")
_GUIDE_NUMBER = re.compile(r"안내서-\d{4}-\d{2}")
_PAGES = re.compile(r"현재\s*페이지\s*(\d+)\s*/\s*(\d+)")
_DRAFT_TITLE = re.compile(r"\(안\)|제정안|개정안|개정령\(안\)")
NUMBER_LABELS = ("고시번호", "공고번호", "훈령번호", "예규번호", "안내서번호")
_VIEW = ("div.bbs_view01",)  # all a board post is read for (besides <head>)
_NOISE = ("div.bv_txt01", "div.bbs_satisfaction", "ul.bbs_sat_result", "div.bv_prev_next", "div.bbs_btn",
          "div.bbs_file_btn", "a.bbs_icon_filedown", "a.bbs_icon_preview")


def soup(fetched: Fetched, keep: tuple[str, ...] = ()) -> BeautifulSoup:
    """The page decoded (UTF-8 as declared, else CP949 when the bytes say so) and parsed (`keep`: see soup_of)."""
    return soup_of(_markup(fetched), keep)


def _markup(fetched: Fetched) -> str:
    require_body(fetched, "mfds")
    return decode_html(fetched.body, fetched.header("Content-Type"), hints=HINTS)


def _line(text: str) -> str:
    return " ".join(normalize_text(text).split())


def post_id(url: str) -> tuple[str, str] | None:
    """(board, seq) of a board detail URL in any of its forms (`/brd/m_99/view.do?seq=1`, `/brd/99/…`,
    `/law/board/boardDetail.do?brdId=data0011&seq=1` → the board of that brdId, "m_1060"), else None."""
    parts = urlsplit(url)
    query = {k.lower(): v for k, v in parse_qsl(parts.query)}
    seq = query.get("seq", "")
    if not seq.isdigit():
        return None
    if match := _BOARD_PATH.search(parts.path):
        return f"m_{match.group(2)}", seq
    brd_id = query.get("brdid", "")
    if _LAW_PATH.search(parts.path) and brd_id:
        return _BOARD_OF_BRD_ID.get(brd_id, brd_id), seq
    return None


def board_name(board: str) -> str | None:
    """The board's name as the site shows it ("m_1060" → "민원인안내서"), None for a board not listed here."""
    return BOARDS[board][0] if board in BOARDS else None


def post_key(board: str, seq: str) -> str:
    """The stable identity of a post within a source, e.g. "m_1060:15700"."""
    return f"{board}:{seq}"


def post_url(base: str, board: str, seq: str) -> str:
    """The canonical detail URL of a post on `base`'s origin (for a post known only by board and seq)."""
    return urljoin(base, f"/brd/{board}/view.do?seq={seq}")


def on_origin(base: str, url: str) -> str:
    """`url` (path and query as given) on `base`'s origin: a feed's www.mfds.go.kr links on a mirror or proxy."""
    parts = urlsplit(url)
    return urljoin(base, urlunsplit(("", "", parts.path, parts.query, "")))


def document_number(*texts: str) -> str | None:
    """"제2025-63호" (고시·공고 number) or "안내서-0086-07" from the first text that holds one."""
    for text in texts:
        if match := _NUMBER.search(text or ""):
            return f"제{match.group(1)}-{match.group(2)}호"
        if match := _GUIDE_NUMBER.search(text or ""):
            return match.group(0)
    return None


# --- lists ----------------------------------------------------------------------------------------------


def _winfo(row: Tag) -> dict[str, str]:
    """"라벨 | 값" lines of a row's div.winfo."""
    fields: dict[str, str] = {}
    for p in row.select("div.winfo > p"):
        label, bar, value = _line(p.get_text(" ")).partition("|")
        if bar:
            fields.setdefault(label.strip(), value.strip())
    return fields


def _row_entry(row: Tag, base: str) -> CatalogueEntry | None:
    anchor = row.select_one("a.title")
    href = anchor.get("href") if anchor else None
    if anchor is None or not isinstance(href, str) or href.lower().startswith("javascript"):
        return None
    url = urljoin(base, href.strip())
    ident = post_id(url)
    title = _line(anchor.get_text(" "))
    fields = _winfo(row)
    date_cell = row.select_one("div.right_column")
    number = next((fields[k] for k in NUMBER_LABELS if fields.get(k)), None) or document_number(title)
    return CatalogueEntry(
        key=post_key(*ident) if ident else url,
        url=url,  # the form the list gives; off-site rows (m_203 → law.go.kr) keep their link too
        title=title or url,
        issued=parse_date(_line(date_cell.get_text(" "))) if date_cell else None,
        doc_type=board_name(ident[0]) if ident else None,
        number=number,
        offices=tuple(v for v in (fields.get("담당부서"),) if v),
        status=_status(ident[0] if ident else "", title),
    )


def _next_page(page: BeautifulSoup, url: str) -> str | None:
    """The next list page: from "현재페이지 P/T" (page=P+1), else the pager link after `li.on`."""
    info = page.select_one("div.bbs_data_info")
    if info is not None and (match := _PAGES.search(_line(info.get_text(" ")))):
        current, total = int(match.group(1)), int(match.group(2))
        if current >= total:
            return None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
        return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(current + 1))])))
    current_li = page.select_one("div.bbs_page li.on")
    following = current_li.find_next_sibling("li") if current_li else None
    link = following.find("a", href=True) if isinstance(following, Tag) else None
    href = link.get("href") if link else None
    return urljoin(url, href) if isinstance(href, str) and not href.startswith(("#", "javascript")) else None


def parse_board_list(fetched: Fetched) -> Listing:
    """One `list.do` page. Pinned notices repeat dated rows, so rows are keyed once (regular rows first)."""
    page = soup(fetched)
    container = page.select_one("div.bbs_list01")
    if container is None:
        raise ParseError(f"mfds list: no div.bbs_list01 on {fetched.url} (an error page or a redesign?)")
    lists = container.find_all("ul", recursive=False)
    regular = [ul for ul in lists if "list_notice" not in (ul.get("class") or [])]
    pinned = [ul for ul in lists if ul not in regular]
    entries: dict[str, CatalogueEntry] = {}
    for ul in regular + pinned:
        for row in ul.find_all("li", recursive=False):
            entry = _row_entry(row, fetched.url)
            if entry is not None:
                entries.setdefault(entry.key, entry)
    if not entries:
        raise ParseError(f"mfds list: div.bbs_list01 on {fetched.url} has no row with a.title")
    return Listing(entries=tuple(entries.values()), complete=False, next_page=_next_page(page, fetched.url))


def parse_catalogue(fetched: Fetched) -> Listing:
    """MFDS's listing as `parsers.parse_listing` asks every agency for it: a board list page."""
    return parse_board_list(fetched)


def parse_board_feed(fetched: Fetched) -> Listing:
    """A board's RSS 2.0 feed (`/www/rss/brd.do?brdId=…`), its items keyed like list rows."""
    listing = parse_feed(fetched)
    entries = []
    for entry in listing.entries:
        ident = post_id(entry.url)
        if ident is None:
            entries.append(entry)
            continue
        entries.append(dataclasses.replace(
            entry, key=post_key(*ident), url=on_origin(fetched.url, entry.url), title=_line(entry.title),
            doc_type=board_name(ident[0]), number=document_number(entry.title),
            status=_status(ident[0], entry.title)))
    return dataclasses.replace(listing, entries=tuple(entries))


# --- detail pages ---------------------------------------------------------------------------------------


def _status(board: str, title: str) -> Status:
    if _DRAFT_TITLE.search(title):
        return Status.DRAFT
    return _STATUS_BY_BOARD.get(board, Status.UNKNOWN)


def _labelled(items: list[Tag]) -> dict[str, str]:
    """`<li><span>등록일</span> 2026-05-13</li>` → {"등록일": "2026-05-13"} (first occurrence wins)."""
    fields: dict[str, str] = {}
    for item in items:
        label_tag = item.find("span")
        if not isinstance(label_tag, Tag):
            continue
        label = _line(label_tag.get_text(" "))
        value = _line(item.get_text(" ")).removeprefix(label).strip(" :|")
        fields.setdefault(label, value)
    return fields


def parse_guidance_page(fetched: Fetched) -> Document:
    """A board detail page (`view.do?seq=N`): title, body and file names; 조회수 and widgets left out."""
    return _view_page(fetched, soup(fetched, keep=_VIEW))


def _view_page(fetched: Fetched, page: BeautifulSoup) -> Document:
    view = page.select_one("div.bbs_view01")
    title_tag = view.select_one(".bv_title") if view else None
    if view is None or title_tag is None:
        raise LayoutChanged(f"mfds view: no div.bbs_view01 with .bv_title on {fetched.url} (page redesigned?)")
    meta = _labelled(view.select("div.bv_txt01 li"))
    contact = _labelled(view.select("div.bbs_sat_header p"))
    title = _line(title_tag.get_text(" "))
    links = (a.get("href") for a in view.select("ul.bbs_file_view_list a.bbs_icon_filedown"))
    attachments = tuple(dict.fromkeys(absolute_links(fetched.url, links)))
    document = render(fetched, page, main_content(page, "div.bbs_view01", noise=_NOISE, in_place=True), title=title)
    board = (post_id(fetched.url) or ("", ""))[0]
    number = next((meta[k] for k in NUMBER_LABELS if meta.get(k)), None)
    office = contact.get("부서") or meta.get("담당부서")
    return dataclasses.replace(
        document,
        issued=parse_date(meta.get("제개정일") or meta.get("등록일")),
        number=document_number(number or "") or number or document_number(title, document.text[:400]),
        offices=(office,) if office else (),
        doc_type=board_name(board),
        status=_status(board, title),
        attachments=attachments,
        language="ko",
    )


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any other www.mfds.go.kr page: a board post when it is one, else `selector` or the #contents area."""
    markup = _markup(fetched)
    view = pruned_soup(markup, _VIEW) if selector is None else None  # the soup parse_guidance_page reads
    page = view if view is not None else soup_of(markup)
    if selector is None and page.select_one("div.bbs_view01 .bv_title") is not None:
        return _view_page(fetched, page)
    if view is not None:  # a div.bbs_view01 without its title: the whole page after all
        page = soup_of(markup)
    root = main_content(page, selector or ("#contents" if page.select_one("#contents") else None), noise=_NOISE,
                        in_place=True)
    document = render(fetched, page, root)
    return dataclasses.replace(document, language="ko")
