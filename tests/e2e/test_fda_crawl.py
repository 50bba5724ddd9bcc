"""End to end on the FDA mirror: crawl → version → diff → alert → history, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from regwatch.mirror.edits import demo_edits, finalize, touch
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import Version
from tests.e2e.conftest import Regwatch, set_crawl_delay, write_config

MINIMAL = "regulatory-considerations-human-cells-tissues-and-cellular-and-tissue-based-products-minimal"
POTENCY = "potency-tests-cellular-and-gene-therapy-products"
HBV = "recommendations-reduce-risk-transmission-hepatitis-b-virus-hbv-human-cells-tissues-and-cellular-and"
ALLOGENEIC = "safety-testing-human-allogeneic-cells-expanded-use-cell-based-medical-products"
GUIDANCE = "/regulatory-information/search-fda-guidance-documents/"
CATALOGUE = "/files/api/datatables/static/search-for-guidance.json"
HISTORY_FIELDS = {"id", "detected_at", "agency", "source", "document_id", "url", "title", "kind", "from_version",
                  "to_version", "summary"}


def fda_sources(mirror: MirrorServer, slugs: tuple[str, ...] = (MINIMAL, POTENCY, HBV, ALLOGENEIC)) -> list[dict]:
    return [
        {"name": "fda-guidance", "agency": "fda", "type": "catalogue", "start_urls": [mirror.url(CATALOGUE)],
         "watch": {"slugs": list(slugs)}},
        {"name": "fda-consumer-alert", "agency": "fda",
         "url": mirror.url("/vaccines-blood-biologics/consumers-biologics/consumer-alert-regenerative-medicine-"
                           "products-including-stem-cells-and-exosomes")},
    ]


@pytest.fixture
def regwatch(tmp_path: Path, fda_mirror: MirrorServer, smtp: SmtpReceiver, hook: WebhookReceiver) -> Regwatch:
    """SQLite; the full cycle below also runs on PostgreSQL."""
    config = write_config(tmp_path / "config.yaml", fda_sources(fda_mirror), smtp, hook)
    return Regwatch(config, f"sqlite:///{tmp_path / 'regwatch.db'}")


@pytest.fixture
def regwatch_any_db(regwatch: Regwatch, db_url: str) -> Regwatch:
    return Regwatch(regwatch.config, db_url)


def versions(db_url: str) -> int:
    with open_store(db_url)() as session:
        return session.scalar(select(func.count()).select_from(Version)) or 0


def test_full_cycle_finds_the_three_changes_and_alerts_once(regwatch_any_db: Regwatch, fda_mirror: MirrorServer,
                                                            fda_site: Path, smtp: SmtpReceiver,
                                                            hook: WebhookReceiver) -> None:
    regwatch = regwatch_any_db
    first = regwatch("run")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "baseline" in first.stdout
    assert regwatch.history() == []
    stored = versions(regwatch.db_url)
    assert stored >= 9  # 4 pages + their PDFs + the consumer alert + unwatched records' metadata

    demo_edits(fda_site)
    fda_mirror.log.clear()
    second = regwatch("run")
    assert second.returncode == 0, second.stdout + second.stderr
    conditional = [e for e in fda_mirror.log.requests_for(GUIDANCE) if e.header("If-None-Match")]
    assert conditional and all(e.status in (200, 304) for e in conditional)
    assert any(e.status == 304 for e in conditional)
    assert regwatch("run").returncode == 0  # the withdrawal is confirmed on the second run without it

    changes = regwatch.history()
    assert sorted(c["kind"] for c in changes) == ["changed", "new", "removed"]
    assert all(set(c) >= HISTORY_FIELDS for c in changes)
    assert all(c["detected_at"].endswith("Z") and c["agency"] == "fda" for c in changes)
    assert [c["detected_at"] for c in changes] == sorted((c["detected_at"] for c in changes), reverse=True)
    by_kind = {c["kind"]: c for c in changes}
    assert by_kind["changed"]["summary"].startswith("FDA · ")
    assert "obligation: 'should' → 'must'" in by_kind["changed"]["summary"]
    assert (by_kind["changed"]["from_version"], by_kind["changed"]["to_version"]) == (1, 2)
    assert HBV in by_kind["new"]["url"]
    assert POTENCY in by_kind["removed"]["url"]

    diff = regwatch("diff", str(by_kind["changed"]["document_id"]))
    assert "[-should-]{+must+}" in diff.stdout
    shown = regwatch("show", str(by_kind["changed"]["document_id"]), "--version", "1")
    assert "HCT/P manufacturers should consider" in " ".join(shown.stdout.split())

    assert sorted(m["Subject"].split(" · ")[1] for m in smtp.messages) == ["changed", "new", "removed"]
    assert len(hook.deliveries) == 3 and all(d.verified for d in hook.deliveries)
    assert {d.json["data"]["id"] for d in hook.deliveries} == {c["id"] for c in changes}
    assert {d.headers["webhook-id"] for d in hook.deliveries} == {f"change-{c['id']}-hook" for c in changes}

    quiet = regwatch("run")
    assert quiet.returncode == 0
    assert len(regwatch.history()) == 3 and len(hook.deliveries) == 3  # nothing new, nothing re-sent


def test_robots_crawl_delay_and_disallow_are_obeyed(tmp_path: Path, fda_mirror: MirrorServer, fda_site: Path) -> None:
    set_crawl_delay(fda_site, 0.2)
    sources = fda_sources(fda_mirror) + [{"name": "forbidden", "agency": "fda",
                                          "url": fda_mirror.url("/search?s=stem+cells")}]
    regwatch = Regwatch(write_config(tmp_path / "c.yaml", sources), f"sqlite:///{tmp_path / 'r.db'}")
    result = regwatch("run")
    assert "forbidden" in result.stdout
    assert fda_mirror.log.requests_for("/search") == []
    gaps = fda_mirror.log.gaps("/")
    assert len(gaps) >= 8
    assert min(gaps) >= 0.19  # robots.txt asks for Crawl-delay: 0.2 (the real fda.gov: 30)


def test_draft_to_final_and_noise_only_edits(regwatch: Regwatch, fda_site: Path) -> None:
    assert regwatch("run").returncode == 0
    touch(fda_site, MINIMAL)  # only "Content current as of" and the catalogue's `changed` stamp move
    assert regwatch("run").returncode == 0
    assert regwatch.history() == []
    finalize(fda_site, ALLOGENEIC)
    assert regwatch("run").returncode == 0
    kinds = sorted(c["kind"] for c in regwatch.history())
    assert "status" in kinds
    status = next(c for c in regwatch.history() if c["kind"] == "status")
    assert status["summary"].startswith("FDA · Safety Testing of Human Allogeneic Cells")  # agency and title …
    assert status["summary"].endswith(" · status: draft → final")  # … then old → new


def test_bot_protection_is_reported_never_a_removal(regwatch: Regwatch, fda_mirror: MirrorServer) -> None:
    assert regwatch("run").returncode == 0
    before = versions(regwatch.db_url)
    fda_mirror.faults.set_bot_protection(True)
    for _ in range(2):
        blocked = regwatch("run")
        assert blocked.returncode == 1
        assert "blocked" in blocked.stdout and "bot protection" in blocked.stderr
    assert regwatch.history() == []
    assert versions(regwatch.db_url) == before
    apology = [e for e in fda_mirror.log.entries() if "apology" in e.path]
    assert apology == []  # backed off: the redirect is not followed to the 404 page


def test_bad_inputs_give_clear_errors_and_lose_nothing(regwatch: Regwatch, fda_mirror: MirrorServer,
                                                       fda_site: Path) -> None:
    assert regwatch("run").returncode == 0
    before = versions(regwatch.db_url)

    fda_mirror.faults.force_status(CATALOGUE, 500)
    failed = regwatch("run")
    assert failed.returncode == 1
    assert "fda-guidance" in failed.stderr and "HTTP 500" in failed.stderr
    assert "fda-consumer-alert" in failed.stdout  # the other source still ran
    fda_mirror.faults.clear()

    page = fda_site / GUIDANCE.strip("/") / ALLOGENEIC / "index.html"
    page.write_text("")  # an empty 200 (a page whose template no longer matches: tests/e2e/test_layout_drift.py)
    fda_mirror.faults.force_status(GUIDANCE + POTENCY, 404)
    minimal_pdf = next(e for e in fda_mirror.log.entries() if e.path.startswith("/media/") and e.status == 200).path
    fda_mirror.faults.truncate(minimal_pdf, keep=0.4, honest=True)
    partial = regwatch("run")
    assert partial.returncode == 0, partial.stderr
    assert "partial" in partial.stdout
    log = partial.stdout + partial.stderr
    assert "could not be parsed" in log and "HTTP 404" in log
    assert regwatch.history() == []
    assert versions(regwatch.db_url) == before


def test_scrapy_crawl_fda_from_the_repo_root_runs_the_same_cycle(tmp_path: Path, fda_mirror: MirrorServer) -> None:
    import os
    import subprocess
    import sys

    config = write_config(tmp_path / "c.yaml", fda_sources(fda_mirror))
    db = f"sqlite:///{tmp_path / 'r.db'}"
    env = {**os.environ, "REGWATCH_CONFIG": str(config), "REGWATCH_DATABASE_URL": db,
           "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "fda"], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "fda-guidance" in out.stdout and "baseline" in out.stdout
    assert versions(db) >= 9


def test_loopback_is_refused_unless_allowed(tmp_path: Path, fda_mirror: MirrorServer) -> None:
    """The SSRF guard: the same mirror on 127.0.0.1 is not fetched when nothing allows it."""
    import os
    import subprocess
    import sys

    config = write_config(tmp_path / "c.yaml", fda_sources(fda_mirror))
    env = {k: v for k, v in os.environ.items() if k != "REGWATCH_ALLOW_HOSTS"}
    env["REGWATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'r.db'}"
    out = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "run"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "SSRF guard" in out.stdout + out.stderr and "network.allow_hosts" in out.stdout + out.stderr
    assert fda_mirror.log.entries() == []
