"""CSV cells that a spreadsheet shows as text, never runs as a formula (crawled text is untrusted)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The columns of a change history in CSV (the CLI and the web API), printed even when no row matches.
CHANGE_FIELDS = ["id", "detected_at", "agency", "source", "document_id", "url", "title", "kind", "from_version",
                 "to_version", "summary", "publisher", "sources"]


def spreadsheet_safe(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: crawled strings starting like a formula get a leading apostrophe."""
    if isinstance(value, list | tuple):
        value = "; ".join(map(str, value))
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
