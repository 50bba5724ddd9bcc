"""One spider per agency, plus the generic page spider; a plain mapping, no registry magic."""

from crawler.base import BaseSpider
from crawler.spiders.ema import EmaSpider
from crawler.spiders.fda import FdaSpider
from crawler.spiders.mfds import MfdsSpider
from crawler.spiders.nmpa import NmpaSpider
from crawler.spiders.page import PageSpider
from crawler.spiders.pmda import PmdaSpider

SPIDERS: dict[str, type[BaseSpider]] = {
    "fda": FdaSpider, "ema": EmaSpider, "pmda": PmdaSpider, "mfds": MfdsSpider, "nmpa": NmpaSpider, "page": PageSpider,
}
