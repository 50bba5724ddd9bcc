"""End to end on the PMDA and MHLW mirrors: hub listing, RSS 1.0 feed, month-paged MHLW news, a Shift_JIS notice
served without a charset; a Japanese wording change shows in `regwatch diff` in Japanese, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from regwatch.history import HistoryQuery, changes
from regwatch.mirror.agencies import SITES_ROOT
from regwatch.mirror.agencies import pmda as edits
from regwatch.mirror.server import MirrorServer
from regwatch.store.db import open_store
from tests.e2e.conftest import FAST_CRAWL_DELAY, Regwatch, set_crawl_delay, write_config

HOUDOU = "/stf/houdou/"


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, Path]:
    """Writable copies of both sites, with a short Crawl-delay."""
    copies = {name: Path(shutil.copytree(SITES_ROOT / name, tmp_path / f"site-{name}")) for name in ("pmda", "mhlw")}
    for site in copies.values():
        set_crawl_delay(site, FAST_CRAWL_DELAY)
    return copies


@pytest.fixture
def mirrors(sites: dict[str, Path]) -> Iterator[dict[str, MirrorServer]]:
    with MirrorServer(sites["pmda"]) as pmda, MirrorServer(sites["mhlw"]) as mhlw:
        yield {"pmda": pmda, "mhlw": mhlw}


def pmda_sources(m: dict[str, MirrorServer]) -> list[dict]:
    return [
        {"name": "pmda-ctp-notices", "agency": "pmda", "type": "listing", "url": m["pmda"].url(edits.HUB),
         "watch": {"keywords": ["体性幹細胞"]}},
        {"name": "pmda-rss", "agency": "pmda", "type": "feed", "url": m["pmda"].url("/rss_015.xml"),
         "watch": {"keywords": ["条件及び期限付承認"]}},
        {"name": "mhlw-houdou", "agency": "pmda", "type": "listing", "url": m["mhlw"].url(HOUDOU + "index.html"),
         "max_pages": 2, "watch": {"keywords": ["再生医療"]}},
        {"name": "mhlw-tdoc-0912006", "agency": "pmda", "url": m["mhlw"].url(edits.TDOC_ROUTE)},
    ]


def removed_urls(db_url: str) -> list[str]:
    with open_store(db_url)() as session:
        return [c.url for c in changes(session, HistoryQuery(agency="pmda", kind="removed"))[0]]


def test_japanese_change_new_and_withdrawn_notices_paging_feed_and_noise(
        tmp_path: Path, db_url: str, sites: dict[str, Path], mirrors: dict[str, MirrorServer]) -> None:
    regwatch = Regwatch(write_config(tmp_path / "config.yaml", pmda_sources(mirrors)), db_url)
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "baseline" in first.stdout
    pmda_log, mhlw_log = mirrors["pmda"].log, mirrors["mhlw"].log
    assert [e.status for e in pmda_log.requests_for("/files/000277559.pdf")] == [200]  # feed item, rebased
    assert mhlw_log.requests_for(HOUDOU + "houdou_list_202603.html")  # page 2 of 2
    assert not mhlw_log.requests_for(HOUDOU + "houdou_list_202602.html")  # max_pages: 2
    assert [e.status for e in mhlw_log.requests_for("/stf/newpage_60877.html")] == [200]  # watched on page 2
    assert not pmda_log.requests_for("/files/000280466.pdf")  # listed, not watched: no fetch

    edits.demo_edits(sites)  # reword the Shift_JIS notice, publish one notice, withdraw another
    edits.touch(sites["pmda"])  # noise: a size label and the CMS id comment of the hub
    pmda_log.clear()
    mhlw_log.clear()
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr
    assert [e.status for e in mhlw_log.requests_for("/web/t_doc")] == [200]
    assert [e.status for e in pmda_log.requests_for("/files/000273140.pdf")] == [304]  # conditional, unchanged

    changes = regwatch.history("--agency", "pmda")
    assert sorted(c["kind"] for c in changes) == ["changed", "new"]  # the withdrawal waits for a second absence
    by_kind = {c["kind"]: c for c in changes}
    assert by_kind["new"]["url"].endswith(edits.DEMO_PUBLISH)
    assert "留意すべき事項についての一部改正" in by_kind["new"]["title"]
    changed = by_kind["changed"]
    assert changed["source"] == "mhlw-tdoc-0912006"
    assert changed["title"].startswith("ヒト(同種)由来細胞や組織を加工した医薬品")  # decoded from Shift_JIS
    diff = regwatch("diff", str(changed["document_id"]))
    assert diff.returncode == 0, diff.stderr
    assert "すること" in diff.stdout and "しなければならない" in diff.stdout and "[-" in diff.stdout
    assert "保存" in diff.stdout

    if db_url.startswith("sqlite"):  # the second absence confirms the withdrawal (one more run; SQLite only, for time)
        assert regwatch("run").returncode == 0
        assert [url.rpartition("/")[2] for url in removed_urls(db_url)] == [edits.DEMO_WITHDRAW.rpartition("/")[2]]
