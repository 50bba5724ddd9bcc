"""Reviewing a change in the web view: its review trail and a form that appends one (POST).

The token rule of the whole app applies (required off loopback). A POST must come from this site itself (its
Origin, else its Referer, names this host), so another web page cannot post a review through a reader's browser.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

from regwatch.store.db import write
from regwatch.store.models import Change
from regwatch.store.queries import load_change
from regwatch.store.reviews import OUTCOMES, ReviewError, add_review, reviews_of
from regwatch.web.context import session

reviews = Blueprint("reviews", __name__, template_folder="templates")


@reviews.get("/changes/<int:change_id>/review")
def page(change_id: int) -> str:
    s = session()
    if s.get(Change, change_id) is None:
        abort(404)
    view, _ = load_change(s, change_id)
    return render_template("review.html", change=view, trail=reviews_of(s, change_id), outcomes=OUTCOMES,
                           error=request.args.get("error", ""))


@reviews.get("/api/changes/<int:change_id>/reviews")
def trail_json(change_id: int) -> Response:
    s = session()
    if s.get(Change, change_id) is None:
        abort(404)
    return jsonify([_json(r) for r in reviews_of(s, change_id)])


@reviews.post("/changes/<int:change_id>/review")
def add(change_id: int) -> Response:
    if not _same_origin():
        return _refuse(403, "a review must be posted from this site's own page")
    form = request.form
    try:
        write(_sessions(), lambda s: add_review(s, change_id, form.get("outcome", ""), form.get("note", ""),
                                                 form.get("by", ""), datetime.now(UTC)))
    except ReviewError as exc:
        if "no change with id" in str(exc):
            abort(404)
        return redirect(url_for("reviews.page", change_id=change_id, error=str(exc)), code=303)  # type: ignore[return-value]
    return redirect(url_for("reviews.page", change_id=change_id), code=303)  # type: ignore[return-value]


def _sessions():  # type: ignore[no-untyped-def]
    from flask import current_app

    return current_app.extensions["regwatch"]["sessions"]


def _same_origin() -> bool:
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if not claimed or claimed == "null":
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    return urlsplit(claimed).netloc.lower() == request.host.lower()


def _refuse(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _json(r) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"id": r.id, "change_id": r.change_id, "outcome": r.outcome, "note": r.note, "reviewer": r.reviewer,
            "at": r.at.isoformat().replace("+00:00", "Z")}
