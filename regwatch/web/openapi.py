"""The OpenAPI 3.1 description of the JSON API, CSV and Atom addresses (served at /openapi.json)."""

from __future__ import annotations

from typing import Any

from regwatch.parsers.agencies import AGENCIES
from regwatch.store.queries import KINDS

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100

Json = dict[str, Any]  # an OpenAPI object
CHANGE_SCHEMA: Json = {
    "type": "object",
    "description": "One change, exactly as `regwatch history --format json` prints it (field names are a contract).",
    "additionalProperties": False,
    "required": ["id", "detected_at", "agency", "source", "document_id", "url", "title", "kind", "from_version",
                 "to_version", "summary"],
    "properties": {
        "id": {"type": "integer"},
        "detected_at": {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"},
        "agency": {"type": "string", "enum": list(AGENCIES)},
        "source": {"type": "string"},
        "document_id": {"type": "integer"},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "from_version": {"type": ["integer", "null"]},
        "to_version": {"type": ["integer", "null"]},
        "summary": {"type": "string"},
        "publisher": {"type": "string", "description": "Who issued the document (MHLW, CDE, … beside `agency`)"},
        "sources": {"type": "array", "items": {"type": "string"},
                    "description": "Every source watching this document (`source` saw this change)"},
    },
}


def _param(name: str, description: str, schema: Json, **extra: Any) -> Json:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema, **extra}


FILTERS = [
    _param("agency", "Only this agency.", {"type": "string", "enum": list(AGENCIES)}),
    _param("source", "Only this source (repeatable).", {"type": "array", "items": {"type": "string"}},
           style="form", explode=True),
    _param("since", "From this date (YYYY-MM-DD) or ISO 8601 timestamp, inclusive.", {"type": "string"}),
    _param("until", "Up to this date (YYYY-MM-DD, inclusive) or ISO 8601 timestamp.", {"type": "string"}),
    _param("kind", "Only this kind of change.", {"type": "string", "enum": list(KINDS)}),
    _param("text", "Words (any script; each must appear as a substring) in the title, docket, number, change "
                   "summaries or current text of the document.", {"type": "string", "maxLength": 200}),
    _param("topic", "Only documents of this topic (a glossary topic such as `exosomes`, or a catalogue topic).",
           {"type": "string"}),
    _param("significance", "Only changes of this significance (when changes record one).", {"type": "string"}),
    _param("review", "Only changes whose latest review has this outcome, or `unreviewed` for none.",
           {"type": "string", "enum": ["applicable", "not-applicable", "action-needed", "unreviewed"]}),
]
DEADLINE_KINDS = ["comment_close", "effective", "transition_end", "comment_open"]
DEADLINE_FILTERS = [
    _param("agency", "Only this agency (repeatable).", {"type": "array", "items": {"type": "string",
                                                                                    "enum": list(AGENCIES)}},
           style="form", explode=True),
    _param("kind", "Only this kind of date (repeatable).", {"type": "array", "items": {"type": "string",
                                                                                        "enum": DEADLINE_KINDS}},
           style="form", explode=True),
    _param("within", "Only dates up to this many days ahead.", {"type": "integer", "minimum": 0, "maximum": 36500}),
    _param("past", "1: also dates that have passed (the calendar includes them unless 0).", {"type": "string"}),
]
DEADLINE_SCHEMA: Json = {
    "type": "object",
    "description": "One deadline, exactly as `regwatch deadlines --format json` prints it (field names are a "
                   "contract).",
    "additionalProperties": False,
    "required": ["kind", "date", "agency", "publisher", "document_id", "url", "title", "evidence", "first_seen",
                 "previous_date"],
    "properties": {
        "kind": {"type": "string", "enum": DEADLINE_KINDS},
        "date": {"type": "string", "format": "date"},
        "agency": {"type": "string"},
        "publisher": {"type": "string"},
        "document_id": {"type": "integer"},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "evidence": {"type": "string", "description": "The sentence or catalogue field the date was read from."},
        "first_seen": {"type": "string", "format": "date-time"},
        "previous_date": {"type": ["string", "null"], "format": "date",
                          "description": "The date before the last move; null unless the date moved."},
    },
}
PAGING = [
    _param("limit", "Page size.", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    _param("offset", "Changes to skip (newest first).", {"type": "integer", "minimum": 0, "default": 0}),
]


def _response(description: str, media: str, schema: Json, **extra: Any) -> Json:
    """A response with one media type (`extra`: e.g. its headers)."""
    return {"description": description, **extra, "content": {media: {"schema": schema}}}


ERROR = _response("A query parameter is wrong; the message names it.", "application/json",
                  {"$ref": "#/components/schemas/Error"})
UNAUTHORIZED = _response("Missing or wrong access token (only when served off loopback).", "application/json",
                         {"$ref": "#/components/schemas/Error"})


def _get(operation_id: str, summary: str, parameters: list[Json], ok: Json,
         description: str | None = None) -> Json:
    """A read operation: `ok` is its answer; a wrong parameter is a 400, a missing token a 401."""
    about = {"description": description} if description else {}
    return {"get": {"operationId": operation_id, "summary": summary, **about, "parameters": parameters,
                    "responses": {"200": ok, "400": ERROR, "401": UNAUTHORIZED}}}


def spec(version: str = "0.1.0") -> Json:
    """The OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "regwatch history", "version": version,
                 "description": "The change history of watched FDA, EMA, PMDA, MFDS and NMPA documents."},
        "paths": {
            "/api/changes": _get(
                "listChanges", "The change history, newest first, one page.", FILTERS + PAGING,
                _response("A page of changes. `Link: <…>; rel=\"next\"` when more follow.", "application/json",
                          {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
                          headers={"Link": {"schema": {"type": "string"}}})),
            "/api/changes.csv": _get(
                "listChangesCsv", "The same page as CSV (a header row, the same fields).", FILTERS + PAGING,
                _response("CSV", "text/csv", {"type": "string"}),
                description="For spreadsheets: a text cell starting with =, +, -, @, tab or carriage return gets a "
                            "leading apostrophe, so no crawled text runs as a formula."),
            "/feed.atom": _get(
                "feed", "An Atom feed of the newest changes matching the filters.", FILTERS,
                _response("Atom 1.0", "application/atom+xml", {"type": "string"})),
            "/api/deadlines": _get(
                "listDeadlines", "Dates the documents state, soonest first.", DEADLINE_FILTERS,
                _response("Deadlines", "application/json",
                          {"type": "array", "items": {"$ref": "#/components/schemas/Deadline"}})),
            "/calendar.ics": _get(
                "calendar", "The deadlines as an RFC 5545 calendar to subscribe to.", DEADLINE_FILTERS,
                _response("iCalendar", "text/calendar", {"type": "string"}),
                description="One all-day event per document and kind; its UID stays when the date moves "
                            "(SEQUENCE grows)."),
            "/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description.",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "schemas": {
                "Change": CHANGE_SCHEMA,
                "Deadline": DEADLINE_SCHEMA,
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Required only when the server is bound off loopback; "
                                                          "`?token=` works too."}},
        },
    }
