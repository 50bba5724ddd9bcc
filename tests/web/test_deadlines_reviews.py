"""/deadlines, /calendar.ics (round-tripped through `icalendar` and the independent `ics` parser), /api/deadlines,
and reviews in the web view (token off loopback, same-origin POST, filters on review state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import ics
import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from regwatch.parsers.deadlines import Found
from regwatch.store.db import open_store
from regwatch.store.deadlines import record_found
from regwatch.store.models import Change, Run, Source
from regwatch.store.models import Document as DocumentRow
from regwatch.web.app import WebSettings, create_app

TODAY = datetime.now(UTC).date()


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    sessions = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    now = datetime.now(UTC)
    with sessions.begin() as s:
        ids = {}
        docs = (("pmda-hub", "pmda", "再生医療等製品の通知"), ("nmpa-cde", "nmpa", "细胞治疗指导原则"))
        for name, agency, title in docs:
            src = Source(name=name, agency=agency, baseline_done=True)
            s.add(src)
            s.flush()
            doc = DocumentRow(source_id=src.id, key=name, agency=agency, url=f"https://example.org/{name}",
                              title=title, meta={}, first_seen_at=now, last_seen_at=now)
            s.add(doc)
            s.flush()
            ids[agency] = doc.id
        record_found(s, ids["pmda"], [Found("comment_close", TODAY + timedelta(days=10), "意見募集期間：…まで")],
                     1, now, announce=False)
        record_found(s, ids["nmpa"], [Found("effective", TODAY + timedelta(days=40), "自…起施行"),
                                      Found("transition_end", TODAY - timedelta(days=5), "过渡期至…")],
                     1, now, announce=False)
        run = Run(started_at=now, status="ok")
        s.add(run)
        s.flush()
        s.add(Change(document_id=ids["pmda"], run_id=run.id, detected_at=now, kind="changed", from_version=1,
                     to_version=2, summary="wording changed"))
    return sessions, ids


@pytest.fixture
def client(store) -> FlaskClient:  # type: ignore[no-untyped-def]
    return create_app(store[0], WebSettings(refresh_every=0)).test_client()


def test_calendar_round_trips_through_two_parsers_with_stable_uids(client: FlaskClient, store) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/calendar.ics").get_data()
    cal = icalendar.Calendar.from_ical(body)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == 3  # past dates are kept in the feed
    pmda = events[f"deadline-{store[1]['pmda']}-comment_close@regwatch"]
    assert pmda.decoded("dtstart") == TODAY + timedelta(days=10) and "意見募集期間" in str(pmda["description"])
    other = ics.Calendar(body.decode("utf-8"))
    assert {e.uid for e in other.events} == set(events)
    assert {e.begin.date() for e in other.events} == {TODAY + timedelta(days=10), TODAY + timedelta(days=40),
                                                       TODAY - timedelta(days=5)}

    sessions, ids = store
    with sessions.begin() as s:  # the comment period is extended: same UID, new date, higher SEQUENCE
        record_found(s, ids["pmda"], [Found("comment_close", TODAY + timedelta(days=24), "延長")], 2,
                     datetime.now(UTC), announce=True)
    moved = icalendar.Calendar.from_ical(client.get("/calendar.ics?agency=pmda").get_data())
    (event,) = moved.walk("VEVENT")
    assert str(event["uid"]) == f"deadline-{ids['pmda']}-comment_close@regwatch"
    assert event.decoded("dtstart") == TODAY + timedelta(days=24) and int(event["sequence"]) == 1


def test_calendar_filters_by_agency_and_kind(client: FlaskClient) -> None:
    cal = icalendar.Calendar.from_ical(client.get("/calendar.ics?agency=nmpa&kind=effective").get_data())
    assert [[str(c) for c in e["categories"].cats] for e in cal.walk("VEVENT")] == [["NMPA", "effective"]]
    assert client.get("/calendar.ics?kind=bogus").status_code == 400


def test_deadlines_page_and_api_list_upcoming_dates(client: FlaskClient, store) -> None:  # type: ignore[no-untyped-def]
    rows = client.get("/api/deadlines").get_json()
    assert [(r["agency"], r["kind"]) for r in rows] == [("pmda", "comment_close"), ("nmpa", "effective")]
    assert list(rows[0]) == ["kind", "date", "agency", "publisher", "document_id", "url", "title", "evidence",
                             "first_seen", "previous_date"]
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["Deadline"]
    for row in rows:
        jsonschema.validate(row, schema)
    assert len(client.get("/api/deadlines?past=1").get_json()) == 3
    assert len(client.get("/api/deadlines?within=20").get_json()) == 1
    html = client.get("/deadlines").get_data(as_text=True)
    assert "再生医療等製品の通知" in html and "in 10 days" in html and "细胞治疗指导原则" in html
    page = client.get(f"/documents/{store[1]['nmpa']}").get_data(as_text=True)
    assert "<h2>Dates</h2>" in page and "自…起施行" in page and "过渡期至…" in page


def _change_id(store) -> int:  # type: ignore[no-untyped-def]
    with store[0]() as s:
        return s.scalar(select(Change.id))  # type: ignore[return-value]


def test_reviews_are_appended_from_the_page_and_filter_the_history(client: FlaskClient, store) -> None:  # type: ignore[no-untyped-def]
    change_id = _change_id(store)
    assert client.get("/api/changes?review=unreviewed").get_json()[0]["id"] == change_id
    form = {"outcome": "action-needed", "by": "K. Tanaka", "note": "update SOP-12"}
    posted = client.post(f"/changes/{change_id}/review", data=form, headers={"Origin": "http://localhost"})
    assert posted.status_code == 303
    client.post(f"/changes/{change_id}/review", data={**form, "outcome": "applicable", "note": "done"},
                headers={"Origin": "http://localhost"})
    trail = client.get(f"/api/changes/{change_id}/reviews").get_json()
    assert [(r["outcome"], r["reviewer"]) for r in trail] == [("action-needed", "K. Tanaka"),
                                                              ("applicable", "K. Tanaka")]
    assert client.get("/api/changes?review=applicable").get_json()[0]["id"] == change_id
    assert client.get("/api/changes?review=action-needed").get_json() == []
    assert client.get("/api/changes?review=maybe").status_code == 400
    assert "update SOP-12" in client.get(f"/changes/{change_id}/review").get_data(as_text=True)


def test_a_review_from_another_site_or_without_the_token_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    change_id = _change_id(store)
    local = create_app(store[0], WebSettings(refresh_every=0)).test_client()
    forged = local.post(f"/changes/{change_id}/review", data={"outcome": "applicable", "by": "x"},
                        headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    remote: Flask = create_app(store[0], WebSettings(token="s3cret-token-value", refresh_every=0))
    off_loopback = remote.test_client().post(f"/changes/{change_id}/review", base_url="http://regwatch.example",
                                             data={"outcome": "applicable", "by": "x"})
    assert off_loopback.status_code == 401
    ok = remote.test_client().post(f"/changes/{change_id}/review", base_url="http://regwatch.example",
                                   data={"outcome": "applicable", "by": "x"},
                                   headers={"Authorization": "Bearer s3cret-token-value",
                                            "Origin": "http://regwatch.example"})
    assert ok.status_code == 303
    assert [r["outcome"] for r in local.get(f"/api/changes/{change_id}/reviews").get_json()] == ["applicable"]
    assert remote.test_client().get("/calendar.ics?token=s3cret-token-value",
                                    base_url="http://regwatch.example").status_code == 200
