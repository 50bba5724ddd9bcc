"""Deadlines as an RFC 5545 calendar (`/calendar.ics`, `regwatch deadlines --format ics`), built with `icalendar`.

Each (document, kind) is one all-day event with a stable UID; a moved date keeps the UID and raises SEQUENCE,
so a subscribed calendar moves the event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from regwatch.store.deadlines import DeadlineView
from regwatch.store.models import Deadline

PRODID = "-//regwatch//deadlines//EN"
LABELS = {"comment_close": "comment period closes", "comment_open": "comment period opens",
          "effective": "takes effect", "transition_end": "transition period ends"}


def event_uid(document_id: int, kind: str, domain: str = "regwatch") -> str:
    """The event's identity: one per document and kind, whatever the date becomes."""
    return f"deadline-{document_id}-{kind}@{domain}"


def build_calendar(rows: Iterable[tuple[Deadline, DeadlineView]], now: datetime, name: str = "regwatch deadlines",
                   web_base: str | None = None) -> bytes:
    """The feed as bytes (CRLF lines, folded at 75 octets, as RFC 5545 wants)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for row, view in rows:
        cal.add_component(_event(row, view, now, web_base))
    return cal.to_ical()


def _event(row: Deadline, view: DeadlineView, now: datetime, web_base: str | None) -> Event:
    event = Event()
    label = LABELS.get(view.kind, view.kind)
    title = " ".join(view.title.split()) or "(untitled)"
    event.add("uid", event_uid(view.document_id, view.kind))
    event.add("dtstamp", now)
    event.add("last-modified", row.updated_at)
    event.add("sequence", row.moves)
    event.add("dtstart", row.date)
    event.add("dtend", row.date + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"{view.agency.upper()}: {label} — {title}"[:250])
    lines = [f"{label}: {view.date}", f"Evidence: {view.evidence}", f"Publisher: {view.publisher}",
             f"Document: {view.url}"]
    if view.previous_date:
        lines.insert(1, f"Moved from {view.previous_date}")
    if web_base:
        lines.append(f"In regwatch: {web_base.rstrip('/')}/documents/{view.document_id}")
    event.add("description", "\n".join(lines))
    if view.url.startswith(("http://", "https://")):
        event.add("url", view.url)
    event.add("categories", [view.agency.upper(), view.kind])
    return event
