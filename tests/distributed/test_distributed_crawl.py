"""Two `regwatch worker` processes crawl the FDA mirror for `regwatch run --distributed` (real Redis, real
PostgreSQL), side by side with a single-process `regwatch run` on its own copy of the mirror and its own schema:
every document fetched once, each version stored once, and the same documents, versions, ledger, changes and
alerts in both stores, over a baseline cycle and a cycle after the site changed."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from regwatch.mirror.edits import copy_site, demo_edits
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import Change, Document, Fetch, Run, Source, SourceRun, Version
from tests.distributed.conftest import distribute, finish, spawn
from tests.e2e.conftest import FAST_CRAWL_DELAY, SECRET, Regwatch, set_crawl_delay, write_config
from tests.e2e.test_fda_crawl import HBV, MINIMAL, fda_sources
from tests.e2e.test_request_plan import SLUGS, catalogue_only, page_requests

# the mirror's robots.txt Crawl-delay, kept between the requests of both workers together; long enough that the crawl
# outlasts the gap between the two workers' start-ups on a loaded machine (each then takes a share of the queue)
DELAY = 0.5


def snapshot(db_url: str) -> dict[str, Any]:
    """What a run leaves in the store, comparable across databases (no ids, no times)."""
    with open_store(db_url)() as s:
        docs = {d.id: d for d in s.scalars(select(Document))}
        names = {src.id: src.name for src in s.scalars(select(Source))}
        runs = [r.id for r in s.scalars(select(Run).order_by(Run.id))]

        def doc(doc_id: int) -> tuple[str, str]:
            return names[docs[doc_id].source_id], docs[doc_id].key

        return {
            "documents": sorted((names[d.source_id], d.key, d.url, d.title, d.status, d.watched,
                                 d.missing_runs, d.removed_at is None) for d in docs.values()),
            "versions": sorted((*doc(v.document_id), v.number, v.text_sha256, v.raw_sha256, runs.index(v.run_id))
                               for v in s.scalars(select(Version))),
            "changes": sorted((*doc(c.document_id), c.kind, c.from_version, c.to_version, c.summary,
                               runs.index(c.run_id)) for c in s.scalars(select(Change))),
            "ledger": sorted((runs.index(f.run_id), names[f.source_id], f.url, f.outcome, f.http_status)
                             for f in s.scalars(select(Fetch))),
            "source_runs": sorted((runs.index(r.run_id), names[r.source_id], r.status, r.seen, r.new, r.changed,
                                   r.removed, r.unchanged, r.errors) for r in s.scalars(select(SourceRun))),
            "runs": [r.status for r in s.scalars(select(Run).order_by(Run.id))],
            "duplicate_versions": s.execute(select(Version.document_id, Version.text_sha256, func.count())
                                            .group_by(Version.document_id, Version.text_sha256)
                                            .having(func.count() > 1)).all(),
        }


def alerts(smtp: SmtpReceiver, hook: WebhookReceiver) -> dict[str, Any]:
    assert all(d.verified for d in hook.deliveries)
    return {"mail": sorted(m["Subject"] for m in smtp.messages),
            "hook": sorted((d.json["type"], d.json["data"]["kind"], d.json["data"]["title"],
                            d.json["data"]["summary"], d.json["data"]["url"]) for d in hook.deliveries)}


def crawl_once(regwatch: Regwatch) -> None:
    """One distributed cycle crawled by one worker (up and waiting before the run is queued)."""
    worker = spawn(regwatch, "worker", "--once")
    assert any("waiting for a run" in line for line in iter(worker.stdout.readline, "")), finish(worker)  # type: ignore[union-attr]
    code, out, err = finish(spawn(regwatch, "run", "--distributed"))
    assert code == 0, (out, err)
    code, out, err = finish(worker)
    assert code == 0, (out, err)


def fetched_by(mirror: MirrorServer, contact: str) -> list[Any]:
    """The document requests one installation made (told apart by the contact in its User-Agent)."""
    return [e for e in mirror.log.entries() if e.path != "/robots.txt" and contact in (e.header("User-Agent") or "")]


def test_two_workers_crawl_as_one_process_would(tmp_path: Path, pg_schema, redis_prefix: str) -> None:
    site = copy_site(tmp_path / "site")
    set_crawl_delay(site, DELAY)
    with (MirrorServer(site) as mirror, SmtpReceiver() as smtp_1, SmtpReceiver() as smtp_n,
          WebhookReceiver(secret=SECRET) as hook_1, WebhookReceiver(secret=SECRET) as hook_n):
        sources = fda_sources(mirror, (MINIMAL, HBV))  # HBV is published by the edits: new in the second cycle
        single = Regwatch(write_config(tmp_path / "single.yaml", sources, smtp_1, hook_1, contact="(single)"),
                          pg_schema())
        config = write_config(tmp_path / "distributed.yaml", sources, smtp_n, hook_n, contact="(distributed)")
        distributed = Regwatch(distribute(config, redis_prefix, concurrency=1), pg_schema())

        for cycle in (1, 2):
            if cycle == 2:
                demo_edits(site)
                mirror.log.clear()
            workers = [spawn(distributed, "worker", "--once") for _ in range(2)]
            for worker in workers:  # both are up and waiting before the run is queued: each gets its share
                lines = iter(worker.stdout.readline, "")  # type: ignore[union-attr]
                assert any("waiting for a run" in line for line in lines), finish(worker)
            reference = spawn(single, "run")  # at the same time, on the same mirror
            code, out, err = finish(spawn(distributed, "run", "--distributed"))
            assert code == 0, (out, err)
            assert "queued for the workers" in err
            crawled = []
            for worker in workers:
                code, out, err = finish(worker)
                assert code == 0, (out, err)
                crawled.append(int(re.search(r"(\d+) request\(s\) crawled here", out).group(1)))  # type: ignore[union-attr]
            code, out, err = finish(reference)
            assert code == 0, (out, err)

            ours = fetched_by(mirror, "(distributed)")
            fetched = Counter(e.path for e in ours)
            assert fetched == Counter(e.path for e in fetched_by(mirror, "(single)"))  # what one process fetched …
            assert set(fetched.values()) == {1}  # … each exactly once across the two workers
            assert all(n > 0 for n in crawled) and sum(crawled) == len(fetched), crawled  # both did some work
            arrivals = sorted(e.time for e in ours)  # the log is in order of answers; a big file answers later
            gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
            assert min(gaps) >= DELAY * 0.9, gaps  # the Crawl-delay held between the two workers' requests

        ours_db, theirs_db = snapshot(distributed.db_url), snapshot(single.db_url)
        assert ours_db["duplicate_versions"] == []
        assert ours_db["runs"] == ["ok", "ok"]
        assert {change[2] for change in ours_db["changes"]} == {"new", "changed"}
        for part in ("documents", "versions", "changes", "ledger", "source_runs"):
            assert ours_db[part] == theirs_db[part], (part, set(ours_db[part]) ^ set(theirs_db[part]))
        sent = alerts(smtp_n, hook_n)
        assert len(sent["mail"]) == 2 and len(sent["hook"]) == 2
        assert sent == alerts(smtp_1, hook_1)


def test_workers_follow_the_request_plan_of_the_config(tmp_path: Path, pg_schema, redis_prefix: str) -> None:
    """`crawl.recheck_days` rules a distributed run as it rules `regwatch run` (tests.e2e.test_request_plan): the
    same day, unchanged catalogue entries checked by the last cycle are left alone by the workers."""
    site = copy_site(tmp_path / "site")
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    with MirrorServer(site) as mirror:
        config = write_config(tmp_path / "c.yaml", catalogue_only(mirror), recheck_days=7)
        regwatch = Regwatch(distribute(config, redis_prefix), pg_schema())
        crawl_once(regwatch)
        assert page_requests(mirror) == dict.fromkeys(SLUGS, 1)
        mirror.log.clear()
        crawl_once(regwatch)
        assert page_requests(mirror) == dict.fromkeys(SLUGS, 0)
        assert len(mirror.log.entries()) == 2  # robots.txt and the catalogue: the plan's minimum
