"""One spider per agency, plus the generic page spider; a plain mapping, no registry magic."""

from crawler.base import BaseSpider
from crawler.spiders.fda import FdaSpider
from crawler.spiders.page import PageSpider

SPIDERS: dict[str, type[BaseSpider]] = {"fda": FdaSpider, "page": PageSpider}
