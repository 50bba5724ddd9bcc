"""Real servers for the alert tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver (http.server),
both on 127.0.0.1 and a free port, plus a change whose crawled fields carry XSS payloads."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

from regwatch.store.views import ChangeView

SMTP_USER, SMTP_PASSWORD = "regwatch", "s3cret-Pa55word"
XSS_TITLE = 'Draft <script>alert("t")</script> "><img src=x onerror=alert(1)> guidance'


def free_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def change() -> ChangeView:
    return ChangeView(
        id=7, detected_at="2024-05-01T12:00:00Z", agency="fda", source="fda-guidance", document_id=42,
        url="https://www.fda.gov/guidance/abc?x=1&y=2", title=XSS_TITLE, kind="changed", from_version=3,
        to_version=4, summary="Wording changed <b>bold</b>",
    )


# --- SMTP -------------------------------------------------------------------------------------------------


class RecordingHandler:
    """aiosmtpd handler: keeps every accepted envelope; can refuse chosen recipients or the whole DATA."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler
    controller: Controller
    credentials: tuple[str, str] = (SMTP_USER, SMTP_PASSWORD)  # what the authenticator accepts, if one is set
    running: bool = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER \
        and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    """Start an aiosmtpd server; keyword arguments go to aiosmtpd's SMTP (tls_context, authenticator, …)."""
    servers: list[SmtpServer] = []

    def start(**kwargs: Any) -> SmtpServer:
        handler = RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        servers.append(SmtpServer("127.0.0.1", controller.port, handler, controller))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(start_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    return start_smtp()


@pytest.fixture
def smtp_auth_server(start_smtp: Callable[..., SmtpServer]) -> SmtpServer:
    return start_smtp(authenticator=_check_login, auth_require_tls=False)


@dataclass(frozen=True)
class Certificate:
    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_path))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (cryptography ships with Scrapy)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regwatch test")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return Certificate(folder / "cert.pem", folder / "key.pem")


# --- HTTP webhook receiver ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass
class Receiver:
    """What the receiver answers (status, headers, body, whether to stall) and what it received."""

    url: str
    status: int = 200
    reply_headers: dict[str, str] = field(default_factory=dict)
    reply_body: bytes = b""
    stall: bool = False  # hold each request until the test ends (a receiver slower than any timeout)
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        receiver: Receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if receiver.stall:
            receiver.release.wait(timeout=10)
        try:
            self.send_response(receiver.status)
            for name, value in receiver.reply_headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(receiver.reply_body)))
            self.end_headers()
            self.wfile.write(receiver.reply_body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ReceiverHandler)
    server.daemon_threads = True
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/t0ken-in-path")
    server.receiver = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
