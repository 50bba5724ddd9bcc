"""Map URL paths to resources in a site directory laid out by real URL path.

Layout (see mirror/README.md):
  <path>                      a file served as is (`robots.txt`, the catalogue JSON); type by suffix
  <path>/index.html           an HTML page at `<path>` (no trailing slash, like Drupal aliases)
  media/<id>/download.txt     text source of the PDF served at `/media/<id>/download`
  _mirror/                    builder inputs and the Last-Modified manifest; never served
  _mirror/routes.json         optional: URLs with a query string (`/brd/m_99/view.do?seq=1`) → a file in the
                              site; a route matches when the request has at least the route's parameters
  _mirror/headers.json        optional: URL path or route → response headers to send instead of the defaults
                              (e.g. a wrong or missing charset in Content-Type, a Content-Disposition)
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl

from regwatch.mirror.pdf import render as render_pdf

LAST_MODIFIED = "_mirror/last-modified.json"
ROUTES = "_mirror/routes.json"
HEADERS = "_mirror/headers.json"
_TYPES_BY_SUFFIX = {".pdf": "application/pdf", ".hwp": "application/x-hwp", ".hwpx": "application/haansofthwpx",
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ".doc": "application/msword", ".rdf": "application/rdf+xml", ".htm": "text/html"}
DEFAULT_LAST_MODIFIED = "Tue, 01 Oct 2024 11:00:51 GMT"
HTML = "text/html; charset=UTF-8"
_TYPES = {".json": "application/json", ".txt": "text/plain", ".xml": "application/xml", ".html": HTML}


@dataclass(frozen=True)
class Resource:
    """What the server sends for one path."""

    body: bytes
    content_type: str
    last_modified: str  # HTTP-date
    headers: dict[str, str] = field(default_factory=dict)  # overrides from _mirror/headers.json

    @property
    def etag(self) -> str:
        """A strong validator derived from the body bytes."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _safe_relative(url_path: str) -> PurePosixPath | None:
    parts = PurePosixPath(url_path).parts[1:]
    if not parts or any(p in ("..", ".") or p.startswith("_") for p in parts):
        return None
    return PurePosixPath(*parts)


class _SideTables:
    """The parsed side tables (`_mirror/*.json`), re-read when a file's mtime or size changes — the server asks
    for them on every request, and a big site's manifest takes milliseconds to parse. Values are shared: read
    them, never change them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[Path, tuple[tuple[int, int], dict]] = {}
        self._routes: dict[Path, tuple[dict, dict[str, list[tuple[frozenset, str]]]]] = {}

    def json(self, path: Path) -> dict:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._parsed.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        with self._lock:
            self._parsed[path] = (stamp, data)
        return data

    def forget(self, path: Path) -> None:
        with self._lock:
            self._parsed.pop(path, None)

    def routes_by_path(self, site: Path) -> dict[str, list[tuple[frozenset, str]]]:
        """URL path → (parameters, route key) of every route of the site."""
        routes = self.json(site / ROUTES)
        with self._lock:
            hit = self._routes.get(site)
        if hit is not None and hit[0] is routes:
            return hit[1]
        by_path: dict[str, list[tuple[frozenset, str]]] = defaultdict(list)
        for key in routes:
            path, _, wanted = key.partition("?")
            by_path[path].append((frozenset(parse_qsl(wanted, keep_blank_values=True)), key))
        with self._lock:
            self._routes[site] = (routes, by_path)
        return by_path


_TABLES = _SideTables()


def last_modified_table(site: Path) -> dict[str, str]:
    """URL path -> Last-Modified HTTP-date, as stored in the site's manifest (shared: do not change it)."""
    return _TABLES.json(site / LAST_MODIFIED)


def set_last_modified(site: Path, url_paths: list[str], when: datetime) -> None:
    """Record that the resources at `url_paths` changed at `when` (an edit's clock)."""
    table = dict(last_modified_table(site))
    stamp = format_datetime(when.astimezone(UTC), usegmt=True)
    table.update({p: stamp for p in url_paths})
    path = site / LAST_MODIFIED
    path.write_text(json.dumps(dict(sorted(table.items())), indent=1) + "\n", encoding="utf-8")
    _TABLES.forget(path)


def _json(site: Path, name: str) -> dict:
    return _TABLES.json(site / name)


def route(site: Path, url_path: str, query: str) -> str | None:
    """The route key matching `url_path?query` (the one naming the most parameters), if any."""
    if not query:
        return None
    asked = set(parse_qsl(query, keep_blank_values=True))
    best: tuple[int, str] | None = None
    for params, key in _TABLES.routes_by_path(site).get(url_path, ()):
        if params <= asked and (best is None or len(params) > best[0]):
            best = (len(params), key)
    return best[1] if best else None


def resolve(site: Path, url_path: str, query: str = "") -> Resource | None:
    """The resource at `url_path` with `query`, or None for a 404."""
    key = route(site, url_path, query)
    found = _resolve_route(site, key) if key else _resolve_path(site, url_path)
    if found is None:
        return None
    overrides = _json(site, HEADERS).get(key or url_path)
    if overrides:
        ctype = overrides.get("Content-Type", found.content_type)
        extra = {k: v for k, v in overrides.items() if k != "Content-Type"}
        found = replace(found, content_type=ctype, headers=extra)
    return found


def _resolve_route(site: Path, key: str) -> Resource | None:
    rel = _safe_relative("/" + _json(site, ROUTES)[key])
    target = site / rel if rel is not None else None
    if target is None or not target.is_file():
        return None
    stamp = last_modified_table(site).get(key, DEFAULT_LAST_MODIFIED)
    return Resource(target.read_bytes(), _content_type(target), stamp)


def _content_type(target: Path) -> str:
    return _TYPES.get(target.suffix) or _TYPES_BY_SUFFIX.get(target.suffix, "application/octet-stream")


def _resolve_path(site: Path, url_path: str) -> Resource | None:
    rel = _safe_relative(url_path)
    if rel is None:
        return None
    stamp = last_modified_table(site).get(url_path, DEFAULT_LAST_MODIFIED)
    target = site / rel
    if rel.parts[0] == "media" and rel.name == "download" and len(rel.parts) == 3:
        source = target.with_name("download.txt")
        if source.is_file():
            return Resource(render_pdf(source.read_text(encoding="utf-8")), "application/pdf", stamp)
        return None
    if rel.parts[0] == "media":
        return None
    if target.is_file():
        return Resource(target.read_bytes(), _content_type(target), stamp)
    index = target / "index.html"
    if index.is_file():
        return Resource(index.read_bytes(), HTML, stamp)
    return None
