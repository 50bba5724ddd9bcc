"""Standard Webhooks signatures (v1, HMAC-SHA256): what WebhookChannel sends and what a receiver checks.

Receivers in Python can use `verify_signature(secret, request_headers, raw_body)` directly; it needs only the
standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

SECRET_PREFIX = "whsec_"


def utc_now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: base64-decoded after a `whsec_` prefix, else the string's UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    else:
        key = secret.encode()
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}." + body>` (Standard Webhooks)."""
    digest = hmac.new(secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:
    """For receivers: True if `body` carries a valid v1 signature from `secret`, stamped within `tolerance`
    of `now` (default: the current time). Header names are matched case-insensitively; comparison is
    constant-time; any of several space-separated signatures may match (key rotation)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    msg_id, stamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
    if not msg_id or not (stamp.isascii() and stamp.isdigit()):
        return False
    try:
        stamped = datetime.fromtimestamp(int(stamp), UTC)
    except (OverflowError, OSError, ValueError):
        return False
    if abs(aware(now or utc_now()) - stamped) > tolerance:
        return False
    expected = sign(secret, msg_id, int(stamp), body).encode()
    offered = lowered.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, candidate.encode()) for candidate in offered)
