"""One history model: `regwatch history` (a real process) and /api/changes give the same changes for the same
filters on one store — text in every script and topics through the same index, dates with the same bounds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from flask.testing import FlaskClient

from tests.web.conftest import WebStore

CASES = [
    {},
    {"agency": "mfds"},
    {"kind": "changed"},
    {"source": ["mfds-notices", "nmpa-notices"]},
    {"since": "2026-11-03"},
    {"until": "2026-11-02", "agency": "fda"},
    {"text": "幹細胞"},
    {"text": "줄기세포"},
    {"text": "胞"},
    {"text": "EXOSOME"},
    {"text": "minimal manipulation"},
    {"text": "characters"},
    {"topic": "exosomes"},
    {"topic": "stem_cells"},
    {"topic": "exosomes", "agency": "mfds", "kind": "new"},
    {"topic": "stem_cells", "text": "quality"},
    {"significance": "obligation"},
    {"review": "unreviewed", "agency": "pmda"},
]


def cli_ids(config: Path, filters: dict[str, str | list[str]]) -> list[int]:
    args = [arg for name, value in filters.items() for v in ([value] if isinstance(value, str) else value)
            for arg in (f"--{name}", v)]
    done = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "history", "--format", "json",
                           *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [row["id"] for row in json.loads(done.stdout)]


def api_ids(client: FlaskClient, filters: dict[str, str | list[str]]) -> list[int]:
    response = client.get("/api/changes?" + urlencode({**filters, "limit": 1000}, doseq=True))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["id"] for row in response.get_json()]


@pytest.fixture(scope="module")
def config(web_store: WebStore) -> Path:
    path = web_store.path / "history-model.yaml"
    path.write_text(yaml.safe_dump({"store": {"url": web_store.url}}))
    return path


@pytest.mark.parametrize("filters", CASES, ids=lambda f: urlencode(f, doseq=True) or "all")
def test_cli_and_api_give_the_same_changes(client: FlaskClient, config: Path,
                                           filters: dict[str, str | list[str]]) -> None:
    assert cli_ids(config, filters) == api_ids(client, filters)


def test_the_cases_are_not_all_empty(client: FlaskClient) -> None:
    """The comparison means something: most cases select changes, and the filters narrow differently."""
    found = [tuple(api_ids(client, f)) for f in CASES]
    assert sum(1 for ids in found if ids) >= len(CASES) - 3
    assert len(set(found)) >= 10
