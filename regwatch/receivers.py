"""Local receivers for the demo and the tests: a real SMTP server and a real webhook endpoint, on loopback."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from regwatch.alerts.signing import verify_signature


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpReceiver:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def start(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    verified: bool | None  # None when no secret is known to the receiver

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 that records POSTs, verifies Standard Webhooks signatures and,
    like a well-behaved receiver, processes each `webhook-id` once (`unique`)."""

    def __init__(self, secret: str | None = None, status: int = 204) -> None:
        self.secret = secret
        self.status = status
        self.deliveries: list[Delivery] = []
        self.on_delivery: Callable[[Delivery], None] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/regwatch"

    @property
    def unique(self) -> list[Delivery]:
        seen: dict[str, Delivery] = {}
        for d in self.deliveries:
            seen.setdefault(d.headers.get("webhook-id", ""), d)
        return list(seen.values())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = verify_signature(receiver.secret, headers, body) if receiver.secret else None
                delivery = Delivery(headers, body, verified)
                receiver.deliveries.append(delivery)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                if receiver.on_delivery is not None:  # after the acknowledgement went out (fault tests)
                    receiver.on_delivery(delivery)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        return Handler

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
