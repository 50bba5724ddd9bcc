"""End to end on the EMA mirror: the documents catalogue, a guideline page, the CAT listing and its pager."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from regwatch.config import Watch
from regwatch.crawler.spiders.ema import in_scope, is_watched_ema
from regwatch.mirror.agencies import ema as ema_mirror
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.types import CatalogueEntry, Listing
from tests.e2e.conftest import FAST_CRAWL_DELAY, Regwatch, set_crawl_delay, write_config

ATMP = "guideline-quality-non-clinical-clinical-requirements-investigational-advanced-therapy-medicinal"
HUMAN_CELL = "human-cell-based-medicinal-products-scientific-guideline"
HUMAN_CELL_DRAFT_ID = "4103"
CAT = ema_mirror.CAT
CATALOGUE_SOURCE = {"name": "ema-documents", "agency": "ema", "type": "catalogue",
                    "watch": {"topics": ["scientific-guideline", "regulatory-procedural-guideline"],
                              "keywords": ["human cell-based", "investigational advanced therapy"]}}


@pytest.fixture
def ema_site(tmp_path: Path) -> Path:
    site = Path(shutil.copytree(ema_mirror.SITE, tmp_path / "site-ema"))
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    return site


@pytest.fixture
def ema(ema_site: Path) -> Iterator[MirrorServer]:
    with MirrorServer(ema_site) as mirror:
        yield mirror


def sources(mirror: MirrorServer, *pages: str) -> list[dict]:
    return [{**CATALOGUE_SOURCE, "start_urls": [mirror.url(ema_mirror.CATALOGUE)]},
            *({"name": f"ema-page-{n}", "agency": "ema", "url": mirror.url(f"/en/{slug}")}
              for n, slug in enumerate(pages))]


def test_wording_change_and_adoption_are_found(tmp_path: Path, ema: MirrorServer, ema_site: Path, db_url: str) -> None:
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", sources(ema, ATMP, HUMAN_CELL)), db_url)
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "baseline" in first.stdout
    fetched = [e.path for e in ema.log.entries() if e.path.endswith(".pdf")]
    assert len(fetched) == 9 and fetched.count(ema_mirror.HUMAN_CELL_PDF) == 2  # 4 by the catalogue, 5 by pages

    ema_mirror.demo_edits({"ema": ema_site})
    ema.log.clear()
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr
    files = [e for e in ema.log.entries() if e.path.endswith(".pdf")]
    assert all(e.header("If-None-Match") for e in files if e.status == 304) and sum(e.status == 304 for e in files) == 7
    pages = {e.path: e for e in ema.log.entries() if e.path in (f"/en/{ATMP}", f"/en/{HUMAN_CELL}")}
    assert len(pages) == 2 and all(e.header("If-None-Match") for e in pages.values())  # conditional, like files
    # The adopted guideline's page changed; the other answered 304 and its files were still checked (the reworded
    # PDF below is found through it or through the catalogue).
    assert pages[f"/en/{ATMP}"].status == 200 and pages[f"/en/{HUMAN_CELL}"].status == 304

    changes = regwatch.history("--agency", "ema")
    # The reworded PDF is reached both by the catalogue and by a guideline page: one alert. The adoption is one
    # event, one alert: the page's draft → final (seen by the page and the catalogue), its new wording and the
    # adopted PDF it now links to (also in the catalogue) make one `status` change.
    assert sorted(c["kind"] for c in changes) == ["changed", "status"]
    assert all(c["agency"] == "ema" for c in changes)
    reworded = [c for c in changes if c["kind"] == "changed" and c["url"].endswith(ema_mirror.HUMAN_CELL_PDF)]
    assert len(reworded) == 1 and reworded[0]["source"] in ("ema-documents", "ema-page-1")  # the page is unchanged
    assert all(c["summary"].startswith("EMA · ") and "obligation: 'should' → 'must'" in c["summary"] for c in reworded)
    reworded = reworded[0]
    assert "[-should-]{+must+}" in regwatch("diff", str(reworded["document_id"])).stdout
    status = next(c for c in changes if c["kind"] == "status")
    assert status["summary"].startswith("EMA · ") and status["summary"].endswith("status: draft → final")
    assert status["url"].endswith(ATMP) and status["from_version"] == 1 and status["to_version"] == 2
    page_diff = regwatch("diff", str(status["document_id"])).stdout
    assert "[-open-]{+closed+}" in page_diff  # the draft moved to Document history, consultation closed
    adopted = "/guideline-quality-non-clinical-clinical-requirements-investigational-advanced-therapy-medicinal-" \
              "products-clinical-trials_en.pdf"
    assert not any(c["url"].endswith(adopted) for c in changes)  # part of the adoption, not an alert of its own


def almost_json(text: str) -> str:
    """The export as some consumers report it: no commas between records, an unescaped quote in a name."""
    return text.replace("},\n{", "}\n{").replace('"Investigation of chiral', '"Investigation of "chiral"')


def test_withdrawal_needs_two_catalogues_almost_json_counts_and_broken_files_remove_nothing(
        tmp_path: Path, ema: MirrorServer, ema_site: Path) -> None:
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", sources(ema, ATMP, HUMAN_CELL)), f"sqlite:///{tmp_path}/r.db")
    catalogue = ema_site / ema_mirror.CATALOGUE.lstrip("/")
    valid = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(almost_json(valid), encoding="utf-8")
    assert regwatch("run").returncode == 0
    ema_mirror.touch(ema_site, HUMAN_CELL)  # noise only: banner, rating, cookie settings
    catalogue.write_text(valid, encoding="utf-8")
    ema_mirror.withdraw(ema_site, HUMAN_CELL_DRAFT_ID)
    almost = almost_json(catalogue.read_text(encoding="utf-8"))
    catalogue.write_text(almost, encoding="utf-8")
    assert regwatch("run").returncode == 0  # first run without the record

    catalogue.write_text(almost[: len(almost) // 4], encoding="utf-8")  # cut short: a quarter of the records
    page = ema_site / "en" / ATMP / "index.html"
    redesigned = page.read_text(encoding="utf-8")
    page.write_text(redesigned.replace("data-ema-document-type", "data-document-kind"), encoding="utf-8")
    broken = regwatch("run")
    assert broken.returncode == 1
    assert "ema-documents" in broken.stderr and "truncated" in broken.stderr
    assert "could not be parsed" in broken.stdout + broken.stderr  # the redesigned page is an error too

    catalogue.write_text(almost, encoding="utf-8")
    page.write_text(redesigned, encoding="utf-8")  # a page that cannot be parsed at all fails its source (exit 1)
    assert regwatch("run").returncode == 0  # second readable catalogue without it: removed
    changes = regwatch.history()
    assert [c["kind"] for c in changes] == ["removed"]  # nothing from the noise edit or the broken run
    assert changes[0]["url"].endswith("/draft-guideline-human-cell-based-medicinal-products_en.pdf")


def test_cat_listing_follows_the_pager_and_finds_new_minutes(tmp_path: Path, ema: MirrorServer,
                                                            ema_site: Path) -> None:
    listing = {"name": "ema-cat-meetings", "agency": "ema", "type": "listing", "url": ema.url(CAT), "max_pages": 5}
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", [listing]), f"sqlite:///{tmp_path / 'r.db'}")
    assert regwatch("run").returncode == 0
    pages = [e.path for e in ema.log.entries() if e.path.startswith(CAT)]
    assert pages == [CAT, CAT + "?page=,0,1"]
    pdfs = [e.path for e in ema.log.entries() if e.path.endswith(".pdf")]
    assert len(pdfs) == len(set(pdfs)) == 8  # 2 agendas + 6 minutes; repeated cards are not fetched twice

    edits = ema_mirror._data(ema_site, "demo/edits.json")["minutes"]
    ema_mirror.publish_minutes(ema_site, edits["card"], edits["source"])
    ema.log.clear()
    second = regwatch("run")
    assert second.returncode == 0
    assert CAT + "?page=,0,2" in [e.path for e in ema.log.entries()]  # the last minutes moved to a third page
    fetched = [e.path for e in ema.log.entries() if e.path.endswith(".pdf") and e.status == 200]
    assert fetched == ["/en/documents/minutes/minutes-cat-meeting-18-20-may-2020_en.pdf"]  # the rest: 304
    assert re.search(r"ema-cat-meetings\s+ok\s+9\s+1\s+0\s+0\s+8\s+0", second.stdout), second.stdout  # 1 new


def test_record_types_narrow_the_catalogue_and_keywords_pick_within_them() -> None:
    def entry(key: str, doc_type: str, title: str) -> CatalogueEntry:
        return CatalogueEntry(key=key, url=f"https://www.ema.europa.eu/{key}.pdf", title=title, topics=(doc_type,))

    watch = Watch(topics=("scientific-guideline",), keywords=("stem cell",), slugs=("9",))
    guideline = entry("1", "scientific-guideline", "Reflection paper on stem cell-based medicinal products")
    talk = entry("2", "presentation", "Presentation - Regulatory considerations for stem cell-based products")
    chiral = entry("3", "scientific-guideline", "Investigation of chiral active substances")
    pinned = entry("9", "pip-decision", "P/0165/2019: EMA decision on tisagenlecleucel")
    assert [is_watched_ema(e, watch) for e in (guideline, talk, chiral, pinned)] == [True, False, False, True]
    assert is_watched_ema(chiral, Watch(topics=("scientific-guideline",)))  # a type alone: all of it
    assert is_watched_ema(talk, Watch()) and not is_watched_ema(talk, Watch(slugs=("1",)))
    scoped = in_scope(Listing((guideline, talk, chiral, pinned), complete=True), watch)
    assert [e.key for e in scoped.entries] == ["1", "3", "9"] and scoped.complete
