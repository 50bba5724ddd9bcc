"""The store's read model: a change as readers see it (history, API, alerts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChangeView:
    """One change as `regwatch history --format json` shows it (these field names are a public contract)."""

    id: int
    detected_at: str  # ISO 8601, UTC
    agency: str
    source: str
    document_id: int
    url: str
    title: str
    kind: str  # new | changed | removed | status
    from_version: int | None
    to_version: int | None
    summary: str
    publisher: str = ""  # who issued it when not the agency group itself (MHLW under pmda, CDE under nmpa)
    sources: tuple[str, ...] = ()  # every source watching this document (`source` is the one that saw the change)

    def as_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["sources"] = list(self.sources or (self.source,))
        out["publisher"] = self.publisher or self.agency.upper()
        return out
