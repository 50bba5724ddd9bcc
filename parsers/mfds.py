"""MFDS pages → records. (Agency-specific parsing follows the real site's structure; see shared/sources.)"""

from __future__ import annotations

from parsers.formats import html
from parsers.types import Document, Fetched


def parse_guidance_page(fetched: Fetched) -> Document:
    """A guidance/notice detail page."""
    return html.parse_page(fetched)


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any other page of the agency's site."""
    return html.parse_page(fetched, selector)
