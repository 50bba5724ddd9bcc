"""Generic page watches (`type: page` without an agency): any HTML page or document at a fixed address."""

from regwatch.crawler.base import BaseSpider


class PageSpider(BaseSpider):
    name = "page"
    agency = "page"
