"""Channels built from the configuration, and the rendering of an outbox item into a message."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from regwatch.alerts import assess
from regwatch.alerts.channels import EmailChannel, WebhookChannel
from regwatch.alerts.diff import diff_words
from regwatch.alerts.digest import render_digest
from regwatch.alerts.grouped import deliver_grouped
from regwatch.alerts.outbox import (
    DIGEST_STATES,
    WEEKLY_STATES,
    DeliveryReport,
    Pacing,
    Policy,
    deliver,
    deliver_digests,
)
from regwatch.alerts.render import render_change
from regwatch.alerts.topics import merge_glossary
from regwatch.alerts.types import Channel, DeliveryError, Message
from regwatch.config import WEEKDAYS, AppriseChannelConfig, Config, EmailChannelConfig
from regwatch.deadline_alerts import queue_deadline_alerts, render_deadline
from regwatch.reasons import change_reasons
from regwatch.store.models import OutboxItem
from regwatch.store.queries import load_change, version
from regwatch.store.versions import Assess
from regwatch.terms import configured_terms

log = logging.getLogger(__name__)


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
            from regwatch.alerts.chat import AppriseChannel  # Apprise loads 100+ service plugins: only when configured

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


def assess_change(glossary: dict[str, tuple[str, ...]] | None = None,
                  terms: Mapping[str, Any] | None = None) -> Assess:
    """`alerts.assess.assess_change`, naming the built-in terms when no configured ones are given."""
    return assess.assess_change(glossary, configured_terms(None) if terms is None else terms)


def make_renderer(config: Config):  # type: ignore[no-untyped-def]

    web_base = config.alerts.web_base
    terms = glossary(config)

    def render(session: Session, item: OutboxItem) -> Message:
        if item.deadline_event_id is not None:
            return render_deadline(session, item, config.alerts)
        view, change = load_change(session, item.change_id or 0)
        ops = None
        if (change.kind in ("changed", "status") and change.from_version and change.to_version
                and change.from_version != change.to_version):
            old = version(session, change.document_id, change.from_version).text
            new = version(session, change.document_id, change.to_version).text
            ops = diff_words(old, new)
        message = render_change(view, ops, channel=item.channel, web_base=web_base, details=change.details)
        return with_reasons(message, change_reasons(config, session, change, item.channel, terms))

    return render


def with_reasons(message: Message, reasons: list[str]) -> Message:
    """The message with "Why you got this" in its text and HTML and as `data.reasons` (additive)."""
    from html import escape

    if not reasons:
        return replace(message, data={**message.data, "reasons": []})
    text = message.text.rstrip("\n") + "\n\nWhy you got this:\n" + "".join(f"- {r}\n" for r in reasons)
    items = "".join(f"<li>{escape(r)}</li>" for r in reasons)
    block = f'<p style="color: #555; font-size: 12px"><strong>Why you got this</strong></p><ul>{items}</ul>'
    html = message.html.replace("</body>", block + "\n</body>", 1)
    return replace(message, text=text, html=html, data={**message.data, "reasons": reasons})


def render_digest_items(session: Session, channel: str, items: list[OutboxItem]) -> Message:
    changes = sorted((load_change(session, i.change_id)[0] for i in items if i.change_id),
                     key=lambda c: (c.agency, c.document_id, c.id))
    day = max(c.detected_at for c in changes)[:10] if changes else ""
    return render_digest(channel, day, changes)


def make_digest_renderer(config: Config, period: str = "daily"):  # type: ignore[no-untyped-def]
    """Digests of `period` with each change's reasons ("Why you got this") in the text and `data.reasons`."""
    terms = glossary(config)

    def render(session: Session, channel: str, items: list[OutboxItem]) -> Message:
        loaded = [load_change(session, i.change_id) for i in items if i.change_id]
        views = sorted((v for v, _ in loaded), key=lambda c: (c.agency, c.document_id, c.id))
        day = max(c.detected_at for c in views)[:10] if views else ""
        message = render_digest(channel, day, views, period)
        reasons = {str(c.id): change_reasons(config, session, c, channel, terms) for _, c in loaded}
        lines = [f"change {cid}: " + "; ".join(r) for cid, r in reasons.items() if r]
        text = message.text.rstrip("\n") + "\n\nWhy you got this:\n" + "\n".join(lines) + "\n" if lines \
            else message.text

        return replace(message, text=text, data={**message.data, "reasons": reasons})

    return render


def digests_due(config: Config, now: datetime) -> tuple[bool, bool]:
    """(daily, weekly): whether digests go out at `now` — never on a quiet day (in schedule.timezone); weekly ones
    on `alerts.weekly_digest_day`. Held digests wait in the outbox: the next one that goes out catches up."""
    from zoneinfo import ZoneInfo

    weekday = WEEKDAYS[now.astimezone(ZoneInfo(config.schedule.timezone)).weekday()]
    if weekday in config.alerts.quiet_days:
        return False, False
    return True, weekday == config.alerts.weekly_digest_day


def deliver_all(config: Config, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> DeliveryReport:
    """Immediate alerts that are due (a failed one waits out its exponential backoff), then the daily digests
    (one `regwatch run` a day makes them daily)."""
    queue_deadline_alerts(config, sessions, clock())  # due reminders and moved dates join the outbox first
    channels = build_channels(config)
    pacing = Pacing(budget=config.alerts.delivery_budget_seconds)  # bounds the run's time spent on delivery
    emails = {c.name for c in config.alerts.channels if c.type == "email"}  # one email per document and run
    report = deliver_grouped(sessions, channels, emails, make_renderer(config), clock, policy(config), pacing)
    singles = deliver(sessions, channels, make_renderer(config), clock, policy(config), due_only=True, pacing=pacing)
    daily, weekly = digests_due(config, clock())
    digests = [deliver_digests(sessions, channels, make_digest_renderer(config, period), clock, policy(config),
                               states, pacing)
               for due, period, states in ((daily, "daily", DIGEST_STATES), (weekly, "weekly", WEEKLY_STATES)) if due]
    for part in (singles, *digests):
        report.sent, report.retrying, report.failed = (report.sent + part.sent, report.retrying + part.retrying,
                                                        report.failed + part.failed)
        report.errors.extend(part.errors)
    took = time.monotonic() - (pacing.ends_at - config.alerts.delivery_budget_seconds)
    log.info("alert delivery took %.1f s (bound: budget %g s + the longest channel timeout %g s)", took,
             config.alerts.delivery_budget_seconds, max((c.timeout for c in config.alerts.channels), default=0))
    return report


def glossary(config: Config) -> dict[str, tuple[str, ...]]:
    """The topic glossary: the built-in multilingual one, extended by `topics:` in the configuration."""
    return merge_glossary({name: tuple(terms) for name, terms in config.topics.items()})


def terms_of(config: Config) -> Mapping[str, Any]:
    """The terms definition alerts name: `terms:` of the configuration, else the built-in ones."""
    return configured_terms(config)
