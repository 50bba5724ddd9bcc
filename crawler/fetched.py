"""Scrapy responses as the parsers' `Fetched` records (raw bytes, headers as sent)."""

from __future__ import annotations

from typing import Any

from scrapy.http import Request, Response

from regwatch.parsers.types import Fetched


def to_fetched(response: Response, request: Request | None = None) -> Fetched:
    """`request` is needed where the response is not yet bound to one (in downloader middlewares)."""
    request = request or response.request
    return Fetched(url=response.url, status=response.status, headers=_headers(response.headers),
                   body=response.body, request_headers=_headers(request.headers) if request is not None else {})


def _headers(headers: Any) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in headers.items()}
