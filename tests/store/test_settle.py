"""One event, one change: a run's changes settled across sources before delivery (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.outbox import enqueue
from regwatch.history import HistoryQuery, changes
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ListingSeen, Parsed, Status
from regwatch.store.db import open_store
from regwatch.store.details import ChangeDetails
from regwatch.store.models import Change, OutboxItem, Run, Source, SourceRun
from regwatch.store.models import Document as DocumentRow
from regwatch.store.queries import publisher
from regwatch.store.settle import normalize_url, settle_run
from regwatch.store.versions import RunContext, record_capture, record_listing

SITE = "https://www.ema.europa.eu"
CHANNELS = ["mail", "hook"]


@dataclass
class Runs:
    """Several sources of one agency, driven run by run the way `regwatch run` does, then settled."""

    sessions: sessionmaker[Session]
    clock: object
    sources: dict[str, int]
    run_id: int = 0
    baseline: bool = True

    def start(self) -> None:
        with self.sessions.begin() as s:
            run = Run(started_at=self.clock(), status="running")  # type: ignore[operator]
            s.add(run)
            s.flush()
            self.run_id = run.id
            for source_id in self.sources.values():
                s.add(SourceRun(run_id=run.id, source_id=source_id))

    def finish(self) -> None:
        """Settle the run and close it as `regwatch run` does when it completes (only completed runs count
        toward the two-runs-absent removal rule)."""
        with self.sessions.begin() as s:
            settle_run(s, self.run_id)
            run = s.get(Run, self.run_id)
            assert run is not None
            run.status, run.finished_at = "ok", self.clock()  # type: ignore[operator]
            for source_run in s.scalars(select(SourceRun).where(SourceRun.run_id == self.run_id)):
                source_run.status = "ok"
        self.baseline = False
        self.clock.advance(days=1)  # type: ignore[attr-defined]

    def ctx(self, source: str) -> RunContext:
        return RunContext(run_id=self.run_id, source_id=self.sources[source], source_name=source, agency="ema",
                          baseline=self.baseline, now=self.clock(),  # type: ignore[operator]
                          enqueue=lambda s, c: enqueue(s, c, CHANNELS, self.clock()),  # type: ignore[operator]
                          assess=lambda agency, title, old, new: (
                              "wording" if old else "new document", ChangeDetails(), True))

    def listing(self, source: str, *entries: CatalogueEntry, watched: tuple[str, ...] = ()) -> None:
        with self.sessions.begin() as s:
            record_listing(s, self.ctx(source), ListingSeen(source, Listing(entries, complete=True),
                                                            frozenset(watched)))

    def page(self, source: str, key: str, url: str, text: str, *, status: Status = Status.UNKNOWN,
             body: bytes | None = None, attachments: tuple[str, ...] = (), title: str = "") -> None:
        fetched = Fetched(url, 200, {}, body if body is not None else text.encode())
        doc = Document(url=url, title=title or key, text=text, status=status, attachments=attachments)
        with self.sessions.begin() as s:
            record_capture(s, self.ctx(source), Parsed(source, key, url, fetched=fetched, document=doc))

    def changes(self) -> list[tuple[str, str]]:
        with self.sessions() as s:
            rows = s.execute(select(Change.kind, Source.name).join(DocumentRow, Change.document_id == DocumentRow.id)
                             .join(Source, DocumentRow.source_id == Source.id).order_by(Change.id))
            return [(kind, name) for kind, name in rows]

    def alerts(self) -> list[str]:
        with self.sessions() as s:
            return sorted(s.scalars(select(OutboxItem.channel)))


@pytest.fixture
def runs(db_url: str, clock) -> Runs:  # type: ignore[no-untyped-def]
    sessions = open_store(db_url)
    ids = {}
    with sessions.begin() as s:
        for name in ("ema-feed", "ema-page", "ema-documents", "ema-listing"):
            src = Source(name=name, agency="ema", baseline_done=False)
            s.add(src)
            s.flush()
            ids[name] = src.id
    return Runs(sessions, clock, ids)


def _entry(key: str, url: str, title: str, status: Status = Status.UNKNOWN) -> CatalogueEntry:
    return CatalogueEntry(key=key, url=url, title=title, status=status)


def test_the_same_url_through_a_listing_and_a_page_watch_is_one_new_change(runs: Runs) -> None:
    url = f"{SITE}/en/news/announcement-31.html"
    runs.start()
    runs.listing("ema-listing", _entry("old", f"{SITE}/en/news/old.html", "Old announcement"))
    runs.finish()
    runs.start()
    runs.listing("ema-listing", _entry("old", f"{SITE}/en/news/old.html", "Old announcement"),
                 _entry("a31", url, "Announcement 31 on cosmetic ingredients"))
    runs.page("ema-page", "/en/news/announcement-31.html", url + "#top", "Announcement 31: the full text.")
    runs.finish()
    assert len(runs.changes()) == 1
    assert runs.alerts() == sorted(CHANNELS)


def test_the_same_file_through_two_sources_with_different_urls_is_one_change(runs: Runs) -> None:
    runs.start()
    runs.page("ema-documents", "x", f"{SITE}/other.pdf", "Other.")
    runs.finish()
    runs.start()
    pdf = b"%PDF-1.7 the very same file"
    runs.page("ema-documents", "5431", f"{SITE}/en/documents/guideline_en.pdf", "The words.", body=pdf)
    runs.page("ema-page", "g#file1", f"{SITE}/documents/guideline_en.pdf?download=1", "The words, parsed apart.",
              body=pdf)
    runs.finish()
    assert runs.changes() == [("new", "ema-documents")]
    assert runs.alerts() == sorted(CHANNELS)


@pytest.mark.parametrize("page_first", [True, False])
def test_a_status_change_through_a_catalogue_and_a_page_is_one_status_change(runs: Runs, page_first: bool) -> None:
    url = f"{SITE}/en/guideline-quality-atmp"
    final_pdf = f"{SITE}/en/documents/guideline-quality-atmp_en.pdf"
    draft = "Guideline on quality (draft). Comments by 31 August."
    final = "Guideline on quality (final). Comes into effect on 1 July."

    def crawl(status: Status, text: str, links: tuple[str, ...]) -> None:
        steps = [lambda: runs.page("ema-page", "/en/guideline-quality-atmp", url, text, status=status,
                                   attachments=links, title="Guideline on quality"),
                 lambda: (runs.listing("ema-feed", _entry(url, url, "Guideline on quality", status), watched=(url,)),
                          runs.page("ema-feed", url, url, text, status=status, attachments=links,
                                    title="Guideline on quality"))]
        for step in steps if page_first else reversed(steps):
            step()

    runs.start()
    crawl(Status.DRAFT, draft, (f"{SITE}/draft_en.pdf",))
    runs.page("ema-documents", "old", f"{SITE}/old.pdf", "Old.")
    runs.finish()
    runs.start()
    runs.page("ema-documents", "5431", final_pdf, "The final guideline text.")
    crawl(Status.FINAL, final, (final_pdf, f"{SITE}/draft_en.pdf"))
    runs.finish()
    kinds = [kind for kind, _ in runs.changes()]
    assert kinds == ["status"]
    assert runs.alerts() == sorted(CHANNELS)
    with runs.sessions() as s:
        (view,) = changes(s, HistoryQuery())[0]
        change = s.get(Change, view.id)
        assert change is not None
        assert (change.details.from_status, change.details.to_status) == ("draft", "final")
        assert change.from_version == 1 and change.to_version == 2  # the wording change rides along
        assert [f.url for f in change.details.files] == [final_pdf]
        assert view.summary.startswith("EMA · Guideline on quality") and "draft → final" in view.summary
        assert view.as_json()["sources"] == ["ema-feed", "ema-page"]
        assert view.as_json()["source"] in ("ema-feed", "ema-page")


def test_a_listing_page_whose_only_change_is_entries_announced_on_their_own_is_quiet(runs: Runs) -> None:
    hub = f"{SITE}/en/hub.html"
    old_title, new_title = "Notice on the post-marketing plan 2020", "Partial revision of the application notice 2026"
    old_entry = _entry("n1", f"{SITE}/files/1.pdf", old_title)
    text = "Related notices\n\n{}\n\nApplication notice 2014 (2014-08-12)"
    runs.start()
    runs.listing("ema-listing", old_entry)
    runs.page("ema-page", "hub", hub, text.format(f"{old_title} (2020-03-23)"))
    runs.finish()
    runs.start()
    runs.listing("ema-listing", _entry("n2", f"{SITE}/files/2.pdf", new_title))  # n1 has left the catalogue
    runs.page("ema-page", "hub", hub, text.format(f"{new_title} (2026-05-20)"))
    runs.finish()
    assert runs.changes() == [("new", "ema-listing")]
    runs.start()
    runs.listing("ema-listing", _entry("n2", f"{SITE}/files/2.pdf", new_title))
    runs.page("ema-page", "hub", hub, text.format(f"{new_title} (2026-05-20)") + "\n\nA sentence of its own.")
    runs.finish()
    assert runs.changes() == [("new", "ema-listing"), ("removed", "ema-listing"), ("changed", "ema-page")]


def test_identity_of_a_url_and_the_publisher_beside_the_agency() -> None:
    assert normalize_url("HTTPS://WWW.EMA.europa.eu:443/en/x/#frag") == normalize_url("https://www.ema.europa.eu/en/x")
    assert normalize_url("https://a.org/x?b=1") != normalize_url("https://a.org/x?b=2")
    assert publisher("pmda", "mhlw-notices", "https://www.mhlw.go.jp/web/t_doc?dataId=1") == "MHLW"
    assert publisher("nmpa", "cde-guidelines", "http://127.0.0.1:8000/zdyz/x") == "CDE"
    assert publisher("nmpa", "nmpa-announcements", "https://www.nmpa.gov.cn/x.html") == "NMPA"
    assert publisher("fda", "my-own-name", "http://127.0.0.1:8000/x") == "FDA"
