"""The shape of a source as the spiders read it. The configuration's `SourceConfig` has it (structurally: the
crawler does not import the configuration), and so can any object a test or another caller builds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Watch(Protocol):
    """Which catalogue entries of a source are watched (any match watches the entry; none set watches all)."""

    @property
    def slugs(self) -> Sequence[str]: ...

    @property
    def dockets(self) -> Sequence[str]: ...

    @property
    def centers(self) -> Sequence[str]: ...

    @property
    def offices(self) -> Sequence[str]: ...

    @property
    def topics(self) -> Sequence[str]: ...

    @property
    def keywords(self) -> Sequence[str]: ...


class Source(Protocol):
    """One configured source: where it starts, what kind of site it is and what of it is watched."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str:
        """"catalogue", "feed", "listing" or "page"."""

    @property
    def urls(self) -> Sequence[str]: ...

    @property
    def watch(self) -> Watch: ...

    @property
    def selector(self) -> str | None:
        """A CSS selector narrowing a page to its content."""

    @property
    def ignore(self) -> Sequence[str]:
        """Regular expressions of text removed before a document is hashed."""

    @property
    def proxy(self) -> str | None: ...

    @property
    def max_pages(self) -> int:
        """Listing pages followed per run."""

    @property
    def spider_agency(self) -> str:
        """The agency spider that crawls it (`page` for a generic page watch)."""
