"""Parsers on hostile files are stopped within bounds; the worker comes back for the next file."""

from __future__ import annotations

import time

import pytest
import sandbox_targets as t

from regwatch.parsers.sandbox import BoundedParser
from regwatch.parsers.types import Fetched, ParseError

FILE = Fetched("https://example.org/f.pdf", 200, {}, b"hello")


@pytest.fixture
def bounded():  # type: ignore[no-untyped-def]
    parser = BoundedParser(timeout=2, memory_mb=300)
    yield parser
    parser.close()


def test_a_normal_parse_returns_its_document(bounded: BoundedParser) -> None:
    assert bounded.parse(t.fine, FILE).text == "hello"


def test_an_endless_parse_is_stopped_and_the_next_file_still_parses(bounded: BoundedParser) -> None:
    started = time.monotonic()
    with pytest.raises(ParseError, match="longer than 2 s"):
        bounded.parse(t.spin, FILE)
    assert time.monotonic() - started < 10
    assert bounded.parse(t.fine, FILE).text == "hello"


def test_a_memory_bomb_is_stopped() -> None:
    bounded = BoundedParser(timeout=60, memory_mb=300)  # the memory limit, not the clock, must stop it
    try:
        with pytest.raises(ParseError, match="memory"):
            bounded.parse(t.hog, FILE)
        assert bounded.parse(t.fine, FILE).title == "ok"
    finally:
        bounded.close()


def test_parse_errors_and_deep_recursion_come_back_as_parse_errors(bounded: BoundedParser) -> None:
    with pytest.raises(ParseError, match="not a PDF"):
        bounded.parse(t.refuse, FILE)
    with pytest.raises(ParseError, match="nests too deeply"):
        bounded.parse(t.recurse, FILE)
