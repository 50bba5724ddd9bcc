"""Map URL paths to resources in a site directory laid out by real URL path.

Layout (see mirror/README.md):
  <path>                      a file served as is (`robots.txt`, the catalogue JSON); type by suffix
  <path>/index.html           an HTML page at `<path>` (no trailing slash, like Drupal aliases)
  media/<id>/download.txt     text source of the PDF served at `/media/<id>/download`
  _mirror/                    builder inputs and the Last-Modified manifest; never served
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path, PurePosixPath

from mirror import pdf

LAST_MODIFIED = "_mirror/last-modified.json"
DEFAULT_LAST_MODIFIED = "Tue, 01 Oct 2024 11:00:51 GMT"
HTML = "text/html; charset=UTF-8"
_TYPES = {".json": "application/json", ".txt": "text/plain", ".xml": "application/xml", ".html": HTML}


@dataclass(frozen=True)
class Resource:
    """What the server sends for one path."""

    body: bytes
    content_type: str
    last_modified: str  # HTTP-date

    @property
    def etag(self) -> str:
        """A strong validator derived from the body bytes."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def _safe_relative(url_path: str) -> PurePosixPath | None:
    parts = PurePosixPath(url_path).parts[1:]
    if not parts or any(p in ("..", ".") or p.startswith("_") for p in parts):
        return None
    return PurePosixPath(*parts)


def last_modified_table(site: Path) -> dict[str, str]:
    """URL path -> Last-Modified HTTP-date, as stored in the site's manifest."""
    path = site / LAST_MODIFIED
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def set_last_modified(site: Path, url_paths: list[str], when: datetime) -> None:
    """Record that the resources at `url_paths` changed at `when` (an edit's clock)."""
    table = last_modified_table(site)
    stamp = format_datetime(when.astimezone(UTC), usegmt=True)
    table.update({p: stamp for p in url_paths})
    (site / LAST_MODIFIED).write_text(json.dumps(dict(sorted(table.items())), indent=1) + "\n", encoding="utf-8")


def resolve(site: Path, url_path: str) -> Resource | None:
    """The resource at `url_path` (query string already removed), or None for a 404."""
    rel = _safe_relative(url_path)
    if rel is None:
        return None
    stamp = last_modified_table(site).get(url_path, DEFAULT_LAST_MODIFIED)
    target = site / rel
    if rel.parts[0] == "media" and rel.name == "download" and len(rel.parts) == 3:
        source = target.with_name("download.txt")
        if source.is_file():
            return Resource(pdf.render(source.read_text(encoding="utf-8")), "application/pdf", stamp)
        return None
    if rel.parts[0] == "media":
        return None
    if target.is_file():
        return Resource(target.read_bytes(), _TYPES.get(target.suffix, "application/octet-stream"), stamp)
    index = target / "index.html"
    if index.is_file():
        return Resource(index.read_bytes(), HTML, stamp)
    return None
