"""Runtime fault switches and the in-memory request log of a mirror server (both thread-safe)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

APOLOGY_PATH = "/apology_objects/abuse-detection-apology.html"
CATALOGUE_URL_PATH = "/files/api/datatables/static/search-for-guidance.json"


@dataclass(frozen=True)
class Truncation:
    """Serve only `keep` (a fraction 0..1) of the body; `honest` sends a matching Content-Length."""

    keep: float
    honest: bool


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it."""

    time: float  # time.monotonic() when the request arrived
    method: str
    path: str  # the request target, query string included
    headers: dict[str, str]
    status: int

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Challenge:
    """A JavaScript bot challenge (NMPA/CDE style): `status` with a small script page and cookies for every
    path except the `exempt` prefixes (static attachment files are served without a challenge)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    exempt: tuple[str, ...]

    def applies(self, path: str) -> bool:
        return path != "/robots.txt" and not path.startswith(self.exempt)


@dataclass
class Faults:
    """Switches tests flip while the server runs. Read them through `snapshot()`-style accessors."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _bot_protection: bool = False
    _block_all: bool = False
    _statuses: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    _truncations: dict[str, Truncation] = field(default_factory=dict)
    _challenge: Challenge | None = None

    def set_challenge(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None,
                      exempt: tuple[str, ...] = ()) -> None:
        """Answer every non-exempt path with a bot challenge page (`clear()` or `set_challenge(0, b"")` ends it)."""
        with self._lock:
            self._challenge = Challenge(status, body, tuple(headers or ()), exempt) if status else None

    def challenge_for(self, path: str) -> Challenge | None:
        """The challenge this path gets right now, if any."""
        with self._lock:
            return self._challenge if self._challenge and self._challenge.applies(path) else None

    def set_bot_protection(self, on: bool = True, *, block_all: bool = False) -> None:
        """Akamai mode: HTML answers 302 to the apology page; `block_all` also gates JSON and PDFs."""
        with self._lock:
            self._bot_protection, self._block_all = on, on and block_all

    def force_status(self, path: str, status: int, headers: dict[str, str] | None = None) -> None:
        """Make `path` (exact, without query) answer `status`, e.g. 404, 500, 503."""
        with self._lock:
            self._statuses[path] = (status, dict(headers or {}))

    def truncate(self, path: str, keep: float = 0.5, *, honest: bool = False) -> None:
        """Cut the body of `path`: dishonest = full Content-Length then close; honest = a short file."""
        with self._lock:
            self._truncations[path] = Truncation(keep, honest)

    def clear(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self._bot_protection = self._block_all = False
            self._challenge = None
            self._statuses.clear()
            self._truncations.clear()

    def gated(self, path: str) -> bool:
        """Would bot protection redirect this path right now?"""
        with self._lock:
            if not self._bot_protection or path == APOLOGY_PATH:
                return False
            if self._block_all:
                return True
            return not (path == CATALOGUE_URL_PATH or path.startswith("/media/"))

    def status_for(self, path: str) -> tuple[int, dict[str, str]] | None:
        """The forced status of a path, if any."""
        with self._lock:
            return self._statuses.get(path)

    def truncation_for(self, path: str) -> Truncation | None:
        """The truncation set for a path, if any."""
        with self._lock:
            return self._truncations.get(path)


@dataclass
class RequestLog:
    """Every request the server answered, in arrival order."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _entries: list[LoggedRequest] = field(default_factory=list)

    def add(self, entry: LoggedRequest) -> None:
        """Record one answered request."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        """A copy of all entries."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def requests_for(self, prefix: str = "/") -> list[LoggedRequest]:
        """Entries whose path starts with `prefix`."""
        return [e for e in self.entries() if e.path.startswith(prefix)]

    def paths(self) -> list[str]:
        """The requested paths, in order."""
        return [e.path for e in self.entries()]

    def gaps(self, prefix: str = "/") -> list[float]:
        """Seconds between consecutive requests under `prefix` (for Crawl-delay checks)."""
        times = [e.time for e in self.requests_for(prefix)]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    def arrival(self) -> float:
        """Monotonic clock now, comparable with entry times."""
        return time.monotonic()
