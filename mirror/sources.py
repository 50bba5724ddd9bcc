"""Plain-text PDF sources for guidance documents (the input of `mirror.pdf.render`).

A source is the title page as real FDA guidance PDFs lay it out (title, "Guidance for Industry",
the contact line, "U.S. Department of Health and Human Services / Food and Drug Administration /
<issuing offices> / <Month YYYY>"), a form feed, then numbered sections starting with
"I. INTRODUCTION" and the boilerplate sentence every FDA guidance carries.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from regwatch.mirror import catalogue

# The mirror's own wording of the paragraph every FDA guidance carries (same text in every PDF, so it is
# boilerplate to regwatch as the real one is).
BOILERPLATE = (
    "Like every FDA guidance, this one creates no legally enforceable responsibilities: it sets out the Agency's "
    "current thinking on its topic and is a recommendation only, except where it cites a specific statutory or "
    "regulatory requirement. Where it uses the word should, it suggests or recommends; it does not require."
)
COMMENT_ONLY = "This guidance document is for comment purposes only."
_CBER = "Center for Biologics Evaluation and Research"
_CONTACT = [
    "For questions on the content of this guidance, contact the Office of Communication, Outreach and",
    "Development (OCOD) at 1-800-835-4709 or 240-402-8010.",
]
TISSUE_BACKGROUND = (
    "FDA regulates human cells, tissues, and cellular and tissue-based products (HCT/Ps) under 21 CFR Part 1271. "
    "HCT/Ps that meet the criteria in 21 CFR 1271.10(a) are regulated solely under section 361 of the Public Health "
    "Service Act (PHS Act) and the regulations in 21 CFR Part 1271; other HCT/Ps are regulated as drugs, devices, "
    "and/or biological products."
)
BIOLOGICS_BACKGROUND = (
    "Cellular and gene therapy products are regulated by the Center for Biologics Evaluation and Research (CBER) as "
    "biological products under section 351 of the Public Health Service Act (42 U.S.C. 262) and the Federal Food, "
    "Drug, and Cosmetic Act. Clinical investigations of these products are conducted under an investigational new "
    "drug application (IND) in accordance with 21 CFR Part 312."
)


def source_path(site: Path, media_id: int) -> Path:
    """Where the text source of `/media/<id>/download` lives."""
    return site / "media" / str(media_id) / "download.txt"


def month_year(us_date: str) -> str:
    """`07/20/2020` -> `July 2020`; the `01/01/1900` placeholder gives ""."""
    return "" if us_date.endswith("/1900") else datetime.strptime(us_date, "%m/%d/%Y").strftime("%B %Y")


def _title_page(record: dict, page: dict, date: str) -> list[str]:
    draft = record["field_final_guidance_1"] == "Draft"
    subtitle = "Draft Guidance for Industry" if draft else (page.get("subtitle") or "Guidance for Industry")
    offices = [o.split(",")[-1] for o in record["field_issuing_office_taxonomy"].split("<br><br>") if o]
    lines = [page["title"], "", subtitle]
    if draft:
        lines += ["", COMMENT_ONLY]
    if _CBER in offices:
        lines += ["", *_CONTACT]
    lines += ["", "U.S. Department of Health and Human Services", "Food and Drug Administration"]
    return [*lines, *offices, date]


def _paragraph(text: str) -> str:
    return " ".join(line.removeprefix("- ") for line in text.splitlines())


def pdf_source(record: dict, page: dict, sections: str = "", date: str | None = None) -> str:
    """The text source of a guidance PDF: title page, form feed, numbered sections."""
    title = _title_page(record, page, date if date is not None else month_year(record["field_issue_datetime"]))
    intro = [_paragraph(p) for p in page["summary"]]
    if not any("no legally enforceable responsibilities" in p for p in intro):
        intro.append(BOILERPLATE)  # unless the page text already carries its own wording of it
    body = ["I. INTRODUCTION", *intro]
    if sections.strip():
        body.append(sections.strip())
    else:
        tissue = "Tissue" in record["term_node_tid"]
        body += ["II. BACKGROUND", TISSUE_BACKGROUND if tissue else BIOLOGICS_BACKGROUND]
    return "\n".join(title).strip("\n") + "\n\f\n" + "\n\n".join(body) + "\n"


def finalized_source(text: str, month: str) -> str:
    """The draft's text as a final guidance: subtitle, comment-only line and date line updated."""
    title, sep, body = text.partition("\f")
    lines = [line for line in title.split("\n") if line != COMMENT_ONLY]
    lines = [line.replace("Draft Guidance for Industry", "Guidance for Industry") for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    lines[-1] = month
    return "\n".join(lines) + "\n" + sep + body


def record_media_source(site: Path, record: dict) -> Path | None:
    """The text source behind a record's PDF, if it has one."""
    media = catalogue.media_id_of(record)
    return None if media is None else source_path(site, media)
