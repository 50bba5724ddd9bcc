"""The mirror's site-independent features used by the non-FDA mirrors: query routes, header overrides,
form POSTs and a JavaScript-challenge mode."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from regwatch.mirror.server import MirrorServer


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "_mirror").mkdir()
    (tmp_path / "brd/m_99").mkdir(parents=True)
    (tmp_path / "brd/m_99/view-46453.html").write_bytes("<p>보도자료</p>".encode("euc-kr"))
    (tmp_path / "brd/m_99/list-2.html").write_bytes(b"<p>page 2</p>")
    (tmp_path / "files").mkdir()
    (tmp_path / "files/a.pdf").write_bytes(b"%PDF-1.4 tiny")
    (tmp_path / "_mirror/routes.json").write_text(json.dumps({
        "/brd/m_99/view.do?seq=46453": "brd/m_99/view-46453.html",
        "/brd/m_99/list.do?page=2": "brd/m_99/list-2.html",
        "/zdyz/getDomesticGuideList?pageNum=2": "brd/m_99/list-2.html",
    }))
    (tmp_path / "_mirror/headers.json").write_text(json.dumps({
        "/brd/m_99/view.do?seq=46453": {"Content-Type": "text/html"},
    }))
    return tmp_path


def test_routes_match_on_the_named_parameters_and_ignore_the_rest(site: Path) -> None:
    with MirrorServer(site) as m:
        r = httpx.get(m.url("/brd/m_99/view.do?seq=46453&srchFr=&page=1&itm_seq_1=0"))
        assert r.status_code == 200
        assert r.content == "<p>보도자료</p>".encode("euc-kr")
        assert r.headers["content-type"] == "text/html"  # no charset, as the override says
        assert httpx.get(m.url("/brd/m_99/view.do?seq=1")).status_code == 404
        assert httpx.get(m.url("/brd/m_99/list.do?page=2")).content == b"<p>page 2</p>"
        assert httpx.get(m.url("/files/a.pdf")).headers["content-type"] == "application/pdf"


def test_form_posts_route_like_queries(site: Path) -> None:
    with MirrorServer(site) as m:
        r = httpx.post(m.url("/zdyz/getDomesticGuideList"), data={"pageNum": "2", "pageSize": "10"})
        assert r.content == b"<p>page 2</p>"


def test_challenge_mode_answers_everything_but_exempt_paths(site: Path) -> None:
    with MirrorServer(site) as m:
        m.faults.set_challenge(412, b"<script>$_ts={}</script>", [("Set-Cookie", "acw_tc=1"),
                                                                  ("Set-Cookie", "NfBCSins2OywS=2")], ("/files/",))
        r = httpx.get(m.url("/brd/m_99/list.do?page=2"))
        assert r.status_code == 412
        assert r.headers.get_list("set-cookie") == ["acw_tc=1", "NfBCSins2OywS=2"]
        assert httpx.get(m.url("/files/a.pdf")).status_code == 200
        assert httpx.get(m.url("/robots.txt")).status_code == 404  # not challenged (and absent here)
        m.faults.clear()
        assert httpx.get(m.url("/brd/m_99/list.do?page=2")).status_code == 200
