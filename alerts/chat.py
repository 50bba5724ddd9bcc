"""Chat and push services (Slack, Microsoft Teams, Discord, Matrix, Telegram, ntfy, …) through Apprise.

Apprise is a well-kept library that speaks 100+ notification services from one URL scheme each
(`slack://…`, `msteams://…`, `json://…`); regwatch writes no client of its own for them. The URLs carry the
services' tokens, so they come from an environment variable, never from the config file.
"""

from __future__ import annotations

import logging

import apprise

from alerts.types import DeliveryError, Message


class AppriseChannel:
    """Sends the alert's subject and plain-text body to every Apprise URL given."""

    def __init__(self, name: str, urls: list[str], timeout: float = 15) -> None:
        self.name = name
        self._apprise = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
        bad = [u.split("://", 1)[0] + "://…" for u in urls if not self._apprise.add(u)]
        if bad or not urls:
            raise ValueError(f"channel {name}: not a usable Apprise URL: {', '.join(bad) or '(none given)'}")
        for server in self._apprise:
            server.socket_read_timeout = server.socket_connect_timeout = timeout

    def send(self, message: Message) -> None:
        with apprise.LogCapture(level=logging.WARNING) as logs:
            ok = self._apprise.notify(title=message.subject, body=message.text,
                                      body_format=apprise.NotifyFormat.TEXT)
        if not ok:
            lines = [ln.split(" - ", 2)[-1] for ln in logs.getvalue().splitlines() if ln.strip()]
            raise DeliveryError(f"Apprise could not deliver on {self.name}: {'; '.join(lines)[-300:] or 'no detail'}")
