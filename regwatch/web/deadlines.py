"""/deadlines (a page), /api/deadlines (JSON) and /calendar.ics (RFC 5545): the dates the documents state."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import select

from regwatch.calendar_feed import build_calendar
from regwatch.parsers.agencies import AGENCIES
from regwatch.store.deadlines import TRACKED as KINDS
from regwatch.store.deadlines import list_deadlines
from regwatch.store.models import Deadline, UnreadDate
from regwatch.web.context import session
from regwatch.web.history import BadRequest

deadlines = Blueprint("deadlines", __name__, template_folder="templates")
MAX_DAYS = 36500


def _filters(past_default: bool) -> dict[str, object]:
    """agency=, kind= (each repeatable), within=DAYS, past=1; a bad value is a 400 naming it."""
    agencies = request.args.getlist("agency")
    kinds = request.args.getlist("kind")
    for name, values, allowed in (("agency", agencies, AGENCIES), ("kind", kinds, KINDS)):
        bad = [v for v in values if v not in allowed]
        if bad:
            raise BadRequest(f"{name}: {bad[0]!r} is not one of {', '.join(allowed)}")
    within = request.args.get("within")
    if within is not None and not (within.isdigit() and int(within) <= MAX_DAYS):
        raise BadRequest(f"within: {within!r} is not a number of days (0 to {MAX_DAYS})")
    past = request.args.get("past", "1" if past_default else "0") not in ("0", "", "false", "no")
    return {"agencies": agencies, "kinds": kinds, "within": int(within) if within else None, "past": past}


def _rows(past_default: bool) -> list:  # type: ignore[type-arg]
    f = _filters(past_default)
    today = datetime.now(UTC).date()
    rows = []
    for agency in f["agencies"] or [None]:  # type: ignore[union-attr]
        rows += list_deadlines(session(), today=today, agency=agency, kinds=f["kinds"],  # type: ignore[arg-type]
                               within_days=f["within"], past=bool(f["past"]))  # type: ignore[arg-type]
    return sorted(rows, key=lambda r: (r[1].date, r[1].document_id, r[1].kind))


def document_dates(document_id: int) -> tuple[list[Deadline], list[UnreadDate]]:
    """A document's tracked dates (by date) and the dates it writes that could not be read."""
    s = session()
    found = list(s.scalars(select(Deadline).where(Deadline.document_id == document_id).order_by(Deadline.date)))
    unread = list(s.scalars(select(UnreadDate).where(UnreadDate.document_id == document_id)
                            .order_by(UnreadDate.id)))
    return found, unread


@deadlines.app_context_processor
def _template_helpers() -> dict[str, object]:
    return {"document_dates": document_dates}


@deadlines.get("/deadlines")
def page() -> str:
    rows = _rows(past_default=False)
    today = datetime.now(UTC).date()
    shown = [(v, (r.date - today).days) for r, v in rows]
    return render_template("deadlines.html", rows=shown, agencies=AGENCIES, kinds=KINDS,
                           chosen_agencies=request.args.getlist("agency"), chosen_kinds=request.args.getlist("kind"),
                           within=request.args.get("within", ""), past=request.args.get("past", ""))


@deadlines.get("/api/deadlines")
def api_json() -> Response:
    return jsonify([v.as_json() for _, v in _rows(past_default=False)])


@deadlines.get("/calendar.ics")
def calendar() -> Response:
    """Every deadline, past ones included (a calendar keeps its history), unless `past=0`."""
    body = build_calendar(_rows(past_default=True), datetime.now(UTC))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="regwatch-deadlines.ics"'
    response.headers["Cache-Control"] = "no-cache"
    return response
