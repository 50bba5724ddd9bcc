"""The agencies are one closed set (regwatch.parsers.agencies): every per-agency registry has exactly its members,
and the config accepts exactly them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from regwatch.config import ConfigError, parse_config
from regwatch.crawler.spiders import SPIDERS
from regwatch.mirror.agencies import MIRRORS
from regwatch.parsers.agencies import AGENCIES, Agency
from regwatch.parsers.dispatch import AGENCY_PARSERS
from regwatch.terms import JURISDICTIONS


@pytest.mark.parametrize("registry", [AGENCY_PARSERS, MIRRORS, JURISDICTIONS], ids=["parsers", "mirrors", "terms"])
def test_each_registry_has_every_agency_once(registry: dict[Agency, object]) -> None:
    assert list(registry) == list(Agency)


def test_a_spider_per_agency_and_the_generic_page_spider() -> None:
    assert set(SPIDERS) == {*Agency, "page"}
    assert all(spider.name == key for key, spider in SPIDERS.items())


def test_the_plain_values_keep_their_contract_spelling() -> None:
    assert AGENCIES == ("fda", "ema", "pmda", "mfds", "nmpa")


def source(agency: str) -> dict[str, object]:
    return {"sources": [{"name": "s", "agency": agency, "url": "https://example.org/"}]}


@pytest.mark.parametrize("agency", AGENCIES)
def test_the_config_accepts_each_agency_as_its_string(agency: str) -> None:
    found = parse_config(source(agency)).sources[0].agency
    assert found == agency and f"{found}" == agency


def test_the_config_rejects_another_agency() -> None:
    with pytest.raises(ConfigError, match=r"sources\[0\]\(s\)\.agency"):
        parse_config(source("who"))


def test_the_vocabulary_loads_no_parser() -> None:
    """The config imports the agencies; that must not load every parser (the read commands start at once)."""
    probe = "import sys, regwatch.parsers.agencies; print(sorted(m for m in sys.modules if 'regwatch.parsers' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["['regwatch.parsers',", "'regwatch.parsers.agencies']"]
