"""The request plan on the FDA mirror (loopback): unchanged catalogue entries are left alone except on their
re-check day, a changed entry is fetched that day, a failed or never-stored document is always fetched again,
and `recheck_days: 1` requests everything. Request counts are read from the mirror's own log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from regwatch.mirror.edits import touch
from regwatch.mirror.server import MirrorServer
from regwatch.plan import recheck_day
from tests.e2e.conftest import Regwatch, write_config
from tests.e2e.test_fda_crawl import ALLOGENEIC, CATALOGUE, GUIDANCE, MINIMAL, POTENCY

SLUGS = (MINIMAL, POTENCY, ALLOGENEIC)  # in the mirror's catalogue from the start


def catalogue_only(mirror: MirrorServer, **crawl: object) -> list[dict]:
    return [{"name": "fda-guidance", "agency": "fda", "type": "catalogue", "start_urls": [mirror.url(CATALOGUE)],
             "watch": {"slugs": list(SLUGS)}}]


def page_requests(mirror: MirrorServer) -> dict[str, int]:
    """Requests per watched guidance page in the mirror's log."""
    counts = dict.fromkeys(SLUGS, 0)
    for entry in mirror.log.requests_for(GUIDANCE):
        slug = entry.path[len(GUIDANCE):].strip("/").split("?")[0]
        if slug in counts:
            counts[slug] += 1
    return counts


def document_key(regwatch: Regwatch, slug: str) -> str:
    from sqlalchemy import select

    from regwatch.store.db import open_store
    from regwatch.store.models import Document

    with open_store(regwatch.db_url)() as session:
        keys = list(session.scalars(select(Document.key).where(Document.parent_id.is_(None))))
    return next(k for k in keys if slug in k)


def stored_documents(regwatch: Regwatch) -> int:
    from sqlalchemy import func, select

    from regwatch.store.db import open_store
    from regwatch.store.models import Document

    with open_store(regwatch.db_url)() as session:
        return session.scalar(select(func.count()).select_from(Document).where(Document.watched.is_(True))) or 0


def documents_due(regwatch: Regwatch, day: date, every: int) -> int:
    """Watched pages due on `day` by the re-check rule, with their attachments."""
    from sqlalchemy import select

    from regwatch.store.db import open_store
    from regwatch.store.models import Document

    with open_store(regwatch.db_url)() as session:
        rows = list(session.execute(select(Document.id, Document.key, Document.parent_id, Document.watched)))
    checked_today = day <= datetime.now(UTC).date()  # the cold cycle checked everything today
    due = {r.id for r in rows if r.parent_id is None and r.watched and recheck_day(r.key, day, every)
           and not checked_today}
    return sum(1 for r in rows if r.id in due or r.parent_id in due)


def due_today(regwatch: Regwatch, every: int) -> set[str]:
    today = datetime.now(UTC).date()
    return {slug for slug in SLUGS if recheck_day(document_key(regwatch, slug), today, every)}


def test_unchanged_entries_are_left_alone_until_their_recheck_day(tmp_path: Path, fda_mirror: MirrorServer,
                                                                  fda_site: Path) -> None:
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", catalogue_only(fda_mirror), recheck_days=7),
                        f"sqlite:///{tmp_path / 'r.db'}")
    cold = regwatch("run")
    assert cold.returncode == 0, cold.stdout + cold.stderr
    cold_requests = len(fda_mirror.log.entries())
    assert page_requests(fda_mirror) == dict.fromkeys(SLUGS, 1)
    assert "plan fda-guidance: 3 requested (3 unchecked), 0 left alone" in cold.stdout

    listed = regwatch("sources")
    assert listed.returncode == 0, listed.stderr
    day, requests, planned, watched = re.search(
        r"next cycle \((\S+)\): (\d+) request\(s\) \(1 listing \+ (\d+) of (\d+) documents\)", listed.stdout).groups()
    expected = documents_due(regwatch, date.fromisoformat(day), 7)
    assert (int(planned), int(watched)) == (expected, stored_documents(regwatch))
    assert int(requests) == 1 + expected
    assert re.search(r"host 127\.0\.0\.1:\d+: \d+ requests next cycle .*0\.05 s apart \(robots Crawl-delay\)",
                     listed.stdout)

    due = due_today(regwatch, 7)
    fda_mirror.log.clear()
    warm = regwatch("run")  # the same day: today's re-check slot was checked by the cold cycle already
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert page_requests(fda_mirror) == dict.fromkeys(SLUGS, 0)
    warm_requests = len(fda_mirror.log.entries())
    assert warm_requests == 2  # robots.txt and the catalogue: the plan's minimum
    assert "0 requested (none), 3 left alone (entry unchanged)" in warm.stdout
    host = re.search(r"host 127\.0\.0\.1:\d+: (\d+) requests", warm.stdout)
    assert host and int(host.group(1)) == warm_requests  # the summary counts what the server saw
    print(f"cold cycle: {cold_requests} requests; warm cycle with recheck_days 7: {warm_requests} "
          f"(pages due today: {sorted(due)})")

    not_due = next(s for s in SLUGS if s not in due)  # the three keys fall on three different days of the seven
    touch(fda_site, not_due)  # its catalogue `changed` stamp moves: fetched this very day
    fda_mirror.log.clear()
    changed = regwatch("run")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert page_requests(fda_mirror)[not_due] == 1
    assert "1 changed" in changed.stdout


def test_a_failed_check_is_requested_again_on_the_next_cycle(tmp_path: Path, fda_mirror: MirrorServer,
                                                             fda_site: Path) -> None:
    # recheck_days 90: a document is due on one day in 90, so only the plan's other rules can request it here
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", catalogue_only(fda_mirror), recheck_days=90),
                        f"sqlite:///{tmp_path / 'r.db'}")
    assert regwatch("run").returncode == 0
    victim = next(s for s in SLUGS if s not in due_today(regwatch, 90))
    touch(fda_site, victim)
    fda_mirror.faults.force_status(GUIDANCE + victim, 500)
    failed = regwatch("run")
    assert "partial" in failed.stdout or failed.returncode == 1
    fda_mirror.faults.clear()
    fda_mirror.log.clear()
    again = regwatch("run")  # the catalogue entry is as the last cycle saw it, yet the last check failed
    assert again.returncode == 0, again.stdout + again.stderr
    assert page_requests(fda_mirror)[victim] == 1
    assert sum(page_requests(fda_mirror).values()) == 1
    fda_mirror.log.clear()
    assert regwatch("run").returncode == 0
    assert page_requests(fda_mirror)[victim] == 0  # checked now: left alone


def test_recheck_days_1_requests_everything_every_cycle(tmp_path: Path, fda_mirror: MirrorServer) -> None:
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", catalogue_only(fda_mirror), recheck_days=1),
                        f"sqlite:///{tmp_path / 'r.db'}")
    assert regwatch("run").returncode == 0
    cold = len(fda_mirror.log.entries())
    fda_mirror.log.clear()
    warm = regwatch("run")
    assert warm.returncode == 0
    assert page_requests(fda_mirror) == dict.fromkeys(SLUGS, 1)
    assert "3 requested (3 re-check day), 0 left alone" in warm.stdout
    assert len(fda_mirror.log.entries()) == cold  # conditional requests, but every one of them sent
