"""Issue #8, T13: fifty XSS payloads in crawled titles, text, URLs, attachment link texts and PDF metadata render as
inert text on every surface: the web pages, error pages, the Atom feed, the JSON and CSV API, raw downloads and
the HTML email; and every HTML response carries the Content-Security-Policy.

The payloads arrive two ways: a real crawl (tests/security/conftest.py: two `regwatch run` children, alerts
through a real SMTP server) and, so that all fifty also sit in titles and addresses, ten more documents recorded
through the store's own recording functions (record_listing, record_capture) into the same store."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts.diff import diff_words
from regwatch.alerts.digest import render_digest
from regwatch.alerts.render import render_change, render_test
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import CatalogueEntry, Document, Fetched, Listing, ListingSeen, Parsed, Status
from regwatch.store.db import open_store
from regwatch.store.details import ChangeDetails
from regwatch.store.models import Change, Run, Source, SourceRun, Version
from regwatch.store.models import Document as DocumentRow
from regwatch.store.queries import load_change
from regwatch.store.versions import RunContext, record_capture, record_listing
from regwatch.web.api import FIELDS
from regwatch.web.app import CSP, WebSettings, create_app
from tests.security.conftest import LINK_PAYLOADS, PDF, PDF_META, TITLE_PAYLOADS, HostileCrawl
from tests.security.xss_payloads import PAYLOADS

GROUP = 5  # payloads per recorded document: 10 documents carry all 50 in their titles, addresses and texts
FILL_SOURCE = "xss-fill"
START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
BANNED_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "style",
               "noscript", "template", "portal"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "background", "lowsrc", "dynsrc", "cite",
             "xlink:href", "ping", "manifest", "codebase", "srcset"}
ACTIVE_SCHEMES = ("javascript:", "data:", "vbscript:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def flat(text: str) -> str:
    return " ".join(text.split())


def stored(payload: str) -> str:
    """The payload as the store keeps crawled text (normalized), whitespace collapsed."""
    return flat(normalize_text(payload))


# --- the checks ------------------------------------------------------------------------------------------------


def active_content(markup: str) -> list[str]:
    """Everything in an HTML document that could run script or navigate by itself (empty: inert)."""
    root = lxml_html.document_fromstring(markup)
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # a comment or processing instruction
        tag = el.tag.lower()
        if tag in BANNED_TAGS:
            found.append(f"<{tag}>")
        if tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        for name, value in el.attrib.items():
            name = name.lower()
            if name.startswith("on") or name == "srcdoc":
                found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRS and _INVISIBLE.sub("", value).lower().startswith(ACTIVE_SCHEMES):
                found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and re.search(r"expression\s*\(|javascript:|url\s*\(", value, re.I):
                found.append(f"<{tag} style={value!r}>")
    return found


def assert_inert(markup: str, where: str) -> None:
    found = active_content(markup)
    assert not found, f"{where}: active content {found[:5]}"


def text_without_deletions(markup: str) -> str:
    """The text a reader sees as the new wording (struck-through deletions left out), whitespace collapsed."""
    root = lxml_html.document_fromstring(markup)
    for el in root.iter("del"):
        el.drop_tree() if el.getparent() is not None else None
    return flat(root.text_content())


def test_the_checker_finds_active_content() -> None:
    """The checker itself: each kind of active markup is caught, escaped text is not."""
    for bad in ('<script>1</script>', '<img src=x onerror=alert(1)>', '<a href=" JaVa\tscript:x">a</a>',
                '<a href="data:text/html,x">a</a>', '<a href="vbscript:x">a</a>', "<iframe></iframe>",
                "<object></object>", "<embed>", "<svg><script>1</script></svg>", "<base href=/>",
                '<meta http-equiv="refresh" content="0">', '<div style="width: expression(alert(1))">',
                '<iframe srcdoc="x"></iframe>'):
        assert active_content(f"<!doctype html><html><body>{bad}</body></html>"), bad
    from markupsafe import escape

    assert active_content(f"<!doctype html><html><body>{''.join(escape(p) for p in PAYLOADS)}</body></html>") == []


# --- the store: the crawl plus ten recorded documents ------------------------------------------------------------


@dataclass
class Fill:
    key: str
    title: str
    url: str
    texts: tuple[str, str]
    payloads: tuple[str, ...]


def fill_documents() -> list[Fill]:
    out = []
    for k in range(len(PAYLOADS) // GROUP):
        group = PAYLOADS[k * GROUP:(k + 1) * GROUP]
        joined = " ".join(group)
        # the address is the payloads themselves, last first (fill-9's starts with the CSV formula)
        out.append(Fill(f"fill-{k}", f"Notice {k} {joined}", " ".join(reversed(group)),
                        (f"Body {k}: {joined} should apply.", f"Body {k}: {joined} must apply now."), group))
    return out


def record_fill(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two runs a day apart, recorded as the crawler records them (not a baseline: the changes are announced)."""
    with sessions.begin() as s:
        src = Source(name=FILL_SOURCE, agency="fda", baseline_done=True)
        s.add(src)
        s.flush()
        source_id = src.id
    for n in range(2):
        now = START + timedelta(days=n)
        with sessions.begin() as s:
            run = Run(started_at=now, finished_at=now + timedelta(minutes=5), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=source_id))
            run_id = run.id
        ctx = RunContext(run_id, source_id, FILL_SOURCE, "fda", False, now, lambda *_: None,
                         lambda agency, title, old, new: (f"{title}: {new[:80]}" if old else "new document",
                                                          ChangeDetails(), True))
        for d in fill_documents():
            with sessions.begin() as s:
                entry = CatalogueEntry(key=d.key, url=d.url, title=d.title, status=Status.FINAL,
                                       topics=(d.payloads[0],))
                record_listing(s, ctx, ListingSeen(FILL_SOURCE, Listing((entry,), complete=False),
                                                   frozenset({d.key})))
                body = f"<html><title>{d.title}</title><body>{d.texts[n]}</body></html>".encode()
                headers = {"Content-Type": f"text/html; name=\"{d.payloads[0]}\"", "ETag": f'"{d.key}-{n}"'}
                record_capture(s, ctx, Parsed(FILL_SOURCE, d.key, d.url,
                                              fetched=Fetched(d.url, 200, headers, body, {"Accept": "*/*"}),
                                              document=Document(url=d.url, title=d.title, text=d.texts[n],
                                                                status=Status.FINAL)))
    with sessions() as s:
        return {doc.key: doc.id for doc in s.scalars(select(DocumentRow))}


@dataclass
class Store:
    crawl: HostileCrawl
    sessions: sessionmaker[Session]
    ids: dict[str, int]  # document id by key (crawl: the page path, "#…" attachments, the PDF path)
    app: Flask

    @property
    def page_id(self) -> int:
        return self.ids["/guidance/xss"]


@pytest.fixture(scope="module")
def store(hostile_crawl: HostileCrawl) -> Store:
    for out in hostile_crawl.outputs:
        assert out.returncode == 0, out.stderr[-3000:]
    sessions = open_store(hostile_crawl.db_url)
    ids = record_fill(sessions)
    return Store(hostile_crawl, sessions, ids, create_app(sessions, WebSettings(page_size=500, refresh_every=60)))


@pytest.fixture
def client(store: Store) -> FlaskClient:
    return store.app.test_client()


def get_html(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html", url
    assert response.headers.get("Content-Security-Policy") == CSP, url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    markup = response.get_data(as_text=True)
    assert_inert(markup, url)
    return markup


# --- the crawl carried the payloads end to end ------------------------------------------------------------------


def test_the_crawl_stored_the_payloads_as_text(store: Store) -> None:
    with store.sessions() as s:
        page = s.scalar(select(Version).where(Version.document_id == store.page_id, Version.number == 2))
        pdf = s.get(DocumentRow, store.ids[PDF])
    assert page is not None and pdf is not None
    text = flat(page.text)
    assert all(f"Clause {i}: {stored(p)} amended" in text for i, p in enumerate(PAYLOADS))
    assert all(stored(p) in text for p in LINK_PAYLOADS)
    assert pdf.title == PDF_META["title"][1]  # the PDF's metadata Title is the document's title


def test_pages_render_every_payload_as_text(client: FlaskClient, store: Store) -> None:
    doc = store.page_id
    current = get_html(client, f"/documents/{doc}")
    shown = flat(lxml_html.document_fromstring(current).find_class("text")[0].text_content())
    for i, p in enumerate(PAYLOADS):
        assert f"Clause {i}: {stored(p)} amended" in shown, p  # escaped, not dropped
    assert f"Guidance {stored(TITLE_PAYLOADS[1])}" in flat(lxml_html.document_fromstring(current)
                                                          .find_class("doctitle")[0].text_content())
    then = get_html(client, f"/documents/{doc}?at={START.date()}")
    assert "no version had been fetched yet" in then  # the crawl ran today; the page is still inert
    first = get_html(client, f"/documents/{doc}?version=1")
    old_text = flat(lxml_html.document_fromstring(first).find_class("text")[0].text_content())
    assert all(f"Clause {i}: {stored(p)}" in old_text for i, p in enumerate(PAYLOADS)) and "amended" not in old_text
    for view in ("", "&view=side"):
        diff = get_html(client, f"/documents/{doc}/diff?from=1&to=2&context=all{view}")
        new_words = text_without_deletions(diff)
        assert all(f"Clause {i}: {stored(p)} amended" in new_words for i, p in enumerate(PAYLOADS)), view
        assert diff.count("<ins>") >= len(PAYLOADS)
    get_html(client, f"/documents/{doc}/diff?from=1&to=2")  # folded context
    pdf = get_html(client, f"/documents/{store.ids[PDF]}")
    assert stored(PDF_META["title"][1]) in flat(lxml_html.document_fromstring(pdf).text_content())


def test_lists_filters_topics_and_errors_are_inert(client: FlaskClient, store: Store) -> None:
    listing = get_html(client, "/")
    titles = flat(" ".join(a.text_content() for a in lxml_html.document_fromstring(listing).find_class("doc")))
    urls = flat(" ".join(d.text_content() for d in lxml_html.document_fromstring(listing).find_class("url")))
    for p in PAYLOADS:
        assert p in titles and p in urls, p  # every payload shown as a title and as an address
    for query in ("agency=pmda", f"source={FILL_SOURCE}", "kind=changed", "kind=new&limit=3&offset=3"):
        get_html(client, f"/?{query}")
    get_html(client, "/topics")
    for p in PAYLOADS[::5]:
        q = quote(p, safe="")
        filtered = get_html(client, f"/?text={q}&topic={q}&significance={q}")  # reflected into the form
        assert lxml_html.document_fromstring(filtered).xpath('//input[@name="text"]')[0].get("value") == p.strip()
        name = p.replace("/", " ")  # a topic is one path segment
        topic = get_html(client, f"/topics/{quote(name, safe='')}")  # reflected into the heading
        assert flat(name.replace("_", " ")) in flat(lxml_html.document_fromstring(topic).text_content())
    for p in PAYLOADS:
        q = quote(p, safe="")
        missing = get_html(client, f"/no/such/{q}", status=404)
        assert "not found" in missing
        bad = get_html(client, f"/?agency={q}", status=400)  # the message quotes the bad value back
        assert flat(repr(p)) in flat(lxml_html.document_fromstring(bad).text_content()), p  # as Python quotes it
        get_html(client, f"/documents/{store.page_id}?version={q}", status=400)
    for key, doc in store.ids.items():
        get_html(client, f"/documents/{doc}")
        if key.startswith("fill-"):
            get_html(client, f"/documents/{doc}/diff?from=1&to=2&view=side")


def test_atom_feed_is_text_only(client: FlaskClient) -> None:
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml" and response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data()
    feed = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    atom = "{http://www.w3.org/2005/Atom}"
    for el in feed.iter():
        assert isinstance(el.tag, str) and el.tag.startswith(atom), el.tag  # no XHTML or foreign markup
        assert el.get("type") in (None, "text/html", "text"), el.attrib  # no type="html"/"xhtml" text constructs
        if el.tag == f"{atom}link":
            assert el.get("href", "").startswith(("http://", "https://")), el.get("href")
    titles = flat(" ".join(e.text or "" for e in feed.iter(f"{atom}title")))
    assert all(p in titles for p in PAYLOADS)
    assert b"<script" not in body and b"<img" not in body  # markup characters escaped in the XML text


def test_json_and_csv(client: FlaskClient) -> None:
    response = client.get("/api/changes?limit=500")
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
    rows = response.get_json()
    assert all(p in " ".join(r["title"] for r in rows) for p in PAYLOADS)  # exact, unescaped data
    spec = client.get("/openapi.json")
    assert spec.mimetype == "application/json" and json.loads(spec.get_data())
    csv_response = client.get("/api/changes.csv?limit=500")
    assert csv_response.mimetype == "text/csv" and csv_response.headers["X-Content-Type-Options"] == "nosniff"
    assert csv_response.headers["Content-Disposition"] == 'attachment; filename="regwatch-changes.csv"'
    cells = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    assert [c["id"] for c in cells] == [str(r["id"]) for r in rows] and list(cells[0]) == FIELDS
    for row in cells:
        for name, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)  # no formula runs
    by_id = {str(r["id"]): r for r in rows}
    for row in cells:  # a neutralised cell is the value behind one apostrophe; the rest is unchanged
        for name, value in row.items():
            given = by_id[row["id"]][name]  # a list (`sources`) is one cell, its items joined by "; "
            original = "" if given is None else "; ".join(map(str, given)) if isinstance(given, list) else str(given)
            assert value in (original, "'" + original), (name, value)
    hostile = [c["url"] for c in cells if c["url"].startswith("'=")]
    assert hostile and "=HYPERLINK" in hostile[0]  # the CSV-formula payload began an address: neutralised


def test_raw_bytes_and_warc_are_downloads(client: FlaskClient, store: Store) -> None:
    with store.sessions() as s:
        versions = list(s.execute(select(Version.document_id, Version.number).where(Version.raw_sha256.is_not(None))))
    assert len(versions) >= 30
    for doc, number in versions:
        response = client.get(f"/documents/{doc}/versions/{number}/raw")
        assert response.status_code == 200
        assert response.mimetype == "application/octet-stream"  # never text/html from this origin
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert re.fullmatch(rf'attachment; filename="regwatch-doc{doc}-v{number}\.[a-z]+"',
                            response.headers["Content-Disposition"]), response.headers["Content-Disposition"]
    for doc in store.ids.values():
        response = client.get(f"/documents/{doc}/warc")
        assert response.mimetype == "application/warc"
        assert response.headers["Content-Disposition"] == f'attachment; filename="regwatch-doc{doc}.warc.gz"'


# --- the HTML email ---------------------------------------------------------------------------------------------


def test_the_crawled_alert_emails_are_inert_and_show_the_payloads(store: Store) -> None:
    mails = store.crawl.mails
    assert len(mails) == 2  # the page's wording change and the PDF's
    html_parts = {m["Subject"]: m.get_body(("html",)).get_content() for m in mails}
    for subject, markup in html_parts.items():
        assert_inert(markup, f"mail {subject!r}")
    page = next(m for s, m in html_parts.items() if "Guidance" in s)
    shown = text_without_deletions(page)
    assert stored(TITLE_PAYLOADS[1]) in shown
    visible = [p for p in PAYLOADS if stored(p) in shown]
    assert len(visible) == len(PAYLOADS), sorted(set(PAYLOADS) - set(visible))
    pdf = next(m for s, m in html_parts.items() if "Guidance" not in s)
    assert stored(PDF_META["title"][1]) in text_without_deletions(pdf)


def test_rendered_alerts_digest_and_test_message_are_inert(store: Store) -> None:
    with store.sessions() as s:
        changes = list(s.scalars(select(Change).order_by(Change.id)))
        views = []
        for change in changes:
            view, _ = load_change(s, change.id)
            views.append(view)
            ops = None
            if change.kind == "changed" and change.from_version and change.to_version:
                texts = [s.scalar(select(Version.text).where(Version.document_id == change.document_id,
                                                             Version.number == n))
                         for n in (change.from_version, change.to_version)]
                ops = diff_words(texts[0] or "", texts[1] or "")
            message = render_change(view, ops, channel="mail", web_base="http://127.0.0.1:8080",
                                    details=ChangeDetails(significance=PAYLOADS[10], section=PAYLOADS[11],
                                                          topics=tuple(PAYLOADS[12:14])))
            assert_inert(message.html, f"change {change.id}")
            assert view.title[:150] in flat(lxml_html.document_fromstring(message.html).text_content())
    digest = render_digest("mail", "2026-11-03", views)
    assert_inert(digest.html, "digest")
    digest_text = flat(lxml_html.document_fromstring(digest.html).text_content())
    assert all(p in digest_text for p in PAYLOADS)
    assert_inert(render_test(PAYLOADS[22], "2026-11-03T06:00:00Z").html, "test message")
    assert len(views) == len(changes) > 20


# --- CSP on every HTML response ---------------------------------------------------------------------------------


def every_rule_url(app: Flask, store: Store) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) for every route of the app, with real ids and a payload where a string goes."""
    with store.sessions() as s:
        change_ids = list(s.scalars(select(Change.id)))
    values = {"document_id": store.page_id, "number": 1, "change_id": change_ids[0], "topic": PAYLOADS[8],
              "term": PAYLOADS[8], "filename": "style.css"}
    for rule in app.url_map.iter_rules():
        args = {a: values[a] for a in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            yield rule.endpoint, url_for(rule.endpoint, **args)


def test_every_route_and_error_carries_the_csp(store: Store, client: FlaskClient) -> None:
    seen_html = set()
    endpoints = {r.endpoint for r in store.app.url_map.iter_rules()}
    for endpoint, url in every_rule_url(store.app, store):
        for method in ("GET", "HEAD", "POST"):
            response = client.open(url, method=method)
            assert response.headers.get("Content-Security-Policy"), (method, url)
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            if response.mimetype == "text/html":
                seen_html.add(endpoint)
                assert response.headers["Content-Security-Policy"] == CSP, (method, url)
                if method != "HEAD":
                    assert_inert(response.get_data(as_text=True), f"{method} {url}")
    assert {"views.changes", "views.document", "views.diff", "views.topics", "views.topic", "terms.terms_grid",
            "terms.term_page", "deadlines.page", "reviews.page"} <= seen_html
    assert {"views.raw", "views.warc", "api.feed", "api.changes_json", "api.changes_csv", "api.openapi",
            "views.change", "views.static"} <= endpoints  # the walk covered the downloads and the API too
    for url, status in ((f"/no/{quote(PAYLOADS[0])}", 404), ("/?limit=0", 400), ("/documents/999999", 404)):
        response = client.get(url)
        assert response.status_code == status and response.headers["Content-Security-Policy"] == CSP
    off = client.get("/", headers={"Host": "evil.example"})  # DNS rebinding: refused, still with the headers
    assert off.status_code == 421 and off.headers["Content-Security-Policy"] == CSP
