"""One deadline per delivery, covering connecting, sending and reading; replies read only up to a size cap.

A receiver that answers one byte every few seconds, or never stops answering, must not hold a run: every
blocking network operation of a delivery waits at most for what is left of the delivery's deadline (a per-read
timeout alone lets a trickle go on for ever), and a reply is read no further than its cap, compressed bodies
included (they are never decompressed).

- `DeadlineBackend`: an httpcore network backend for httpx (`deadline_transport`);
- `BoundedSMTP` / `BoundedSMTP_SSL`: smtplib clients whose replies are read under the deadline and the cap.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

REPLY_CAP = 64 * 1024  # bytes of one SMTP reply (all its lines) or of a webhook response body read at most


class DeadlineExceeded(TimeoutError):
    """The delivery's deadline passed."""


class Deadline:
    """A point in time (monotonic) that a delivery must be done by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; DeadlineExceeded when none are."""
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded(f"the delivery's deadline of {self.seconds:g} s passed")
        return remaining

    def clamp(self, timeout: float | None) -> float:
        left = self.left()
        return left if timeout is None else min(timeout, left)


# --- httpx ------------------------------------------------------------------------------------------

class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self.inner, self.deadline = inner, deadline

    def _clamp(self, timeout: float | None, error: type[Exception]) -> float:
        try:
            return self.deadline.clamp(timeout)
        except DeadlineExceeded as exc:
            raise error(str(exc)) from None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self._clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self._clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        tls = self.inner.start_tls(ssl_context, server_hostname, self._clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls, self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's synchronous sockets, each operation's timeout cut to what is left of the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.inner = httpcore.SyncBackend()

    def _clamp(self, timeout: float | None) -> float:
        try:
            return self.deadline.clamp(timeout)
        except DeadlineExceeded as exc:
            raise httpcore.ConnectTimeout(str(exc)) from None

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = self.inner.connect_tcp(host, port, self._clamp(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.connect_unix_socket(path, self._clamp(timeout), socket_options),
                               self.deadline)

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, max(self.deadline.at - time.monotonic(), 0)))


def deadline_transport(deadline: Deadline) -> httpx.HTTPTransport:
    """An httpx transport whose every connect, write and read ends by `deadline`."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001 — httpx offers no public way to pass a backend
        ssl_context=httpx.create_ssl_context(), network_backend=DeadlineBackend(deadline))  # httpx's own CAs
    return transport


def read_capped(response: httpx.Response, cap: int = REPLY_CAP) -> bytes:
    """At most `cap` bytes of a streamed response's body as sent (compressed bodies stay compressed)."""
    data = bytearray()
    for chunk in response.iter_raw():
        data += chunk
        if len(data) >= cap:
            break
    return bytes(data[:cap])


# --- SMTP -------------------------------------------------------------------------------------------

class _Bounded:
    """Replies read straight from the socket, under the deadline, at most `REPLY_CAP` bytes each."""

    deadline: Deadline
    sock: socket.socket | None
    _pending: bytes

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return super()._get_socket(host, port, self.deadline.clamp(timeout))  # type: ignore[misc, no-any-return]

    def send(self, s: bytes | str) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.deadline.left())  # sendall: the timeout bounds the whole send
        super().send(s)  # type: ignore[misc]

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        reply = super().starttls(*args, **kwargs)  # type: ignore[misc]
        self._pending = b""
        return reply  # type: ignore[no-any-return]

    def _line(self) -> bytes:
        while b"\n" not in self._pending and len(self._pending) <= smtplib._MAXLINE:  # noqa: SLF001
            assert self.sock is not None
            self.sock.settimeout(self.deadline.left())
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self._pending += chunk
        line, sep, rest = self._pending.partition(b"\n")
        self._pending = rest
        return line + sep

    def getreply(self) -> tuple[int, bytes]:
        lines: list[bytes] = []
        size = 0
        if getattr(self, "_pending", None) is None:
            self._pending = b""
        while True:
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("not connected")
            try:
                line = self._line()
            except TimeoutError as exc:  # a recv waited out what was left of the deadline, or none was left
                self.close()  # type: ignore[attr-defined]
                raise DeadlineExceeded(f"the delivery's deadline of {self.deadline.seconds:g} s passed") from exc
            except OSError as exc:
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from exc
            if not line:
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            size += len(line)
            if len(line) > smtplib._MAXLINE or size > REPLY_CAP:  # noqa: SLF001
                self.close()  # type: ignore[attr-defined]
                raise smtplib.SMTPResponseException(421, f"reply longer than {REPLY_CAP // 1024} KB; "
                                                         "connection closed".encode())
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
        return code, b"\n".join(lines)

    def close(self) -> None:
        self._pending = b""
        super().close()  # type: ignore[misc]


class BoundedSMTP(_Bounded, smtplib.SMTP):
    def __init__(self, host: str, port: int, deadline: Deadline) -> None:
        self.deadline, self._pending = deadline, b""
        super().__init__(host, port, timeout=deadline.left())


class BoundedSMTP_SSL(_Bounded, smtplib.SMTP_SSL):  # noqa: N801 — smtplib's name
    def __init__(self, host: str, port: int, deadline: Deadline, context: ssl.SSLContext) -> None:
        self.deadline, self._pending = deadline, b""
        super().__init__(host, port, timeout=deadline.left(), context=context)
