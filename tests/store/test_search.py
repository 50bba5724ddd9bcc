"""The search index in the store layer: the topic tagger is whatever the caller passes (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from regwatch.store.db import open_store
from regwatch.store.models import Document
from regwatch.store.search import documents_containing, documents_in_topic, fold, refresh
from tests.web.storefill import fill


def marks_korean(folded: str) -> set[str]:
    """A tagger of the test's own: one topic for any text with Hangul in it."""
    return {"hangul"} if any("\uac00" <= c <= "\ud7a3" for c in folded) else set()


def test_refresh_tags_with_the_given_tagger(db_url: str) -> None:
    sessions = open_store(db_url)
    fill(sessions)
    assert refresh(sessions, marks_korean) > 0
    with sessions() as session:
        keys = {d.id: d.key for d in session.scalars(select(Document))}
        tagged = {keys[i] for i in session.scalars(documents_in_topic("Hangul"))}
        found = {keys[i] for i in session.scalars(documents_containing("幹細胞"))}
    assert tagged == {"2026-17"}
    assert found == {"0812-30"}
    assert refresh(sessions, marks_korean) == 0  # nothing changed since: nothing re-indexed


def test_fold_agrees_across_widths_and_case() -> None:
    assert fold("  Ｓtem\tCELL ") == fold("stem cell") == "stem cell"
