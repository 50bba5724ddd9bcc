"""Run a parser on untrusted bytes in a child process with time and memory limits.

PDF and office parsers have a long record of hangs and memory blow-ups on hostile files (circular references,
Flate bombs, endless page trees). A file that exceeds the limits becomes a `ParseError` for that document only;
the crawl goes on. The worker is replaced after a kill.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from regwatch.parsers.deathsig import die_with_parent
from regwatch.parsers.types import Document, Fetched, ParseError

Parser = Callable[[Fetched], Document]


def _limit_memory(megabytes: int) -> None:
    """The worker's initializer: its memory limit, and death with its parent (the forkserver, which dies with
    the run: see parsers.deathsig), so no parser process outlives a killed run."""
    die_with_parent()
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _call(parser: Parser, fetched: Fetched) -> Document:
    try:
        return parser(fetched)
    except MemoryError:
        raise ParseError(f"{fetched.url}: parsing needed more memory than allowed") from None
    except RecursionError:
        raise ParseError(f"{fetched.url}: the file nests too deeply to parse") from None


class BoundedParser:
    """Parses in one worker process; `timeout` seconds and `memory_mb` of address space per file."""

    def __init__(self, timeout: float = 60.0, memory_mb: int = 1024) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["regwatch.parsers.deathsig"])  # the forkserver dies with this process
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_limit_memory,
                                             initargs=(self.memory_mb,))
        return self._pool

    def parse(self, parser: Parser, fetched: Fetched) -> Document:
        """`parser(fetched)` in the worker; a `ParseError` if it fails, runs out of time or of memory."""
        future: Future[Document] = self._executor().submit(_call, parser, fetched)
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            self._kill()
            raise ParseError(f"{fetched.url}: parsing took longer than {self.timeout:g} s; stopped") from None
        except BrokenProcessPool:
            self._kill()
            raise ParseError(f"{fetched.url}: the parser was killed (memory limit {self.memory_mb} MB "
                             "or a crash)") from None

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
