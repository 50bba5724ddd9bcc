"""EMA: the documents JSON catalogue (keyed by record id; the document is its PDF), RSS feeds, listing pages with
file cards (the CAT page's agendas and minutes, Drupal pager) and guideline pages watched directly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from scrapy import Request

from regwatch.crawler.base import BaseSpider, is_watched, parse_attachment
from regwatch.crawler.sources import Source, Watch
from regwatch.parsers import ema
from regwatch.parsers.types import CatalogueEntry, Fetched, Listing


class EmaSpider(BaseSpider):
    name = "ema"
    agency = "ema"

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        if source.type == "catalogue":
            return in_scope(ema.parse_catalogue(fetched), source.watch)
        if source.type == "feed":
            return ema.parse_feed(fetched)
        if source.type == "listing":
            return self._unseen(source.name, ema.parse_listing(fetched))
        return super().parse_listing(source, fetched)

    def _unseen(self, source: str, listing: Listing) -> Listing:
        """Entries not listed on an earlier page of this run (as the spider's `listed` memory says). A page that
        brings nothing new ends the paging: EMA's second pager repeats its first page, and pages past the second
        may come back as page one."""
        first = self.listed.first_listed(source, [e.key for e in listing.entries])
        fresh = tuple(e for e, new in zip(listing.entries, first, strict=True) if new)
        return Listing(entries=fresh, complete=False, next_page=listing.next_page if fresh else None)

    def watched_keys(self, source: Source, listing: Listing) -> frozenset[str]:
        return frozenset(e.key for e in listing.entries if is_watched_ema(e, source.watch))

    def document_kind(self, source: Source) -> str:
        return "ema:page" if source.type == "page" else "ema:guidance"

    def attachment_requests(self, source: Source, parent_key: str, urls: Sequence[str]) -> Iterator[Request]:
        """A guideline page's files keyed by file name, not by place: an adopted version enters as the first
        card and pushes the others down, while each EMA file keeps its URL for life (a new version is a new file)."""
        for url in urls:
            key = f"{parent_key}#{url.rstrip('/').rsplit('/', 1)[-1]}"
            yield self.document_request(source, key=key, url=url, parent_key=parent_key, parser=parse_attachment)


@dataclass(frozen=True)
class _Filters:
    """A watch block's filters, some of them set aside."""

    slugs: Sequence[str] = ()
    dockets: Sequence[str] = ()
    centers: Sequence[str] = ()
    offices: Sequence[str] = ()
    topics: Sequence[str] = ()
    keywords: Sequence[str] = ()


def _types(names: Iterable[str]) -> set[str]:
    return {name.lower() for name in names}


def in_scope(listing: Listing, watch: Watch) -> Listing:
    """The catalogue narrowed to the watched record types (and ids listed in `slugs`), still complete for them:
    the other ~66,000 records (PIP decisions, EPAR files, presentations…) are out of the source's scope, so they
    are neither stored as metadata versions nor counted as withdrawn."""
    if not watch.topics:
        return listing
    kept = tuple(e for e in listing.entries if e.key in watch.slugs or _types(e.topics) & _types(watch.topics))
    return Listing(entries=kept, complete=listing.complete, next_page=listing.next_page)


def is_watched_ema(entry: CatalogueEntry, watch: Watch) -> bool:
    """EMA's catalogue holds ~70,000 documents of ~85 types, so `topics` (record types, matched exactly) narrows
    and the other filters pick within it: watched = listed in `slugs` (record ids), or of a watched type and
    matching any other filter. With only `topics`, every document of those types; an empty block watches all."""
    if entry.key in watch.slugs:
        return True
    if watch.topics and not _types(entry.topics) & _types(watch.topics):
        return False
    rest = _Filters(dockets=watch.dockets, centers=watch.centers, offices=watch.offices, keywords=watch.keywords)
    if any((rest.dockets, rest.centers, rest.offices, rest.keywords)):
        return is_watched(entry, rest)
    return bool(watch.topics) or not watch.slugs
