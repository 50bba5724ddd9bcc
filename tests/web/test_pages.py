"""The pages and the web view's defences: escaping, CSP, raw bytes as attachments, loopback and the token."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from regwatch.store.models import Blob, Version
from regwatch.web.app import CSP, WebSettings, create_app
from tests.web.conftest import WebStore
from tests.web.storefill import JS_URL, XSS_TEXT, XSS_TITLE, XSS_URL

PAGES = ["/", "/?text=script", "/?agency=fda&kind=changed", "/topics", "/topics/exosomes", "/topics/stem_cells"]


def doc_pages(ids: dict[str, int]) -> list[str]:
    out = []
    for doc in ids.values():
        out += [f"/documents/{doc}", f"/documents/{doc}?at=2026-11-02", f"/documents/{doc}/diff?from=1&to=2",
                f"/documents/{doc}/diff?from=1&to=2&view=side&context=all"]
    return out


def test_every_page_is_escaped_and_carries_the_csp(client: FlaskClient, web_store: WebStore) -> None:
    for url in PAGES + doc_pages(web_store.ids):
        response = client.get(url)
        assert response.status_code in (200, 400), url  # 400: a one-version document has no diff
        html = response.get_data(as_text=True)
        assert response.headers["Content-Security-Policy"] == CSP, url
        assert "script-src" not in CSP and "unsafe-inline" not in CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "<script" not in html.lower(), url  # no script of ours, none from crawled content
        assert "onerror=" not in html.lower().replace("onerror=alert", ""), url
        assert not re.search(r"<img[^>]*onerror", html, re.I), url
        assert 'href="javascript:' not in html.lower(), url


def test_crawled_markup_shows_as_text(client: FlaskClient, web_store: WebStore) -> None:
    from markupsafe import escape

    html = client.get(f"/documents/{web_store.ids['evil']}").get_data(as_text=True)
    assert str(escape(XSS_TITLE)) in html and str(escape("Second " + XSS_TEXT)) in html
    assert str(escape(XSS_URL)) in html
    js = client.get(f"/documents/{web_store.ids['javascript-url']}").get_data(as_text=True)
    assert str(escape(JS_URL)) in js and 'href="javascript' not in js  # shown, never a link


def test_document_page_timeline_as_of_and_links(client: FlaskClient, web_store: WebStore) -> None:
    doc = web_store.ids["0812-30"]
    html = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert "再生医療等製品の承認申請について" in html and "しなければならない" in html
    assert f"/documents/{doc}/versions/1/raw" in html and f"/documents/{doc}/versions/2/raw" in html
    assert f"/documents/{doc}/warc" in html and "v2" in html and "v1" in html
    then = client.get(f"/documents/{doc}?at=2026-11-02").get_data(as_text=True)
    assert "確認すること" in then and "as it stood on 2026-11-02 (version 1)" in then
    before = client.get(f"/documents/{doc}?at=2026-11-01").get_data(as_text=True)
    assert "no version had been fetched yet on 2026-11-01" in before
    assert client.get(f"/documents/{doc}?at=soon").status_code == 400
    assert client.get("/documents/9999").status_code == 404


def test_diff_inline_and_side_by_side(client: FlaskClient, web_store: WebStore) -> None:
    doc = web_store.ids["hctp-minimal-manipulation"]
    inline = client.get(f"/documents/{doc}/diff?from=1&to=2").get_data(as_text=True)
    assert "<del>should</del>" in inline and "<ins>must</ins>" in inline
    side = client.get(f"/documents/{doc}/diff?from=1&to=2&view=side").get_data(as_text=True)
    assert '<table class="side">' in side and "<del>should</del>" in side and "<ins>must</ins>" in side
    back = client.get(f"/documents/{doc}/diff?from=2&to=1").get_data(as_text=True)
    assert "<del>must</del>" in back  # any two versions, either way
    assert client.get(f"/documents/{doc}/diff?from=1&to=7").status_code == 400
    change = client.get("/api/changes?kind=changed&agency=fda&source=fda-guidance").get_json()[0]["id"]
    moved = client.get(f"/changes/{change}")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(
        f"/documents/{doc}/diff?from=1&to=2#first-change")  # the page opens at the first change


def test_diff_page_shows_significance_section_and_marks_the_first_change(client: FlaskClient,
                                                                          web_store: WebStore) -> None:
    doc = web_store.ids["hctp-minimal-manipulation"]
    page = client.get(f"/documents/{doc}/diff?from=1&to=2").get_data(as_text=True)
    assert "Significance:</strong> obligation" in page
    assert page.count('id="first-change"') == 1
    assert page.index('id="first-change"') < page.index("<del>should</del>")
    side = client.get(f"/documents/{doc}/diff?from=1&to=2&view=side").get_data(as_text=True)
    assert side.count('id="first-change"') == 1 and 'class="changed" id="first-change"' in side


def test_raw_bytes_are_an_attachment_never_inline(client: FlaskClient, web_store: WebStore) -> None:
    doc = web_store.ids["evil"]
    response = client.get(f"/documents/{doc}/versions/2/raw")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f'attachment; filename="regwatch-doc{doc}-v2.html"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    with web_store.sessions() as s:
        v = s.scalar(select(Version).where(Version.document_id == doc, Version.number == 2))
        assert v is not None and response.get_data() == s.get(Blob, v.raw_sha256).content  # type: ignore[union-attr]
    assert b"<script>" in response.get_data()  # the evidence is kept exactly, and only downloaded
    assert client.get(f"/documents/{doc}/versions/9/raw").status_code == 404


def test_topic_page_puts_the_agencies_side_by_side(client: FlaskClient) -> None:
    html = client.get("/topics/exosomes").get_data(as_text=True)
    columns = re.findall(r'<section class="agency-col">\s*<h2>(\w+)</h2>(.*?)</section>', html, re.S)
    assert [c[0] for c in columns] == ["FDA", "EMA", "PMDA", "MFDS", "NMPA"]
    found = {name: body for name, body in columns}
    assert "Guideline on quality requirements" in found["EMA"]
    assert "줄기세포 유래 엑소좀" in found["MFDS"] and "干细胞外泌体" in found["NMPA"]
    assert "none" in found["FDA"] and "none" in found["PMDA"]
    assert "last wording change: 2026-11-03" in found["MFDS"]


def test_list_page_filters_paginates_and_links_the_feed(client: FlaskClient) -> None:
    first = client.get("/").get_data(as_text=True)
    assert first.count('<tr class="kind-') == 4 and 'rel="next"' in first  # page size 4 in this app
    assert 'type="application/atom+xml"' in first and 'id="feed-link" href="/feed.atom"' in first
    filtered = client.get("/?agency=mfds&text=%EC%A4%84%EA%B8%B0").get_data(as_text=True)  # 줄기
    assert filtered.count('<tr class="kind-') == 2 and 'href="/feed.atom?agency=mfds&amp;text=' in filtered
    assert "Significance" not in first  # no change records a significance: the filter is hidden
    assert client.get("/?kind=nope").status_code == 400


@pytest.fixture
def token_app(web_store: WebStore) -> Flask:
    return create_app(web_store.sessions, WebSettings(token="s3cret-token-0123456789"))


def test_off_loopback_a_token_is_required(token_app: Flask) -> None:
    c = token_app.test_client()
    assert c.get("/api/changes").status_code == 401
    assert c.get("/api/changes", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/changes", headers={"Authorization": "Bearer s3cret-token-0123456789"}).status_code == 200
    assert c.get("/api/changes?token=s3cret-token-0123456789").status_code == 200
    page = c.get("/?agency=pmda&token=s3cret-token-0123456789")
    assert page.status_code == 303 and page.headers["Location"] == "/?agency=pmda"  # the token leaves the URL
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "s3cret" not in cookie
    assert c.get("/?agency=pmda").status_code == 200  # the cookie now authorizes
    assert token_app.test_client().get("/", headers={"Host": "regwatch.example.org"}).status_code == 401


def test_on_loopback_other_host_names_are_refused(client: FlaskClient) -> None:
    assert client.get("/", headers={"Host": "127.0.0.1:8080"}).status_code == 200
    assert client.get("/", headers={"Host": "attacker.example:8080"}).status_code == 421  # DNS rebinding


def test_serve_refuses_a_public_address_without_a_token(web_store: WebStore, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    import waitress

    from regwatch.cli import main

    config = web_store.path / "serve.yaml"
    config.write_text(f"store:\n  url: {web_store.url}\nweb:\n  token_env: TEST_WEB_TOKEN\n")
    monkeypatch.delenv("TEST_WEB_TOKEN", raising=False)
    result = CliRunner().invoke(main, ["--config", str(config), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "TEST_WEB_TOKEN" in result.output
    served: dict[str, object] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(kw, app=app))
    monkeypatch.setenv("TEST_WEB_TOKEN", "a-long-enough-secret-token")
    result = CliRunner().invoke(main, ["--config", str(config), "serve", "--host", "0.0.0.0", "--port", "9999"])
    assert result.exit_code == 0, result.output
    assert served["host"] == "0.0.0.0" and served["port"] == 9999 and "access token required" in result.output
    assert "a-long-enough-secret-token" not in result.output + caplog.text  # never logged
    result = CliRunner().invoke(main, ["--config", str(config), "serve"])
    assert served["host"] == "127.0.0.1" and served["port"] == 8080  # loopback by default


@pytest.mark.parametrize("huge", [2**63, 2**64 + 1, 10**40])
def test_ids_the_store_cannot_hold_are_404_not_500(client: FlaskClient, web_store: WebStore, huge: int) -> None:
    """Issue #12: an id past SQLite's int64 used to reach the driver (OverflowError: a 500)."""
    doc = web_store.ids["evil"]
    for path in (f"/documents/{huge}", f"/changes/{huge}", f"/documents/{huge}/versions/1/raw",
                 f"/documents/{doc}/versions/{huge}/raw", f"/documents/{huge}/warc", f"/documents/{huge}/diff",
                 f"/documents/{doc}/diff?from={huge}&to=1"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/documents/{2**63 - 1}").status_code == 404  # the largest it can hold: simply absent
