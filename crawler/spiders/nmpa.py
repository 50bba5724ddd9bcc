"""NMPA: www.nmpa.gov.cn column pages and articles, english.nmpa.gov.cn, and CDE's guideline database (whose list
is a form POST, as its own page script sends it). Parsing and keys live in parsers.nmpa / parsers.cde."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from scrapy import FormRequest, Request

from regwatch.crawler.base import BaseSpider, Parser, attachment_key
from regwatch.crawler.sources import Source
from regwatch.crawler.worker_parsers import parse_named_attachment  # a worker imports it without Scrapy
from regwatch.parsers import cde, nmpa
from regwatch.parsers.types import Fetched, Listing


def named_attachment(url: str) -> Parser:
    """An attachment parser that titles the document with its original file name (decoded from the URL); a
    partial of a module function, so the file is sent to the bounded worker process (a closure cannot be)."""
    return partial(parse_named_attachment, name=nmpa.attachment_name(url))


class NmpaSpider(BaseSpider):
    name = "nmpa"
    agency = "nmpa"

    def parse_listing(self, source: Source, fetched: Fetched) -> Listing:
        if source.type == "feed":
            return super().parse_listing(source, fetched)
        return nmpa.parse_catalogue(fetched)

    def document_kind(self, source: Source) -> str:
        return "nmpa:guidance" if source.type != "page" else "nmpa:page"

    def listing_request(self, source: Source, url: str, page: int) -> Request:
        """CDE's list pages are filled by a form POST to the list API; everything else is a plain GET."""
        form = cde.list_form(url, page)
        if form is None:
            return super().listing_request(source, url, page)
        api, fields = form
        return FormRequest(api, formdata=fields, callback=self._on_listing, errback=self._on_listing_error,
                           cb_kwargs={"source": source, "page": page}, dont_filter=True, meta=self.source_meta(source))

    def attachment_requests(self, source: Source, parent_key: str, urls: Sequence[str]) -> Iterator[Request]:
        for number, url in enumerate(urls, start=1):
            yield self.document_request(source, key=attachment_key(parent_key, number), url=url,
                                        parent_key=parent_key, parser=named_attachment(url))
