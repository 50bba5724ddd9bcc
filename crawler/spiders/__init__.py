"""One spider per agency, plus the generic page spider; a plain mapping, no registry magic."""

from regwatch.crawler.base import BaseSpider
from regwatch.crawler.spiders.ema import EmaSpider
from regwatch.crawler.spiders.fda import FdaSpider
from regwatch.crawler.spiders.mfds import MfdsSpider
from regwatch.crawler.spiders.nmpa import NmpaSpider
from regwatch.crawler.spiders.page import PageSpider
from regwatch.crawler.spiders.pmda import PmdaSpider
from regwatch.parsers.agencies import Agency

SPIDERS: dict[str, type[BaseSpider]] = {
    Agency.FDA: FdaSpider, Agency.EMA: EmaSpider, Agency.PMDA: PmdaSpider, Agency.MFDS: MfdsSpider,
    Agency.NMPA: NmpaSpider, "page": PageSpider,
}
