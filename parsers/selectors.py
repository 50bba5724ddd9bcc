"""A configured CSS selector is checked before a page is read: a malformed one is a ParseError, like any page
that cannot be parsed as configured (soupsieve's own SelectorSyntaxError must not leave a parser)."""

from __future__ import annotations

import soupsieve
from soupsieve import SelectorSyntaxError

from regwatch.parsers.types import ParseError


def checked(selector: str) -> str:
    """`selector` itself when soupsieve can compile it; ParseError otherwise."""
    try:
        soupsieve.compile(selector)
    except SelectorSyntaxError as exc:
        raise ParseError(f"invalid CSS selector {selector!r}: {exc}") from None
    return selector
