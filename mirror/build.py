"""Rebuild the generated files of a site directory: detail pages and the Last-Modified manifest.

    python -m regwatch.mirror.build            # rebuild the shipped site after editing its data by hand

Last-Modified values come from the data, not from file mtimes (a git checkout resets those): a detail
page and the catalogue carry their record's `changed` stamp, a PDF its record's issue date, any other
hand-written page (CBER list, consumer alert, safety notices, the MedWatch alert) its "Content current
as of" `<time datetime>`, or a fixed date when it has none.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from regwatch.mirror import catalogue, pages, site

FIXED = datetime(2024, 10, 1, 11, 0, 51, tzinfo=UTC)
_CURRENT = re.compile(r'class="node-current-date">.*?<time datetime="([^"]+)"', re.S)


def changed_at(record: dict) -> datetime:
    """The record's `changed` stamp as an aware datetime."""
    return datetime.fromisoformat(record["changed"].split('datetime="', 1)[1].split('"', 1)[0])


def issued_at(record: dict) -> datetime:
    """The record's issue date at 09:00 UTC (placeholder dates included)."""
    return datetime.strptime(record["field_issue_datetime"], "%m/%d/%Y").replace(hour=9, tzinfo=UTC)


def http_date(when: datetime) -> str:
    """RFC 9110 HTTP-date."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def last_modified(root: Path) -> dict[str, str]:
    """URL path -> Last-Modified for every generated resource of a site."""
    records = catalogue.load(root)
    table = {"/" + catalogue.CATALOGUE_PATH: http_date(max(changed_at(r) for r in records))}
    for record in records:
        slug = catalogue.slug_of(record)
        if pages.page_path(root, slug).exists():
            table[catalogue.GUIDANCE_PREFIX + slug] = http_date(changed_at(record))
        media = catalogue.media_id_of(record)
        if media is not None:
            table[f"/media/{media}/download"] = http_date(issued_at(record))
    for index in sorted(root.glob("**/index.html")):
        rel = index.relative_to(root)
        if rel.parts[0].startswith("_") or rel.is_relative_to(pages.GUIDANCE_DIR):
            continue  # builder inputs; detail pages are dated by their record above
        found = _CURRENT.search(index.read_text(encoding="utf-8"))
        stamp = datetime.fromisoformat(found[1]) if found else FIXED
        table["/" + index.parent.relative_to(root).as_posix()] = http_date(stamp)
    return dict(sorted(table.items()))


def rebuild(root: Path) -> int:
    """Rebuild detail pages and the manifest; returns the number of pages built."""
    built = pages.build_all(root)
    text = json.dumps(last_modified(root), indent=1) + "\n"
    (root / site.LAST_MODIFIED).write_text(text, encoding="utf-8")
    return len(built)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "sites" / "fda"
    print(f"{rebuild(target)} pages rebuilt in {target}")
