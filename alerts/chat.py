"""Chat and push services (Slack, Microsoft Teams, Discord, Matrix, Telegram, ntfy, …) through Apprise.

Apprise is a well-kept library that speaks 100+ notification services from one URL scheme each
(`slack://…`, `msteams://…`, `json://…`); regwatch writes no client of its own for them. The URLs carry the
services' tokens, so they come from an environment variable, never from the config file.
"""

from __future__ import annotations

import logging
import threading

import apprise

from regwatch.alerts.types import DeadlineMissed, DeliveryError, Message


class AppriseChannel:
    """Sends the alert's subject and plain-text body to every Apprise URL given."""

    def __init__(self, name: str, urls: list[str], timeout: float = 15) -> None:
        self.name = name
        self.timeout = timeout
        self._apprise = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
        bad = [u.split("://", 1)[0] + "://…" for u in urls if not self._apprise.add(u)]
        if bad or not urls:
            raise ValueError(f"channel {name}: not a usable Apprise URL: {', '.join(bad) or '(none given)'}")
        for server in self._apprise:
            server.socket_read_timeout = server.socket_connect_timeout = timeout

    def send(self, message: Message) -> None:
        """Deliver, or raise; Apprise's own timeouts are per read, so the whole delivery runs in a daemon thread
        that is waited for `timeout` seconds at most (DeadlineMissed after that; the thread is abandoned)."""
        done: list[tuple[bool, str]] = []

        def notify() -> None:
            with apprise.LogCapture(level=logging.WARNING) as logs:
                sent = self._apprise.notify(title=message.subject, body=message.text,
                                            body_format=apprise.NotifyFormat.TEXT)
            done.append((bool(sent), logs.getvalue()))

        worker = threading.Thread(target=notify, name=f"apprise-{self.name}", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if not done:
            raise DeadlineMissed(f"timeout: Apprise could not deliver on {self.name} within {self.timeout:g}s")
        ok, log_text = done[0]
        if not ok:
            lines = [ln.split(" - ", 2)[-1] for ln in log_text.splitlines() if ln.strip()]
            raise DeliveryError(f"Apprise could not deliver on {self.name}: {'; '.join(lines)[-300:] or 'no detail'}")
