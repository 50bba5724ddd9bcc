"""Machine-readable addresses: /api/changes (JSON), /api/changes.csv, /feed.atom, /openapi.json."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, jsonify, request, url_for

from regwatch.alerts.types import ChangeView
from regwatch.spreadsheet import CHANGE_FIELDS, spreadsheet_safe
from regwatch.web.context import ensure_index, query_string, session
from regwatch.web.history import ListFilter, list_changes, parse_filter
from regwatch.web.openapi import DEFAULT_LIMIT, MAX_LIMIT, spec

api = Blueprint("api", __name__)
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 100
FIELDS = CHANGE_FIELDS
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP): such text cells
# get a leading apostrophe, which spreadsheets show as text and hide. The JSON API keeps the exact values.
# XML 1.0 forbids most control characters; crawled titles may carry them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _page() -> tuple[ListFilter, list[ChangeView], bool]:
    f = parse_filter(request.args, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
    if f.needs_index():
        ensure_index()
    rows, more = list_changes(session(), f)
    return f, rows, more


def _next_link(f: ListFilter, more: bool) -> dict[str, str]:
    if not more:
        return {}
    target = request.path + query_string(dict(f.raw), limit=f.limit, offset=f.offset + f.limit)
    return {"Link": f'<{target}>; rel="next"'}


@api.get("/api/changes")
def changes_json() -> Response:
    f, rows, more = _page()
    response = jsonify([r.as_json() for r in rows])
    response.headers.update(_next_link(f, more))
    return response


@api.get("/api/changes.csv")
def changes_csv() -> Response:
    f, rows, more = _page()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in r.as_json().items()} for r in rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="regwatch-changes.csv"'
    response.headers.update(_next_link(f, more))
    return response


@api.get("/feed.atom")
def feed() -> Response:
    f = parse_filter(request.args, default_limit=FEED_SIZE, max_limit=FEED_SIZE)
    if f.needs_index():
        ensure_index()
    rows, _ = list_changes(session(), f)
    body = atom(rows, self_url=request.url, home=request.host_url.rstrip("/") + "/" + query_string(dict(f.raw)))
    return Response(body, mimetype="application/atom+xml")


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec())


def atom(rows: list[ChangeView], *, self_url: str, home: str) -> bytes:
    """An Atom 1.0 document of `rows` (newest first); text only, so nothing crawled can carry markup."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", "urn:regwatch:feed:" + _clean(home))
    _text(root, "title", "regwatch — regulatory changes")
    updated = rows[0].detected_at if rows else datetime.now(UTC).isoformat().replace("+00:00", "Z")
    _text(root, "updated", updated)
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=_clean(self_url))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=_clean(home))
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", "regwatch")
    base = home.split("?")[0].rstrip("/")
    for r in rows:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:regwatch:change:{r.id}")
        _text(entry, "title", f"[{r.agency.upper()}] {r.kind}: {r.title}")
        _text(entry, "updated", r.detected_at)
        link = base + url_for("views.change", change_id=r.id)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        if r.url.lower().startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=_clean(r.url))
        _text(entry, "summary", r.summary)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=r.agency)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = _clean(value)


def _clean(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)
