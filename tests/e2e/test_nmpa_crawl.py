"""End to end on the NMPA mirrors (www.nmpa.gov.cn, english.nmpa.gov.cn, www.cde.org.cn): crawl → version → diff
→ history, and the JavaScript challenges of the Chinese sites reported as blocked, never as a removal."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.mirror.agencies import SITES_ROOT
from regwatch.mirror.agencies import nmpa as sites
from regwatch.mirror.server import MirrorServer
from regwatch.store.db import open_store
from regwatch.store.models import Change, Document, Version
from tests.e2e.conftest import FAST_CRAWL_DELAY, Regwatch, set_crawl_delay, write_config

GGTG = "/xxgk/ggtg/index.html"
KEPU = "/xxgk/kpzhsh/kpzhshhzhp/index.html"
STEM_CELL_KEPU = "/xxgk/kpzhsh/kpzhshhzhp/20210914103407129.html"
CELL_THERAPY_216 = "/xxgk/ggtg/qtggtg/20171222145101370.html"  # served as GB18030 without a charset
IECIC_62 = "/xxgk/ggtg/hzhpggtg/jmhzhptg/20210430162707173.html"
CDE_LIST = "/zdyz/listpage/9cd8db3b7530c6fa0c86485e563f93c7"
STEM_CELL_NONCLINICAL = "047c18f93f8d307b0e87bc8de7d8e59c"  # 人源干细胞产品非临床研究技术指导原则
CELL_THERAPY_GUIDELINE = "10f37071ffe9261b0e2280580f8c7857"  # 细胞治疗产品研究与评价技术指导原则（试行）
EN_ARTICLE = "/2026-04/14/c_1175738.htm"
DOCX_216 = "directory/web/nmpa/images/z7iw+9bOwcay+sa30dC+v9PrxsC827y8yvXWuLW81K3U8qOoytTQ0KOpLmRvY3g=.docx"


@pytest.fixture
def mirrors(tmp_path: Path) -> Iterator[dict[str, MirrorServer]]:
    """Writable copies of the three sites, each served on loopback with a short Crawl-delay."""
    servers = {}
    for name in sites.ORIGINS.values():
        copy = Path(shutil.copytree(SITES_ROOT / name, tmp_path / f"site-{name}"))
        set_crawl_delay(copy, FAST_CRAWL_DELAY)
        servers[name] = MirrorServer(copy).start()
    yield servers
    for server in servers.values():
        server.stop()


def nmpa_sources(m: dict[str, MirrorServer]) -> list[dict]:
    cn, en, cde = m["nmpa"], m["nmpa_en"], m["cde"]
    return [
        {"name": "nmpa-ggtg", "agency": "nmpa", "type": "listing", "url": cn.url(GGTG), "max_pages": 2,
         "watch": {"keywords": ["细胞", "原料"]}},
        {"name": "nmpa-kepu", "agency": "nmpa", "type": "listing", "url": cn.url(KEPU),
         "watch": {"keywords": ["干细胞"]}},
        {"name": "nmpa-en-drugs", "agency": "nmpa", "type": "listing", "url": en.url("/drugs.html"), "max_pages": 2,
         "watch": {"slugs": [EN_ARTICLE]}},
        {"name": "cde-guidelines", "agency": "nmpa", "type": "catalogue", "url": cde.url(CDE_LIST), "max_pages": 2,
         "watch": {"slugs": [STEM_CELL_NONCLINICAL, CELL_THERAPY_GUIDELINE]}},
    ]


@pytest.fixture
def regwatch(tmp_path: Path, mirrors: dict[str, MirrorServer]) -> Regwatch:
    return Regwatch(write_config(tmp_path / "config.yaml", nmpa_sources(mirrors)), f"sqlite:///{tmp_path / 'r.db'}")


def count(store: sessionmaker[Session], model: type) -> int:
    with store() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def latest_text(store: sessionmaker[Session], key: str) -> str:
    with store() as session:
        doc = session.scalars(select(Document).where(Document.key == key)).one()
        return session.scalars(select(Version.text).where(Version.document_id == doc.id)
                               .order_by(Version.number.desc())).first() or ""


def test_full_cycle_in_chinese(regwatch: Regwatch, db_url: str, mirrors: dict[str, MirrorServer]) -> None:
    regwatch = Regwatch(regwatch.config, db_url)
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr
    store = open_store(db_url)
    assert "baseline" in first.stdout and count(store, Change) == 0

    cn, en, cde = mirrors["nmpa"], mirrors["nmpa_en"], mirrors["cde"]
    paths = cn.log.paths()
    assert "/xxgk/ggtg/index_1.html" in paths  # static TRS pager: div.gray 下一页 -> index_1.html
    assert not any(p.startswith("/directory/web/nmpa/xxgk") for p in paths)  # the alias link became /xxgk/…
    assert any(p.startswith(sites.NMPA_IMAGES) and p.endswith(".xlsx") for p in paths)
    assert "/drugs_2.html" in en.log.paths() and "/drugs_3.html" not in en.log.paths()  # max_pages: 2
    posts = [e for e in cde.log.entries() if e.method == "POST"]
    assert [e.path for e in posts] == ["/zdyz/getDomesticGuideList"] * 2  # the form POST, pages 1 and 2
    gbk = latest_text(store, CELL_THERAPY_216)
    assert "细胞治疗产品研究与评价技术指导原则" in gbk and "\ufffd" not in gbk
    assert "植物干细胞" in latest_text(store, STEM_CELL_KEPU)  # listed via /directory/web/nmpa/…, one document
    assert "_$" not in latest_text(store, IECIC_62) and "$_ts" not in latest_text(store, IECIC_62)

    sites.demo_edits({name: Path(server.site) for name, server in mirrors.items()})
    sites.reissue_attachment(Path(cn.site), CELL_THERAPY_216, DOCX_216, "申请人应当对细胞的来源",
                             "申请人必须对细胞的来源")
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr

    changes = regwatch.history("--agency", "nmpa")
    # the CDE page and the reissued DOCX changed, one announcement is new; the rotated challenge token in the
    # 2021年第62号 page head (noise) raised nothing
    assert sorted(c["kind"] for c in changes) == ["changed", "changed", "new"]
    assert all(c["agency"] == "nmpa" for c in changes)
    cde_change = next(c for c in changes if c["source"] == "cde-guidelines")
    assert cde_change["title"] == "人源干细胞产品非临床研究技术指导原则"
    assert cde_change["summary"].startswith("NMPA · ") and "obligation: '应当' → '必须'" in cde_change["summary"]
    new = next(c for c in changes if c["kind"] == "new")
    assert "化妆品新原料注册备案资料管理规定" in new["title"]
    docx_change = next(c for c in changes if c["kind"] == "changed" and c["source"] == "nmpa-ggtg")
    assert docx_change["url"].endswith("/1710000000000000001.docx") and "细胞治疗产品" in docx_change["title"]
    assert "obligation: '应当' → '必须'" in docx_change["summary"]  # read from the reissued DOCX, same positional key
    diff = regwatch("diff", str(cde_change["document_id"]))
    assert "[-应当-]{+必须+}" in diff.stdout and "条件培养基、外泌体" in diff.stdout


def test_challenge_is_reported_as_blocked_never_a_removal(regwatch: Regwatch,
                                                            mirrors: dict[str, MirrorServer]) -> None:
    assert regwatch("run").returncode == 0
    store = open_store(regwatch.db_url)
    before = count(store, Version)
    sites.nmpa_challenge(mirrors["nmpa"])
    sites.cde_challenge(mirrors["cde"])
    for server in mirrors.values():
        server.log.clear()

    blocked = regwatch("run")
    assert blocked.returncode == 1
    rows = {line.split()[0]: line.split()[1] for line in blocked.stdout.splitlines()[2:] if line[:1].isalpha()}
    assert rows["nmpa-ggtg"] == rows["nmpa-kepu"] == rows["cde-guidelines"] == "blocked"
    assert rows["nmpa-en-drugs"] == "ok"  # the English site has no challenge: the fallback still works
    assert "bot protection" in blocked.stderr
    assert count(store, Version) == before  # no version from a challenge page
    assert count(store, Change) == 0
    with store() as session:
        assert session.scalar(select(func.count()).where(Document.removed_at.is_not(None))) == 0
    challenged = [e for e in mirrors["nmpa"].log.entries() if e.status == 412]
    assert challenged and {e.path for e in challenged} <= {GGTG, KEPU}  # backed off after the list pages
    assert all(e.status == 202 and e.path == "/zdyz/getDomesticGuideList"
               for e in mirrors["cde"].log.entries() if e.path != "/robots.txt")
    assert mirrors["nmpa_en"].log.requests_for("/drugs.html")


def test_unreadable_pager_is_said_in_the_run_summary(regwatch: Regwatch, mirrors: dict[str, MirrorServer]) -> None:
    page = mirrors["nmpa"].site / GGTG.lstrip("/")
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace('<a href="index_1.html" target="_self">下一页</a>',
                                 '<a href="javascript:;" onclick="nextPage()">下一页</a>'), encoding="utf-8")
    run = regwatch("run", "--source", "nmpa-ggtg")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "~ listing" in run.stdout and "next-page link could not be read" in run.stdout
    assert "/xxgk/ggtg/index_1.html" not in mirrors["nmpa"].log.paths()  # stopped, and said so
