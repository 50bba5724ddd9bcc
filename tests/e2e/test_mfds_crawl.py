"""End to end on the MFDS mirror (www.mfds.go.kr): board lists with pagination, an RSS feed, detail pages and their
PDF/HWP/HWPX files → versions → a Korean wording change found and shown; a view counter (조회수) that moves on
every request never raises a change; a source's proxy carries every request."""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from regwatch.mirror.agencies import SITES_ROOT
from regwatch.mirror.agencies import mfds as site_edits
from regwatch.mirror.agencies.mfds import ViewCountingMirror
from tests.e2e.conftest import FAST_CRAWL_DELAY, Regwatch, set_crawl_delay, write_config

ANNEX_3 = "/brd/m_211/down.do?brd_id=data0005&seq=14931&data_tp=A&file_seq=2"  # 화장품 안전기준 등에 관한 규정's 별표 3
PAGE_TWO_ONLY = "/brd/m_99/view.do?seq=14718"  # 2010 press release, on list page 2 only
PUBLISHED = "/brd/m_99/view.do?seq=50101"


@pytest.fixture
def mfds_site(tmp_path: Path) -> Path:
    site = Path(shutil.copytree(SITES_ROOT / "mfds", tmp_path / "site-mfds"))
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    return site


@pytest.fixture
def mfds_mirror(mfds_site: Path) -> Iterator[ViewCountingMirror]:
    with ViewCountingMirror(mfds_site) as mirror:
        yield mirror


def sources(base: str, **extra: object) -> list[dict]:
    return [
        {"name": "mfds-notice-full-text", "agency": "mfds", "type": "listing",
         "start_urls": [f"{base}/brd/m_211/list.do?page=1"], "watch": {"keywords": ["화장품 안전기준"]}, **extra},
        {"name": "mfds-press", "agency": "mfds", "type": "listing", "max_pages": 3,
         "start_urls": [f"{base}/brd/m_99/list.do?page=1"], "watch": {"keywords": ["엑소좀", "줄기세포 배양액"]},
         **extra},
        {"name": "mfds-pre-announcements", "agency": "mfds", "type": "feed",
         "start_urls": [f"{base}/www/rss/brd.do?brdId=data0009"],
         "watch": {"keywords": ["유전자치료제", "생산·수입 중단"]}, **extra},
    ]


def summary(stdout: str, source: str) -> dict[str, int]:
    """A source's row of the `regwatch run` summary table."""
    row = next(line.split() for line in stdout.splitlines() if line.startswith(source + " "))
    return dict(zip(("seen", "new", "changed", "removed", "unchanged", "errors"), map(int, row[2:8]), strict=True))


@pytest.fixture
def regwatch(tmp_path: Path, mfds_mirror: ViewCountingMirror, db_url: str) -> Regwatch:
    return Regwatch(write_config(tmp_path / "config.yaml", sources(mfds_mirror.base_url)[:2]), db_url)


def test_korean_rewording_is_found_and_shown_while_view_counts_are_not(
        regwatch: Regwatch, mfds_mirror: ViewCountingMirror, mfds_site: Path) -> None:
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "baseline" in first.stdout
    pages = {e.path.split("&")[0] for e in mfds_mirror.log.requests_for("/brd/m_99/")}
    assert "/brd/m_99/list.do?page=2" in pages and PAGE_TWO_ONLY in pages  # followed to list page 2

    site_edits.demo_edits({"mfds": mfds_site})
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr

    changes = regwatch.history("--agency", "mfds")
    assert sorted(c["kind"] for c in changes) == ["changed", "new"]  # 조회수 and 이전글/다음글 moved everywhere
    by_kind = {c["kind"]: c for c in changes}
    assert PUBLISHED in by_kind["new"]["url"]
    assert "엑소좀" in by_kind["new"]["title"]
    changed = by_kind["changed"]
    assert changed["url"].endswith(ANNEX_3) and changed["title"] == "화장품 안전기준 등에 관한 규정"
    assert changed["summary"].startswith("MFDS · ") and "obligation:" in changed["summary"]
    assert "'하여야 한다' → '할 수 있다'" in changed["summary"]
    diff = regwatch("diff", str(changed["document_id"]))
    assert diff.returncode == 0, diff.stderr
    shown = " ".join(diff.stdout.split())
    assert "§ 7. 기록의 보존 … " in shown  # its section path, then the context leading to the change
    assert "3년간 [-보존하여야 한다-]{+보존할 수 있다+}." in shown
    assert "significance: obligation" in shown


def test_view_counter_and_noise_edits_never_raise_a_change(tmp_path: Path, mfds_mirror: ViewCountingMirror,
                                                          mfds_site: Path) -> None:
    page = mfds_mirror.url("/brd/m_211/view.do?seq=14931")
    with urllib.request.urlopen(page) as one, urllib.request.urlopen(page) as two:
        assert one.read() != two.read() and one.headers["ETag"] is None  # a live 조회수, no validators
    mfds_mirror.log.clear()
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", sources(mfds_mirror.base_url)[:1]),
                        f"sqlite:///{tmp_path / 'r.db'}")
    assert regwatch("run").returncode == 0
    site_edits.bump_views(mfds_site, 1000)  # on top of the counter that moves with every request
    second = regwatch("run")
    assert second.returncode == 0, second.stderr
    views = [e for e in mfds_mirror.log.requests_for("/brd/m_211/view.do?seq=14931") if e.status == 200]
    assert len(views) == 2  # no validators on a JSP page: fetched in full both times, with different bytes
    assert summary(second.stdout, "mfds-notice-full-text") == {"seen": 4, "new": 0, "changed": 0, "removed": 0,
                                                               "unchanged": 4, "errors": 0}


def test_feed_source_through_its_proxy_and_robots_disallow(tmp_path: Path, mfds_mirror: ViewCountingMirror) -> None:
    # The mirror is its own proxy here: proxied requests arrive with an absolute URI on the request line.
    feed = sources(mfds_mirror.base_url, proxy=mfds_mirror.base_url)[2]
    search = {"name": "mfds-search", "agency": "mfds", "url": mfds_mirror.url("/search/search.do?query=엑소좀")}
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", [feed, search]), f"sqlite:///{tmp_path / 'r.db'}")
    result = regwatch("run")
    assert "forbidden" in result.stdout + result.stderr
    # 2 posts + their 3 files + 2 unwatched items; 39260 is the CP949 page without a charset, 44182 has an HWPX
    # named .hwp (as MFDS serves its real one): all read without an error
    assert summary(result.stdout, "mfds-pre-announcements") == {"seen": 7, "new": 7, "changed": 0, "removed": 0,
                                                                "unchanged": 0, "errors": 0}
    fetched = [e.path for e in mfds_mirror.log.entries() if not e.path.endswith("/robots.txt")]
    for part in ("/www/rss/brd.do", "/brd/m_209/view.do?seq=39260", "/brd/m_209/down.do?brd_id=data0009&seq=44182"):
        assert any(part in p for p in fetched), part
    assert all(p.startswith(mfds_mirror.base_url + "/") for p in fetched)  # all proxied, and no /search/
    assert not any("/search/" in p for p in fetched)
