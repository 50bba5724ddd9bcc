"""The history web view as a Flask application: server-rendered pages and a small JSON API over the store.

Crawled content is untrusted. Templates auto-escape everything, no page carries a script, and every response
sends a Content-Security-Policy without script sources, so even markup that slipped through could not run.
Raw fetched bytes are only ever served as attachments. Off loopback an access token is required.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, redirect, render_template, request
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter, Map

from regwatch.history import refresh_index
from regwatch.web.api import api
from regwatch.web.context import WebSettings, query_string, settings
from regwatch.web.deadlines import deadlines
from regwatch.web.history import BadRequest
from regwatch.web.reviews import reviews
from regwatch.web.terms import terms_views
from regwatch.web.views import views

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
COOKIE = "regwatch_auth"
MACHINE_PATHS = ("/api/", "/feed", "/openapi", "/calendar.ics")  # read by programs: ?token= works, errors are JSON


class IndexKeeper:
    """Brings the search index up to date at most every `every` seconds, one thread at a time."""

    def __init__(self, sessions: sessionmaker[Session], every: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sessions, self.every, self.monotonic = sessions, every, monotonic
        self.lock = threading.Lock()
        self.checked = float("-inf")

    def ensure(self) -> None:
        with self.lock:
            if self.monotonic() - self.checked < self.every:
                return
            refresh_index(self.sessions, rebuild_check=self.checked == float("-inf"))
            self.checked = self.monotonic()


STORE_INT_MAX = 2**63 - 1  # the largest id or number SQLite and PostgreSQL (bigint) can hold


class StoreInt(IntegerConverter):
    """`<int:…>` in a route: an id the store could hold, else 404 (not a 500 from the database driver)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 — werkzeug's names
                 max: int | None = STORE_INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(sessions: sessionmaker[Session], settings: WebSettings | None = None) -> Flask:
    """The application over an open store."""
    settings = settings or WebSettings()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the CLI's field order
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.autoescape = True
    app.jinja_env.filters["web_url"] = web_url
    app.extensions["regwatch"] = {"sessions": sessions, "settings": settings,
                                  "index": IndexKeeper(sessions, settings.refresh_every)}
    app.before_request(_guard)
    app.after_request(_headers)
    app.teardown_appcontext(_close_session)
    app.register_error_handler(BadRequest, _bad_request)
    app.register_error_handler(404, _not_found)
    app.jinja_env.globals["query"] = query_string
    app.url_map.converters["int"] = StoreInt  # before the routes are added: every <int:…> is a StoreInt

    for blueprint in (views, api, terms_views, deadlines, reviews):
        app.register_blueprint(blueprint)
    return app


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("session", None)
    if s is not None:
        s.close()


def _guard() -> Response | None:
    token = settings().token
    if token is None:
        host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
        if host not in LOOPBACK_NAMES:  # a DNS-rebinding page must not read a loopback-only server
            return _error(421, "this server answers only to 127.0.0.1 / localhost")
        return None
    given = request.headers.get("Authorization", "")
    if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
        return None
    if hmac.compare_digest(request.cookies.get(COOKIE, ""), _cookie_value(token)):
        return None
    if "token" in request.args and hmac.compare_digest(request.args["token"], token):
        if request.method != "GET" or request.path.startswith(MACHINE_PATHS):
            return None
        rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        response = redirect(request.path + ("?" + urlencode(rest) if rest else ""), code=303)
        response.set_cookie(COOKIE, _cookie_value(token), httponly=True, samesite="Strict",
                            secure=request.is_secure)
        return response  # the token leaves the address bar (and so the history and Referer)
    return _error(401, "an access token is required (Authorization: Bearer … or ?token=…)")


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode(), b"regwatch web session", hashlib.sha256).hexdigest()


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="regwatch"'
    return response


def _bad_request(exc: BadRequest) -> Response:
    return _page_or_json(400, str(exc))


def _not_found(_exc: Exception) -> Response:
    return _page_or_json(404, "not found")


def _page_or_json(status: int, message: str) -> Response:
    if request.path.startswith(MACHINE_PATHS):
        return _error(status, message)
    return Response(render_template("error.html", status=status, message=message), status=status)


def web_url(value: str | None) -> str | None:
    """A crawled URL fit for an href (http or https only), else None (then it is shown as text)."""
    if value and value.lower().startswith(("http://", "https://")):
        return value
    return None



#END
