"""The parts of a distributed run without a crawl: the error lines, requests through Redis, what the coordinator
does with the work of a dead worker, and the pace shared by workers (real Redis, real PostgreSQL)."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from scrapy import Request
from scrapy.http import HtmlResponse
from sqlalchemy import select

from regwatch.cli import main
from regwatch.config import parse_config
from regwatch.crawler.board import Board
from regwatch.crawler.distributed import RunOutlet, RunQueue, portable, restore, shared
from regwatch.crawler.middlewares import BotProtectionMiddleware, HostRefused
from regwatch.crawler.parts import ListedKeys
from regwatch.crawler.spiders import SPIDERS
from regwatch.distributed import Coordinator
from regwatch.parsers.types import CatalogueEntry
from regwatch.pipeline import Cycle
from regwatch.store.db import open_store
from regwatch.store.models import Fetch, SourceRun
from tests.distributed.conftest import REDIS_URL, distribute

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/regwatch"
SOURCES = [{"name": "fda-guidance", "agency": "fda", "type": "catalogue",
            "url": "http://127.0.0.1:9/files/api/datatables/static/search-for-guidance.json"}]


def config_file(tmp_path: Path, prefix: str, store: str = PG, **distributed: object) -> Path:
    import yaml

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"store": {"url": store}, "sources": SOURCES}))
    return distribute(path, prefix, **distributed)


def one_line(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env={"REGWATCH_DATABASE_URL": "", "REGWATCH_REDIS_URL": "", **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    return result.exit_code, lines[0]


@pytest.mark.parametrize("command", [["run", "--distributed"], ["worker", "--once"], ["worker"]])
def test_unreachable_redis_and_sqlite_store_are_one_line_each(tmp_path: Path, command: list[str]) -> None:
    down = config_file(tmp_path, "rwtest-down", redis_url="redis://127.0.0.1:1/0")
    code, line = one_line(["--config", str(down), *command])
    assert code == 2 and line.startswith("regwatch: cannot reach Redis at redis://127.0.0.1:1/0 (ConnectionError")

    sqlite = config_file(tmp_path, "rwtest-sqlite", store=f"sqlite:///{tmp_path / 'r.db'}")
    code, line = one_line(["--config", str(sqlite), *command])
    assert code == 2 and "distributed mode needs a database every machine can reach" in line
    assert "store.url is SQLite" in line and "use PostgreSQL" in line

    hidden = config_file(tmp_path, "rwtest-pw")
    code, line = one_line(["--config", str(hidden), *command], {"REGWATCH_REDIS_URL": "redis://:s3cret@127.0.0.1:1/0"})
    assert code == 2 and "s3cret" not in line and "***" in line  # $REGWATCH_REDIS_URL wins; its password is hidden


def test_a_second_coordinator_is_refused_in_one_line(tmp_path: Path, redis_prefix: str) -> None:
    board = Board(redis.Redis.from_url(REDIS_URL), redis_prefix)
    assert board.claim_coordinator("elsewhere:42", ttl=30) is None
    code, line = one_line(["--config", str(config_file(tmp_path, redis_prefix)), "run", "--distributed"])
    assert code == 2
    assert line == (f"regwatch: another distributed run is in progress (coordinator elsewhere:42, Redis key prefix "
                    f"'{redis_prefix}'); wait for it to finish")


@pytest.mark.parametrize("agency", sorted(SPIDERS))
def test_requests_cross_redis_with_callbacks_sources_and_parsers(agency: str) -> None:
    """Every kind of request a spider makes survives pickling: callbacks by name, the source by name (looked up in
    the worker's configuration), the parser as itself or rebuilt."""
    source = {"name": "s", "agency": agency if agency != "page" else None,
              "type": "page" if agency == "page" else "catalogue", "url": "http://127.0.0.1:9/list"}
    config = parse_config({"sources": [source]})
    spider = SPIDERS[agency](sources=list(config.sources), sink=_NoStore())
    src = config.sources[0]
    entry = CatalogueEntry(key="doc", url="http://127.0.0.1:9/doc", title="A guidance")
    made = [shared(r) for r in (spider.listing_request(src, src.urls[0], 1), *spider.entry_requests(src, entry),
                                *spider.attachment_requests(src, "doc", ["http://127.0.0.1:9/files/a.pdf"]))]
    for request in made:
        again = restore(pickle.loads(pickle.dumps(portable(request, spider))), spider)
        assert (again.url, again.method, again.body, again.priority) == (request.url, request.method, request.body,
                                                                          request.priority)
        assert again.callback.__func__ is request.callback.__func__  # type: ignore[union-attr]
        assert again.errback.__func__ is request.errback.__func__  # type: ignore[union-attr]
        assert again.cb_kwargs["source"] is src and not again.dont_filter
        if "parser" in request.cb_kwargs:
            assert _same_parser(again.cb_kwargs["parser"], request.cb_kwargs["parser"])


def test_work_of_a_dead_worker_is_queued_again_then_recorded_as_an_error(pg_schema, redis_prefix: str) -> None:
    db_url = pg_schema()
    config = parse_config({"store": {"url": db_url}, "sources": SOURCES,
                           "distributed": {"redis_url": REDIS_URL, "prefix": redis_prefix, "max_requeues": 1}})
    board = Board(redis.Redis.from_url(REDIS_URL), redis_prefix)
    cycle = Cycle.start(config, list(config.sources), shared=True)
    out = io.StringIO()
    coordinator = Coordinator(config, board, cycle, out)
    coordinator.publish("here:1")
    outlet = RunOutlet(board.run(cycle.run_id, "w-dead"), cycle.sink)
    spider = SPIDERS["fda"](sources=list(config.sources), sink=cycle.sink, **outlet.parts())
    entry = CatalogueEntry(key="doc", url="http://127.0.0.1:9/doc", title="A guidance")
    queue = RunQueue(board.redis, spider, board.run(cycle.run_id).queue_key("fda"))
    queue.push(next(iter(spider.entry_requests(config.sources[0], entry))))

    for attempt in (1, 2):
        taken = queue.pop()  # taken by worker "w-dead", which never beats: it is dead
        assert taken is not None and taken.cb_kwargs["key"] == "doc" and len(queue) == 0
        coordinator.reconcile()
        if attempt == 1:
            assert len(queue) == 1 and coordinator.run.pending() == 1  # queued again, not lost
    assert len(queue) == 0 and coordinator.run.pending() == 0  # given up after `max_requeues` …
    assert "http://127.0.0.1:9/doc lost in the distributed crawl: its worker w-dead stopped" in out.getvalue()
    with open_store(db_url)() as session:  # … and recorded: the source shows the error, nothing silently lost
        fetch = session.scalars(select(Fetch)).one()
        assert (fetch.url, fetch.outcome) == ("http://127.0.0.1:9/doc", "error")
        assert session.scalars(select(SourceRun)).one().errors == 1
    summary = cycle.finish()
    assert summary.sources[0].status == "failed" and "lost in the distributed crawl" in (summary.sources[0].error or "")
    coordinator.run.close("drained")


def test_workers_share_the_hosts_found_blocked_and_what_listing_pages_showed(redis_prefix: str) -> None:
    """Given the run's parts, two workers' spiders share the block list (read by the bot-protection middleware) and
    the memory of listing pages, which answers as one process's memory does."""
    board = Board(redis.Redis.from_url(REDIS_URL), redis_prefix)
    first, second = (SPIDERS["ema"](sink=_NoStore(), **RunOutlet(board.run(7, worker), _NoStore()).parts())
                     for worker in ("w1", "w2"))
    request = Request("https://www.fda.gov/guidance")
    apology = HtmlResponse(request.url, status=302, request=request,
                           headers={"Location": "/apology_objects/abuse-detection-apology.html"})
    with pytest.raises(HostRefused):
        BotProtectionMiddleware(first.blocks).process_response(request, apology)
    elsewhere = BotProtectionMiddleware(second.blocks)
    with pytest.raises(HostRefused) as refused:
        elsewhere.process_request(Request("https://www.fda.gov/other"))
    assert refused.value.blocked
    elsewhere.process_request(Request("https://www.fda.gov/media/1/download.pdf"))  # static files are still tried
    elsewhere.process_request(Request("https://www.ema.europa.eu/en"))  # other hosts too

    alone = ListedKeys()
    for spider, keys in ((first, ["a", "b"]), (second, ["b", "c"]), (first, ["a", "c"])):
        assert spider.listed.first_listed("cat", keys) == alone.first_listed("cat", keys)
    assert alone.first_listed("cat", ["d"]) == [True] and second.listed.first_listed("other", ["a"]) == [True]


def test_workers_share_a_hosts_pace(redis_prefix: str) -> None:
    board = Board(redis.Redis.from_url(REDIS_URL), redis_prefix)
    assert board.pace("example.org", 2.0) == pytest.approx(0, abs=0.05)
    assert board.pace("example.org", 2.0) == pytest.approx(2.0, abs=0.05)  # another worker: after the first
    assert board.pace("example.org", 0.0) == pytest.approx(4.0, abs=0.05)  # one that has not read robots.txt yet
    assert board.pace("example.net", 0.0, earliest=1.0) == pytest.approx(1.0, abs=0.05)  # its own spacing too


def test_a_late_sender_pushes_the_next_send_back(redis_prefix: str) -> None:
    board = Board(redis.Redis.from_url(REDIS_URL), redis_prefix)
    assert board.confirm_send("example.org", 2.0) == 0  # sent now (recorded on Redis's clock)
    assert board.confirm_send("example.org", 2.0) == pytest.approx(2.0, abs=0.05)  # another one must wait 2 s
    assert board.confirm_send("example.com", 2.0) == 0  # other hosts are independent


class _NoStore:
    def validators(self, source: str, key: str) -> dict[str, str]:
        return {}

    def children(self, source: str, key: str) -> list[tuple[str, str]]:
        return []


def _same_parser(a: object, b: object) -> bool:
    if a == b:
        return True
    for attr in ("func", "args", "keywords"):  # partials compare by what they wrap
        if getattr(a, attr, None) != getattr(b, attr, None):
            return False
    return hasattr(a, "func")
