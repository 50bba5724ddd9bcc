"""The versioning rules, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.outbox import enqueue
from regwatch.parsers.types import (
    Blocked,
    Capture,
    CatalogueEntry,
    Document,
    Failed,
    Fetched,
    Listing,
    ListingSeen,
    NotModified,
    Parsed,
    Status,
)
from regwatch.recording import RunTarget, StoreSink
from regwatch.store.db import open_store
from regwatch.store.details import ChangeDetails
from regwatch.store.models import Blob, Change, Fetch, OutboxItem, Run, Source, SourceRun, Version
from regwatch.store.models import Document as DocumentRow
from regwatch.store.versions import (
    Recorded,
    RunContext,
    announce_every_change,
    children,
    record_capture,
    record_listing,
    record_not_modified,
    source_children,
    source_validators,
    validators,
)

BASE = "https://www.fda.gov/regulatory-information/search-fda-guidance-documents/"


class Harness:
    """Drives record_* the way a run does: one RunContext per run, one transaction per item."""

    def __init__(self, sessions: sessionmaker[Session], clock) -> None:  # type: ignore[no-untyped-def]
        self.sessions, self.clock = sessions, clock
        with sessions.begin() as s:
            src = Source(name="fda-guidance", agency="fda", baseline_done=False)
            s.add(src)
            s.flush()
            self.source_id = src.id
        self.baseline = True
        self.new_run()

    def new_run(self) -> None:
        with self.sessions.begin() as s:
            run = Run(started_at=self.clock(), status="running")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=self.source_id))
            self.run_id = run.id

    def end_run(self, completed: bool = True) -> None:
        """Close the current run (as `regwatch run` does when it completes; a killed run stays `running`) and
        start the next one a day later."""
        if completed:
            with self.sessions.begin() as s:
                run, source_run = s.get(Run, self.run_id), s.scalars(select(SourceRun).where(
                    SourceRun.run_id == self.run_id)).one()
                run.status, run.finished_at, source_run.status = "ok", self.clock(), "ok"
        self.baseline = False
        self.clock.advance(days=1)
        self.new_run()

    def ctx(self) -> RunContext:
        return RunContext(run_id=self.run_id, source_id=self.source_id, source_name="fda-guidance", agency="fda",
                          baseline=self.baseline, now=self.clock(),
                          enqueue=lambda s, c: enqueue(s, c, ["mail", "hook"], self.clock()),
                          assess=lambda agency, title, old, new: (
                              f"{len(old)}→{len(new)} chars" if old else "new document", ChangeDetails(), True))

    def listing(self, *entries: CatalogueEntry, watched: tuple[str, ...] = ()) -> None:
        with self.sessions.begin() as s:
            record_listing(s, self.ctx(), ListingSeen("fda-guidance", Listing(entries, complete=True),
                                                      frozenset(watched)))

    def capture(self, key: str, text: str | None = None, status: int = 200, *, error: str | None = None,
                blocked: bool = False, not_modified: bool = False, parent_key: str | None = None,
                named: tuple[tuple[str, str], ...] = ()) -> str:
        """Record what the crawler hands over for `key`: its parsed `text`, a 304, a block, or a failure (`error`,
        or no text: the HTTP `status`, 0 for no response)."""
        url = BASE + key
        fetched = Fetched(url, status, {"ETag": f'"{hash(text)}"'}, (text or "").encode()) if status or text else None
        capture: Capture
        if not_modified:
            capture = NotModified("fda-guidance", key, url, parent_key=parent_key)
        elif blocked:
            capture = Blocked("fda-guidance", key, url, parent_key=parent_key, error=error or "blocked")
        elif error is not None or text is None or fetched is None:
            capture = Failed("fda-guidance", key, url, parent_key=parent_key, error=error or f"HTTP {status}",
                             fetched=fetched)
        else:
            capture = Parsed("fda-guidance", key, url, parent_key=parent_key, fetched=fetched,
                             document=Document(url=url, title=key.title(), text=text), named=named)
        with self.sessions.begin() as s:
            return record_capture(s, self.ctx(), capture).outcome

    def changes(self) -> list[tuple[str, str]]:
        with self.sessions() as s:
            rows = s.execute(select(Change.kind, DocumentRow.key).join(DocumentRow).order_by(Change.id))
            return [(k, d) for k, d in rows]

    def count(self, model: type) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0


def entry(key: str, status: Status = Status.FINAL, title: str | None = None) -> CatalogueEntry:
    return CatalogueEntry(key=key, url=BASE + key, title=title or key.title(), status=status,
                          issued=date(2020, 7, 20), docket="FDA-2017-D-6146", changed="2024-10-01T07:00:51-04:00")


@pytest.fixture
def h(db_url: str, clock) -> Harness:  # type: ignore[no-untyped-def]
    return Harness(open_store(db_url), clock)


def test_baseline_stores_versions_without_announcing(h: Harness) -> None:
    h.listing(entry("minimal"), entry("other"), watched=("minimal",))
    assert h.capture("minimal", "You should submit.") == "stored"
    assert h.count(Version) == 2  # the watched page, and the unwatched record's metadata text
    assert h.changes() == []
    assert h.count(OutboxItem) == 0


def test_wording_change_makes_one_version_one_change_and_outbox_rows(h: Harness) -> None:
    h.listing(entry("minimal"), watched=("minimal",))
    h.capture("minimal", "You should submit.")
    h.end_run()
    h.listing(entry("minimal"), watched=("minimal",))
    assert h.capture("minimal", "You  should\nsubmit.".replace("  ", " ").replace("\n", " ")) == "unchanged"
    assert h.capture("minimal", "You must submit.") == "changed"
    assert h.changes() == [("changed", "minimal")]
    with h.sessions() as s:
        change = s.scalars(select(Change)).one()
        assert (change.from_version, change.to_version) == (1, 2)
        assert change.summary == "18→16 chars"
        keys = sorted(s.scalars(select(OutboxItem.idempotency_key)))
    assert keys == [f"change-{change.id}-hook", f"change-{change.id}-mail"]


def test_identical_raw_bytes_are_stored_once(h: Harness) -> None:
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    h.capture("a", "Same text.")
    h.capture("b", "Same text.")
    assert h.count(Blob) == 1


def test_new_document_after_baseline_is_announced_with_its_first_version(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "A.")
    h.end_run()
    h.listing(entry("a"), entry("fresh"), watched=("a", "fresh"))
    assert h.capture("fresh", "Brand new guidance.") == "new"
    assert h.changes() == [("new", "fresh")]


def test_removal_needs_two_consecutive_runs_absent(h: Harness) -> None:
    h.listing(entry("a"), entry("gone"), watched=("a", "gone"))
    h.capture("gone", "Soon withdrawn.")
    h.end_run()
    h.listing(entry("a"), watched=("a",))
    assert h.changes() == []
    h.end_run()
    h.listing(entry("a"), watched=("a",))
    assert h.changes() == [("removed", "gone")]
    h.end_run()
    h.listing(entry("a"), watched=("a",))
    assert h.changes() == [("removed", "gone")]  # announced once


def test_absence_then_return_resets_the_count(h: Harness) -> None:
    h.listing(entry("a"), entry("flaky"))
    h.end_run()
    h.listing(entry("a"))
    h.end_run()
    h.listing(entry("a"), entry("flaky"))
    h.end_run()
    h.listing(entry("a"))
    assert h.changes() == []


def test_a_killed_run_does_not_count_toward_removal(h: Harness) -> None:
    """Issue #12: a run that died after recording the catalogue is no evidence of a withdrawal."""
    h.listing(entry("a"), entry("gone"), watched=("a", "gone"))
    h.end_run()
    h.listing(entry("a"), watched=("a",))
    h.end_run(completed=False)  # killed after the catalogue was stored
    h.listing(entry("a"), watched=("a",))
    assert h.changes() == []  # one completed run without it, not two
    h.end_run()
    h.listing(entry("a"), watched=("a",))
    assert h.changes() == [("removed", "gone")]


def test_a_killed_run_does_not_count_toward_a_404_removal(h: Harness) -> None:
    h.capture("a", "Text.")
    h.end_run()
    assert h.capture("a", None, status=404) == "gone"
    h.end_run(completed=False)
    assert h.capture("a", None, status=404) == "gone"
    h.end_run()
    assert h.capture("a", None, status=404) == "removed"


def test_failed_or_blocked_fetches_never_remove_or_change(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    for _ in range(3):
        h.end_run()
        assert h.capture("a", None, status=0, error="TimeoutError: took too long") == "error"
        assert h.capture("a", None, status=0, error="blocked", blocked=True) == "blocked"
        assert h.capture("a", None, status=500, error="HTTP 500") == "error"
    assert h.changes() == []
    assert h.count(Version) == 1


def test_two_consecutive_404s_remove_a_watched_page(h: Harness) -> None:
    h.capture("a", "Text.")  # a page watch: no catalogue lists it
    h.end_run()
    assert h.capture("a", None, status=404) == "gone"
    h.end_run()
    assert h.capture("a", None, status=404) == "removed"
    assert h.changes() == [("removed", "a")]


def test_draft_to_final_is_a_status_change(h: Harness) -> None:
    h.listing(entry("a", Status.DRAFT), watched=("a",))
    h.capture("a", "Draft text.")
    h.end_run()
    h.listing(entry("a", Status.FINAL), watched=("a",))
    assert h.changes() == [("status", "a")]
    with h.sessions() as s:
        change = s.scalars(select(Change)).one()
    assert change.details.to_json() == {"from_status": "draft", "to_status": "final", "significance": "status"}
    assert change.significance == "status"
    assert change.from_version == change.to_version == 1


def test_not_modified_keeps_the_version_and_validators_are_remembered(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    with h.sessions() as s:
        assert validators(s, h.source_id, "a") == {"If-None-Match": f'"{hash("Text.")}"'}
    h.end_run()
    assert h.capture("a", None, status=0, not_modified=True) == "not_modified"
    assert h.count(Version) == 1


def test_unwatched_record_title_change_is_a_wording_change_of_its_metadata(h: Harness) -> None:
    h.listing(entry("x", title="Old Title"))
    h.end_run()
    h.listing(entry("x", title="New Title"))
    assert h.changes() == [("changed", "x")]


def test_run_counts_are_kept_per_source(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    h.end_run()
    h.capture("a", "Changed text.")
    h.capture("a", None, status=500, error="HTTP 500")
    with h.sessions() as s:
        row = s.scalars(select(SourceRun).where(SourceRun.run_id == h.run_id)).one()
    assert (row.changed, row.errors) == (1, 1)


def test_a_listed_document_whose_page_404s_is_an_error_not_a_removal(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    for _ in range(3):
        h.end_run()
        h.listing(entry("a"), watched=("a",))
        assert h.capture("a", None, status=404) == "error"
    assert h.changes() == []


def test_attachments_of_a_new_guidance_are_announced_by_the_guidance(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.end_run()
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    h.capture("b", "Page of b.")
    assert h.capture("b#file1", "PDF of b.", parent_key="b") == "stored"
    assert h.changes() == [("new", "b")]
    with h.sessions() as s:
        pdf = s.scalars(select(DocumentRow).where(DocumentRow.key == "b#file1")).one()
    assert pdf.title == "B"
    h.end_run()
    assert h.capture("b#file2", "A second file added later.", parent_key="b") == "new"


def test_a_withdrawn_guidance_that_returns_is_announced(h: Harness) -> None:
    h.listing(entry("a"), entry("b"))
    for _ in range(2):
        h.end_run()
        h.listing(entry("a"))
    h.end_run()
    h.listing(entry("a"), entry("b"))
    assert h.changes() == [("removed", "b"), ("new", "b")]


def test_the_same_file_through_two_sources_is_announced_once(h: Harness) -> None:
    """A catalogue and a guideline page can both reach one PDF: one alert, not two."""
    with h.sessions.begin() as s:
        src = Source(name="fda-page", agency="fda", baseline_done=True)
        s.add(src)
        s.flush()
        page_source = src.id
    h.end_run()
    pdf = "https://www.fda.gov/media/1/download"
    for source_id, name in ((h.source_id, "fda-guidance"), (page_source, "fda-page")):
        ctx = RunContext(h.run_id, source_id, name, "fda", False, h.clock(), lambda *_: None)
        with h.sessions.begin() as s:
            record_capture(s, ctx, Parsed(name, "a#file1", pdf, fetched=Fetched(pdf, 200, {}, b"%PDF"),
                                          document=Document(url=pdf, title="A", text="The same words.")))
    assert h.changes() == [("new", "a#file1")]


def test_an_attachment_keeps_its_guidance_title_and_its_own_file_name(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Page.")
    url = "https://www.nmpa.gov.cn/directory/web/nmpa/images/x.docx"
    with h.sessions.begin() as s:
        record_capture(s, h.ctx(), Parsed("fda-guidance", "a#file1", url, parent_key="a",
                                          fetched=Fetched(url, 200, {}, b"PK"),
                                          document=Document(url=url, title="附件1.申报资料要求.docx", text="附件")))
    with h.sessions() as s:
        doc = s.scalars(select(DocumentRow).where(DocumentRow.key == "a#file1")).one()
        version = s.scalars(select(Version).where(Version.document_id == doc.id)).one()
    assert doc.title == "A" and doc.meta["file_title"] == "附件1.申报资料要求.docx"
    assert version.meta["parsed_title"] == "附件1.申报资料要求.docx"


# --- the bulk paths the crawl uses (one query per source, 304s in batches) ----------------------------------


def _ledger(h: Harness) -> list[tuple[str, str, int | None]]:
    with h.sessions() as s:
        return [(f.url, f.outcome, f.http_status) for f in s.scalars(
            select(Fetch).where(Fetch.run_id == h.run_id).order_by(Fetch.id))]


def _counts(h: Harness) -> tuple[int, int, int, int]:
    with h.sessions() as s:
        row = s.scalars(select(SourceRun).where(SourceRun.run_id == h.run_id)).one()
        return row.seen, row.unchanged, row.new, row.errors


def test_many_304s_at_once_are_recorded_as_one_by_one(h: Harness) -> None:
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    h.capture("a", "Text A.")
    h.capture("b", "Text B.")
    h.end_run()
    with h.sessions() as s:
        before = {d.key: (d.last_seen_at, d.meta) for d in s.scalars(select(DocumentRow))}
    with h.sessions.begin() as s:
        record_not_modified(s, h.ctx(), [NotModified("fda-guidance", k, BASE + k)
                                         for k in ("a", "b", "unknown")])
    assert _ledger(h) == [(BASE + "a", "not_modified", None), (BASE + "b", "not_modified", None),
                          (BASE + "unknown", "not_modified", None)]
    assert _counts(h) == (3, 3, 0, 0)
    assert h.count(Version) == 2 and h.changes() == []
    with h.sessions() as s:
        docs = {d.key: d for d in s.scalars(select(DocumentRow))}
        named = {f.url: f.document_id for f in s.scalars(select(Fetch).where(Fetch.run_id == h.run_id))}
    # a 304 is its ledger row, naming its document, and nothing more
    assert {k: (docs[k].last_seen_at, docs[k].meta) for k in ("a", "b")} == before
    assert named == {BASE + k: docs[k].id for k in ("a", "b", "unknown")}
    assert "unknown" in docs  # a 304 for a document never stored takes record_capture's way: it is created


def test_a_304_ends_a_streak_of_404s(h: Harness) -> None:
    h.capture("a", "Text.")  # a page watch: no catalogue lists it
    h.end_run()
    assert h.capture("a", None, status=404) == "gone"
    h.end_run()
    with h.sessions.begin() as s:
        record_not_modified(s, h.ctx(), [NotModified("fda-guidance", "a", BASE + "a")])
    h.end_run()
    assert h.capture("a", None, status=404) == "gone"  # a streak of one again: not removed
    assert h.changes() == []


def test_validators_and_children_of_a_whole_source_match_the_one_document_queries(h: Harness) -> None:
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    h.capture("a", "Text A.")
    h.capture("a#file1", "File one.", parent_key="a")
    h.capture("a#file2", "File two.", parent_key="a")
    h.capture("b", None, status=500, error="HTTP 500")
    with h.sessions() as s:
        table = source_validators(s, h.source_id)
        assert all(table.get(k, {}) == validators(s, h.source_id, k) for k in ("a", "a#file1", "b", "none"))
        assert table["a#file2"] == {"If-None-Match": f'"{hash("File two.")}"'} and "b" not in table
        assert source_children(s, h.source_id) == {"a": children(s, h.source_id, "a")}
        assert [k for k, _ in children(s, h.source_id, "a")] == ["a#file1", "a#file2"]


def _sink(h: Harness) -> StoreSink:
    run = RunTarget(h.run_id, {"fda-guidance": h.source_id}, {"fda-guidance": "fda"}, {"fda-guidance": h.baseline})
    return StoreSink(h.sessions, run, clock=h.clock, enqueue=lambda s, c: None, assess=announce_every_change)


def test_the_sink_batches_304s_keeps_arrival_order_and_flushes_before_anything_else(h: Harness) -> None:
    h.listing(entry("a"), entry("b"), entry("c"), watched=("a", "b", "c"))
    for key in "abc":
        h.capture(key, f"Text {key}.")
    h.end_run()
    sink = _sink(h)
    sink.accept(NotModified("fda-guidance", "a", BASE + "a"))
    sink.accept(NotModified("fda-guidance", "b", BASE + "b"))
    assert _ledger(h) == []  # held in the batch
    fetched = Fetched(BASE + "c", 200, {"ETag": '"c2"'}, b"Text c, changed.")
    sink.accept(Parsed("fda-guidance", "c", BASE + "c", fetched=fetched,
                       document=Document(url=BASE + "c", title="C", text="Text c, changed.")))
    assert [o for _, o, _ in _ledger(h)] == ["not_modified", "not_modified", "changed"]  # the batch went first
    sink.accept(NotModified("fda-guidance", "a", BASE + "a"))
    sink.flush()
    assert [o for _, o, _ in _ledger(h)][-1] == "not_modified" and _counts(h) == (4, 3, 0, 0)
    assert sink.validators("fda-guidance", "c") == {"If-None-Match": '"c2"'}  # the cache follows what was stored


def test_record_capture_returns_what_it_stored(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    page, pdf = BASE + "a", BASE + "f.pdf"
    named = (("a#file1", pdf),)
    fetched = Fetched(page, 200, {"ETag": '"e"', "Last-Modified": "Tue, 01 Dec 2026 00:00:00 GMT"}, b"Page.")
    with h.sessions.begin() as s:
        stored = record_capture(s, h.ctx(), Parsed("fda-guidance", "a", page, fetched=fetched, named=named,
                                                   document=Document(url=page, title="A", text="Page.")))
        modified = fetched.headers["Last-Modified"]
        assert stored == Recorded("stored", {"If-None-Match": '"e"', "If-Modified-Since": modified}, None, named)
        assert stored.validators == validators(s, h.source_id, "a")  # what the next request will send
        stored = record_capture(s, h.ctx(), Failed("fda-guidance", "a#file1", pdf, parent_key="a", error="HTTP 500"))
        assert stored == Recorded("error", None, "a", ())  # filed under its page; no validators set
        assert record_capture(s, h.ctx(), NotModified("fda-guidance", "a", page)) == Recorded("not_modified")


def test_the_sink_writes_a_full_batch_without_waiting(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    h.end_run()
    sink = _sink(h)
    for _ in range(sink.BATCH):
        sink.accept(NotModified("fda-guidance", "a", BASE + "a"))
    assert len(_ledger(h)) == sink.BATCH


def test_the_sink_lists_an_attachment_first_seen_in_this_run_among_its_parents_children(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.capture("a", "Text.")
    h.end_run()
    sink = _sink(h)
    assert sink.children("fda-guidance", "a") == []
    body = b"%PDF-1.4 file"
    sink.accept(Parsed("fda-guidance", "a#file1", BASE + "f.pdf", parent_key="a",
                       fetched=Fetched(BASE + "f.pdf", 200, {}, body),
                       document=Document(url=BASE + "f.pdf", title="F", text="File.")))
    assert sink.children("fda-guidance", "a") == [("a#file1", BASE + "f.pdf")]
    with h.sessions() as s:
        assert children(s, h.source_id, "a") == [("a#file1", BASE + "f.pdf")]


def _children(h: Harness, key: str) -> list[tuple[str, str]]:
    with h.sessions() as s:
        return source_children(s, h.source_id).get(key, [])


def test_files_a_page_names_are_recorded_with_it_and_stay_due_until_fetched(h: Harness) -> None:
    """Issue #12: a run killed between a page and its files, or a file whose fetch failed, loses nothing: the
    files the page named are listed for the next run, whatever the page answers then."""
    h.capture("a", "Text.")
    h.end_run()
    named = (("a#file1", BASE + "a.pdf"), ("a#file2", BASE + "a2.pdf"))
    assert h.capture("a", "New text with two files.", named=named) == "changed"
    h.end_run(completed=False)  # killed before it fetched the files
    assert _children(h, "a") == list(named)  # the next run's 304 for the page still fetches them
    assert h.capture("a#file1", None, status=0, error="TimeoutError: took too long", parent_key="a") == "error"
    h.end_run()
    assert _children(h, "a") == list(named)  # a failed fetch: still due
    assert h.capture("a#file1", "File one.", parent_key="a") == "new"
    assert h.capture("a#file2", "File two.", parent_key="a") == "new"  # a new file of an existing guidance


def test_files_of_a_new_page_killed_before_them_are_announced_by_the_page(h: Harness) -> None:
    h.listing(entry("a"), watched=("a",))
    h.end_run()
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    h.capture("b", "Page of b.", named=(("b#file1", BASE + "b.pdf"),))
    h.end_run(completed=False)  # killed after the page was stored
    h.listing(entry("a"), entry("b"), watched=("a", "b"))
    assert h.capture("b#file1", "PDF of b.", parent_key="b") == "stored"  # the page's "new" covers it
    assert h.changes() == [("new", "b")]


def test_a_file_moved_to_a_new_address_is_fetched_unconditionally(h: Harness) -> None:
    h.capture("a", "Text.", named=(("a#file1", BASE + "old.pdf"),))
    h.capture("a#file1", "Old file.", parent_key="a")
    h.end_run()
    h.capture("a", "Text, new file.", named=(("a#file1", BASE + "new.pdf"),))
    assert _children(h, "a") == [("a#file1", BASE + "new.pdf")]
    with h.sessions() as s:
        assert validators(s, h.source_id, "a#file1") == {}  # the old file's ETag does not apply to the new one
