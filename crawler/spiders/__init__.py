"""One spider per agency, plus the generic page spider; a plain mapping, no registry magic."""

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.spiders.ema import EmaSpider
from regwatch.crawler.spiders.fda import FdaSpider
from regwatch.crawler.spiders.mfds import MfdsSpider
from regwatch.crawler.spiders.nmpa import NmpaSpider
from regwatch.crawler.spiders.page import PageSpider
from regwatch.crawler.spiders.pmda import PmdaSpider

SPIDERS: dict[str, type[BaseSpider]] = {
    "fda": FdaSpider, "ema": EmaSpider, "pmda": PmdaSpider, "mfds": MfdsSpider, "nmpa": NmpaSpider, "page": PageSpider,
}
