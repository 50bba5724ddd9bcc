"""Build the MFDS mirror site (www.mfds.go.kr) from `_mirror/posts.json` and the attachment texts in `_mirror/files/`.

    python mirror/sites/mfds/_mirror/build.py            # rebuild the shipped site in place
    build(site_dir)                                        # what mirror.agencies.mfds edits call on a copy

Writes board list pages, detail pages, attachments (HWP / HWPX / PDF via filegen.py; a spec's "format" overrides
its name's suffix), one RSS 2.0 feed per board, `_mirror/routes.json` and `_mirror/headers.json`.
The markup follows the eGovFrame board skin described in README.md. Output depends only on the inputs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, date, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ORIGIN = "https://www.mfds.go.kr"
PAGE_SIZE = 10
QUERY = "srchFr=&amp;srchTo=&amp;srchWord=&amp;srchTp=&amp;itm_seq_1=0&amp;itm_seq_2=0&amp;multi_itm_seq=0" \
        "&amp;company_cd=&amp;company_nm="


def _filegen():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mfds_filegen", HERE / "filegen.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load(site: Path) -> dict:
    return json.loads((site / "_mirror" / "posts.json").read_text(encoding="utf-8"))


def save(site: Path, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    (site / "_mirror" / "posts.json").write_text(text, encoding="utf-8")


def paragraphs(site: Path, key: str) -> list[str]:
    """An attachment text source: paragraphs separated by blank lines."""
    text = (site / "_mirror" / "files" / f"{key}.txt").read_text(encoding="utf-8")
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


# --- page templates --------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="ko">
<head>
{charset}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{board} | {menu} | 식품의약품안전처</title>
<link rel="stylesheet" type="text/css" href="/www/css/common.css">
<link rel="stylesheet" type="text/css" href="/www/css/sub.css">
<script src="/www/js/jquery-1.12.4.min.js"></script>
<script src="/www/js/common.js"></script>
</head>
<body>
<div id="skip_navi"><a href="#contents">본문 바로가기</a></div>
<div id="wrap">
\t<div id="header">
\t\t<h1 class="logo"><a href="/index.do">식품의약품안전처</a></h1>
\t\t<div id="gnb">
\t\t\t<ul>
\t\t\t\t<li><a href="/brd/m_99/list.do">알림/소식</a></li>
\t\t\t\t<li><a href="/brd/m_211/list.do">법령/자료</a></li>
\t\t\t\t<li><a href="/wpge/m_14/denofile.do">정책정보</a></li>
\t\t\t\t<li><a href="/brd/m_74/list.do">정보공개</a></li>
\t\t\t</ul>
\t\t</div>
\t\t<form id="topSearch" action="/search/search.do" method="get">\
<input type="text" name="query" title="검색어"><button type="submit">검색</button></form>
\t</div>
\t<div id="container">
\t\t<div id="lnb"><h2>{menu}</h2>
\t\t\t<ul><li><a href="/brd/m_211/list.do">고시전문</a></li><li><a href="/brd/m_207/list.do">제개정고시등</a></li>\
<li><a href="/brd/m_209/list.do">입법/행정예고</a></li><li><a href="/brd/m_1060/list.do">민원인안내서</a></li></ul>
\t\t</div>
\t\t<div id="contents">
\t\t\t<div class="location"><ul><li><a href="/index.do">홈</a></li><li>{menu}</li><li class="on">{board}</li></ul></div>
\t\t\t<h3 class="tit">{board}</h3>
{content}
\t\t</div>
\t</div>
\t<div id="footer">
\t\t<address>(28159) 충청북도 청주시 흥덕구 오송읍 오송생명2로 187 오송보건의료행정타운 식품의약품안전처</address>
\t\t<p class="copy">COPYRIGHT &copy; MINISTRY OF FOOD AND DRUG SAFETY. ALL RIGHTS RESERVED.</p>
\t</div>
</div>
<script>$(function(){{ fn_gnbInit(); }});</script>
</body>
</html>
"""
UTF8_META = '<meta charset="UTF-8">'
NO_CHARSET_META = '<meta http-equiv="Content-Type" content="text/html">'


def _view_href(post: dict, page: int) -> str:
    extra = "&amp;Data_stts_gubun=C1004" if post["board"] == "m_1060" else ""
    return f"./view.do?seq={post['seq']}&amp;{QUERY}{extra}&amp;page={page}"


def _row(post: dict, page: int, number: str, board: dict) -> str:
    info = "".join(f"\n\t\t\t\t\t\t\t<p>{escape(label)} | {escape(post['row'].get(label, ''))}</p>"
                   for label in board["row_meta"] if post["row"].get(label))
    files = ""
    if board.get("row_files") and post["files"]:
        items = "".join(f'<li><span class="bbs_file_list_header">{escape(f["name"])}</span> '
                        f'<a href="{_down_href(post, board, k)}" class="bbs_icon_filedown">다운받기</a></li>'
                        for k, f in enumerate(post["files"], start=1))
        files = f'\n\t\t\t\t\t\t<ul class="bbs_file_list">{items}</ul>'
    return (f'\t\t\t\t<li>\n\t\t\t\t\t<div class="num">{number}</div>\n\t\t\t\t\t<div class="center_column">\n'
            f'\t\t\t\t\t\t<a href="{_view_href(post, page)}" class="title" title="자세히보기">\n'
            f"\t\t\t\t\t\t\t{escape(post['title'])}\n\t\t\t\t\t\t</a>\n\t\t\t\t\t\t<div class=\"winfo\">{info}"
            f"\n\t\t\t\t\t\t\t<p>조회수 | {post['views']}</p>\n\t\t\t\t\t\t</div>{files}\n\t\t\t\t\t</div>\n"
            f"\t\t\t\t\t<div class=\"right_column\">{post['date']}</div>\n\t\t\t\t</li>\n")


def _pager(page: int, pages: int) -> str:
    def link(n: int, label: str, cls: str = "") -> str:
        attr = f' class="{cls}"' if cls else ""
        return f'<li{attr}><a href="./list.do?page={n}&amp;{QUERY}">{label}</a></li>'

    items = [link(1, "처음", "first"), link(max(page - 1, 1), "이전", "prev")]
    items += [f'<li class="on"><a href="#none">{n}</a></li>' if n == page else link(n, str(n))
              for n in range(1, pages + 1)]
    items += [link(min(page + 1, pages), "다음", "next"), link(pages, "마지막", "last")]
    return '\t\t\t<div class="bbs_page">\n\t\t\t\t<ul>' + "".join(items) + "</ul>\n\t\t\t</div>\n"


def list_page(board_id: str, board: dict, posts: list[dict], page: int) -> str:
    pages = max(1, -(-len(posts) // PAGE_SIZE))
    rows = posts[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    notices = [p for p in posts if p.get("pinned")] if page == 1 else []
    content = ('\t\t\t<div class="bbs_search"><form name="srchForm" action="./list.do" method="get">'
               '<select name="srchTp" title="검색구분"><option value="0">제목</option><option value="1">내용</option>'
               '</select><input type="text" name="srchWord" title="검색어"><button type="submit">검색</button>'
               "</form></div>\n"
               f'\t\t\t<div class="bbs_data_info">전체 {len(posts)}건, 현재페이지 <b>{page}</b>/<b>{pages}</b></div>\n'
               '\t\t\t<div class="bbs_list01">\n')
    if notices:
        content += '\t\t\t<ul class="list_notice">\n'
        content += "".join(_row(p, page, '<span class="ico_notice">공지</span>', board) for p in notices)
        content += "\t\t\t</ul>\n"
    first = len(posts) - (page - 1) * PAGE_SIZE
    content += "\t\t\t<ul>\n" + "".join(_row(p, page, str(first - i), board) for i, p in enumerate(rows))
    content += "\t\t\t</ul>\n\t\t\t</div>\n" + _pager(page, pages)
    return PAGE.format(charset=UTF8_META, board=board["name"], menu=board["menu"], content=content.rstrip("\n"))


def _down_href(post: dict, board: dict, number: int) -> str:
    return f"./down.do?brd_id={board['brd_id']}&amp;seq={post['seq']}&amp;data_tp=A&amp;file_seq={number}"


def _neighbours(post: dict, posts: list[dict]) -> str:
    at = posts.index(post)
    items = []
    for label, other in (("이전글", posts[at + 1] if at + 1 < len(posts) else None),
                         ("다음글", posts[at - 1] if at > 0 else None)):
        link = (f'<a href="./view.do?seq={other["seq"]}&amp;{QUERY}&amp;page=1">{escape(other["title"])}</a>'
                if other else "<span>없음</span>")
        items.append(f"<li><strong>{label}</strong> {link}</li>")
    return '\t\t\t\t<div class="bv_prev_next"><ul>' + "".join(items) + "</ul></div>\n"


def detail_page(post: dict, board: dict, posts: list[dict]) -> str:
    meta = "".join(f"<li><span>{escape(k)}</span> {escape(v)}</li>" for k, v in post["fields"])
    meta += f"<li><span>등록일</span> {post['date']}</li><li><span>조회수</span> {post['views']}</li>"
    body = "\n".join(f"\t\t\t\t\t\t<p>{escape(p)}</p>" for p in post["body"])
    files = "".join(
        f'\n\t\t\t\t\t\t\t<li><div class="bbs_file_cont"><strong>{escape(f["name"])}</strong>'
        f'<div class="bbs_file_btn"><a href="{_down_href(post, board, k)}" class="bbs_icon_filedown" '
        f'title="{escape(f["name"])} 다운받기">다운받기</a> <a href="#none" class="bbs_icon_preview" '
        f"onclick=\"fn_preview('{board['brd_id']}','{post['seq']}','{k}');return false;\">미리보기</a></div></div></li>"
        for k, f in enumerate(post["files"], start=1))
    file_box = (f'\t\t\t\t\t<div class="bv_file_box">\n\t\t\t\t\t\t<p class="bv_file_tit">첨부파일</p>\n'
                f'\t\t\t\t\t\t<ul class="bbs_file_view_list">{files}\n\t\t\t\t\t\t</ul>\n\t\t\t\t\t</div>\n'
                if post["files"] else "")
    contact = "".join(f"<p><span>{escape(k)}</span> {escape(v)}</p>" for k, v in post["contact"])
    scores = "".join(f"<li>총 5점 중 {n}점(<b>0</b>건)</li>" for n in range(1, 6))
    radios = "".join(f'<input type="radio" name="score" id="score{n}" value="{n}"><label for="score{n}">총 5점 중 '
                     f"{n}점</label>" for n in range(1, 6))
    content = (
        '\t\t\t<div class="bbs_view01">\n'
        f'\t\t\t\t<div class="bv_title">{escape(post["title"])}</div>\n'
        f'\t\t\t\t<div class="bv_txt01"><ul>{meta}</ul></div>\n'
        '\t\t\t\t<div class="bv_contents">\n\t\t\t\t\t<div class="bv_cont">\n'
        f"{body}\n\t\t\t\t\t</div>\n{file_box}\t\t\t\t</div>\n"
        f'\t\t\t\t<div class="bbs_satisfaction">\n\t\t\t\t\t<div class="bbs_sat_header">{contact}</div>\n'
        '\t\t\t\t\t<form name="satForm" action="/www/satisfaction/insert.do" method="post"><fieldset>'
        f"<legend>만족도 조사</legend><p>현재 페이지의 내용에 만족하십니까?</p>{radios}"
        '<button type="submit">평가하기</button></fieldset></form>\n'
        f'\t\t\t\t\t<ul class="bbs_sat_result">{scores}</ul>\n\t\t\t\t</div>\n'
        f"{_neighbours(post, posts)}"
        '\t\t\t\t<div class="bbs_btn"><a href="./list.do?page=1" class="btn_list">목록</a></div>\n'
        "\t\t\t</div>")
    charset = NO_CHARSET_META if post.get("encoding") else UTF8_META
    return PAGE.format(charset=charset, board=board["name"], menu=board["menu"], content=content)


def _pub_date(day: str) -> str:
    return format_datetime(datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC), usegmt=True)


def _feed_link(board_id: str, board: dict, post: dict) -> str:
    """The guidance board's feed links the newer 법령·자료 form (as the real site links m_1060 posts too)."""
    if board_id == "m_1060":
        return f"{ORIGIN}/law/board/boardDetail.do?brdId={board['brd_id']}&amp;menuKey=38&amp;seq={post['seq']}"
    return f"{ORIGIN}/brd/{board_id}/view.do?seq={post['seq']}"


def rss(board_id: str, board: dict, posts: list[dict]) -> str:
    items = "".join(
        f"<item>\n<title><![CDATA[{p['title']}]]></title>\n"
        f"<link>{_feed_link(board_id, board, p)}</link>\n"
        f"<description><![CDATA[{p['body'][0] if p['body'] else p['title']}]]></description>\n"
        f"<pubDate>{_pub_date(p['date'])}</pubDate>\n</item>\n" for p in posts)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
            f"<title>{board['name']}</title>\n<link>{ORIGIN}/brd/{board_id}/list.do</link>\n"
            f"<description>식품의약품안전처 {board['name']}</description>\n"
            f"<language>ko</language>\n{items}</channel>\n</rss>\n")


# --- the whole site --------------------------------------------------------------------------------------


def _attachment(site: Path, post: dict, spec: dict):  # type: ignore[no-untyped-def]
    gen = _filegen()
    text = paragraphs(site, spec["text"])
    fmt = spec.get("format") or spec["name"].rsplit(".", 1)[1]
    return {"hwp": lambda: gen.hwp(text), "hwpx": lambda: gen.hwpx(text, post["title"]),
            "pdf": lambda: gen.pdf(text)}[fmt]()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def build(site: Path) -> None:
    """(Re)write every generated file of `site` from its `_mirror` inputs."""
    data = load(site)
    routes: dict[str, str] = {}
    headers: dict[str, dict[str, str]] = {}
    for board_id, board in data["boards"].items():
        posts = sorted((p for p in data["posts"] if p["board"] == board_id), key=lambda p: (p["date"], p["seq"]),
                       reverse=True)
        for page in range(1, max(1, -(-len(posts) // PAGE_SIZE)) + 1):
            target = f"brd/{board_id}/list/page-{page}.html"
            _write(site / target, list_page(board_id, board, posts, page).encode("utf-8"))
            routes[f"/brd/{board_id}/list.do?page={page}"] = target
        for post in posts:
            target = f"brd/{board_id}/view/{post['seq']}.html"
            _write(site / target, detail_page(post, board, posts).encode(post.get("encoding", "utf-8")))
            routes[f"/brd/{board_id}/view.do?seq={post['seq']}"] = target
            if board["brd_id"].startswith("data"):  # 법령·자료 boards answer under the newer form too
                routes[f"/law/board/boardDetail.do?brdId={board['brd_id']}&seq={post['seq']}"] = target
            if post.get("encoding"):
                headers[f"/brd/{board_id}/view.do?seq={post['seq']}"] = {"Content-Type": "text/html"}
            for k, spec in enumerate(post["files"], start=1):
                target = f"brd/{board_id}/down/{post['seq']}-{k}.{spec['name'].rsplit('.', 1)[1]}"
                _write(site / target, _attachment(site, post, spec))
                for prefix in (f"/brd/{board_id}", "/brd/99")[: 2 if board_id == "m_99" else 1]:
                    key = f"{prefix}/down.do?brd_id={board['brd_id']}&seq={post['seq']}&data_tp=A&file_seq={k}"
                    routes[key] = target
                    headers[key] = {"Content-Type": "application/octet-stream;charset=UTF-8",
                                    "Content-Disposition": f'attachment; filename="{quote(spec["name"])}"'}
        target = f"www/rss/{board['brd_id']}.xml"
        _write(site / target, rss(board_id, board, posts).encode("utf-8"))
        routes[f"/www/rss/brd.do?brdId={board['brd_id']}"] = target
        headers[f"/www/rss/brd.do?brdId={board['brd_id']}"] = {"Content-Type": "text/xml;charset=UTF-8"}
    for name, table in (("routes.json", routes), ("headers.json", headers)):
        text = json.dumps(dict(sorted(table.items())), ensure_ascii=False, indent=1) + "\n"
        _write(site / "_mirror" / name, text.encode("utf-8"))


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent)
