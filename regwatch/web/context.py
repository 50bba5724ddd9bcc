"""What a request handler reaches through the running app: its read session, settings, the search index keeper,
a small cache; and the filters as a query string. The blueprints import this, and the app imports the blueprints."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import current_app, g
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from regwatch.web.app import WebSettings


def session() -> Session:
    """The request's read session (closed at the end of the request)."""
    if "session" not in g:
        g.session = _ext()["sessions"]()
    return g.session  # type: ignore[no-any-return]


def ensure_index() -> None:
    _ext()["index"].ensure()


def cached(key: str, seconds: float, compute: Callable[[], Any]) -> Any:
    """A value computed at most every `seconds` per process (e.g. which filters the data supports)."""
    store = _ext().setdefault("cache", {})
    hit = store.get(key)
    if hit is not None and time.monotonic() - hit[0] < seconds:
        return hit[1]
    value = compute()
    store[key] = (time.monotonic(), value)
    return value


def settings() -> WebSettings:
    return _ext()["settings"]  # type: ignore[no-any-return]


def _ext() -> dict[str, Any]:
    return current_app.extensions["regwatch"]  # type: ignore[no-any-return]


def query_string(raw: dict[str, Any], **changes: Any) -> str:
    """The current filters as a query string, with some values changed (None removes one)."""
    merged = {**raw, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    return ("?" + urlencode(pairs)) if pairs else ""
