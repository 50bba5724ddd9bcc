"""The real captures in ../shared/real not covered by a test of their own agency module: CDE's guideline list API
and the two FDA catalogue records (field shapes). Each parses with the fields the capture shows."""

from __future__ import annotations

from datetime import date

import pytest
from real_captures import real_fetched

from regwatch.parsers import cde, fda
from regwatch.parsers.types import Status

_CDE = "https://www.cde.org.cn/zdyz/getDomesticGuideList"


@pytest.mark.parametrize(("page", "first_key", "first_title", "first_issued"), [
    (1, "9c92f5cfa79fc44da0ac28d2b3a0f6b3", "预防用mRNA疫苗临床试验技术指导原则(试行)", date(2026, 6, 1)),
    (2, "73c35b23d5e0b44cccd22e60167a6f2f", "药物上市申请临床评价技术指导原则", date(2026, 4, 8)),
    (3, "02d2429405fee504d4691450c9dbd2aa", "罕见病用化学药物药学研究指导原则(试行)", date(2026, 2, 12)),
])
def test_real_cde_guideline_list_pages(page: int, first_key: str, first_title: str, first_issued: date) -> None:
    listing = cde.parse_guide_list(real_fetched(f"cde/getDomesticGuideList-page{page}.json", _CDE, "application/json"))
    assert len(listing.entries) == 10 and not listing.complete
    assert listing.next_page == f"{_CDE}?pageNum={page + 1}"  # 64 pages in all
    head = listing.entries[0]
    assert (head.key, head.title, head.issued, head.status) == (first_key, first_title, first_issued, Status.FINAL)
    assert all(e.issued and e.url.startswith("https://www.cde.org.cn/") for e in listing.entries)


def test_real_fda_catalogue_records() -> None:
    listing = fda.parse_catalogue(real_fetched("fda/catalogue-records-from-third-party-tests.json",
                                               "https://www.fda.gov/files/api/datatables/static/search-for-guidance.json",
                                               "application/json"))
    eggs, aso = listing.entries
    assert eggs.title.startswith("Small Entity Compliance Guide: Safe Handling Statements on Labeling of Shell Eggs")
    assert (eggs.status, eggs.issued, eggs.docket, eggs.attachments) == (Status.FINAL, date(2001, 7, 1),
                                                                         "FDA-2020-D-1954", ())
    assert (aso.status, aso.issued, aso.docket) == (Status.DRAFT, date(2021, 12, 1), "FDA-2021-D-0625")
    assert aso.attachments == ("https://www.fda.gov/media/159513/download",)
    assert aso.key == "nonclinical-testing-individualized-antisense-oligonucleotide"
