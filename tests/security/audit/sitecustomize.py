"""Loaded by every Python process started with this folder on PYTHONPATH (the `regwatch run` child, its parser
workers): when $REGWATCH_AUDIT_LOG is set, every file the process opens for writing, renames, links or creates
as a directory, and every SQLite database it connects to, is appended to that log as one JSON line (PEP 578
audit hooks). tests/security/test_path_traversal.py reads the log to prove where the product writes files."""

import json
import os
import sys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {"os.mkdir": (0,), "os.rename": (1,), "os.replace": (1,), "os.link": (1,), "os.symlink": (1,),
                "shutil.copyfile": (1,), "shutil.copytree": (1,), "sqlite3.connect": (0,), "os.truncate": (0,)}


def _install(log_path: str) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # opened before the hook exists

    def record(event: str, path: object) -> None:
        if isinstance(path, int):
            return  # a file descriptor: already counted when it was opened
        text = os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else str(path)
        line = json.dumps({"pid": os.getpid(), "event": event, "path": text, "cwd": os.getcwd()})
        os.write(fd, (line + "\n").encode())

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
            if writes and path is not None:
                record(event, path)
        elif event in _PATH_EVENTS:
            for i in _PATH_EVENTS[event]:
                record(event, args[i])

    sys.addaudithook(hook)


if os.environ.get("REGWATCH_AUDIT_LOG"):
    _install(os.environ["REGWATCH_AUDIT_LOG"])
