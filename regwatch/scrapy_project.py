"""Scrapy's settings module for `scrapy crawl <agency>` from the repo root (see scrapy.cfg).

It reads `config.yaml` (or `$REGWATCH_CONFIG`) once, as Scrapy settings modules do, and names the function
that wires the configured sources and the store into the spider. `regwatch run` does not use this module.
"""

from regwatch.standalone import standalone_settings

globals().update(standalone_settings())
