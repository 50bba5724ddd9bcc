"""The demo's dates: each jurisdiction's comment and effective dates written into copies of the mirrors, read back
from the served pages' text by parsers.deadlines, and the FDA comment period moved by the scripted edit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from regwatch.mirror import catalogue
from regwatch.mirror.agencies import copy_sites
from regwatch.mirror.agencies import deadlines as demo_dates
from regwatch.mirror.agencies.deadlines import CDE_PAGE, EMA_PAGE, FDA_DRAFT
from regwatch.mirror.agencies.pmda import TDOC_FILE
from regwatch.parsers.deadlines import from_fields, from_text, primary
from regwatch.parsers.ema import parse_guidance_page
from regwatch.parsers.types import Fetched

TODAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    sites = copy_sites(tmp_path_factory.mktemp("mirror"))
    demo_dates.seed(sites, TODAY)
    return sites


def page_dates(path: Path, encoding: str = "utf-8", slash: str = "dmy") -> dict[str, date | None]:
    text = BeautifulSoup(path.read_bytes().decode(encoding), "lxml").get_text("\n")
    return {kind: f.date for kind, f in primary(from_text(text, slash)).items()}


def test_each_jurisdiction_writes_its_dates_in_its_own_form(sites: dict[str, Path]) -> None:
    url = "https://www.ema.europa.eu/" + EMA_PAGE.removesuffix("/index.html")
    page = parse_guidance_page(Fetched(url, 200, {"Content-Type": "text/html; charset=UTF-8"},
                                       (sites["ema"] / EMA_PAGE).read_bytes()))  # card labels as EMA's parser reads
    ema = {kind: f.date for kind, f in primary(from_text(page.text)).items()}
    assert (ema["effective"], ema["comment_close"]) == (date(2027, 4, 6), date(2027, 1, 21))
    mhlw = page_dates(sites["mhlw"] / TDOC_FILE, "cp932")
    assert (mhlw["effective"], mhlw["transition_end"]) == (date(2027, 5, 6), date(2028, 5, 5))
    cde = page_dates(sites["cde"] / CDE_PAGE)
    assert (cde["comment_close"], cde["effective"]) == (date(2027, 1, 16), date(2027, 6, 5))
    mfds = page_dates(sites["mfds"] / "brd/m_209/view/39260.html", "cp949")
    assert (mfds["comment_close"], mfds["effective"]) == (date(2026, 12, 12), date(2027, 3, 7))


def test_the_scripted_edit_extends_the_fda_comment_period(sites: dict[str, Path]) -> None:
    def close() -> date | None:
        record = next(r for r in catalogue.load(sites["fda"]) if FDA_DRAFT in catalogue.slug_of(r))
        (found,) = from_fields(record)
        return found.date

    assert close() == date(2027, 2, 5)
    demo_dates.move(sites, TODAY)
    assert close() == date(2027, 3, 7)
    assert demo_dates.reiwa(date(2019, 5, 1)) == "令和元年5月1日"
