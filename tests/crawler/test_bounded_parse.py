"""The spider parses files (PDF, office, HWP) in the bounded worker; HTML and unpicklable parsers in-process.
Every spider's own parsers are picklable, so no file bypasses the worker."""

from __future__ import annotations

import os

import hostile
import pytest
import sandbox_targets as t

from regwatch.config import SourceConfig
from regwatch.crawler import base
from regwatch.crawler.base import BaseSpider, Parser
from regwatch.crawler.spiders import SPIDERS
from regwatch.parsers.types import Fetched, ParseError

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


def test_files_and_pages_parse_in_worker_processes_a_lambda_in_this_one(spider: BaseSpider) -> None:
    assert spider.parse(t.pid, PDF).text != str(os.getpid())
    assert spider.parse(t.pid, HTML).text != str(os.getpid())  # the crawl's thread only fetches and stores
    assert spider.parse(lambda f: t.pid(f), PDF).text == str(os.getpid())  # a lambda cannot travel: in-process


def test_the_pool_has_a_worker_per_core_each_bounded_on_its_own(spider: BaseSpider) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool = base.FileParser(workers=2)
    pool.join()
    try:
        with ThreadPoolExecutor(2) as threads:  # a hanging file in one worker, a page in the other
            hanging = threads.submit(pool.parse, t.spin, PDF)
            pids = {pool.parse(t.pid, HTML).text for _ in range(3)}
            with pytest.raises(ParseError, match="longer than 2 s"):
                hanging.result()
        assert len(pids) == 1 and str(os.getpid()) not in pids  # parsed while the other worker was stuck
    finally:
        pool.leave()
    assert base.FileParser().size == (os.cpu_count() or 1)


class ListSink:
    """The spiders' sink in its simplest real form: no validators, no children, findings kept in a list."""

    def __init__(self) -> None:
        self.items: list[object] = []

    def validators(self, source: str, key: str) -> dict[str, str]:
        return {}

    def children(self, source: str, key: str) -> list[tuple[str, str]]:
        return []

    def accept(self, item: object) -> None:
        self.items.append(item)

    def source_failed(self, source: str, reason: str, *, blocked: bool = False) -> None:
        self.items.append(reason)

    def source_notice(self, source: str, note: str) -> None:
        self.items.append(note)

    def plan(self, source: str, entries: object) -> set[str]:
        return set()


ATTACHMENT = "https://www.nmpa.gov.cn/directory/web/nmpa/images/0dPSqbG7yrmzxKO6.pdf"


def file_parsers(agency: str) -> list[tuple[str, Parser]]:
    """Every parser a spider attaches to its document and attachment requests, for each source type."""
    spider = SPIDERS[agency](sink=ListSink())
    found = []
    for kind in ("feed", "page") if agency == "page" else ("catalogue", "listing", "feed", "page"):
        source = SourceConfig(name="s", agency=None if agency == "page" else agency, type=kind,
                              url="https://example.org/list")
        page = spider.document_request(source, key="k", url="https://example.org/doc")
        files = list(spider.attachment_requests(source, "k", [ATTACHMENT]))
        found += [(f"{agency} {kind} page", page.cb_kwargs["parser"])]
        found += [(f"{agency} {kind} attachment", request.cb_kwargs["parser"]) for request in files]
    return found


@pytest.mark.parametrize("agency", sorted(SPIDERS))
def test_every_spider_sends_every_file_to_the_bounded_worker(agency: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No parser a spider uses is a lambda or closure: each one travels to the worker, which the tiny timeout
    proves (a parse in this process has no timeout)."""
    monkeypatch.setattr(base, "PARSE_TIMEOUT", 0.001)
    spider = BaseSpider()
    pdf = Fetched(ATTACHMENT, 200, {}, hostile.pdf_plain())
    try:
        for role, parser in file_parsers(agency):
            assert base._picklable(parser), role
            with pytest.raises(ParseError, match="longer than 0.001 s"):
                spider.parse(parser, pdf)
    finally:
        spider.closed("finished")
