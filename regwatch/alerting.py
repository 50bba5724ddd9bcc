"""Channels built from the configuration, and the rendering of an outbox item into a message."""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy.orm import Session

from alerts.channels import EmailChannel, WebhookChannel
from alerts.diff import diff_words, summarize_ops
from alerts.outbox import Policy
from alerts.render import render_change
from alerts.types import Channel, DeliveryError, Message
from regwatch.config import Config, EmailChannelConfig
from store.models import OutboxItem
from store.queries import load_change, version


class MisconfiguredChannel:
    """A channel that cannot work until the environment is fixed; every send says why (and is retried)."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def send(self, message: Message) -> None:
        raise DeliveryError(self.reason, transient=True)


def build_channels(config: Config, env: Mapping[str, str] | None = None) -> dict[str, Channel]:
    env = os.environ if env is None else env
    channels: dict[str, Channel] = {}
    for c in config.alerts.channels:
        secret_env = c.password_env if isinstance(c, EmailChannelConfig) else c.secret_env
        secret = env.get(secret_env) if secret_env else None
        if secret_env and not secret:
            channels[c.name] = MisconfiguredChannel(
                c.name, f"environment variable {secret_env} (named by alerts.channels {c.name}) is not set")
        elif isinstance(c, EmailChannelConfig):
            channels[c.name] = EmailChannel(c.name, c.host, c.port, c.from_, list(c.to), c.starttls, c.username,
                                            secret, timeout=c.timeout, use_tls=c.tls)
        else:
            channels[c.name] = WebhookChannel(c.name, c.url, secret, timeout=c.timeout)
    return channels


def policy(config: Config) -> Policy:
    return Policy(max_attempts=config.alerts.max_attempts, backoff_seconds=config.alerts.backoff_seconds)


def describe_change(old: str, new: str) -> str:
    """The one-line summary stored with a wording change."""
    return summarize_ops(diff_words(old, new))


def make_renderer(config: Config):  # type: ignore[no-untyped-def]
    web_base = config.alerts.web_base

    def render(session: Session, item: OutboxItem) -> Message:
        view, change = load_change(session, item.change_id or 0)
        ops = None
        if change.kind == "changed" and change.from_version and change.to_version:
            old = version(session, change.document_id, change.from_version).text
            new = version(session, change.document_id, change.to_version).text
            ops = diff_words(old, new)
        return render_change(view, ops, channel=item.channel, web_base=web_base)

    return render
