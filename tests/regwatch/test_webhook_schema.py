"""Every webhook regwatch sends validates against the published JSON Schema (alerts/schemas/webhook.v1.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from regwatch.alerts.diff import diff_words
from regwatch.alerts.digest import render_digest
from regwatch.alerts.render import render_change, render_test
from regwatch.store.views import ChangeView

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "alerts/schemas/webhook.v1.json").read_text())
CHANGE = ChangeView(id=7, detected_at="2026-11-02T06:00:00Z", agency="fda", source="fda-guidance", document_id=3,
                    url="https://www.fda.gov/x", title="Minimal manipulation", kind="changed", from_version=1,
                    to_version=2, summary="'should' → 'must'")


def body(kind: str, data: dict) -> dict:
    return {"type": kind, "timestamp": "2026-11-02T06:00:01Z", "data": data}


def validate(payload: dict) -> None:
    jsonschema.validate(payload, SCHEMA, format_checker=jsonschema.FormatChecker())


def test_the_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_change_digest_and_test_payloads_validate() -> None:
    message = render_change(CHANGE, diff_words("You should test.", "You must test."), channel="hook")
    validate(body(message.kind, message.data))
    assert set(message.data) >= set(CHANGE.as_json())  # every history field, the same id
    validate(body("change.detected", render_change(CHANGE, None, channel="hook").data))
    digest = render_digest("hook", "2026-11-02", [CHANGE])
    validate(body(digest.kind, digest.data))
    test = render_test("hook", "2026-11-02T06:00:00+00:00")
    validate(body(test.kind, test.data))


@pytest.mark.parametrize("broken", [
    body("change.detected", {"id": 7}),
    body("change.updated", CHANGE.as_json()),
    {"type": "test", "data": {"channel": "x", "sent_at": "now"}},
])
def test_malformed_payloads_are_rejected(broken: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
