"""Scripted edits to a writable copy of the mirror site, the way FDA changes its own pages.

Every edit takes `when` (an aware datetime, the edit's clock). Left out, it defaults to one minute
after the newest Last-Modified in the site, so repeated edits move forward deterministically. Edits
rewrite only what they touch; the catalogue keeps its field order and HTML-in-field formats.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from regwatch.mirror import catalogue, pages, site, sources
from regwatch.mirror.server import SHIPPED_SITE

DEMO = f"{pages.MIRROR_DIR}/demo/publish.json"
DEMO_REWORD = (
    "regulatory-considerations-human-cells-tissues-and-cellular-and-tissue-based-products-minimal",
    "HCT/P manufacturers should consider",
    "HCT/P manufacturers must consider",
)
DEMO_WITHDRAW = "potency-tests-cellular-and-gene-therapy-products"
_CATALOGUE_URL = "/" + catalogue.CATALOGUE_PATH


def copy_site(dest: Path) -> Path:
    """Copy the shipped site to `dest` (created if needed) and return it; edit the copy, never the package."""
    shutil.copytree(SHIPPED_SITE, dest, dirs_exist_ok=True)
    return dest


def edit_clock(root: Path) -> datetime:
    """One minute after the newest Last-Modified recorded in the site."""
    stamps = [parsedate_to_datetime(v) for v in site.last_modified_table(root).values()]
    return max(stamps, default=datetime(2024, 10, 1, tzinfo=UTC)) + timedelta(minutes=1)


def _eastern(when: datetime) -> datetime:
    try:
        return when.astimezone(ZoneInfo("America/New_York"))
    except ZoneInfoNotFoundError:  # no tz database on this machine: use EST
        return when.astimezone(timezone(timedelta(hours=-5)))


def _stamp(when: datetime) -> str:
    return _eastern(when).replace(microsecond=0).isoformat()


def _page_url(slug: str) -> str:
    return catalogue.GUIDANCE_PREFIX + slug


def _rebuild_page(root: Path, record: dict) -> None:
    pages.build_page(root, record, pages.load_pages(root)[catalogue.slug_of(record)])


def reword(root: Path, slug: str, old: str, new: str, count: int = 1, when: datetime | None = None) -> None:
    """Replace `old` by `new` (first `count` times) in the guidance's PDF text; the served PDF changes."""
    when = when or edit_clock(root)
    record = catalogue.find(catalogue.load(root), slug)
    path = sources.record_media_source(root, record)
    if path is None:
        raise ValueError(f"{slug} has no PDF")
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{old!r} not found in the PDF text of {slug}")
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    site.set_last_modified(root, [f"/media/{catalogue.media_id_of(record)}/download"], when)


def publish(
    root: Path, record: dict, page: dict | None = None, sections: str = "", when: datetime | None = None
) -> None:
    """Add a catalogue record (kept in issue-date order) with its detail page and, if it has one, its PDF."""
    when = when or edit_clock(root)
    records = catalogue.load(root)
    slug = catalogue.slug_of(record)
    if any(catalogue.slug_of(r) == slug for r in records):
        raise ValueError(f"{slug} is already in the catalogue")
    page = page or {"title": catalogue.title_of(record), "summary": [catalogue.title_of(record)]}
    issued = datetime.strptime(record["field_issue_datetime"], "%m/%d/%Y")
    at = next(
        (i for i, r in enumerate(records) if datetime.strptime(r["field_issue_datetime"], "%m/%d/%Y") <= issued),
        len(records),
    )
    records.insert(at, {key: record[key] for key in catalogue.FIELD_ORDER})
    catalogue.save(root, records)
    all_pages = pages.load_pages(root)
    all_pages[slug] = page
    pages.save_pages(root, all_pages)
    pages.build_page(root, record, page)
    touched = [_CATALOGUE_URL, _page_url(slug)]
    path = sources.record_media_source(root, record)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sources.pdf_source(record, page, sections), encoding="utf-8")
        touched.append(f"/media/{catalogue.media_id_of(record)}/download")
    site.set_last_modified(root, touched, when)


def withdraw(root: Path, slug: str, when: datetime | None = None) -> None:
    """Drop the record from the catalogue and its detail page (which then answers 404)."""
    when = when or edit_clock(root)
    records = catalogue.load(root)
    catalogue.find(records, slug)
    catalogue.save(root, [r for r in records if catalogue.slug_of(r) != slug])
    shutil.rmtree(pages.page_path(root, slug).parent, ignore_errors=True)
    all_pages = pages.load_pages(root)
    all_pages.pop(slug, None)
    pages.save_pages(root, all_pages)
    site.set_last_modified(root, [_CATALOGUE_URL], when)


def touch(root: Path, slug: str, when: datetime | None = None) -> None:
    """Noise-only edit: the `changed` stamp and "Content current as of" move; nothing else does."""
    when = when or edit_clock(root)
    records = catalogue.load(root)
    record = catalogue.find(records, slug)
    record["changed"] = catalogue.changed_field(_stamp(when))
    catalogue.save(root, records)
    _rebuild_page(root, record)
    site.set_last_modified(root, [_CATALOGUE_URL, _page_url(slug)], when)


def finalize(root: Path, slug: str, media_id: int | None = None, when: datetime | None = None) -> int:
    """Draft -> Final in place: status, issue date, a new /media id (returned), PDF and page follow."""
    when = when or edit_clock(root)
    records = catalogue.load(root)
    record = catalogue.find(records, slug)
    if record["field_final_guidance_1"] != "Draft":
        raise ValueError(f"{slug} is not a draft")
    old_source = sources.record_media_source(root, record)
    if media_id is None:
        media_id = 1 + max(catalogue.media_id_of(r) or 0 for r in records)
    local = _eastern(when)
    title = catalogue.title_of(record).replace("Draft Guidance for Industry", "Guidance for Industry")
    size = catalogue.text_of(record["field_associated_media_2"]).removeprefix("PDF (").split(")")[0] or "100 KB"
    record.update(
        {
            "title": catalogue.title_field(slug, title),
            "field_associated_media_2": catalogue.media_field(media_id, size, title),
            "field_issue_datetime": local.strftime("%m/%d/%Y"),
            "field_final_guidance_1": "Final",
            "open-comment": "  No ",
            "changed": catalogue.changed_field(_stamp(when)),
        }
    )
    catalogue.save(root, records)
    all_pages = pages.load_pages(root)
    page = all_pages[slug]
    page["subtitle"] = (page.get("subtitle") or "").replace("Draft Guidance", "Guidance")
    page["title_date"] = local.strftime("%B %Y")
    pages.save_pages(root, all_pages)
    pages.build_page(root, record, page)
    text = old_source.read_text(encoding="utf-8") if old_source and old_source.exists() else None
    new_source = sources.source_path(root, media_id)
    new_source.parent.mkdir(parents=True, exist_ok=True)
    month = local.strftime("%B %Y")
    new_source.write_text(
        sources.finalized_source(text, month) if text else sources.pdf_source(record, page), encoding="utf-8"
    )
    site.set_last_modified(root, [_CATALOGUE_URL, _page_url(slug), f"/media/{media_id}/download"], when)
    return media_id


def demo_edits(root: Path, when: datetime | None = None) -> dict[str, str]:
    """The `regwatch demo` script: one should->must reword, one guidance published, one withdrawn."""
    when = when or edit_clock(root)
    slug, old, new = DEMO_REWORD
    reword(root, slug, old, new, when=when)
    demo = json.loads((root / DEMO).read_text(encoding="utf-8"))
    publish(root, demo["record"], demo["page"], demo.get("sections", ""), when=when)
    withdraw(root, DEMO_WITHDRAW, when=when)
    return {"reworded": slug, "published": catalogue.slug_of(demo["record"]), "withdrawn": DEMO_WITHDRAW}
