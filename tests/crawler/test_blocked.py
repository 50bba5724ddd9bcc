"""A block by a site's bot protection is flagged on the refusal itself, never read back out of its message."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from regwatch.crawler.base import is_blocked
from regwatch.crawler.middlewares import BotProtectionMiddleware, HostRefused


def test_a_block_is_flagged_and_the_host_stays_blocked() -> None:
    middleware = BotProtectionMiddleware()
    request = Request("https://www.fda.gov/guidance")
    apology = HtmlResponse(request.url, status=302, request=request,
                           headers={"Location": "/apology_objects/abuse-detection-apology.html"})
    with pytest.raises(HostRefused) as first:
        middleware.process_response(request, apology)
    with pytest.raises(HostRefused) as later:
        middleware.process_request(Request("https://www.fda.gov/other"))
    assert first.value.blocked and later.value.blocked
    assert is_blocked(Failure(later.value))


def test_a_refusal_that_only_mentions_bot_protection_is_not_a_block() -> None:
    assert not is_blocked(Failure(HostRefused("refused (SSRF guard): bot protection host")))
    assert not is_blocked(Failure(ValueError("blocked by the site's bot protection")))
