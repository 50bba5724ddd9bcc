"""What a request handler reaches through the running app: its read session, the store, the settings, the search
index keeper, a small cache; and the filters as a query string. The blueprints and the app import this."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class WebSettings:
    """What the app needs besides the store: the token (None = loopback, no token) and the page size."""

    token: str | None = None
    page_size: int = 50
    refresh_every: float = 2.0  # seconds between checks that the search index is current
    terms: Any = None  # the terms of /terms (`regwatch.terms.configured_terms`); None: the built-in ones


def session() -> Session:
    """The request's read session (closed at the end of the request)."""
    if "session" not in g:
        g.session = _ext()["sessions"]()
    return g.session  # type: ignore[no-any-return]


def session_factory() -> sessionmaker[Session]:
    """The app's store, for a handler that writes (`regwatch.store.db.write`)."""
    return _ext()["sessions"]  # type: ignore[no-any-return]


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
