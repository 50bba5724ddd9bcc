"""Channels that deliver a rendered Message: email over SMTP and Standard Webhooks over HTTP.

Each `send()` either returns (delivered) or raises DeliveryError with a one-line reason and `transient`
(whether a retry may succeed). Retrying and scheduling are the outbox's job, not the channel's.
Secrets never appear in a reason, a repr or a log line; webhook reasons name only the URL's origin, because
webhook URLs often carry tokens in their path.
"""

from __future__ import annotations

import json
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime

import httpx

from regwatch.alerts.bounded import (
    BoundedSMTP,
    BoundedSMTP_SSL,
    Deadline,
    DeadlineExceeded,
    deadline_transport,
    read_capped,
)
from regwatch.alerts.signing import aware, secret_bytes, sign, utc_now, verify_signature
from regwatch.alerts.types import DeadlineMissed, DeliveryError, Message

__all__ = ["EmailChannel", "PartialDeliveryError", "WebhookChannel", "sign", "verify_signature"]


class PartialDeliveryError(DeliveryError):
    """Some recipients accepted the message, others were refused; `refused` maps address → (code, reply)."""

    def __init__(self, reason: str, *, transient: bool, refused: dict[str, tuple[int, str]]) -> None:
        super().__init__(reason, transient=transient)
        self.refused = refused


@dataclass(frozen=True)
class EmailChannel:
    """Send each message as one multipart/alternative email (text + HTML) to all of `to`.

    `Message-ID` is `<{idempotency_key}@regwatch>`, so a retried message keeps its id and clients can drop the
    duplicate; `In-Reply-To`/`References` point at `<{thread_key}@regwatch>`, so every alert about one document
    lands in one thread. `use_tls` is implicit TLS (port 465); `starttls` upgrades a plain connection (587).

    Recipient refusal: if any recipient is refused, send() raises (PartialDeliveryError when others accepted it),
    so a mistyped or dead address is surfaced, never silently skipped. It is transient only when every refusal
    was a 4xx reply; a retry re-sends to all recipients, and those who already got it see the same Message-ID.
    """

    name: str
    host: str
    port: int
    sender: str
    to: list[str]
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)
    timeout: float = 30
    use_tls: bool = False
    tls_context: ssl.SSLContext | None = field(default=None, repr=False)  # None: the system's trust store
    now: Callable[[], datetime] = field(default=utc_now, repr=False)

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError(f"email channel {self.name!r}: no recipients")
        if self.use_tls and self.starttls:
            raise ValueError(f"email channel {self.name!r}: use_tls and starttls exclude each other")

    def build(self, message: Message) -> EmailMessage:
        """The email as it will be sent (exposed for previews and tests)."""
        email = EmailMessage()
        email["Subject"] = " ".join(message.subject.split())
        email["From"] = self.sender
        email["To"] = ", ".join(self.to)
        email["Date"] = format_datetime(aware(self.now()))
        email["Message-ID"] = _msg_id(message.idempotency_key)
        if message.thread_key:
            email["In-Reply-To"] = email["References"] = _msg_id(message.thread_key)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        for key, value in message.headers.items():
            if key not in email:
                email[key] = value
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: Message) -> None:
        """Deliver to the SMTP server or raise DeliveryError (see the class docstring for refusals)."""
        email = self.build(message)
        stage = "connect"
        deadline = Deadline(self.timeout)  # the whole delivery: connect, TLS, login, send, every reply
        try:
            with self._connect(deadline) as smtp:
                if self.starttls:
                    stage = "STARTTLS"
                    smtp.starttls(context=self._tls())
                if self.username:
                    stage = "login"
                    smtp.login(self.username, self.password or "")
                stage = "send"
                refused = smtp.send_message(email, self.sender, self.to)
        except DeadlineExceeded as exc:
            where = f"{self.host}:{self.port}"  # the deadline covers the whole delivery, not one read
            raise DeadlineMissed(f"timeout: no answer from {where} within {self.timeout:g}s during {stage}") from exc
        except OSError as exc:  # smtplib, ssl and socket errors are all OSErrors
            raise self._scrub(self._error(_unwrap(exc), stage)) from exc
        if refused:
            reason = f"delivered to {len(self.to) - len(refused)} of {len(self.to)} recipients; {_refusals(refused)}"
            partial = PartialDeliveryError(reason, transient=_all_4xx(refused), refused=_decoded(refused))
            raise self._scrub(partial)

    def _connect(self, deadline: Deadline) -> smtplib.SMTP:
        if self.use_tls:
            return BoundedSMTP_SSL(self.host, self.port, deadline, context=self._tls())
        return BoundedSMTP(self.host, self.port, deadline)

    def _tls(self) -> ssl.SSLContext:
        return self.tls_context or ssl.create_default_context()

    def _error(self, exc: OSError, stage: str) -> DeliveryError:
        where = f"{self.host}:{self.port}"
        match exc:
            case socket.gaierror():
                return DeliveryError(f"DNS lookup failed for {self.host}: {exc.strerror}")
            case ConnectionRefusedError():
                return DeliveryError(f"connection refused by {where}")
            case TimeoutError():
                return DeliveryError(f"timeout: no answer from {where} within {self.timeout:g}s during {stage}")
            case ssl.SSLError():
                what = "TLS handshake failed" if stage in ("connect", "STARTTLS") else f"TLS error during {stage}"
                return _permanent(f"{what} with {where}: {_ssl_detail(exc)}")
            case smtplib.SMTPNotSupportedError():
                return _permanent(f"{where} does not support {stage}: {exc}")
            case smtplib.SMTPRecipientsRefused():
                reason = f"all {len(self.to)} recipients refused by {where}; " + _refusals(exc.recipients)
                return DeliveryError(reason, transient=_all_4xx(exc.recipients))
            case smtplib.SMTPAuthenticationError():
                reason = f"authentication failed for user {self.username!r} at {where}: " + _reply(exc)
                return DeliveryError(reason, transient=400 <= exc.smtp_code < 500)
            case smtplib.SMTPResponseException():
                reason = f"SMTP {exc.smtp_code} from {where} during {stage}: " + _reply(exc)
                return DeliveryError(reason, transient=not 500 <= exc.smtp_code < 600)
            case smtplib.SMTPServerDisconnected():
                return DeliveryError(f"{where} closed the connection during {stage}: {exc}")
            case smtplib.SMTPException():
                return _permanent(f"SMTP error with {where} during {stage}: {exc}")
        return DeliveryError(f"network error talking to {where} during {stage}: {exc}")

    def _scrub(self, error: DeliveryError) -> DeliveryError:
        """Belt and braces: should a server echo the password, it still never reaches a reason."""
        if self.password and self.password in error.reason:
            error.reason = error.reason.replace(self.password, "***")
            error.args = (error.reason,)
        return error


def _msg_id(key: str) -> str:
    """`<key@regwatch>`, with characters a Message-ID may not hold replaced by '-'."""
    return "<" + re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]", "-", key) + "@regwatch>"


def _unwrap(exc: OSError) -> OSError:
    """smtplib reports a read timeout as SMTPServerDisconnected; name the timeout instead."""
    inner = exc.__context__
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(inner, TimeoutError):
        return inner
    return exc


def _permanent(reason: str) -> DeliveryError:
    return DeliveryError(f"{reason} (permanent, transient=False)", transient=False)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    kind = "transient" if not 500 <= exc.smtp_code < 600 else "permanent, transient=False"
    return f"{exc.smtp_code} {' '.join(text.split())} ({kind})"


def _decoded(refused: Mapping[str, tuple[int, bytes | str]]) -> dict[str, tuple[int, str]]:
    return {
        addr: (code, text.decode(errors="replace") if isinstance(text, bytes) else text)
        for addr, (code, text) in refused.items()
    }


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    listed = ", ".join(f"{addr} (SMTP {code} {' '.join(text.split())})" for addr, (code, text) in
                       _decoded(refused).items())
    kind = "transient" if _all_4xx(refused) else "permanent, transient=False"
    return f"refused: {listed} ({kind})"


def _all_4xx(refused: Mapping[str, tuple[int, bytes | str]]) -> bool:
    return all(400 <= code < 500 for code, _ in refused.values())


def _ssl_detail(exc: ssl.SSLError) -> str:
    return getattr(exc, "verify_message", None) or exc.reason or str(exc)


@dataclass(frozen=True)
class WebhookChannel:
    """POST each message as Standard Webhooks JSON: `{"type", "timestamp", "data"}` with `webhook-id`
    (the idempotency key, the same on every retry), `webhook-timestamp` and, with a secret, `webhook-signature`.

    The secret: `whsec_<base64>` is base64-decoded after the prefix (the spec's format); any other string is used
    as its UTF-8 bytes. (The reference library base64-decodes unprefixed secrets too; give receivers using it the
    `whsec_` form.) Redirects are not followed: only a 2xx answer counts as delivered.
    """

    name: str
    url: str
    secret: str | None = field(repr=False)
    timeout: float = 15
    now: Callable[[], datetime] = field(default=utc_now, repr=False)

    def __post_init__(self) -> None:
        if httpx.URL(self.url).scheme not in ("http", "https"):
            raise ValueError(f"webhook channel {self.name!r}: URL must be http(s)")
        if self.secret is not None:
            secret_bytes(self.secret)  # fail at configuration time, not at the first delivery

    def send(self, message: Message) -> None:
        """POST the message; raise DeliveryError unless the receiver answers 2xx."""
        at = aware(self.now())
        stamp = int(at.timestamp())
        envelope = {"type": message.kind, "timestamp": at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                    "data": message.data}
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", "user-agent": "regwatch",
                   "webhook-id": message.idempotency_key, "webhook-timestamp": str(stamp)}
        if self.secret is not None:
            headers["webhook-signature"] = sign(self.secret, message.idempotency_key, stamp, body)
        deadline = Deadline(self.timeout)  # the whole delivery: connect, send, the answer's head and body
        try:
            with (httpx.Client(timeout=self.timeout, follow_redirects=False,
                               transport=deadline_transport(deadline)) as client,
                  client.stream("POST", self.url, content=body, headers=headers) as response):
                if response.is_success:
                    return  # the body is not read: a 2xx is all a delivery needs
                snippet = read_capped(response)
        except httpx.TimeoutException as exc:
            reason = f"timeout: no answer from {self._origin()} within {self.timeout:g}s ({type(exc).__name__})"
            raise DeadlineMissed(reason) from exc
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        raise self._status_error(response, at, snippet)

    def _origin(self) -> str:
        url = httpx.URL(self.url)
        return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")

    def _transport_error(self, exc: httpx.HTTPError) -> DeliveryError:
        url = httpx.URL(self.url)
        for cause in _causes(exc):
            if isinstance(cause, socket.gaierror):
                return DeliveryError(f"DNS lookup failed for {url.host}: {cause.strerror}")
            if isinstance(cause, ConnectionRefusedError):
                port = url.port or (443 if url.scheme == "https" else 80)
                return DeliveryError(f"connection refused by {url.host}:{port}")
            if isinstance(cause, ssl.SSLError):
                return _permanent(f"TLS handshake failed with {self._origin()}: {_ssl_detail(cause)}")
        return DeliveryError(f"HTTP request to {self._origin()} failed: {type(exc).__name__}: {exc}")

    def _status_error(self, response: httpx.Response, at: datetime, body: bytes) -> DeliveryError:
        code = response.status_code
        permanent = 400 <= code < 500 and code not in (408, 429)
        note = {410: " (endpoint gone: disable it)"}.get(code, " (redirects are not followed)" if code < 400 else "")
        plain = response.headers.get("content-encoding", "identity").lower() in ("", "identity")
        snippet = " ".join(body[:800].decode(response.encoding or "utf-8", errors="replace")[:200].split()) \
            if plain else ""  # a compressed body is never inflated
        reason = f"HTTP {code} from {self._origin()}{note}" + (f": {snippet}" if snippet else "")
        reason += " (permanent, transient=False)" if permanent else ""
        return DeliveryError(reason, transient=not permanent, retry_after=_retry_after(response, at))


def _causes(exc: BaseException, depth: int = 10) -> Iterator[BaseException]:
    current: BaseException | None = exc
    while current is not None and depth > 0:
        yield current
        current, depth = current.__cause__ or current.__context__, depth - 1


def _retry_after(response: httpx.Response, at: datetime) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - at).total_seconds()) if value else None
    except (TypeError, ValueError):
        return None
