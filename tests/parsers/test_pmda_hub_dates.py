"""PMDA hubs put a notice's date and number after a <br> in the item, or in a p.ml20 after its list; talks and
papers on the same page are not notices; a JP table whose links read only "PDFファイル[317 KB]" is named by its row."""

from __future__ import annotations

from datetime import date

from real_captures import real_fetched

from regwatch.mirror.agencies import SITES_ROOT
from regwatch.parsers import pmda
from regwatch.parsers.types import Fetched

_HUB = "https://www.pmda.go.jp/english/review-services/reviews/0005.html"


def _by_file(listing, file_id: str):  # type: ignore[no-untyped-def]
    return next(e for e in listing.entries if e.url.endswith(f"/files/{file_id}.pdf"))


def _check_biosimilars(listing) -> None:  # type: ignore[no-untyped-def]
    checklist = _by_file(listing, "000281591")
    assert checklist.issued == date(2026, 7, 3)
    assert checklist.title.endswith("at the Time of Initial Clinical Trial Notification (Early Consideration)")
    part2 = _by_file(listing, "000280738")
    assert (part2.issued, part2.doc_type) == (date(2026, 5, 12), "Administrative Notice")
    assert part2.title == ("Questions and Answers (Q&A) on Guideline for Ensuring the Quality, Safety, and Efficacy "
                           "of Biosimilars (Part 2)")
    qa = _by_file(listing, "000267480")  # date and type in the p.ml20 after its list
    assert (qa.issued, qa.doc_type) == (date(2024, 1, 25), "Administrative Notice")
    guideline = _by_file(listing, "000267479")
    assert (guideline.issued, guideline.number) == (date(2020, 2, 4), "PSEHD/PED Notification No. 0204-1")
    assert guideline.title == "Guideline for Ensuring Quality, Safety, and Efficacy of Biosimilars"
    assert not any(e.url.endswith(("/files/000274802.pdf", "/files/000282005.pdf")) for e in listing.entries)
    assert not any("KB]" in e.title for e in listing.entries)


def test_real_biosimilars_hub() -> None:
    listing = pmda.parse_catalogue(real_fetched("pmda/biosimilars-en-hub.html", _HUB, "text/html"))
    assert len(listing.entries) == 7  # 12 /files/ PDFs in lists, 5 of them presentations
    assert all(e.issued for e in listing.entries)  # before: no date found in any entry
    _check_biosimilars(listing)
    names = _by_file(listing, "000272338")
    assert (names.issued, names.number) == (date(2013, 2, 14), "PFSB/ELD Notification No. 0214-1")


def test_mirror_biosimilars_hub_has_the_real_layout() -> None:
    body = (SITES_ROOT / "pmda" / "english/review-services/reviews/0005.html").read_bytes()
    listing = pmda.parse_catalogue(Fetched(url=_HUB, status=200, headers={"Content-Type": "text/html"}, body=body))
    assert len(listing.entries) == 4
    _check_biosimilars(listing)


def test_japanese_table_named_by_its_row() -> None:
    html = """<html><body><main class="main"><div class="inner editor"><h2>対面助言</h2><table>
      <tr><th>相談区分</th><th>資料</th></tr>
      <tr><td>再生医療等製品事前面談の実施要綱</td><td><a href="/files/000270001.pdf">PDFファイル[317 KB]</a></td></tr>
      <tr><td>再生医療等製品の相談手数料（2025年4月1日 改定）</td>
          <td><a href="/files/000270002.pdf">PDFファイル[1.2 MB]</a></td></tr>
    </table></div></main></body></html>"""
    fetched = Fetched(url="https://www.pmda.go.jp/review-services/f2f-pre/consultations/0001.html", status=200,
                      headers={"Content-Type": "text/html; charset=utf-8"}, body=html.encode("utf-8"))
    first, second = pmda.parse_catalogue(fetched).entries
    assert first.title == "再生医療等製品事前面談の実施要綱"
    assert second.title == "再生医療等製品の相談手数料" and second.issued == date(2025, 4, 1)
