"""A misbehaving HTTP/1.1 server for fault tests, on raw sockets (one thread per connection).

Each path gets a behaviour: a status (with Retry-After), a reset before any byte or mid-body (SO_LINGER 0),
a Content-Length larger than the body, a hang, a 1 byte/s drip, a compression bomb, a huge declared length,
an endless chunked stream. It listens on one port per loopback address (127.0.0.x are separate hosts to a
crawler) and logs, per host and path, when each request arrived and when the server was done with it.

    with BadServer(["127.0.0.1", "127.0.0.2"]) as bad:
        bad.route("/slow", hang())
        bad.url("127.0.0.2", "/slow")
        bad.hits_for("/slow")
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

import brotli
from backports import zstd

POLL = 0.1  # seconds between checks of the stop switch while waiting on a socket
HTML = "text/html; charset=utf-8"


class ClientGone(Exception):
    """The client closed or reset the connection."""


@dataclass
class Exchange:
    """One request on one connection, and what the behaviour sent back."""

    conn: socket.socket
    host: str
    method: str
    path: str
    headers: dict[str, str]
    stop: threading.Event
    attempt: int  # 0 for the first request to this host and path
    status: int | None = None
    sent: int = 0  # body bytes sent
    end: str = "closed"  # closed | reset | client closed

    def head(self, status: int, headers: Sequence[tuple[str, str]] = (), length: int | None = None) -> None:
        """Status line and headers (`length` None: no Content-Length, e.g. chunked or close-delimited)."""
        self.status = status
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Server: badserver", "Connection: close",
                 *(f"{k}: {v}" for k, v in headers)]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        self._write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def body(self, data: bytes) -> None:
        self._write(data)
        self.sent += len(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.stop.is_set():
                raise ClientGone("server stopping")
            try:
                view = view[self.conn.send(view):]
            except TimeoutError:
                continue  # the client is not reading right now; keep trying until it closes or we stop
            except OSError as exc:
                raise ClientGone(str(exc)) from exc

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER on, timeout 0)."""
        self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.conn.close()
        self.end = "reset"

    def wait_for_client(self, limit: float = 600.0) -> None:
        """Block until the client closes the connection (or the server stops); sends nothing."""
        deadline = time.monotonic() + limit
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                if not self.conn.recv(4096):
                    raise ClientGone("client closed")
            except TimeoutError:
                continue
            except OSError as exc:
                raise ClientGone(str(exc)) from exc

    def pause(self, seconds: float) -> None:
        """Sleep, but notice at once when the client hangs up (or the server stops)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.stop.is_set():
                raise ClientGone("server stopping")
            self.conn.settimeout(max(min(POLL, deadline - time.monotonic()), 0.001))
            try:
                if not self.conn.recv(1, socket.MSG_PEEK):
                    raise ClientGone("client closed")
            except TimeoutError:
                continue
            except OSError as exc:
                raise ClientGone(str(exc)) from exc
            finally:
                self.conn.settimeout(POLL)


Behaviour = Callable[[Exchange], None]
REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it (times from time.monotonic())."""

    host: str
    path: str
    attempt: int
    arrived: float
    finished: float
    status: int | None
    sent: int
    end: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)


# --- behaviours ------------------------------------------------------------------------------------

def respond(status: int, body: bytes = b"", headers: Sequence[tuple[str, str]] = (), ctype: str = HTML,
            delay: float = 0.0) -> Behaviour:
    """A complete answer, after `delay` seconds."""
    def behave(ex: Exchange) -> None:
        ex.pause(delay)
        ex.head(status, [("Content-Type", ctype), *headers], len(body))
        ex.body(body)
    return behave


def page(title: str, text: str, delay: float = 0.0) -> Behaviour:
    """A small HTML page that answers 200."""
    return respond(200, html(title, text), delay=delay)


def html(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><main><h1>{title}</h1><p>{text}</p></main></body></html>").encode()


def reset_before() -> Behaviour:
    """Read the request, then reset the connection before sending any byte."""
    return lambda ex: ex.reset()


def reset_mid_body(body: bytes, framing: str = "length") -> Behaviour:
    """Send half the body, then reset. `framing`: "length" (Content-Length of the whole), "chunked", or
    "close" (no length: the body ends when the connection does, as HTTP/1.0 servers do)."""
    def behave(ex: Exchange) -> None:
        half = body[: len(body) // 2]
        if framing == "chunked":
            ex.head(200, [("Content-Type", HTML), ("Transfer-Encoding", "chunked")])
            ex.body(b"%x\r\n%s\r\n" % (len(half), half))
        else:
            ex.head(200, [("Content-Type", HTML)], len(body) if framing == "length" else None)
            ex.body(half)
        time.sleep(0.05)  # let the half arrive first, as a real mid-transfer failure would
        ex.reset()
    return behave


def short_body(body: bytes, missing: int = 1000) -> Behaviour:
    """Declare `missing` more bytes than are sent, then close cleanly (FIN)."""
    def behave(ex: Exchange) -> None:
        ex.head(200, [("Content-Type", HTML)], len(body) + missing)
        ex.body(body)
    return behave


def hang() -> Behaviour:
    """Read the request and never answer; wait until the client gives up."""
    return lambda ex: ex.wait_for_client()


def drip(body: bytes, interval: float = 1.0) -> Behaviour:
    """Headers at once, then one byte of the body every `interval` seconds."""
    def behave(ex: Exchange) -> None:
        ex.head(200, [("Content-Type", HTML)], len(body))
        for i in range(len(body)):
            ex.body(body[i:i + 1])
            ex.pause(interval)
    return behave


def encoded(encoding: str, payload: bytes, ctype: str = HTML) -> Behaviour:
    """A body sent with `Content-Encoding: encoding` (`payload` already encoded)."""
    return respond(200, payload, [("Content-Encoding", encoding)], ctype=ctype)


def huge_length(declared: int = 10 * 1024**3) -> Behaviour:
    """Declare a huge Content-Length, send a little, then keep the connection open until the client quits."""
    def behave(ex: Exchange) -> None:
        ex.head(200, [("Content-Type", HTML)], declared)
        ex.body(b"<html>" + b" " * 1024)
        ex.wait_for_client()
    return behave


def endless_chunked(chunk: int = 64 * 1024) -> Behaviour:
    """A chunked body that never ends (until the client hangs up)."""
    def behave(ex: Exchange) -> None:
        ex.head(200, [("Content-Type", HTML), ("Transfer-Encoding", "chunked")])
        data = b"%x\r\n%s\r\n" % (chunk, b"<p>" + b"x" * (chunk - 3))
        while True:
            ex.body(data)
    return behave


def cycle(*behaviours: Behaviour) -> Behaviour:
    """The n-th request to the route gets `behaviours[n % len(behaviours)]`."""
    return lambda ex: behaviours[ex.attempt % len(behaviours)](ex)


def bomb(encoding: str, inflated: int) -> bytes:
    """`inflated` bytes of spaces compressed with gzip, deflate (zlib), br or zstd, without holding them."""
    block = b" " * (1 << 20)
    if encoding in ("gzip", "deflate"):
        z = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
        compress, finish = z.compress, z.flush
    elif encoding == "br":
        b = brotli.Compressor(quality=1)  # fast; still thousands to one
        compress, finish = b.process, b.finish
    elif encoding == "zstd":
        c = zstd.ZstdCompressor(level=1)
        compress, finish = c.compress, c.flush
    else:
        raise ValueError(encoding)
    parts = [b"<html><body><p>"]
    parts[0] = compress(parts[0])
    for _ in range(inflated >> 20):
        parts.append(compress(block))
    parts.append(finish())
    return b"".join(parts)


# --- the server ------------------------------------------------------------------------------------

class BadServer:
    """Listens on each of `hosts` (loopback addresses), one port each; unrouted paths answer 404."""

    def __init__(self, hosts: Sequence[str] = ("127.0.0.1",)) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Behaviour] = {}
        self._attempts: dict[tuple[str, str], count[int]] = {}
        self._hits: list[Hit] = []
        self._threads: list[threading.Thread] = []
        self._listeners: dict[str, socket.socket] = {}
        for host in hosts:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            sock.listen(64)
            sock.settimeout(POLL)
            self._listeners[host] = sock

    # configuration and results

    def route(self, path: str, behaviour: Behaviour, host: str = "*") -> None:
        """Answer `path` (without query) with `behaviour` on `host` ("*": every host); replaces any earlier one."""
        with self._lock:
            self._routes[(host, path)] = behaviour

    def port(self, host: str) -> int:
        return self._listeners[host].getsockname()[1]

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port(host)}{path}"

    def hits(self) -> list[Hit]:
        with self._lock:
            return sorted(self._hits, key=lambda h: h.arrived)

    def hits_for(self, path: str, host: str | None = None) -> list[Hit]:
        return [h for h in self.hits() if h.path == path and (host is None or h.host == host)]

    def clear(self) -> None:
        """Forget the log and the attempt counters (routes stay)."""
        with self._lock:
            self._hits.clear()
            self._attempts.clear()

    # lifecycle

    def start(self) -> BadServer:
        for host, sock in self._listeners.items():
            thread = threading.Thread(target=self._accept, args=(host, sock), name=f"bad-{host}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in self._listeners.values():
            sock.close()

    def __enter__(self) -> BadServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # internals

    def _accept(self, host: str, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(host, conn), daemon=True).start()

    def _serve(self, host: str, conn: socket.socket) -> None:
        conn.settimeout(POLL)
        try:
            request = self._read_request(conn)
        except (ClientGone, ValueError):
            conn.close()
            return
        arrived = time.monotonic()
        method, target, headers = request
        path = target.split("?", 1)[0]
        with self._lock:
            behaviour = self._routes.get((host, path)) or self._routes.get(("*", path)) or _not_found
            attempt = next(self._attempts.setdefault((host, path), count()))
        ex = Exchange(conn, host, method, path, headers, self._stop, attempt)
        try:
            behaviour(ex)
        except ClientGone:
            ex.end = "client closed"
        finally:
            if ex.end != "reset":
                _close(conn)
            hit = Hit(host, path, attempt, arrived, time.monotonic(), ex.status, ex.sent, ex.end, headers)
            with self._lock:
                self._hits.append(hit)

    def _read_request(self, conn: socket.socket) -> tuple[str, str, dict[str, str]]:
        data = b""
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in data:
            if self._stop.is_set() or time.monotonic() > deadline:
                raise ClientGone("no request")
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                raise ClientGone(str(exc)) from exc
            if not chunk:
                raise ClientGone("closed before a request")
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        return method, target, headers


def _not_found(ex: Exchange) -> None:
    respond(404, b"<html><body>not found</body></html>")(ex)


def _close(conn: socket.socket) -> None:
    """Close after a complete answer: FIN first, so the client reads everything that was sent."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
    conn.close()
