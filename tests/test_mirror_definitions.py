"""The mirrors define the default terms in each jurisdiction's own forms, and the demo's definition change rewords
one of them (NMPA's 外泌体) and moves that page's Last-Modified."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from regwatch.mirror import site as site_files
from regwatch.mirror.agencies import SITES_ROOT
from regwatch.mirror.definitions import DEMO_NEW, DEMO_OLD, DEMO_PATH, DEMO_SITE, change_definition
from regwatch.parsers.definitions import extract
from regwatch.terms import DEFAULT_TERMS, term_keys

PAGES = {  # jurisdiction → (site, URL path) of a mirrored document carrying definitions
    "US": ("fda", "/media/109176/download.txt"),
    "EU": ("ema", "/en/stem-cell-based-medicinal-products-scientific-guideline"),
    "JP": ("pmda", "/safety/info-services/ctp/0001.html"),
    "KR": ("mfds", "/brd/m_209/view/24789.html"),
    "CN": ("nmpa", DEMO_PATH),
}
FORMS = {"US": {"means", "refers_to"}, "EU": {"means", "defined_as", "refers_to"}, "JP": {"toiu"}, "KR": {"ran"},
         "CN": {"suocheng", "shizhi", "zhi"}}


def page_text(site: Path, path: str) -> str:
    if path.endswith(".txt"):
        return (site / path.lstrip("/")).read_text(encoding="utf-8")
    found = site_files.resolve(site, path)
    assert found is not None, path
    return BeautifulSoup(found.body, "html.parser").get_text("\n")


@pytest.mark.parametrize("jurisdiction", list(PAGES))
def test_each_jurisdiction_defines_default_terms_in_its_own_forms(jurisdiction: str) -> None:
    name, path = PAGES[jurisdiction]
    found = extract(page_text(SITES_ROOT / name, path))
    defined = {label for label, names in DEFAULT_TERMS.items() for d in found if set(d.keys) & term_keys(names)}
    assert {"stem cell", "exosome", "mesenchymal stem cell"} <= defined, defined
    assert len(defined) >= 5
    assert {d.form for d in found} & FORMS[jurisdiction]


def test_the_demo_rewords_one_definition(tmp_path: Path) -> None:
    site = Path(shutil.copytree(SITES_ROOT / DEMO_SITE, tmp_path / DEMO_SITE))
    before = site_files.last_modified_table(site).get(DEMO_PATH)
    change_definition({DEMO_SITE: site})
    text = page_text(site, DEMO_PATH)
    assert DEMO_NEW in text and DEMO_OLD not in text
    assert site_files.last_modified_table(site)[DEMO_PATH] != before
    (exosome,) = [d for d in extract(text) if d.keys == ("外泌体",)]
    assert exosome.sentence == DEMO_NEW
    with pytest.raises(ValueError):
        change_definition({DEMO_SITE: site})  # already reworded: said, not silently skipped
