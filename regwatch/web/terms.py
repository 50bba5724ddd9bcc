"""The terms pages: /terms (every term, one column per jurisdiction), /terms/<term> (each jurisdiction's current
definition, its source and the timeline of earlier wordings) and /api/terms (the objects of `regwatch terms
--format json`). Everything shown comes from crawled text and is escaped by the templates."""

from __future__ import annotations

from datetime import UTC, datetime, time
from itertools import groupby

from flask import Blueprint, Response, abort, jsonify, render_template, request

from regwatch.alerts.glosses import gloss_line
from regwatch.parsers.agencies import AGENCIES
from regwatch.parsers.definitions import language
from regwatch.store.db import write
from regwatch.store.terms import backfill
from regwatch.terms import JURISDICTIONS, TermRow, configured_terms, find_term, term_rows
from regwatch.web.context import cached, session, session_factory, settings
from regwatch.web.history import BadRequest

terms_views = Blueprint("terms", __name__, template_folder="templates")
BACKFILL_EVERY = 2.0  # seconds between checks that every stored version has been read for definitions


def _terms():  # type: ignore[no-untyped-def]
    chosen = settings().terms
    return configured_terms(None) if chosen is None else chosen


def _rows(only: str | None = None, agency: str | None = None, at: datetime | None = None) -> list[TermRow]:
    cached("terms-backfill", BACKFILL_EVERY, lambda: write(session_factory(), backfill) + 1)
    return term_rows(session(), _terms(), only=only, agency=agency, at=at, fill=False)


def _lang(text: str | None) -> str:
    """The lang attribute for a sentence (the right CJK glyphs): en, ja, ko or zh-Hans."""
    code = language(text or "")
    return "zh-Hans" if code == "zh" else code


def _at() -> datetime | None:
    value = request.args.get("at")
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(datetime.fromisoformat(value).date(), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"at {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _agency() -> str | None:
    value = request.args.get("agency") or None
    if value is not None and value not in AGENCIES:
        raise BadRequest(f"agency {value!r} is not one of {', '.join(AGENCIES)}")
    return value


@terms_views.get("/terms")
def terms_grid() -> str:
    rows = _rows(at=_at())
    grid = [(term, {code: [r for r in group_rows if r.agency == code and r.sentence] for code in JURISDICTIONS})
            for term, group_rows in ((t, list(g)) for t, g in groupby(rows, key=lambda r: r.term))]
    return render_template("terms.html", grid=grid, jurisdictions=JURISDICTIONS, terms=_terms(),
                           gloss=gloss_line, lang=_lang, at=request.args.get("at", ""))


@terms_views.get("/terms/<path:term>")
def term_page(term: str) -> str:
    label = find_term(_terms(), term)
    if label is None:
        abort(404)
    rows = _rows(only=label, at=_at())
    by_agency = {code: [r for r in rows if r.agency == code and r.sentence] for code in JURISDICTIONS}
    return render_template("term.html", term=label, names=_terms()[label], by_agency=by_agency,
                           jurisdictions=JURISDICTIONS, gloss=gloss_line, lang=_lang, at=request.args.get("at", ""))


@terms_views.get("/api/terms")
def terms_json() -> Response:
    only = request.args.get("term")
    label = None
    if only:
        label = find_term(_terms(), only)
        if label is None:
            raise BadRequest(f"unknown term {only!r}")
    return jsonify([r.as_json() for r in _rows(only=label, agency=_agency(), at=_at())])
