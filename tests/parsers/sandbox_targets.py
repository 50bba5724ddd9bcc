"""Module-level parser stand-ins the sandbox tests send to the worker (they must be importable there)."""

from __future__ import annotations

from regwatch.parsers.types import Document, Fetched, ParseError


def spin(fetched: Fetched) -> Document:
    while True:
        pass


def hog(fetched: Fetched) -> Document:
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))


def fine(fetched: Fetched) -> Document:
    return Document(url=fetched.url, title="ok", text=fetched.body.decode())


def refuse(fetched: Fetched) -> Document:
    raise ParseError("not a PDF")


def recurse(fetched: Fetched) -> Document:
    return recurse(fetched)


def pid(fetched: Fetched) -> Document:
    import os

    return Document(url=fetched.url, title="pid", text=str(os.getpid()))
