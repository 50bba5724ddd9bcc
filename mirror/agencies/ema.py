"""The EMA mirror (www.ema.europa.eu): its generated files, scripted edits and the demo's edits.

Data in mirror/sites/ema/_mirror/ (see the README there): `pages.json` (guideline pages and their file cards),
`cat.json` (the CAT committee page: agendas and minutes), `pdf/<type>/<slug>_en.txt` (PDF text sources) and
`demo/edits.json`. The catalogue JSON and the RSS feed are served as stored and edited in place.

    python -m regwatch.mirror.agencies.ema          # rebuild pages, PDFs, routes and Last-Modified of the shipped site
"""

from __future__ import annotations

import html
import json
import sys
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from string import Template

from fpdf import FPDF

from regwatch.mirror import site as mirror_site
from regwatch.mirror.pdf import latin1

ORIGINS: dict[str, str] = {"https://www.ema.europa.eu": "ema"}
SITE = Path(__file__).resolve().parents[1] / "sites" / "ema"
CATALOGUE = "/en/documents/report/documents-output-json-report_en.json"
FEED = "/en/scientific-guidelines.xml"
CAT = "/en/committees/committee-advanced-therapies-cat"
HUMAN_CELL_PDF = "/en/documents/scientific-guideline/guideline-human-cell-based-medicinal-products_en.pdf"
DEMO_REWORD = (HUMAN_CELL_PDF, "The applicant should establish", "The applicant must establish")
_BREADCRUMB = ('<li class="breadcrumb-item"><a href="/en/human-regulatory-overview">Human regulatory overview</a></li>'
               '<li class="breadcrumb-item"><a href="/en/human-regulatory-overview/research-development/'
               'scientific-guidelines">Scientific guidelines</a></li>')
# The parser drops the banner by its key phrase ("website will be unavailable due to scheduled maintenance"); the
# rest of the sentence is the mirror's.
BANNER = ("Notice: from 07:00 to 10:00 CET on Monday, 12 January 2026, this website will be unavailable due to "
          "scheduled maintenance.")


def _data(site: Path, name: str) -> dict:
    return json.loads((site / "_mirror" / name).read_text(encoding="utf-8"))


def _save(site: Path, name: str, data: dict) -> None:
    (site / "_mirror" / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _template(site: Path, name: str) -> Template:
    return Template((site / "_mirror" / name).read_text(encoding="utf-8"))


# --- PDFs ----------------------------------------------------------------------------------------------

def pdf_url(card: dict) -> str:
    return f"/en/documents/{card['type']}/{card['file']}_en.pdf"


def _source(site: Path, url: str) -> Path:
    return site / "_mirror" / "pdf" / url.removeprefix("/en/documents/").replace(".pdf", ".txt")


class _EmaPDF(FPDF):
    def __init__(self, year: str) -> None:
        super().__init__(format="A4")
        self.year = year
        self.set_margins(25, 20, 25)
        self.set_auto_page_break(True, margin=25)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font("Helvetica", "", 7)
        self.cell(0, 4, f"(c) European Medicines Agency, {self.year}. Reproduction is authorised provided the "
                  "source is acknowledged.", align="C", new_x="LMARGIN", new_y="NEXT")
        if self.page_no() > 1:
            self.cell(0, 4, f"Page {self.page_no()}", align="C")


def render_pdf(source: str) -> bytes:
    """An EMA-style PDF from a text source: header lines (date, reference, committee), a blank line, the title
    lines, a form feed, then paragraphs (numbered ones in bold). Same text, same bytes."""
    head, _, body = latin1(source).partition("\f")
    lines = head.strip("\n").splitlines()
    pdf = _EmaPDF(lines[0][-4:] if lines else "2024")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_producer("EMA guideline mirror (fpdf2)")
    pdf.set_author("European Medicines Agency")
    blank = lines.index("") if "" in lines else len(lines)
    pdf.set_title(lines[blank + 1] if blank + 1 < len(lines) else "")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    for line in lines[:blank]:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    for n, line in enumerate(lines[blank + 1:]):
        pdf.set_font("Helvetica", "B" if n == 0 else "", 16 if n == 0 else 11)
        pdf.multi_cell(0, 8 if n == 0 else 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    for para in (p for p in body.strip().split("\n\n") if p.strip()):
        flat = " ".join(para.split())
        heading = len(flat) < 90 and (flat[0].isdigit() or flat == "Executive summary")
        pdf.set_font("Helvetica", "B" if heading else "", 11 if heading else 10)
        pdf.multi_cell(0, 5.5, flat, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    return bytes(pdf.output())


def _write_pdf(site: Path, url: str) -> None:
    target = site / url.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_pdf(_source(site, url).read_text(encoding="utf-8")))


# --- HTML ----------------------------------------------------------------------------------------------

def _dmy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _time(iso: str) -> str:
    return f'<time datetime="{iso}T12:00:00Z">{_dmy(iso)}</time>'


def _small(css: str, label: str, value: str, hidden: bool = False) -> str:
    tag, extra = ("span", " visually-hidden") if hidden else ("strong", "")
    return (f'\n          <small class="{css}fw-normal d-block"><{tag} class="label{extra}">{label}: </{tag}>'
            f'<span class="value">{value}</span></small>')


def card_html(site: Path, card: dict) -> str:
    """One `div.bcl-file` card; the date and reference classes carry EMA's glued `…fw-normal` suffix."""
    dates = [("first-published", "First published", card.get("first_published")),
             ("last-updated", "Last updated", card.get("last_updated")),
             ("legal-effective-date", "Legal effective date", card.get("effective"))]
    parts = [_small(css, label, _time(iso)) for css, label, iso in dates if iso]
    if cons := card.get("consultation"):
        parts.append(_small("consultation-dates", "Consultation dates", f"{_time(cons[0])} to {_time(cons[1])}"))
    status = card.get("status")
    return _template(site, "file-card.html").substitute(
        type=card["type"], file=card["file"], title=html.escape(card["title"]), size=card["size"] or "120 KB",
        status=f'\n         <p class="ema-status mb-1"><span class="badge rounded-pill">{status}</span></p>' if status
        else "", dates="".join(parts),
        reference=_small("reference-number", "Reference number", card["reference"], True) if card["reference"] else "")


def _section(anchor: str, heading: str, body: str) -> str:
    return f'     <div class="item" id="{anchor}">\n      <h2 class="mt-5">{heading}</h2>\n{body}     </div>\n'


def _page(site: Path, slug: str, title: str, body: str, headings: list[str], badges: list[str], **extra: str) -> str:
    anchors = [h.lower().replace(" ", "-") + "-section" for h in headings]
    toc = "".join(f'<li class="nav-item"><a class="nav-link" href="#{a}">{h}</a></li>'
                  for a, h in zip(anchors, headings, strict=True))
    css = ["ema-bg-category"] + ["ema-bg-topic"] * (len(badges) - 1)
    values = {"slug": slug, "title": html.escape(title), "badges": " ".join(
        f'<span class="badge {c}">{b}</span>' for c, b in zip(css, badges, strict=True)),
        "banner": BANNER, "toc": toc, "sections": body, "nid": str(sum(map(ord, slug))), "rating": "4.1",
        "breadcrumb": _BREADCRUMB, "node_type": "ema-document-page", "description": html.escape(title), **extra}
    return _template(site, "page.html").substitute(values)


def guideline_page(site: Path, slug: str, page: dict) -> str:
    intro = "".join(f"      <p>{html.escape(p)}</p>\n" for p in page["summary"])
    intro += f"      <p><strong>Keywords:</strong> {html.escape(page['keywords'])}</p>\n"
    body = f'     <div class="item" id="summary-section">\n{intro}     </div>\n'
    headings = [page["current_heading"], "Document history"] + (["Related content"] if page["related"] else [])
    cards = [page["current"], page["history"]]
    for heading, group in zip(headings, cards, strict=False):
        body += _section(heading.lower().replace(" ", "-") + "-section", heading,
                         "".join(card_html(site, c) for c in group))
    if page["related"]:
        links = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for text, href in page["related"])
        body += _section("related-content-section", "Related content", f"      <ul>{links}</ul>\n")
    return _page(site, slug, page["title"], body, headings, page["badges"])


def _pager(count: int, size: int, at: int, query: str) -> str:
    if count <= size:
        return ""
    items = [f'<li class="page-item{" active" if n == at else ""}"><a class="page-link" href="?page={query.format(n)}">'
             f"{n + 1}</a></li>" for n in range(-(-count // size))]
    if (at + 1) * size < count:
        items.append(f'<li class="page-item"><a class="page-link" href="?page={query.format(at + 1)}" rel="next" '
                     'title="Go to next page">Next</a></li>')
    return f'      <nav class="pager mt-3" aria-label="Pagination"><ul class="pagination">{"".join(items)}</ul></nav>\n'


def cat_pages(site: Path, cat: dict) -> dict[tuple[int, int], str]:
    """The CAT page per pager position (agendas ?page=,A,0 and minutes ?page=,0,M: one pager index each)."""
    size, agendas, minutes = cat["page_size"], cat["agendas"], cat["minutes"]
    spots = [(a, 0) for a in range(-(-len(agendas) // size))] + [(0, m) for m in range(1, -(-len(minutes) // size))]
    out = {}
    for a, m in spots:
        body = '     <div class="item" id="about-section">\n' + "".join(f"      <p>{html.escape(p)}</p>\n"
                                                                      for p in cat["intro"]) + "     </div>\n"
        for heading, docs, at, query in (("Agendas", agendas, a, ",{},0"), ("Minutes", minutes, m, ",0,{}")):
            shown = "".join(card_html(site, c) for c in docs[at * size:(at + 1) * size])
            body += _section(heading.lower() + "-section", heading, shown + _pager(len(docs), size, at, query))
        out[(a, m)] = _page(site, CAT.rsplit("/", 1)[1], cat["title"], body, ["Agendas", "Minutes"], ["Human"])
    return out


# --- build ---------------------------------------------------------------------------------------------

def _http(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso).replace(hour=10, tzinfo=UTC), usegmt=True)


def _build_guidelines(site: Path) -> dict[str, str]:
    stamps = {}
    for slug, page in _data(site, "pages.json").items():
        (site / "en" / slug).mkdir(parents=True, exist_ok=True)
        (site / "en" / slug / "index.html").write_text(guideline_page(site, slug, page), encoding="utf-8")
        cards = page["current"] + page["history"]
        stamps[f"/en/{slug}"] = _http(max(c["last_updated"] for c in cards))
        stamps.update({pdf_url(c): _http(c["last_updated"]) for c in cards})
    return stamps


def _build_cat(site: Path) -> dict[str, str]:
    """The CAT pages, their query routes and the header overrides (CAT pages: no charset; the RSS type)."""
    cat, folder, routes = _data(site, "cat.json"), site / CAT.lstrip("/"), {}
    folder.mkdir(parents=True, exist_ok=True)
    for (a, m), text in cat_pages(site, cat).items():
        name = "index.html" if (a, m) == (0, 0) else f"page-{a}-{m}.html"
        (folder / name).write_text(text, encoding="utf-8")
        if name != "index.html":
            routes[f"{CAT}?page=,{a},{m}"] = f"{CAT.lstrip('/')}/{name}"
    _save(site, "routes.json", routes)
    _save(site, "headers.json", {**{k: {"Content-Type": "text/html"} for k in [CAT, *routes]},
                                  FEED: {"Content-Type": "application/rss+xml; charset=utf-8"}})
    docs = cat["agendas"] + cat["minutes"]
    newest = _http(max(c["last_updated"] for c in docs))
    return {**{key: newest for key in [CAT, *routes]}, **{pdf_url(c): _http(c["last_updated"]) for c in docs}}


def build(site: Path = SITE) -> int:
    """Write every generated file (pages, CAT pages and routes, PDFs) and the Last-Modified manifest."""
    catalogue = load_catalogue(site)
    stamps = {"/" + r["document_url"].split("/", 3)[3]: _http(r["last_updated_date"][:10]) for r in catalogue["data"]}
    stamps.update({**_build_guidelines(site), **_build_cat(site)})
    for source in sorted((site / "_mirror" / "pdf").rglob("*.txt")):
        _write_pdf(site, "/en/documents/" + source.relative_to(site / "_mirror" / "pdf").as_posix()[:-4] + ".pdf")
    stamps[CATALOGUE] = format_datetime(datetime.fromisoformat(catalogue["meta"]["timestamp"]), usegmt=True)
    stamps[FEED] = _http("2025-01-15")
    _save(site, "last-modified.json", dict(sorted(stamps.items())))
    return len(stamps)


# --- edits (on writable copies) --------------------------------------------------------------------------

def edit_clock(site: Path) -> datetime:
    """One minute after the newest Last-Modified of the site, so repeated edits move forward."""
    stamps = [parsedate_to_datetime(v) for v in mirror_site.last_modified_table(site).values()]
    return max(stamps, default=datetime(2026, 1, 1, tzinfo=UTC)) + timedelta(minutes=1)


def load_catalogue(site: Path) -> dict:
    return json.loads((site / CATALOGUE.lstrip("/")).read_text(encoding="utf-8"))


def save_catalogue(site: Path, catalogue: dict, when: datetime) -> None:
    """One record per line (so an edit changes only its lines); `/` unescaped; meta.timestamp moves."""
    catalogue["meta"] = {"total_records": len(catalogue["data"]),
                         "timestamp": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    rows = ",\n".join(json.dumps(r, ensure_ascii=False) for r in catalogue["data"])
    text = f'{{"meta": {json.dumps(catalogue["meta"])},\n"data": [\n{rows}\n]}}\n'
    (site / CATALOGUE.lstrip("/")).write_text(text, encoding="utf-8")
    mirror_site.set_last_modified(site, [CATALOGUE], when)


def reword(site: Path, url: str, old: str, new: str, when: datetime | None = None) -> None:
    """Replace `old` by `new` once in the PDF at `url`; ValueError when `old` is not in its text."""
    source = _source(site, url)
    text = source.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{old!r} not found in {url}")
    source.write_text(text.replace(old, new, 1), encoding="utf-8")
    _write_pdf(site, url)
    mirror_site.set_last_modified(site, [url], when or edit_clock(site))


def adopt(site: Path, edit: dict, when: datetime | None = None) -> None:
    """Draft → adopted: the new card becomes the current version, the draft moves to Document history
    ("consultation closed"), and the catalogue and the scientific-guidelines feed list the new document."""
    when = when or edit_clock(site)
    pages = _data(site, "pages.json")
    page, card = pages[edit["slug"]], edit["card"]
    for old in page["current"]:
        old["status"] = old["status"].replace("consultation open", "consultation closed")
    page["history"] = page["current"] + page["history"]
    page["current"], page["current_heading"] = [card], edit["heading"]
    _save(site, "pages.json", pages)
    (site / "en" / edit["slug"] / "index.html").write_text(guideline_page(site, edit["slug"], page), encoding="utf-8")
    source = _source(site, pdf_url(card))
    source.write_text(edit["source"], encoding="utf-8")
    _write_pdf(site, pdf_url(card))
    catalogue = load_catalogue(site)
    catalogue["data"].append(edit["record"])
    save_catalogue(site, catalogue, when)
    _add_feed_item(site, edit["feed"], f"https://www.ema.europa.eu/en/{edit['slug']}")
    mirror_site.set_last_modified(site, [f"/en/{edit['slug']}", pdf_url(card), FEED], when)


def _add_feed_item(site: Path, item: dict, link: str) -> None:
    feed = site / FEED.lstrip("/")
    text = feed.read_text(encoding="utf-8")
    entry = (f"    <item>\n      <title>{html.escape(item['title'])}</title>\n      <link>{link}</link>\n"
             f"      <description>{html.escape(item['description'])}</description>\n"
             f"      <pubDate>{item['pubDate']}</pubDate>\n      <dc:creator>EMA</dc:creator>\n"
             f'      <guid isPermaLink="false">{item["guid"]}</guid>\n    </item>\n')
    at = text.index("    <item>")
    feed.write_text(text[:at] + entry + text[at:], encoding="utf-8")


def publish_minutes(site: Path, card: dict, source: str, when: datetime | None = None) -> None:
    """A new minutes document at the top of the CAT page's Minutes list (older ones move down a page)."""
    when = when or edit_clock(site)
    cat = _data(site, "cat.json")
    cat["minutes"].insert(0, card)
    _save(site, "cat.json", cat)
    _source(site, pdf_url(card)).write_text(source, encoding="utf-8")
    _write_pdf(site, pdf_url(card))
    mirror_site.set_last_modified(site, [key for key in _build_cat(site) if key.startswith(CAT)] + [pdf_url(card)],
                                  when)


def withdraw(site: Path, record_id: str, when: datetime | None = None) -> None:
    """The record leaves the documents catalogue (its PDF stays where it was)."""
    catalogue = load_catalogue(site)
    kept = [r for r in catalogue["data"] if r["id"] != record_id]
    if len(kept) == len(catalogue["data"]):
        raise ValueError(f"no record {record_id} in the catalogue")
    catalogue["data"] = kept
    save_catalogue(site, catalogue, when or edit_clock(site))


def touch(site: Path, slug: str, when: datetime | None = None) -> None:
    """Noise only: a new maintenance banner, another average rating and a cookie-consent setting change."""
    when = when or edit_clock(site)
    page = site / "en" / slug / "index.html"
    text = page.read_text(encoding="utf-8").replace(BANNER, BANNER.replace("Monday, 12 January", "Monday, 9 March"))
    text = text.replace("Average rating: 4.1", "Average rating: 4.3").replace('"forceLang":false', '"forceLang":true')
    page.write_text(text, encoding="utf-8")
    mirror_site.set_last_modified(site, [f"/en/{slug}"], when)


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """One "should" → "must" in the human cell-based guideline PDF; the investigational-ATMP guideline adopted."""
    site = sites["ema"]
    when = edit_clock(site)
    reword(site, *DEMO_REWORD, when=when)
    adopt(site, _data(site, "demo/edits.json")["adopt"], when=when)
    return {"ema reworded": HUMAN_CELL_PDF, "ema adopted": f"/en/{_data(site, 'demo/edits.json')['adopt']['slug']}"}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SITE
    print(f"{build(target)} resources dated in {target}")
