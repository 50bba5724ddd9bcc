"""The spider parses files (PDF, office, HWP) in the bounded worker; HTML and unpicklable parsers in-process."""

from __future__ import annotations

import os

import pytest
import sandbox_targets as t

from crawler import base
from crawler.base import BaseSpider
from parsers.types import Fetched, ParseError

PDF = Fetched("https://www.fda.gov/media/1/download", 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 x")
HTML = Fetched("https://www.fda.gov/x", 200, {"Content-Type": "text/html"}, b"<p>x</p>")


@pytest.fixture
def spider(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(base, "PARSE_TIMEOUT", 2.0)
    s = BaseSpider()
    yield s
    s.closed("finished")


def test_a_hanging_file_parser_is_stopped_in_the_worker(spider: BaseSpider) -> None:
    with pytest.raises(ParseError, match="longer than 2 s"):
        spider.parse(t.spin, PDF)


def test_files_parse_in_another_process_html_in_this_one(spider: BaseSpider) -> None:
    assert spider.parse(t.pid, PDF).text != str(os.getpid())
    assert spider.parse(t.pid, HTML).text == str(os.getpid())
    assert spider.parse(lambda f: t.pid(f), PDF).text == str(os.getpid())  # a lambda cannot travel: in-process
