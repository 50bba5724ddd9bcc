"""US FDA: the whole guidance catalogue from one static JSON file; pages and PDFs only for watched records."""

from __future__ import annotations

import re
from typing import Any

from crawler.base import BaseSpider, Parser
from parsers import fda
from parsers.types import CatalogueEntry, Fetched, Listing


class FdaSpider(BaseSpider):
    name = "fda"
    agency = "fda"

    def parse_listing(self, source: Any, fetched: Fetched) -> Listing:
        return fda.parse_catalogue(fetched)

    def watched_keys(self, source: Any, listing: Listing) -> frozenset[str]:
        return frozenset(e.key for e in listing.entries if is_watched(e, source.watch))

    def document_parser(self, source: Any, url: str) -> Parser:
        if source.type == "catalogue":
            return fda.parse_guidance_page
        return fda.parse_page


def is_watched(entry: CatalogueEntry, watch: Any) -> bool:
    """A record is watched when any filter of the source's `watch` block matches it. Offices, centers and
    topics match case-insensitively as substrings; keywords match at the start of a word in the title
    ("cell" matches "Cellular" but not "Excellence")."""
    offices = " | ".join(entry.offices)
    return (
        entry.key in watch.slugs
        or (entry.docket or "") in watch.dockets
        or _any_in(watch.centers + watch.offices, offices)
        or _any_in(watch.topics, " | ".join(entry.topics))
        or any(re.search(rf"\b{re.escape(k)}", entry.title, re.IGNORECASE) for k in watch.keywords)
    )


def _any_in(needles: tuple[str, ...], haystack: str) -> bool:
    return any(n.lower() in haystack.lower() for n in needles)
