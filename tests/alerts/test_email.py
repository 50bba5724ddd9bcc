"""EmailChannel against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from regwatch.alerts.channels import EmailChannel, PartialDeliveryError
from regwatch.alerts.diff import diff_words
from regwatch.alerts.render import render_change
from regwatch.alerts.types import DeliveryError, Message
from regwatch.store.views import ChangeView

FIXED_NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
TO = ["ra-team@example.org", "qa@example.org"]


def channel_for(server: Any, **overrides: Any) -> EmailChannel:
    settings: dict[str, Any] = dict(
        name="email", host=server.host, port=server.port, sender="regwatch@example.org", to=TO, starttls=False,
        username=None, password=None, timeout=5, now=lambda: FIXED_NOW,
    )
    return EmailChannel(**(settings | overrides))


def received(server: Any) -> list[EmailMessage]:
    return [
        email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)  # type: ignore[misc]
        for envelope in server.handler.envelopes
    ]


@pytest.fixture
def message(change: ChangeView) -> Message:
    ops = diff_words("Sponsors should submit data.", "Sponsors must submit data within 30 days.")
    return render_change(change, ops, channel="email")


def test_delivers_multipart_alternative_with_ids_and_threading(smtp_server: Any, message: Message) -> None:
    channel_for(smtp_server).send(message)

    [envelope] = smtp_server.handler.envelopes
    assert envelope.mail_from == "regwatch@example.org" and envelope.rcpt_tos == TO
    [mail] = received(smtp_server)
    assert mail["Subject"] == message.subject
    assert mail["To"] == ", ".join(TO)
    assert mail["Message-ID"] == "<change-7-email@regwatch>"
    assert mail["In-Reply-To"] == mail["References"] == "<doc-42@regwatch>"
    assert parsedate_to_datetime(mail["Date"]) == FIXED_NOW
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Sponsors [-should-]{+must+} submit data{+ within 30 days+}." in text
    assert "<del" in html and ">should</del>" in html and ">must</ins>" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html


def test_messages_about_one_document_share_a_thread(smtp_server: Any, change: ChangeView) -> None:
    channel = channel_for(smtp_server)
    later = dataclasses.replace(change, id=8, from_version=4, to_version=5)
    channel.send(render_change(change, None, channel="email"))
    channel.send(render_change(later, None, channel="email"))
    first, second = received(smtp_server)
    assert first["Message-ID"] != second["Message-ID"]
    assert first["References"] == second["References"] == "<doc-42@regwatch>"


def test_a_retry_keeps_the_message_id(smtp_server: Any, message: Message) -> None:
    channel = channel_for(smtp_server)
    channel.send(message)
    channel.send(message)
    assert [mail["Message-ID"] for mail in received(smtp_server)] == ["<change-7-email@regwatch>"] * 2


def test_stopped_server_is_connection_refused(smtp_server: Any, message: Message) -> None:
    smtp_server.stop()
    with pytest.raises(DeliveryError) as caught:
        channel_for(smtp_server).send(message)
    assert caught.value.reason == f"connection refused by 127.0.0.1:{smtp_server.port}"
    assert caught.value.transient


def test_4xx_reply_is_transient(smtp_server: Any, message: Message) -> None:
    smtp_server.handler.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    with pytest.raises(DeliveryError) as caught:
        channel_for(smtp_server).send(message)
    assert caught.value.transient
    assert caught.value.reason.startswith(f"SMTP 451 from 127.0.0.1:{smtp_server.port} during send")
    assert caught.value.reason.endswith("(transient)")


def test_5xx_reply_is_permanent(smtp_server: Any, message: Message) -> None:
    smtp_server.handler.data_reply = "550 5.7.1 Message rejected as spam"
    with pytest.raises(DeliveryError) as caught:
        channel_for(smtp_server).send(message)
    assert not caught.value.transient
    assert "SMTP 550" in caught.value.reason and "5.7.1 Message rejected as spam" in caught.value.reason
    assert "permanent" in caught.value.reason


def test_all_recipients_refused_transiently(smtp_server: Any, message: Message) -> None:
    smtp_server.handler.rcpt_replies = {addr: "451 4.2.1 Mailbox busy" for addr in TO}
    with pytest.raises(DeliveryError) as caught:
        channel_for(smtp_server).send(message)
    assert caught.value.transient
    assert caught.value.reason.startswith("all 2 recipients refused")
    assert "qa@example.org (SMTP 451 4.2.1 Mailbox busy)" in caught.value.reason
    assert smtp_server.handler.envelopes == []


def test_partial_refusal_is_reported_and_the_others_still_get_it(smtp_server: Any, message: Message) -> None:
    smtp_server.handler.rcpt_replies = {"qa@example.org": "550 5.1.1 No such user"}
    with pytest.raises(PartialDeliveryError) as caught:
        channel_for(smtp_server).send(message)
    assert not caught.value.transient
    assert caught.value.refused == {"qa@example.org": (550, "5.1.1 No such user")}
    assert caught.value.reason.startswith("delivered to 1 of 2 recipients; refused: qa@example.org (SMTP 550")
    [envelope] = smtp_server.handler.envelopes
    assert envelope.rcpt_tos == ["ra-team@example.org"]


def test_login_then_deliver(smtp_auth_server: Any, message: Message) -> None:
    user, password = smtp_auth_server.credentials
    channel_for(smtp_auth_server, username=user, password=password).send(message)
    assert len(smtp_auth_server.handler.envelopes) == 1


def test_wrong_password_is_a_permanent_auth_failure_and_never_shown(smtp_auth_server: Any,
                                                                  message: Message) -> None:
    user, _ = smtp_auth_server.credentials
    channel = channel_for(smtp_auth_server, username=user, password="wrong-Secret-123")
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    where = f"127.0.0.1:{smtp_auth_server.port}"
    assert caught.value.reason.startswith(f"authentication failed for user 'regwatch' at {where}")
    assert "535" in caught.value.reason and not caught.value.transient
    assert "wrong-Secret-123" not in caught.value.reason and "wrong-Secret-123" not in repr(channel)
    assert smtp_auth_server.handler.envelopes == []


def test_starttls_with_a_trusted_certificate(start_smtp: Callable[..., Any], certificate: Any,
                                             message: Message) -> None:
    server = start_smtp(tls_context=certificate.server_context(), require_starttls=True)
    channel_for(server, starttls=True, tls_context=certificate.client_context()).send(message)
    assert len(server.handler.envelopes) == 1


def test_server_without_starttls(smtp_server: Any, message: Message) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel_for(smtp_server, starttls=True).send(message)
    assert caught.value.reason.startswith(f"127.0.0.1:{smtp_server.port} does not support STARTTLS")
    assert not caught.value.transient


def test_implicit_tls(start_smtp: Callable[..., Any], certificate: Any, message: Message) -> None:
    server = start_smtp(ssl_context=certificate.server_context())
    channel_for(server, use_tls=True, tls_context=certificate.client_context()).send(message)
    assert len(server.handler.envelopes) == 1


def test_untrusted_certificate_fails_the_tls_handshake(start_smtp: Callable[..., Any], certificate: Any,
                                                       message: Message) -> None:
    server = start_smtp(ssl_context=certificate.server_context())
    with pytest.raises(DeliveryError) as caught:
        channel_for(server, use_tls=True).send(message)  # the system trust store does not know our test CA
    assert caught.value.reason.startswith(f"TLS handshake failed with 127.0.0.1:{server.port}")
    assert "certificate" in caught.value.reason and not caught.value.transient
    assert server.handler.envelopes == []


def test_unknown_host_is_a_dns_failure(message: Message) -> None:
    channel = EmailChannel("email", "regwatch-test.invalid", 25, "a@example.org", ["b@example.org"], False, None,
                           None, timeout=5)
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    assert caught.value.reason.startswith("DNS lookup failed for regwatch-test.invalid")
    assert caught.value.transient


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel does, via the backlog) but never says hello."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        yield sock.getsockname()[1]


def test_server_that_never_answers_times_out(silent_server: int, message: Message) -> None:
    channel = EmailChannel("email", "127.0.0.1", silent_server, "a@example.org", ["b@example.org"], False, None,
                           None, timeout=0.3)
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    assert caught.value.reason == f"timeout: no answer from 127.0.0.1:{silent_server} within 0.3s during connect"
    assert caught.value.transient


def test_configuration_errors_are_caught_early() -> None:
    with pytest.raises(ValueError, match="no recipients"):
        EmailChannel("email", "localhost", 25, "a@example.org", [], False, None, None)
    with pytest.raises(ValueError, match="exclude each other"):
        EmailChannel("email", "localhost", 465, "a@example.org", ["b@example.org"], True, None, None, use_tls=True)


def test_message_ids_stay_valid_for_odd_channel_names(smtp_server: Any, message: Message) -> None:
    odd = dataclasses.replace(message, idempotency_key="change-7-team mail<1>", thread_key="doc-42")
    channel_for(smtp_server).send(odd)
    [mail] = received(smtp_server)
    assert mail["Message-ID"] == "<change-7-team-mail-1-@regwatch>"
