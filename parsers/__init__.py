"""Pure parsers: a `Fetched` response in, a typed record out (see parsers.types).

The dispatch by format and kind is `parsers.dispatch`; `regwatch.parsers.parse_document`, `parse_listing` and
`kinds` name it. Importing a single parser module, or the vocabulary (parsers.types, parsers.agencies), does not
load every parser: the package itself imports nothing.
"""

from __future__ import annotations

_DISPATCH = ("parse_document", "parse_listing", "kinds")


def __getattr__(name: str) -> object:
    """The dispatch's entry points, loaded on first use (PEP 562)."""
    if name in _DISPATCH:
        from regwatch.parsers import dispatch  # the dispatch imports every agency's parser and every file format

        return getattr(dispatch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
