"""The review trail: who assessed which change, when, with what outcome and note. Append-only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from regwatch.store.models import Change, Document, Review, Source, Version

OUTCOMES = ("applicable", "not-applicable", "action-needed")
STATES = (*OUTCOMES, "unreviewed")
MAX_NOTE = 10_000
MAX_REVIEWER = 200


class ReviewError(ValueError):
    """A review that cannot be recorded (unknown change or outcome, no reviewer); the message is for the user."""


def add_review(session: Session, change_id: int, outcome: str, note: str, reviewer: str, now: datetime) -> Review:
    """Record one review of a change (earlier reviews stay as they were)."""
    if outcome not in OUTCOMES:
        raise ReviewError(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
    who = " ".join(reviewer.split())
    if not who or len(who) > MAX_REVIEWER:
        raise ReviewError(f"the reviewer's name must be 1 to {MAX_REVIEWER} characters")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"the note is longer than {MAX_NOTE} characters")
    if session.get(Change, change_id) is None:
        raise ReviewError(f"no change with id {change_id} (see `regwatch history` for ids)")
    review = Review(change_id=change_id, outcome=outcome, note=note, reviewer=who, at=now)
    session.add(review)
    session.flush()
    return review


def latest_reviews(session: Session, change_ids: Iterable[int]) -> dict[int, Review]:
    """The latest review of each of the changes that has one."""
    ids = list(change_ids)
    out: dict[int, Review] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(select(Review).where(Review.change_id.in_(ids[start:start + 500])).order_by(Review.id))
        for review in rows:
            out[review.change_id] = review
    return out


def reviews_of(session: Session, change_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.change_id == change_id).order_by(Review.id)))


def state_condition(state: str) -> ColumnElement[bool]:
    """A condition on Change: its latest review has this outcome, or (`unreviewed`) it has none."""
    if state == "unreviewed":
        return ~exists().where(Review.change_id == Change.id)
    latest = (select(Review.outcome).where(Review.change_id == Change.id).order_by(Review.id.desc()).limit(1)
              .scalar_subquery())
    return latest == state


EXPORT_FIELDS = ("review_id", "reviewed_at", "reviewer", "outcome", "note", "change_id", "detected_at", "agency",
                 "source", "document_id", "url", "title", "kind", "from_version", "to_version", "summary",
                 "text_sha256", "raw_sha256")


def export_rows(session: Session, since: datetime | None = None,
                until: datetime | None = None) -> list[dict[str, object]]:
    """Every review (oldest first) with the change it assessed and the exact version it was about (hashes)."""
    q = (select(Review, Change, Document, Source).join(Change, Review.change_id == Change.id)
         .join(Document, Change.document_id == Document.id).join(Source, Document.source_id == Source.id))
    if since:
        q = q.where(Review.at >= since)
    if until:
        q = q.where(Review.at < until)
    out = []
    for review, change, doc, source in session.execute(q.order_by(Review.id)):
        version = session.scalar(select(Version).where(Version.document_id == doc.id,
                                                       Version.number == change.to_version)) \
            if change.to_version else None
        out.append({"review_id": review.id, "reviewed_at": _iso(review.at), "reviewer": review.reviewer,
                    "outcome": review.outcome, "note": review.note, "change_id": change.id,
                    "detected_at": _iso(change.detected_at), "agency": doc.agency, "source": source.name,
                    "document_id": doc.id, "url": doc.url, "title": doc.title, "kind": change.kind,
                    "from_version": change.from_version, "to_version": change.to_version, "summary": change.summary,
                    "text_sha256": version.text_sha256 if version else None,
                    "raw_sha256": version.raw_sha256 if version else None})
    return out


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
