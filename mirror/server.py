"""A loopback HTTP server that serves a site directory under the real fda.gov URL paths.

with MirrorServer(site_dir) as mirror:
    httpx.get(mirror.base_url + "/robots.txt")
    mirror.faults.set_bot_protection(True)
    mirror.log.requests_for("/regulatory-information/")
"""

from __future__ import annotations

import threading
import time
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from regwatch.mirror.faults import APOLOGY_PATH, Faults, LoggedRequest, RequestLog
from regwatch.mirror.site import HTML, Resource, resolve

SHIPPED_SITE = Path(__file__).parent / "sites" / "fda"
_NOT_FOUND_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" /><title>Page Not Found | FDA</title>'
    b'</head>\n<body><main role="main" id="main-content"><h1 class="content-title">Page Not Found</h1>\n'
    b"<p>The page you requested could not be found.</p></main></body></html>\n"
)
_ERROR_PAGE = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>%d</h1></body></html>\n"


class MirrorServer:
    """Threaded HTTP server on 127.0.0.1 serving `site` (default: the shipped FDA site, read-only)."""

    def __init__(self, site: Path | str = SHIPPED_SITE, port: int = 0, host: str = "127.0.0.1") -> None:
        self.site = Path(site)
        self.faults = Faults()
        self.log = RequestLog()
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (a random free one when constructed with port 0)."""
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """E.g. `http://127.0.0.1:54321` (no trailing slash)."""
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a site path."""
        return self.base_url + path

    def requests_for(self, prefix: str = "/") -> list[LoggedRequest]:
        """Shortcut for `log.requests_for`."""
        return self.log.requests_for(prefix)

    def start(self) -> MirrorServer:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="mirror", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def not_modified(resource: Resource, headers) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    tags = headers.get("If-None-Match")
    if tags is not None:
        offered = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in offered or resource.etag in offered
    since = headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(resource.last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _make_handler(mirror: MirrorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        server_mirror = mirror

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as web servers set it (nginx's tcp_nodelay is on by default): headers and body go out in two
    # writes, and without it every answer on a kept-alive connection waited ~40 ms for the client's delayed ACK
    disable_nagle_algorithm = True
    server_version = "regwatch-mirror"
    sys_version = ""
    server_mirror: MirrorServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_POST(self) -> None:
        """Form POSTs (CDE's list API) are routed like GETs, with the form fields as the query."""
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        self._arrived = time.monotonic()
        parts = urlsplit(self.path)
        self._respond(parts.path, False, "&".join(q for q in (parts.query, form) if q))

    def _answer(self, head: bool) -> None:
        self._arrived = time.monotonic()
        parts = urlsplit(self.path)
        self._respond(parts.path, head, parts.query)

    def _log(self, status: int) -> None:
        """Logged before the response goes out, so a client that has its answer sees the entry."""
        entry = LoggedRequest(self._arrived, self.command, self.path, dict(self.headers.items()), status)
        self.server_mirror.log.add(entry)

    def _respond(self, path: str, head: bool, query: str = "") -> int:
        mirror = self.server_mirror
        challenge = mirror.faults.challenge_for(path)
        if challenge is not None:
            return self._send(challenge.status, challenge.body, HTML, head, list(challenge.headers))
        if path == APOLOGY_PATH:
            return self._send(404, b"Not found\n", "text/html", head, {"Server": "AkamaiGHost"})
        if mirror.faults.gated(path):
            extra = {"Server": "AkamaiGHost", "Location": APOLOGY_PATH}
            return self._send(302, b"", "text/html", head, extra)
        forced = mirror.faults.status_for(path)
        if forced is not None:
            return self._send(forced[0], _ERROR_PAGE % forced[0], HTML, head, forced[1])
        resource = resolve(mirror.site, path, query)
        if resource is None:
            return self._send(404, _NOT_FOUND_PAGE, HTML, head)
        validators = {"ETag": resource.etag, "Last-Modified": resource.last_modified, **resource.headers}
        if not_modified(resource, self.headers):
            return self._send(304, b"", None, True, validators)
        cut = mirror.faults.truncation_for(path)
        if cut is not None:
            return self._send_truncated(resource, cut.keep, cut.honest, head, validators)
        return self._send(200, resource.body, resource.content_type, head, validators)

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str | None,
        head: bool,
        extra: dict[str, str] | list[tuple[str, str]] | None = None,
        length: int | None = None,
    ) -> int:
        pairs = list(extra.items() if isinstance(extra, dict) else extra or [])
        server = next((v for k, v in pairs if k == "Server"), self.server_version)
        reason = "Moved Temporarily" if status == 302 else None
        self.send_response_only(status, reason)
        self.send_header("Server", server)
        self.send_header("Date", self.date_time_string())
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in pairs:
            if name != "Server":
                self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self._log(status)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)
        return status

    def _send_truncated(
        self, resource: Resource, keep: float, honest: bool, head: bool, validators: dict[str, str]
    ) -> int:
        short = resource.body[: int(len(resource.body) * keep)]
        if honest:
            short_validators = {**validators, "ETag": Resource(short, "", "").etag}
            return self._send(200, short, resource.content_type, head, short_validators)
        self.close_connection = True
        return self._send(200, short, resource.content_type, head, validators, length=len(resource.body))
