"""Real captures of the agencies' pages and files, read from ../shared/real beside the project (never copied in).

Outside CI a missing folder skips the test; under CI (the `CI` variable set) it fails, since CI always has it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from regwatch.parsers.types import Fetched

REAL = Path(__file__).parents[3] / "shared" / "real"


def real_bytes(relative: str) -> bytes:
    """The bytes of `shared/real/<relative>`; skip (fail under CI) when absent."""
    path = REAL / relative
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"real capture {path} is missing (CI always has ../shared/real)")
        pytest.skip(f"real capture {path} not present")
    return path.read_bytes()


def real_fetched(relative: str, url: str, content_type: str) -> Fetched:
    """A real capture as the spider would hand it over, under its original URL."""
    return Fetched(url=url, status=200, headers={"Content-Type": content_type}, body=real_bytes(relative))
