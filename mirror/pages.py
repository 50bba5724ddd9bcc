"""Guidance detail pages: one template (`_mirror/guidance-detail.html`) + one catalogue record + page data.

Page data (`_mirror/pages.json`, keyed by slug) holds what the catalogue lacks: the page title, the
subtitle and month shown in the `h1`, the summary paragraphs, and the sidebar lists. The output is a
pure function of its inputs, so built pages are byte-for-byte reproducible.

What varies with the record, as the stored fda.gov pages show it: the eyebrow and `dcterms.type` follow
`field_communication_type` ("GUIDANCE DOCUMENT", "COMPLIANCE POLICY GUIDE (CPG)"); a record without a
docket (the CPGs) gets the general-docket comment text (FDA-2013-S-0610); the "Questions?" block with the
OCOD contact is CBER's — pages of other offices (the cosmetics guidance and CPG) have none.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from string import Template

from regwatch.mirror import catalogue

MIRROR_DIR = "_mirror"
TEMPLATE = f"{MIRROR_DIR}/guidance-detail.html"
PAGES = f"{MIRROR_DIR}/pages.json"
GUIDANCE_DIR = catalogue.GUIDANCE_PREFIX.strip("/")

_DRAFT_NOTE = "Not for implementation. Contains non-binding recommendations."
_DOCKETS_ADDRESS = (
    "Dockets Management<br />\nFood and Drug Administration<br />\n"
    "5630 Fishers Lane, Rm 1061<br />\nRockville, MD 20852"
)
_GENERAL_DOCKET = "FDA-2013-S-0610"
_GENERAL_DOCKET_TEXT = (
    "Specific Electronic Submissions Intended For FDA's Dockets Management Staff (i.e., Citizen Petitions, "
    "Draft Proposed Guidance Documents, Variances, and other administrative record submissions)"
)
CBER = "Center for Biologics Evaluation and Research"
_CBER_CONTACT = (
    "Office of Communication, Outreach and Development (OCOD)<br />\n"
    "Center for Biologics Evaluation and Research<br />\nFood and Drug Administration<br />\n"
    "10903 New Hampshire Ave WO71-3128<br />\nSilver Spring, MD 20993-0002<br />\n"
    '<a href="mailto:ocod@fda.hhs.gov">ocod@fda.hhs.gov</a><br />\n(800) 835-4709<br />\n(240) 402-8010'
)


def page_path(site: Path, slug: str) -> Path:
    """Where the built page of `slug` lives in a site directory."""
    return site / GUIDANCE_DIR / slug / "index.html"


def load_pages(site: Path) -> dict[str, dict]:
    """Page data of a site directory, keyed by slug."""
    return json.loads((site / PAGES).read_text(encoding="utf-8"))


def save_pages(site: Path, pages: dict[str, dict]) -> None:
    """Write page data back, sorted by slug so edits give small diffs."""
    text = json.dumps(dict(sorted(pages.items())), ensure_ascii=False, indent=1) + "\n"
    (site / PAGES).write_text(text, encoding="utf-8")


def drupal_time(stamp: datetime) -> str:
    """Drupal's meta time format, e.g. `Thu, 10/10/2024 - 09:29`."""
    return stamp.strftime("%a, %m/%d/%Y - %H:%M")


def _iso_in(changed: str) -> str:
    return changed.split('datetime="', 1)[1].split('"', 1)[0]


def _status_html(status: str) -> str:
    html = f'<p class="lcds-guidance-status__label">{status}</p>'
    if status == "Draft":
        html += f"\n<p>{_DRAFT_NOTE}</p>"
    return html


def _metadata_html(record: dict) -> str:
    rows = []
    docket = catalogue.docket_of(record)
    if docket and docket != "None found":
        link = f'<a href="https://www.regulations.gov/docket/{docket}" title="{docket}">{docket}</a>'
        rows.append(
            f'  <dt class="lcds-description-list__item-heading">Docket Number:</dt>\n'
            f'  <dd class="lcds-description-list__item-text">{link}</dd>'
        )
    items = "".join(f'<div class="field--item">{escape(o)}</div>' for o in issuing_organisations(record))
    rows.append(
        '  <dt class="lcds-description-list__item-heading">Issued by:</dt>\n'
        '  <dd class="lcds-description-list__item-text"><div class="field field--name-field-issuing-office'
        ' field--label-above"><div class="field--label">Guidance Issuing Office</div>'
        f'<div class="field--items">{items}</div></div></dd>'
    )
    return "\n".join(rows)


def _summary_html(paragraphs: list[str]) -> str:
    out = []
    for para in paragraphs:
        if para.startswith("- "):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in para.splitlines())
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{escape(para)}</p>")
    return "\n".join(out)


def _download_html(record: dict) -> str:
    media = catalogue.media_id_of(record)
    if media is None:
        return ""
    label = f"Download the {record['field_final_guidance_1']} Guidance Document"
    return f'<p><a href="/media/{media}/download" class="btn btn-default" role="button">{label}</a></p>'


def _general_docket_comments() -> str:
    link = f'<a href="https://www.regulations.gov/docket/{_GENERAL_DOCKET}">{_GENERAL_DOCKET}</a>'
    return "\n".join(
        [
            '<h2 id="submit-comments">Submit Comments</h2>',
            f"<p>Electronic comments on this guidance go to docket {link} - "
            f"{escape(_GENERAL_DOCKET_TEXT, quote=False)}</p>",
            "<p>Written comments go by mail to:</p>",
            f"<p>{_DOCKETS_ADDRESS}</p>",
            "<p>Mark comments with the guidance's title.</p>",
        ]
    )


def _comments_html(record: dict) -> str:
    docket = catalogue.docket_of(record)
    if docket == "":
        return _general_docket_comments()
    parts = [
        '<h2 id="submit-comments">Submit Comments</h2>',
        "<p>Comments on any guidance are welcome at any time, online or in writing (21 CFR 10.115(g)(5)).</p>",
    ]
    if record["open-comment"].strip() == "Yes" and docket.startswith("FDA-"):
        parts.append(f'<p><a href="https://www.regulations.gov/docket/{docket}">Submit Comments Online</a></p>')
    parts.append("<p>Written comments go by mail to:</p>")
    parts.append(f"<p>{_DOCKETS_ADDRESS}</p>")
    if docket and docket != "None found":
        parts.append(f"<p>Mark written comments with this document's docket number, {docket}.</p>")
    return "\n".join(parts)


def issuing_organisations(record: dict) -> list[str]:
    """The first office of each organisation in `field_issuing_office_taxonomy` (what the page lists)."""
    return [o.split(",")[0] for o in record["field_issuing_office_taxonomy"].split("<br><br>") if o]


def _questions_html(record: dict) -> str:
    if CBER not in issuing_organisations(record):
        return ""
    return (
        '<section class="lcds-guidance-questions" aria-labelledby="questions">\n'
        '<h2 id="questions">Questions?</h2>\n'
        f"<p>Contact Point<br />\n{_CBER_CONTACT}</p>\n"
        "</section>"
    )


def _list_html(heading: str, values: list[str]) -> str:
    if not values:
        return ""
    items = "".join(f'<li role="menuitem">{escape(v)}</li>' for v in values)
    return (
        '  <li>\n    <div class="lcds-description-list lcds-description-list--inline">\n'
        f'      <h2 class="lcds-description-list__item-heading">{heading}</h2>\n'
        f'      <ul class="lcds-metadata-list" role="menu">{items}</ul>\n    </div>\n  </li>'
    )


def render(template: str, record: dict, page: dict) -> str:
    """The full HTML of one guidance detail page."""
    changed = datetime.fromisoformat(_iso_in(record["changed"]))
    issued = datetime.strptime(record["field_issue_datetime"], "%m/%d/%Y").replace(hour=9)
    title = page["title"]
    description = page["summary"][0][:300] if page["summary"] else title
    sidebar = "\n".join(
        s
        for s in (
            _list_html("Regulated Product(s)", page.get("products", [])),
            _list_html("Topic(s)", page.get("topics", [])),
        )
        if s
    )
    values = {
        "title": escape(title),
        "slug": catalogue.slug_of(record),
        "doc_type": escape(record["field_communication_type"]),
        "eyebrow": escape(record["field_communication_type"].upper()),
        "description": escape(description),
        "creator": escape(record["field_center"]),
        "subtitle": escape(page.get("subtitle", "")),
        "title_date": escape(page.get("title_date", "")),
        "published": drupal_time(issued),
        "modified": drupal_time(changed),
        "status_html": _status_html(record["field_final_guidance_1"]),
        "metadata_html": _metadata_html(record),
        "summary_html": _summary_html(page["summary"]),
        "download_html": _download_html(record),
        "comments_html": _comments_html(record),
        "questions_html": _questions_html(record),
        "sidebar_html": sidebar,
        "current_iso": changed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "current_us": changed.strftime("%m/%d/%Y"),
    }
    return Template(template).substitute(values)


def build_page(site: Path, record: dict, page: dict) -> Path:
    """Render and write the detail page of one record; returns the written path."""
    template = (site / TEMPLATE).read_text(encoding="utf-8")
    path = page_path(site, catalogue.slug_of(record))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(template, record, page), encoding="utf-8")
    return path


def build_all(site: Path) -> list[Path]:
    """(Re)build the pages of every record that has page data."""
    pages = load_pages(site)
    records = catalogue.load(site)
    return [build_page(site, r, pages[catalogue.slug_of(r)]) for r in records if catalogue.slug_of(r) in pages]
