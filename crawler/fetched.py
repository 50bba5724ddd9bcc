"""Scrapy responses as the parsers' `Fetched` records (raw bytes, headers as sent)."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from parsers.types import Fetched


def to_fetched(response: Response) -> Fetched:
    return Fetched(url=response.url, status=response.status, headers=_headers(response.headers),
                   body=response.body, request_headers=_headers(response.request.headers))


def _headers(headers: Any) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in headers.items()}
