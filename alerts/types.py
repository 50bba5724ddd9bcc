"""What the alert side passes around: a rendered message and a channel (a change as readers see it is the store's
`ChangeView`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from regwatch.store.views import ChangeView

__all__ = ["ChangeView", "Channel", "DeadlineMissed", "DeliveryError", "Message"]  # ChangeView: for the web views


@dataclass(frozen=True)
class Message:
    """A rendered alert, ready for any channel."""

    kind: str  # "change.detected" | "test"
    idempotency_key: str  # stable per alert and channel: a retry re-sends the same key
    subject: str
    text: str
    html: str
    data: dict[str, Any]  # the webhook payload's "data"
    thread_key: str = ""  # messages about one document share it (email threading)
    headers: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A channel could not deliver. `transient` says whether a retry may succeed; `retry_after` (seconds) is the
    receiver's own hint (HTTP `Retry-After`), when it gave one."""

    def __init__(self, reason: str, *, transient: bool = True, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


class DeadlineMissed(DeliveryError):
    """The delivery did not finish within its channel's deadline (connect, send and read together): the outbox
    leaves that channel alone for the rest of the run; its alerts wait for a later run."""


class Channel(Protocol):
    """Delivers one message or raises DeliveryError. The outbox decides when and how often."""

    name: str

    def send(self, message: Message) -> None: ...
