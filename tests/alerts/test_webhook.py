"""WebhookChannel against a real HTTP receiver (http.server on 127.0.0.1), checked per Standard Webhooks."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from regwatch.alerts.channels import WebhookChannel, verify_signature
from regwatch.alerts.diff import diff_words
from regwatch.alerts.render import render_change
from regwatch.alerts.types import DeliveryError, Message
from regwatch.store.views import ChangeView

FIXED_NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def channel_for(receiver: Any, **overrides: Any) -> WebhookChannel:
    settings: dict[str, Any] = dict(name="hook", url=receiver.url, secret=SECRET, timeout=5, now=lambda: FIXED_NOW)
    return WebhookChannel(**(settings | overrides))


def expected_signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    """Computed here from the spec, independently of alerts.signing."""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@pytest.fixture
def message(change: ChangeView) -> Message:
    return render_change(change, diff_words("should", "must"), channel="hook")


def test_posts_standard_webhooks_json(receiver: Any, message: Message) -> None:
    channel_for(receiver).send(message)

    [request] = receiver.requests
    assert request.path == "/hooks/t0ken-in-path"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == "change-7-hook"
    assert request.headers["webhook-timestamp"] == str(int(FIXED_NOW.timestamp())) == "1714564800"
    payload = json.loads(request.body)
    assert payload == {"type": "change.detected", "timestamp": "2024-05-01T12:00:00Z", "data": message.data}
    assert payload["data"]["title"] == message.data["title"] and "<script>" in payload["data"]["title"]
    assert payload["data"]["diff"] == [{"op": "replace", "old": "should", "new": "must"}]


def test_signature_matches_the_spec_and_verifies(receiver: Any, message: Message) -> None:
    channel_for(receiver).send(message)

    [request] = receiver.requests
    headers, body = request.headers, request.body
    assert headers["webhook-signature"] == expected_signature(KEY, "change-7-hook", "1714564800", body)
    assert verify_signature(SECRET, headers, body, now=FIXED_NOW)
    assert verify_signature(SECRET, headers, body, now=FIXED_NOW + dt.timedelta(minutes=4))
    assert not verify_signature(SECRET, headers, body, now=FIXED_NOW + dt.timedelta(minutes=6))  # replay window
    assert not verify_signature("whsec_" + base64.b64encode(b"another key").decode(), headers, body, now=FIXED_NOW)
    assert not verify_signature(SECRET, headers, body.replace(b"must", b"may"), now=FIXED_NOW)
    assert not verify_signature(SECRET, headers | {"webhook-id": "change-8-hook"}, body, now=FIXED_NOW)
    rotated = headers | {"webhook-signature": "v1,bm90LXRoaXMtb25l " + headers["webhook-signature"]}
    assert verify_signature(SECRET, rotated, body, now=FIXED_NOW)
    assert not verify_signature(SECRET, {}, body, now=FIXED_NOW)


def test_a_plain_secret_is_used_as_its_utf8_bytes(receiver: Any, message: Message) -> None:
    channel_for(receiver, secret="plain secret é").send(message)
    [request] = receiver.requests
    expected = expected_signature("plain secret é".encode(), "change-7-hook", "1714564800", request.body)
    assert request.headers["webhook-signature"] == expected


def test_without_a_secret_nothing_is_signed(receiver: Any, message: Message) -> None:
    channel_for(receiver, secret=None).send(message)
    [request] = receiver.requests
    assert "webhook-signature" not in request.headers and request.headers["webhook-id"] == "change-7-hook"


def test_a_retry_keeps_the_id_and_restamps_the_attempt(receiver: Any, message: Message) -> None:
    clock: Iterator[dt.datetime] = iter([FIXED_NOW, FIXED_NOW + dt.timedelta(seconds=300)])
    channel = channel_for(receiver, now=lambda: next(clock))
    channel.send(message)
    channel.send(message)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "change-7-hook"
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 300
    assert json.loads(second.body)["timestamp"] == "2024-05-01T12:05:00Z"
    assert first.headers["webhook-signature"] != second.headers["webhook-signature"]
    assert verify_signature(SECRET, second.headers, second.body, now=FIXED_NOW + dt.timedelta(seconds=300))


def test_server_error_is_transient_and_keeps_the_path_token_out(receiver: Any, message: Message) -> None:
    receiver.status, receiver.reply_body = 500, b"<h1>Internal\nServer Error</h1>"
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver).send(message)
    origin = receiver.url.removesuffix("/hooks/t0ken-in-path")
    assert caught.value.reason == f"HTTP 500 from {origin}: <h1>Internal Server Error</h1>"
    assert caught.value.transient and "t0ken" not in caught.value.reason


@pytest.mark.parametrize(("status", "transient"), [(400, False), (401, False), (404, False), (410, False),
                                                   (408, True), (429, True), (502, True), (503, True)])
def test_status_codes(receiver: Any, message: Message, status: int, transient: bool) -> None:
    receiver.status = status
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver).send(message)
    assert caught.value.reason.startswith(f"HTTP {status} from http://127.0.0.1:")
    assert caught.value.transient is transient
    assert ("permanent" in caught.value.reason) is not transient


def test_410_says_to_disable_the_endpoint(receiver: Any, message: Message) -> None:
    receiver.status = 410
    with pytest.raises(DeliveryError, match=r"HTTP 410 from .* \(endpoint gone: disable it\)"):
        channel_for(receiver).send(message)


def test_retry_after_is_passed_on(receiver: Any, message: Message) -> None:
    receiver.status, receiver.reply_headers = 429, {"Retry-After": "120"}
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver).send(message)
    assert caught.value.retry_after == 120
    receiver.reply_headers = {"Retry-After": "Wed, 01 May 2024 12:10:00 GMT"}
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver).send(message)
    assert caught.value.retry_after == 600


def test_redirects_are_not_followed(receiver: Any, message: Message) -> None:
    receiver.status, receiver.reply_headers = 302, {"Location": "/elsewhere"}
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver).send(message)
    assert "HTTP 302" in caught.value.reason and "redirects are not followed" in caught.value.reason
    assert [request.path for request in receiver.requests] == ["/hooks/t0ken-in-path"]


def test_a_receiver_slower_than_the_timeout(receiver: Any, message: Message) -> None:
    receiver.stall = True
    with pytest.raises(DeliveryError) as caught:
        channel_for(receiver, timeout=0.3).send(message)
    assert caught.value.reason.startswith("timeout: no answer from http://127.0.0.1:")
    assert "within 0.3s (ReadTimeout)" in caught.value.reason and caught.value.transient
    assert len(receiver.requests) == 1


def test_connection_refused(unused_port: int, message: Message) -> None:
    port = unused_port
    channel = WebhookChannel("hook", f"http://127.0.0.1:{port}/hook", None, timeout=2)
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    assert caught.value.reason == f"connection refused by 127.0.0.1:{port}" and caught.value.transient


def test_unknown_host(message: Message) -> None:
    channel = WebhookChannel("hook", "http://regwatch-test.invalid/hook", None, timeout=2)
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    assert caught.value.reason.startswith("DNS lookup failed for regwatch-test.invalid") and caught.value.transient


def test_bad_configuration_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookChannel("hook", "ftp://example.org/hook", None)
    with pytest.raises(ValueError, match="empty"):
        WebhookChannel("hook", "https://example.org/hook", "")
    with pytest.raises(ValueError):
        WebhookChannel("hook", "https://example.org/hook", "whsec_not base64!")
    assert SECRET not in repr(WebhookChannel("hook", "https://example.org/hook", SECRET))
