"""A pre-forking launcher for `regwatch` processes that the fault tests kill.

Starting Python and importing Scrapy, SQLAlchemy and Alembic costs 1-2 s per process; a kill test starts dozens.
This process imports the command's modules once, then forks one child per request. Each child calls `setsid()`
(its own process group, so `os.killpg(pid, SIGKILL)` takes it and the parser worker processes it starts), points
stdin at /dev/null and stdout/stderr at a log file, makes `regwatch.__main__` its `__main__` (as under
`python -m regwatch`), and runs the real command line, `regwatch.cli.main`.

Protocol: one JSON object a line. In: `{"argv": [...], "env": {...}, "cwd": "...", "log": "..."}`.
Out: `{"started": pid}` after each fork, `{"exited": pid, "code": n}` when a child ends (negative: signal).
The launcher is a child subreaper, so the orphaned grandchildren of a killed child are reaped here too.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import select
import sys
import traceback
from typing import Any

PRELOAD = ("regwatch.cli", "regwatch.cli.run", "regwatch.pipeline", "regwatch.report", "regwatch.alerting",
           "regwatch.recording", "regwatch.crawler.spiders", "regwatch.store.db", "regwatch.store.queries",
           "alembic.command",
           "regwatch.alerts.channels", "regwatch.alerts.render", "regwatch.parsers.sandbox", "psycopg",
           "sqlalchemy.dialects.postgresql.psycopg", "sqlalchemy.dialects.sqlite",
           "smtplib", "httpx", "sqlite3", "email.policy", "email.headerregistry", "requests", "tldextract",
           "regwatch.crawler.pipelines", "regwatch.crawler.ssrf", "twisted.web.client", "twisted.conch.telnet",
           "scrapy.core.downloader", "scrapy.core.downloader.handlers.http11", "scrapy.pqueues", "scrapy.dupefilters",
           "scrapy.statscollectors", "scrapy.logformatter", "scrapy.resolver", "scrapy.squeues",
           *(f"scrapy.downloadermiddlewares.{m}" for m in ("cookies", "defaultheaders", "downloadtimeout", "httpauth",
                                                           "httpcompression", "httpproxy", "offsite", "redirect",
                                                           "robotstxt", "stats", "useragent")),
           *(f"scrapy.extensions.{m}" for m in ("corestats", "logstats", "memusage", "telnet", "feedexport",
                                                "closespider", "throttle", "spiderstate", "memdebug", "logcount")),
           *(f"scrapy.spidermiddlewares.{m}" for m in ("depth", "metacopy", "referer", "start", "urllength")))
PR_SET_CHILD_SUBREAPER = 36


def _child(request: dict[str, Any]) -> None:
    """Become `regwatch <argv>` in a new session; never returns."""
    code = 1
    try:
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.modules["__main__"] = importlib.import_module("regwatch.__main__")
        from regwatch.cli import main

        main(args=list(request["argv"]), prog_name="regwatch", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reply(message: dict[str, Any]) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _reply({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve() -> None:
    """Preload, then fork a child per request line on stdin until stdin closes. Single-threaded (forks safely)."""
    for name in PRELOAD:
        importlib.import_module(name)
    if "twisted.internet.reactor" in sys.modules:  # each child's Scrapy installs the reactor it wants
        raise RuntimeError("preloading installed a Twisted reactor; remove the module that did it from PRELOAD")
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _reply({"ready": os.getpid()})
    buffer = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.01)
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                _reply({"started": pid})
        _reap()


if __name__ == "__main__":
    serve()
