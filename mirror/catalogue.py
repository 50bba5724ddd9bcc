"""The guidance catalogue (`search-for-guidance.json`) as the real site shapes it.

Records are plain dicts with FDA's own field names and value formats (HTML inside strings, `MM/DD/YYYY`
dates, whitespace-padded `open-comment`). This module builds field values and reads/writes the file in
one fixed style, so scripted edits change only the records they touch.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

CATALOGUE_PATH = "files/api/datatables/static/search-for-guidance.json"
GUIDANCE_PREFIX = "/regulatory-information/search-fda-guidance-documents/"

# Field order of a real record captured from the live file (see mirror/README.md).
FIELD_ORDER = (
    "title",
    "field_associated_media_2",
    "field_issue_datetime",
    "field_issuing_office_taxonomy",
    "field_health_topics",
    "term_node_tid",
    "field_topics",
    "topics-product",
    "field_final_guidance_1",
    "open-comment",
    "field_comment_close_date",
    "field_docket_number",
    "field_communication_type",
    "field_center",
    "field_regulated_product_field",
    "changed",
)

_HREF = re.compile(r'href="([^"]+)"')
_MEDIA = re.compile(r"/media/(\d+)/download")
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Guidance:
    """The facts behind one catalogue record (plain text, not yet in FDA's field formats)."""

    slug: str
    title: str
    issued: str  # MM/DD/YYYY
    status: str  # "Draft" | "Final"
    offices: list[list[str]]  # organisations, each a chain of offices (joined by "," without space)
    center: str
    changed: str  # ISO-8601 with offset, e.g. 2020-07-21T10:10:03-04:00
    media_id: int | None = None
    pdf_size: str = ""
    docket: str | None = None  # None -> "", "None found" kept literally
    topics: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    open_comment: bool = False
    comment_close: str = ""
    communication_type: str = "Guidance Document"


def title_field(slug: str, title: str) -> str:
    """`<a href="/regulatory-information/search-fda-guidance-documents/<slug>">Title</a>`."""
    return f'<a href="{GUIDANCE_PREFIX}{slug}">{title}</a>'


def media_field(media_id: int | None, size: str, title: str) -> str:
    """The PDF anchor with its size in the text, or "" for web-only guidance."""
    if media_id is None:
        return ""
    return f'<a href="/media/{media_id}/download">PDF ({size})<span class="sr-only">{title}</span></a>'


def docket_field(docket: str | None) -> str:
    """A regulations.gov docket link, "" for none, or the literal `None found`."""
    if docket is None:
        return ""
    if docket == "None found":
        return docket
    return f'<a href="https://www.regulations.gov/docket/{docket}">{docket}</a>'


def changed_field(iso: str) -> str:
    """`<time datetime="…">YYYY-MM-DD HH:MM</time>\\n` as the real file has it."""
    stamp = datetime.fromisoformat(iso)
    return f'<time datetime="{iso}">{stamp:%Y-%m-%d %H:%M}</time>\n'


def offices_field(offices: list[list[str]]) -> str:
    """Organisations joined by `<br><br>`, offices inside one organisation by `,` (no space)."""
    return "<br><br>".join(",".join(chain) for chain in offices)


def encode_list(values: list[str]) -> str:
    """Comma list with HTML entities, as in `field_regulated_product_field` (`Food &amp; Beverages`)."""
    return ", ".join(html.escape(v, quote=False) for v in values)


def make_record(g: Guidance) -> dict[str, str]:
    """One catalogue record in the real field order and formats."""
    topics = encode_list(g.topics)
    values = {
        "title": title_field(g.slug, g.title),
        "field_associated_media_2": media_field(g.media_id, g.pdf_size, g.title),
        "field_issue_datetime": g.issued,
        "field_issuing_office_taxonomy": offices_field(g.offices),
        "field_health_topics": "",
        "term_node_tid": topics,
        "field_topics": "",
        "topics-product": topics,
        "field_final_guidance_1": g.status,
        "open-comment": "  Yes " if g.open_comment else "  No ",
        "field_comment_close_date": g.comment_close,
        "field_docket_number": docket_field(g.docket),
        "field_communication_type": g.communication_type,
        "field_center": g.center,
        "field_regulated_product_field": encode_list(g.products),
        "changed": changed_field(g.changed),
    }
    return {key: values[key] for key in FIELD_ORDER}


def slug_of(record: dict) -> str:
    """The detail-page slug from the `title` anchor."""
    return _HREF.search(record["title"])[1].removeprefix(GUIDANCE_PREFIX)


def text_of(value: str) -> str:
    """Visible text of an HTML field value."""
    return html.unescape(_TAGS.sub("", value)).strip()


def title_of(record: dict) -> str:
    """The display title (anchor text of `title`)."""
    return text_of(record["title"])


def media_id_of(record: dict) -> int | None:
    """The `/media/<id>/download` id, or None when the record has no PDF."""
    found = _MEDIA.search(record.get("field_associated_media_2") or "")
    return int(found[1]) if found else None


def docket_of(record: dict) -> str:
    """The docket text ("" when absent; `None found` kept as is)."""
    return text_of(record.get("field_docket_number") or "")


def load(site: Path) -> list[dict]:
    """Read the catalogue of a site directory."""
    return json.loads((site / CATALOGUE_PATH).read_text(encoding="utf-8"))


def dumps(records: list[dict]) -> str:
    """Serialize in the mirror's fixed style: a bare array, one compact record per line."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def save(site: Path, records: list[dict]) -> None:
    """Write the catalogue of a site directory."""
    path = site / CATALOGUE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(records), encoding="utf-8")


def find(records: list[dict], slug: str) -> dict:
    """The record whose title links to `slug`; KeyError when absent."""
    for record in records:
        if slug_of(record) == slug:
            return record
    raise KeyError(f"no catalogue record for slug {slug!r}")
