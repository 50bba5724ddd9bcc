"""The JSON API, CSV and Atom: validated against /openapi.json, the same objects as `regwatch history --format json`,
filters (CJK search, topics), pagination."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from click.testing import CliRunner
from defusedxml.ElementTree import fromstring
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from regwatch.cli import main
from tests.web.conftest import WebStore
from tests.web.storefill import fill

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    document = app.test_client().get("/openapi.json").get_json()
    validate(document)  # a valid OpenAPI 3.1 document
    return document  # type: ignore[no-any-return]


def check(spec: dict[str, Any], path: str, response: Any) -> Any:
    """Validate a JSON response body against the schema /openapi.json declares for it."""
    declared = spec["paths"][path]["get"]["responses"][str(response.status_code)]
    schema = {**declared["content"]["application/json"]["schema"], "components": spec["components"]}
    body = response.get_json()
    OAS31Validator(schema).validate(body)
    return body


def cli_history(store: WebStore, *args: str) -> list[dict[str, Any]]:
    config = store.path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": store.url}}))
    result = CliRunner().invoke(main, ["--config", str(config), "history", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("query", "cli_args"), [
    ("", ()),
    ("?agency=pmda", ("--agency", "pmda")),
    ("?kind=changed", ("--kind", "changed")),
    ("?source=mfds-notices&source=nmpa-notices", ("--source", "mfds-notices", "--source", "nmpa-notices")),
    ("?since=2026-11-03", ("--since", "2026-11-03")),
    ("?until=2026-11-02&agency=fda", ("--until", "2026-11-02", "--agency", "fda")),
])
def test_api_objects_are_the_cli_history_objects(client: FlaskClient, spec: dict[str, Any], web_store: WebStore,
                                                 query: str, cli_args: tuple[str, ...]) -> None:
    body = check(spec, "/api/changes", client.get("/api/changes" + query))
    assert body == cli_history(web_store, *cli_args)
    assert body, "every case selects something"


def test_pagination_walks_every_change_once(client: FlaskClient, spec: dict[str, Any]) -> None:
    everything = check(spec, "/api/changes", client.get("/api/changes"))
    seen, url = [], "/api/changes?limit=3"
    while url:
        response = client.get(url)
        seen += check(spec, "/api/changes", response)
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else ""
        assert not link or 'rel="next"' in link
    assert seen == everything and len(everything) == 11
    assert client.get("/api/changes?limit=3&offset=9").get_json() == everything[9:]
    assert "Link" not in client.get("/api/changes?limit=3&offset=9").headers


@pytest.mark.parametrize(("query", "message"), [
    ("kind=edited", "kind"), ("agency=who", "agency"), ("limit=0", "limit"), ("limit=5000", "limit"),
    ("offset=-1", "offset"), ("since=yesterday", "since"), ("until=2026-13-01", "until"),
])
def test_bad_parameters_are_400_naming_them(client: FlaskClient, spec: dict[str, Any], query: str,
                                            message: str) -> None:
    response = client.get("/api/changes?" + query)
    assert response.status_code == 400
    assert check(spec, "/api/changes", response)["error"].startswith(message)


def ids_for(client: FlaskClient, query: str) -> set[str]:
    response = client.get("/api/changes?" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["source"] for r in response.get_json()}


@pytest.mark.parametrize(("text", "sources"), [
    ("幹細胞", {"pmda-regenerative"}),  # Japanese, in the text
    ("줄기세포", {"mfds-notices"}),  # Korean
    ("干细胞", {"nmpa-notices"}),  # Simplified Chinese
    ("胞", {"pmda-regenerative", "nmpa-notices"}),  # one character: 細胞 and 细胞 share it
    ("しなければならない", {"pmda-regenerative"}),  # only in the current text
    ("EXOSOME", {"ema-guidelines"}),  # case folded
    ("ｅｘｏｓｏｍｅ", {"ema-guidelines"}),  # full-width forms (NFKC)
    ("minimal manipulation", {"fda-guidance"}),  # every word must appear
    ("minimal exosome", set()),
    ("characters", {"fda-guidance", "pmda-regenerative", "mfds-notices", "page-watch"}),  # change summaries
    ("100%", set()),  # LIKE wildcards are literal
])
def test_text_search_in_every_script(client: FlaskClient, text: str, sources: set[str]) -> None:
    assert ids_for(client, "text=" + quote(text)) == sources


def test_topic_filter_from_glossary_and_catalogue(client: FlaskClient) -> None:
    assert ids_for(client, "topic=exosomes") == {"ema-guidelines", "mfds-notices", "nmpa-notices"}
    assert ids_for(client, "topic=stem_cells") == {"fda-guidance", "pmda-regenerative", "mfds-notices",
                                                   "nmpa-notices"}
    assert ids_for(client, "topic=Cellular%20%26%20Gene%20Therapy") == {"fda-guidance"}  # FDA's own topic
    assert ids_for(client, "topic=exosomes&agency=mfds&kind=new") == {"mfds-notices"}


def test_csv_has_the_same_rows(client: FlaskClient) -> None:
    response = client.get("/api/changes.csv?agency=mfds")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    api = client.get("/api/changes?agency=mfds").get_json()
    assert [r["id"] for r in rows] == [str(a["id"]) for a in api]
    assert list(rows[0]) == list(api[0]) and rows[0]["title"] == "줄기세포 유래 엑소좀 화장품 안전성 지침"


def test_atom_feed_parses_and_follows_the_filters(client: FlaskClient) -> None:
    response = client.get("/feed.atom?agency=pmda")
    assert response.mimetype == "application/atom+xml"
    feed = fromstring(response.get_data())
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == \
        [f"urn:regwatch:change:{c['id']}" for c in client.get("/api/changes?agency=pmda").get_json()]
    assert entries[0].findtext(f"{ATOM}title") == "[PMDA] changed: 再生医療等製品の承認申請について"
    assert entries[0].find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/changes/")
    everything = fromstring(client.get("/feed.atom").get_data())
    titles = [e.findtext(f"{ATOM}title") for e in everything.findall(f"{ATOM}entry")]
    assert any("<script>" in t for t in titles)  # crawled markup travels as text, escaped by the XML writer
    assert b"<script>" not in client.get("/feed.atom").get_data()


def test_new_records_reach_the_search_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from regwatch.store.db import open_store
    from regwatch.web.app import WebSettings, create_app
    from tests.web.storefill import START, add_run

    sessions = open_store(f"sqlite:///{tmp_path / 'grow.db'}")
    fill(sessions, runs=1)
    client = create_app(sessions, WebSettings(refresh_every=0)).test_client()
    wanted = "text=" + quote("しなければならない")
    assert ids_for(client, wanted) == set()
    add_run(sessions, 1, START.replace(day=3))  # the wording changes: only the new text says it
    assert ids_for(client, wanted) == {"pmda-regenerative"}
    assert ids_for(client, "text=" + quote("確認すること")) == set()  # the old wording left the current text


@pytest.mark.parametrize("text", [
    "Levels of EVs in serum; every level", "stem-cell derived Exosomes", "幹細胞由来エクソソームと培養上清",
    "줄기세포 배양액 화장품", "干细胞外泌体", "HCT/Ps under 21 CFR 1271", "no topic here at all", "Cosmetics",
    "regenerative   medicine", "Advanced Therapy Medicinal Products (ATMPs)",
])
def test_the_windowed_glossary_agrees_with_the_full_tagger(text: str) -> None:
    from regwatch.alerts.topics import tag, tag_folded
    from regwatch.store.search import fold

    long = ("filler words " * 400) + text + (" more filler" * 400)
    assert tag_folded(fold(long)) == tag(long)


def test_search_topics_and_pages_on_both_databases(db_url: str) -> None:
    from regwatch.store.db import open_store
    from regwatch.web.app import WebSettings, create_app

    sessions = open_store(db_url)
    fill(sessions)
    client = create_app(sessions, WebSettings(page_size=3, refresh_every=0)).test_client()
    assert ids_for(client, "text=" + quote("줄기세포")) == {"mfds-notices"}
    assert ids_for(client, "text=" + quote("胞")) == {"pmda-regenerative", "nmpa-notices"}
    assert ids_for(client, "topic=exosomes&kind=new") == {"ema-guidelines", "mfds-notices", "nmpa-notices"}
    assert ids_for(client, "significance=obligation") == set()
    pages = [client.get(f"/api/changes?limit=4&offset={n}").get_json() for n in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 4, 3]
    for url in ("/", "/?text=" + quote("幹細胞"), "/topics/stem_cells", "/feed.atom?topic=exosomes"):
        assert client.get(url).status_code == 200, url
