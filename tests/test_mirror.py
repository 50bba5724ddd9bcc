"""The offline FDA mirror: real server on loopback, real HTTP, real PDFs."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pypdf
import pytest
from bs4 import BeautifulSoup
from protego import Protego

from regwatch.mirror import SHIPPED_SITE, MirrorServer, build, catalogue, edits, pages
from regwatch.mirror.faults import APOLOGY_PATH

CATALOGUE = "/files/api/datatables/static/search-for-guidance.json"
GUIDANCE = catalogue.GUIDANCE_PREFIX
MINIMAL = "regulatory-considerations-human-cells-tissues-and-cellular-and-tissue-based-products-minimal"
SAFETY = "safety-testing-human-allogeneic-cells-expanded-use-cell-based-medical-products"
CGT_LIST = "/vaccines-blood-biologics/biologics-guidances/cellular-gene-therapy-guidances"
ALERT = (
    "/vaccines-blood-biologics/consumers-biologics/"
    "consumer-alert-regenerative-medicine-products-including-stem-cells-and-exosomes"
)
EXOSOME = "/vaccines-blood-biologics/safety-availability-biologics/public-safety-notification-exosome-products"
MEDWATCH = (
    "/safety/medical-product-safety-information/"
    "public-safety-alert-due-marketing-unapproved-stem-cell-and-exosome-products"
)
CPG_590 = "cpg-sec-590500-packaging-technologies-and-tamper-resistant-packaging-requirements-cosmetic-products"
RECORDS_ACCESS = "fda-records-access-authority-cosmetic-products"
REGISTRATION = "guidance-industry-registration-and-listing-cosmetic-product-facilities-and-products"
# The default config's title keywords (config.yaml `fda-guidance` watch), matched as the crawler does:
# case-insensitively at the start of a word.
KEYWORDS = (
    "cell",
    "tissue",
    "gene therap",
    "regenerative",
    "HCT/P",
    "stem",
    "exosome",
    "cosmetic",
    "xenotransplant",
    "cord blood",
)
_WATCHED = re.compile("|".join(rf"(?<![^\W_]){re.escape(k)}" for k in KEYWORDS), re.I)
SHIPPED_RECORDS = catalogue.load(SHIPPED_SITE)
WATCHED_SLUGS = sorted(catalogue.slug_of(r) for r in SHIPPED_RECORDS if _WATCHED.search(catalogue.title_of(r)))
AREA_SLUGS = sorted(pages.load_pages(SHIPPED_SITE))  # every record with a detail page
PDF_SLUGS = [s for s in AREA_SLUGS if catalogue.media_id_of(catalogue.find(SHIPPED_RECORDS, s)) is not None]
WHEN = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def mirror() -> Iterator[MirrorServer]:
    with MirrorServer() as server:
        yield server


@pytest.fixture()
def client(mirror: MirrorServer) -> Iterator[httpx.Client]:
    mirror.faults.clear()
    with httpx.Client(base_url=mirror.base_url, headers={"User-Agent": "regwatch-test/1.0"}) as c:
        yield c
    mirror.faults.clear()


@pytest.fixture()
def live_copy(tmp_path: Path) -> Iterator[tuple[Path, MirrorServer, httpx.Client]]:
    site = edits.copy_site(tmp_path / "site")
    with MirrorServer(site) as server, httpx.Client(base_url=server.base_url) as c:
        yield site, server, c


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "lxml")


def pdf_text(body: bytes) -> str:
    """Extracted text with line breaks folded, so phrases survive wrapping."""
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(body)).pages)


def records_of(c: httpx.Client) -> list[dict]:
    return json.loads(c.get(CATALOGUE).content)


# --- catalogue ---------------------------------------------------------------------------------------------


def test_catalogue_is_a_bare_array_of_records_in_the_real_field_order(client: httpx.Client) -> None:
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    records = json.loads(response.content)
    assert isinstance(records, list) and len(records) >= 40
    assert all(tuple(r) == catalogue.FIELD_ORDER for r in records)
    assert all(isinstance(v, str) for r in records for v in r.values())


def test_catalogue_field_formats(client: httpx.Client) -> None:
    records = records_of(client)
    date = re.compile(r"^\d{2}/\d{2}/\d{4}$")
    for r in records:
        assert re.fullmatch(
            r'<a href="/regulatory-information/search-fda-guidance-documents/[a-z0-9-]+">[^<]+</a>', r["title"]
        ), r["title"]
        assert r["field_associated_media_2"] == "" or re.fullmatch(
            r'<a href="/media/\d+/download">PDF \([\d.]+ [KM]B\)<span class="sr-only">[^<]*</span></a>',
            r["field_associated_media_2"],
        )
        assert date.match(r["field_issue_datetime"])
        assert r["field_comment_close_date"] == "" or date.match(r["field_comment_close_date"])
        assert r["field_final_guidance_1"] in ("Draft", "Final")
        assert r["open-comment"] in ("  Yes ", "  No ")
        docket = r["field_docket_number"]
        assert docket in ("", "None found") or docket.startswith('<a href="https://www.regulations.gov/docket/')
        assert re.fullmatch(
            r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00">'
            r"\d{4}-\d\d-\d\d \d\d:\d\d</time>\n",
            r["changed"],
        )
        assert "&" not in r["field_regulated_product_field"].replace("&amp;", "")


def test_catalogue_has_the_area_records_and_the_real_traps(client: httpx.Client) -> None:
    records = records_of(client)
    by_slug = {catalogue.slug_of(r): r for r in records}
    assert len(AREA_SLUGS) >= 30 and set(AREA_SLUGS) <= set(by_slug)
    assert len(records) == 49
    minimal = by_slug[MINIMAL]
    assert catalogue.docket_of(minimal) == "FDA-2017-D-6146"
    assert minimal["field_issue_datetime"] == "07/20/2020"
    assert "<br><br>" in minimal["field_issuing_office_taxonomy"]
    assert (
        by_slug["expedited-programs-regenerative-medicine-therapies-serious-conditions-0"]["field_final_guidance_1"]
        == "Draft"
    )
    assert (
        catalogue.docket_of(by_slug["expedited-programs-regenerative-medicine-therapies-serious-conditions"])
        == "FDA-2017-D-6159"
    )
    dockets = [catalogue.docket_of(r) for r in records]
    assert "None found" in dockets and "" in dockets
    assert any(d and d != "None found" and not d.startswith("FDA-") for d in dockets)
    assert any(r["field_issue_datetime"] == "01/01/1900" for r in records)
    assert any(r["field_associated_media_2"] == "" for r in records)
    assert any("Cosmetics" in r["field_regulated_product_field"] for r in records)
    assert any("Food &amp; Beverages" in r["field_regulated_product_field"] for r in records)
    assert sum(r["field_center"] != "Center for Biologics Evaluation and Research" for r in records) >= 10


# --- detail pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", AREA_SLUGS)
def test_detail_page_has_the_real_selectors(client: httpx.Client, slug: str) -> None:
    response = client.get(GUIDANCE + slug)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    record = catalogue.find(records_of(client), slug)
    page = soup(response)
    assert "An official website of the United States government" in page.get_text()
    assert page.select_one("p.lcds-eyebrow").get_text() == record["field_communication_type"].upper()
    h1 = page.select_one("h1.content-title")
    assert h1.contents[0].strip() == pages.load_pages(SHIPPED_SITE)[slug]["title"]
    terms = {
        dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in page.select("dl.lcds-description-list--grid dt")
    }
    assert terms["Issued by:"].select_one("div.field--label").get_text() == "Guidance Issuing Office"
    if catalogue.docket_of(record).startswith("FDA-"):
        assert terms["Docket Number:"].a["href"] == "https://www.regulations.gov/docket/" + catalogue.docket_of(record)
    main = page.select_one('div[role="main"]')
    assert main.select("p")
    download = main.select_one('a[href^="/media/"][href$="/download"]')
    if catalogue.media_id_of(record) is None:
        assert download is None
    else:
        assert download["href"] == f"/media/{catalogue.media_id_of(record)}/download"
        assert download.get_text().startswith(f"Download the {record['field_final_guidance_1']} Guidance")
    status = page.select_one(".lcds-guidance-status").get_text()
    assert record["field_final_guidance_1"] in status
    assert ("Not for implementation." in status) == (record["field_final_guidance_1"] == "Draft")
    headings = {h.get_text(): h for h in page.select("h2.lcds-description-list__item-heading")}
    products = headings["Regulated Product(s)"].find_next_sibling("ul", class_="lcds-metadata-list")
    assert [li.get_text() for li in products.select('li[role="menuitem"]')]
    stamp = page.select_one("li.node-current-date time")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", stamp.get_text())
    assert stamp["datetime"].endswith("Z")
    assert page.select_one('meta[name="dcterms.title"]')["content"]
    assert re.fullmatch(
        r"\w{3}, \d\d/\d\d/\d{4} - \d\d:\d\d", page.select_one('meta[property="article:modified_time"]')["content"]
    )
    assert "Submit Comments" in page.get_text()
    cber = pages.CBER in pages.issuing_organisations(record)
    assert ("Questions?" in page.get_text()) == cber  # only CBER pages carry the OCOD contact block


@pytest.mark.parametrize("slug", WATCHED_SLUGS)
def test_every_watched_record_has_a_page_and_its_pdf(client: httpx.Client, slug: str) -> None:
    """A record the default config watches always has a detail page (and its PDF) on the real site."""
    assert slug in AREA_SLUGS
    record = catalogue.find(records_of(client), slug)
    response = client.get(GUIDANCE + slug)
    assert response.status_code == 200
    title = pages.load_pages(SHIPPED_SITE)[slug]["title"]
    assert soup(response).select_one("h1.content-title").contents[0].strip() == title
    media = catalogue.media_id_of(record)
    if media is not None:
        pdf = client.get(f"/media/{media}/download")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert "I. INTRODUCTION" in text and " ".join(title.split()[-3:]) in text


def test_keyword_rule_watches_the_area_and_the_cosmetics_records() -> None:
    assert {CPG_590, RECORDS_ACCESS, REGISTRATION} <= set(WATCHED_SLUGS)
    assert "q10-pharmaceutical-quality-system" not in WATCHED_SLUGS
    assert len(WATCHED_SLUGS) == 40  # 37 CBER area titles + 2 cosmetics guidances + the cosmetics CPG
    assert _WATCHED.search("Cellular Therapy") and not _WATCHED.search("Excellence in Systemic Cancellation")


def test_cosmetics_pages_follow_their_own_stored_copies(client: httpx.Client) -> None:
    cpg = soup(client.get(GUIDANCE + CPG_590))
    assert cpg.select_one("p.lcds-eyebrow").get_text() == "COMPLIANCE POLICY GUIDE (CPG)"
    assert "November 2005" in cpg.select_one("h1.content-title").get_text()
    assert "21 CFR 700.25 sets the tamper-resistant" in cpg.get_text() and "Updated: 11/29/05" in cpg.get_text()
    assert "FDA-2013-S-0610" in cpg.get_text() and "Docket Number:" not in cpg.get_text()
    offices = [d.get_text() for d in cpg.select("div.field--item")]
    assert offices == ["Human Foods Program", "Office of Inspections and Investigations"]
    assert cpg.select_one('a[href^="/media/"]') is None and "Questions?" not in cpg.get_text()
    draft = soup(client.get(GUIDANCE + RECORDS_ACCESS))
    assert "Not for implementation." in draft.select_one(".lcds-guidance-status").get_text()
    assert "sections 605, 610 and 704" in draft.get_text()
    assert [d.get_text() for d in draft.select("div.field--item")] == ["Office of Inspections and Investigations"]
    registration = soup(client.get(GUIDANCE + REGISTRATION))
    assert len(registration.select('div[role="main"] ul li')) == 6
    assert "(Q20-22)" in registration.get_text()
    text = pdf_text(client.get("/media/170732/download").content)
    assert text.count("no legally enforceable responsibilities") == 1


def test_page_facts_and_quirks_are_kept(client: httpx.Client) -> None:
    page = soup(client.get(GUIDANCE + MINIMAL))
    assert "December 2017" in page.select_one("h1.content-title").get_text()  # stale h1 date, as on fda.gov
    assert "minimal manipulation (21 CFR 1271.10(a)(1))" in page.get_text()
    car = soup(client.get(GUIDANCE + "considerations-development-chimeric-antigen-receptor-car-t-cell-products"))
    topics = [li.get_text() for li in car.select('h2 + ul.lcds-metadata-list li[role="menuitem"]')]
    assert "Chemistry, Manufacturing, and Controls (CMC)" in topics


def test_unknown_and_internal_paths_are_404(client: httpx.Client) -> None:
    assert client.get(GUIDANCE + "no-such-guidance").status_code == 404
    assert client.get("/_mirror/pages.json").status_code == 404
    assert client.get("/media/109176/download.txt").status_code == 404
    assert client.get("/../pyproject.toml").status_code == 404


def test_cber_list_and_consumer_pages(client: httpx.Client) -> None:
    listing = soup(client.get(CGT_LIST))
    items = listing.select('div[role="main"] ul > li')
    assert len(items) >= 15
    assert items[0].a["href"].startswith(GUIDANCE)
    assert items[0].a.get_text().endswith("; Draft Guidance for Industry")
    assert re.search(r"\b\d{1,2}/\d{4}\b", items[0].get_text())
    alert = soup(client.get(ALERT)).get_text()
    assert "Date: July 22, 2020" in alert and "No exosome product has FDA approval today." in alert
    exosome = soup(client.get(EXOSOME)).get_text()
    assert "December 6, 2019" in exosome and "Nebraska" in exosome


def test_medwatch_stem_cell_and_exosome_alert(client: httpx.Client) -> None:
    response = client.get(MEDWATCH)
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=UTF-8"
    assert response.headers["last-modified"] == "Mon, 09 Dec 2019 17:00:00 GMT"
    page = soup(response)
    assert page.select_one("h1.content-title").get_text() == (
        "Public Safety Alert Due to Marketing of Unapproved Stem Cell and Exosome Products"
    )
    main = page.select_one('div[role="main"]')
    paragraphs = [p.get_text() for p in main.select("p")]
    assert paragraphs[0] == "[Posted 12/09/2019]"
    labels = [p.strong.get_text() for p in main.select("p") if p.strong]
    assert labels == ["AUDIENCE:", "ISSUE:", "BACKGROUND:", "RECOMMENDATION:"]
    assert "No exosome product has FDA approval today." in main.get_text()
    assert "Investigational New Drug Application (IND) number" in main.select("ul li")[-1].get_text()
    stamp = page.select_one("li.node-current-date time")
    assert "Content current as of" in page.get_text() and stamp.get_text() == "12/09/2019"
    manifest = json.loads((SHIPPED_SITE / "_mirror/last-modified.json").read_text())
    assert manifest[MEDWATCH] == response.headers["last-modified"]


# --- PDFs --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", PDF_SLUGS)
def test_guidance_pdf_is_a_real_pdf_with_its_text(client: httpx.Client, slug: str) -> None:
    record = catalogue.find(records_of(client), slug)
    response = client.get(f"/media/{catalogue.media_id_of(record)}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "I. INTRODUCTION" in text and "Contains Nonbinding Recommendations" in text
    assert "U.S. Department of Health and Human Services" in text
    assert ("Draft - Not for Implementation" in text) == (record["field_final_guidance_1"] == "Draft")


def test_long_pdfs_have_several_pages_and_render_deterministically(client: httpx.Client) -> None:
    first = client.get("/media/109176/download")
    again = client.get("/media/109176/download")
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    reader = pypdf.PdfReader(io.BytesIO(first.content))
    assert len(reader.pages) >= 4
    text = pdf_text(first.content)
    assert "Minimal Manipulation and Homologous Use" in text and "July 2020" in text
    assert "III. MINIMAL MANIPULATION" in text and "HCT/P manufacturers should consider" in text


# --- HTTP semantics ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [CATALOGUE, GUIDANCE + MINIMAL, "/media/109176/download", "/robots.txt", CGT_LIST, MEDWATCH]
)
def test_conditional_requests_answer_304_without_body(client: httpx.Client, path: str) -> None:
    full = client.get(path)
    etag, modified = full.headers["etag"], full.headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    by_tag = client.get(path, headers={"If-None-Match": etag})
    assert by_tag.status_code == 304 and by_tag.content == b""
    by_date = client.get(path, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304 and by_date.content == b""
    stale = client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.content == full.content
    older = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert older.status_code == 200


def test_head_sends_headers_only(client: httpx.Client) -> None:
    response = client.head(GUIDANCE + MINIMAL)
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) == len(client.get(GUIDANCE + MINIMAL).content)


def test_robots_txt_asks_for_a_small_crawl_delay_and_disallows_search(client: httpx.Client) -> None:
    response = client.get("/robots.txt")
    assert response.headers["content-type"].startswith("text/plain")
    robots = Protego.parse(response.text)
    assert robots.crawl_delay("regwatch") == 0.2
    assert not robots.can_fetch(client.base_url.join("/search?s=stem+cells").__str__(), "regwatch")
    assert robots.can_fetch(str(client.base_url.join(GUIDANCE + MINIMAL)), "regwatch")


# --- faults ------------------------------------------------------------------------------------------------


def test_bot_protection_redirects_html_to_an_apology_that_404s(mirror: MirrorServer, client: httpx.Client) -> None:
    mirror.faults.set_bot_protection(True)
    blocked = client.get(GUIDANCE + MINIMAL)
    assert blocked.status_code == 302
    assert blocked.headers["location"] == APOLOGY_PATH and blocked.headers["server"] == "AkamaiGHost"
    followed = client.get(GUIDANCE + MINIMAL, follow_redirects=True)
    assert followed.status_code == 404 and followed.content == b"Not found\n"
    assert [r.status_code for r in followed.history] == [302]
    assert client.get("/robots.txt").status_code == 302
    assert client.get(CATALOGUE).status_code == 200
    assert client.get("/media/109176/download").status_code == 200
    mirror.faults.set_bot_protection(True, block_all=True)
    assert client.get(CATALOGUE).status_code == 302 and client.get("/media/109176/download").status_code == 302
    mirror.faults.clear()
    assert client.get(GUIDANCE + MINIMAL).status_code == 200


def test_forced_statuses(mirror: MirrorServer, client: httpx.Client) -> None:
    mirror.faults.force_status(CATALOGUE, 503, {"Retry-After": "120"})
    mirror.faults.force_status(GUIDANCE + MINIMAL, 500)
    mirror.faults.force_status(CGT_LIST, 404)
    unavailable = client.get(CATALOGUE)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "120"
    assert client.get(GUIDANCE + MINIMAL).status_code == 500
    assert client.get(CGT_LIST).status_code == 404
    assert client.get(GUIDANCE + SAFETY).status_code == 200


def test_truncated_body_breaks_the_connection(mirror: MirrorServer, client: httpx.Client) -> None:
    mirror.faults.truncate(GUIDANCE + MINIMAL, 0.5)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(GUIDANCE + MINIMAL)


def test_truncated_pdf_file_has_a_correct_length_but_is_broken(mirror: MirrorServer, client: httpx.Client) -> None:
    full = client.get("/media/109176/download").content
    mirror.faults.truncate("/media/109176/download", 0.6, honest=True)
    cut = client.get("/media/109176/download")
    assert cut.status_code == 200 and int(cut.headers["content-length"]) == len(cut.content) < len(full)
    assert full.startswith(cut.content) and b"%%EOF" not in cut.content
    with pytest.raises(pypdf.errors.PdfReadError):
        pdf_text(cut.content)


def test_request_log_records_time_method_path_headers_status(mirror: MirrorServer, client: httpx.Client) -> None:
    mirror.log.clear()
    client.get(GUIDANCE + MINIMAL + "?utm=x", headers={"If-None-Match": '"nope"'})
    client.get(GUIDANCE + "missing")
    client.head(CATALOGUE)
    entries = mirror.log.entries()
    assert [(e.method, e.status) for e in entries] == [("GET", 200), ("GET", 404), ("HEAD", 200)]
    assert entries[0].path == GUIDANCE + MINIMAL + "?utm=x"
    assert entries[0].header("user-agent") == "regwatch-test/1.0" and entries[0].header("IF-NONE-MATCH") == '"nope"'
    assert len(mirror.requests_for(GUIDANCE)) == 2
    gaps = mirror.log.gaps(GUIDANCE)
    assert len(gaps) == 1 and gaps[0] >= 0
    assert entries[0].time <= entries[1].time <= time.monotonic()


# --- edits -------------------------------------------------------------------------------------------------


def _digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files)).hexdigest()


def test_build_reproduces_the_shipped_site_byte_for_byte(tmp_path: Path) -> None:
    site = edits.copy_site(tmp_path / "site")
    before = _digest(site)
    build.rebuild(site)
    assert _digest(site) == before


def test_reword_changes_the_served_pdf(live_copy) -> None:
    site, _, c = live_copy
    shipped = _digest(SHIPPED_SITE)
    old = c.get("/media/109176/download")
    edits.reword(site, MINIMAL, "HCT/P manufacturers should consider", "HCT/P manufacturers must consider", when=WHEN)
    new = c.get("/media/109176/download")
    assert new.headers["etag"] != old.headers["etag"]
    assert "HCT/P manufacturers must consider" in pdf_text(new.content)
    assert "HCT/P manufacturers should consider" not in pdf_text(new.content)
    since_old = {"If-Modified-Since": old.headers["last-modified"]}
    assert c.get("/media/109176/download", headers=since_old).status_code == 200
    assert new.headers["last-modified"] == "Mon, 02 Mar 2026 15:00:00 GMT"
    with pytest.raises(ValueError):
        edits.reword(site, MINIMAL, "words that are not there", "x")
    assert _digest(SHIPPED_SITE) == shipped


def test_withdraw_removes_the_record_and_the_page_404s(live_copy) -> None:
    site, _, c = live_copy
    before = c.get(CATALOGUE).text
    edits.withdraw(site, SAFETY, when=WHEN)
    after = c.get(CATALOGUE).text
    assert SAFETY not in after and len(json.loads(after)) == len(json.loads(before)) - 1
    kept = [line for line in before.splitlines() if SAFETY not in line]
    assert [line.rstrip(",") for line in after.splitlines()] == [line.rstrip(",") for line in kept]
    assert c.get(GUIDANCE + SAFETY).status_code == 404


def test_publish_adds_record_page_and_pdf(live_copy) -> None:
    site, _, c = live_copy
    demo = json.loads((site / edits.DEMO).read_text())
    slug = catalogue.slug_of(demo["record"])
    assert c.get(GUIDANCE + slug).status_code == 404
    edits.publish(site, demo["record"], demo["page"], when=WHEN)
    records = records_of(c)
    assert catalogue.find(records, slug) == demo["record"]
    dates = [datetime.strptime(r["field_issue_datetime"], "%m/%d/%Y") for r in records]
    assert dates == sorted(dates, reverse=True)
    page = soup(c.get(GUIDANCE + slug))
    assert page.select_one("h1.content-title").contents[0].strip() == demo["page"]["title"]
    assert "Hepatitis B Virus" in pdf_text(c.get("/media/184899/download").content)
    with pytest.raises(ValueError):
        edits.publish(site, demo["record"], demo["page"])


def test_finalize_flips_draft_to_final_with_a_new_pdf(live_copy) -> None:
    site, _, c = live_copy
    slug = "potency-assurance-cellular-and-gene-therapy-products"
    media = edits.finalize(site, slug, when=WHEN)
    record = catalogue.find(records_of(c), slug)
    assert record["field_final_guidance_1"] == "Final" and record["field_issue_datetime"] == "03/02/2026"
    assert catalogue.media_id_of(record) == media != 175132
    assert record["changed"].startswith('<time datetime="2026-03-02T10:00:00-05:00">')
    page = soup(c.get(GUIDANCE + slug))
    assert "Not for implementation." not in page.select_one(".lcds-guidance-status").get_text()
    assert page.select_one('a[href$="/download"]')["href"] == f"/media/{media}/download"
    text = pdf_text(c.get(f"/media/{media}/download").content)
    assert "March 2026" in text and "Draft - Not for Implementation" not in text
    with pytest.raises(ValueError):
        edits.finalize(site, slug)


def test_touch_moves_only_the_stamps(live_copy) -> None:
    site, _, c = live_copy
    slug = "human-gene-therapy-rare-diseases"
    old_page, old_records = c.get(GUIDANCE + slug).text, records_of(c)
    edits.touch(site, slug, when=WHEN)
    new_page, new_records = c.get(GUIDANCE + slug).text, records_of(c)
    changed = [(a, b) for a, b in zip(old_page.splitlines(), new_page.splitlines(), strict=True) if a != b]
    assert changed and all("modified_time" in a or "updated_time" in a or "<time" in a for a, _ in changed)
    assert 'datetime="2026-03-02T15:00:00Z">03/02/2026</time>' in new_page
    diff = [(a, b) for a, b in zip(old_records, new_records, strict=True) if a != b]
    assert len(diff) == 1 and {k for k in diff[0][0] if diff[0][0][k] != diff[0][1][k]} == {"changed"}


def test_demo_edits_apply_the_demo_script(live_copy) -> None:
    site, _, c = live_copy
    done = edits.demo_edits(site, when=WHEN)
    assert done == {
        "reworded": MINIMAL,
        "published": catalogue.slug_of(json.loads((site / edits.DEMO).read_text())["record"]),
        "withdrawn": edits.DEMO_WITHDRAW,
    }
    slugs = {catalogue.slug_of(r) for r in records_of(c)}
    assert done["published"] in slugs and done["withdrawn"] not in slugs
    assert "HCT/P manufacturers must consider" in pdf_text(c.get("/media/109176/download").content)
    assert c.get(GUIDANCE + done["withdrawn"]).status_code == 404
    assert c.get(GUIDANCE + done["published"]).status_code == 200
