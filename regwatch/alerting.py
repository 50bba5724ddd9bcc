"""Channels built from the configuration, and the rendering of an outbox item into a message."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from alerts.channels import EmailChannel, WebhookChannel
from alerts.diff import diff_words, summarize_ops
from alerts.digest import render_digest
from alerts.grouped import deliver_grouped
from alerts.outbox import DeliveryReport, Policy, deliver, deliver_digests
from alerts.render import render_change
from alerts.sections import diff_document
from alerts.significance import classify, rank, summary_line
from alerts.topics import merge_glossary, tag
from alerts.types import Channel, DeliveryError, Message
from regwatch.config import AppriseChannelConfig, Config, EmailChannelConfig
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
        secret_env = {"email": "password_env", "webhook": "secret_env", "apprise": "urls_env"}[c.type]
        secret_env = getattr(c, secret_env)
        secret = env.get(secret_env) if secret_env else None
        if secret_env and not secret:
            channels[c.name] = MisconfiguredChannel(
                c.name, f"environment variable {secret_env} (named by alerts.channels {c.name}) is not set")
        elif isinstance(c, AppriseChannelConfig):
            from alerts.chat import AppriseChannel  # Apprise loads 100+ service plugins: only when configured

            try:
                channels[c.name] = AppriseChannel(c.name, re.split(r"[\s,]+", secret.strip()), timeout=c.timeout)
            except ValueError as exc:
                channels[c.name] = MisconfiguredChannel(c.name, str(exc))
        elif isinstance(c, EmailChannelConfig):
            channels[c.name] = EmailChannel(c.name, c.host, c.port, c.from_, list(c.to), c.starttls, c.username,
                                            secret, timeout=c.timeout, use_tls=c.tls)
        else:
            channels[c.name] = WebhookChannel(c.name, c.url, secret, timeout=c.timeout)
    return channels


def policy(config: Config) -> Policy:
    return Policy(max_attempts=config.alerts.max_attempts, backoff_seconds=config.alerts.backoff_seconds)


def assess_change(glossary: dict[str, tuple[str, ...]] | None = None):  # type: ignore[no-untyped-def]
    """The store's `assess` hook: classify a text change, give it a one-line summary and say whether it is a
    wording change worth an alert (a change with no finding — whitespace, a stamp, a counter — is not)."""

    def assess(agency: str, title: str, old: str, new: str) -> tuple[str, dict[str, Any], bool]:
        ops = diff_document(old, new) if old else []
        findings = rank(classify(old, new, ops, glossary=glossary))
        topics = sorted(set().union(*(f.topics for f in findings)) | (tag(new, glossary) if not old else set()))
        if not findings:
            return summarize_ops(ops), {"significance": None, "topics": topics}, False
        top = findings[0]
        details = {"significance": top.kind, "section": " > ".join(top.section) or None, "topics": topics,
                   "findings": [{"kind": f.kind, "detail": f.detail, "section": list(f.section)}
                                for f in findings[:20]]}
        return summary_line(agency, title, findings), details, True

    return assess


def make_renderer(config: Config):  # type: ignore[no-untyped-def]
    web_base = config.alerts.web_base

    def render(session: Session, item: OutboxItem) -> Message:
        view, change = load_change(session, item.change_id or 0)
        ops = None
        if (change.kind in ("changed", "status") and change.from_version and change.to_version
                and change.from_version != change.to_version):
            old = version(session, change.document_id, change.from_version).text
            new = version(session, change.document_id, change.to_version).text
            ops = diff_words(old, new)
        return render_change(view, ops, channel=item.channel, web_base=web_base, details=change.details)

    return render


def render_digest_items(session: Session, channel: str, items: list[OutboxItem]) -> Message:
    changes = sorted((load_change(session, i.change_id)[0] for i in items if i.change_id),
                     key=lambda c: (c.agency, c.document_id, c.id))
    day = max(c.detected_at for c in changes)[:10] if changes else ""
    return render_digest(channel, day, changes)


def deliver_all(config: Config, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> DeliveryReport:
    """Immediate alerts that are due (a failed one waits out its exponential backoff), then the daily digests
    (one `regwatch run` a day makes them daily)."""
    channels = build_channels(config)
    emails = {c.name for c in config.alerts.channels if c.type == "email"}  # one email per document and run
    grouped = deliver_grouped(sessions, channels, emails, make_renderer(config), clock, policy(config))
    report = deliver(sessions, channels, make_renderer(config), clock, policy(config), due_only=True)
    report.sent, report.retrying, report.failed = (report.sent + grouped.sent, report.retrying + grouped.retrying,
                                                    report.failed + grouped.failed)
    report.errors.extend(grouped.errors)
    digests = deliver_digests(sessions, channels, render_digest_items, clock, policy(config))
    report.sent, report.retrying, report.failed = (report.sent + digests.sent, report.retrying + digests.retrying,
                                                    report.failed + digests.failed)
    report.errors.extend(digests.errors)
    return report


def glossary(config: Config) -> dict[str, tuple[str, ...]]:
    """The topic glossary: the built-in multilingual one, extended by `topics:` in the configuration."""
    return merge_glossary({name: tuple(terms) for name, terms in config.topics.items()})
