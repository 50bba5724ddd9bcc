"""`regwatch alerts retry` (re-send parked alerts now) and `regwatch alerts test CHANNEL` (a test message)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from regwatch.alerting import build_channels, make_renderer, policy
from regwatch.alerts.outbox import deliver, retry_parked
from regwatch.alerts.render import render_test
from regwatch.alerts.types import DeliveryError
from regwatch.cli.common import UserError, config_from, hold_run_lock, open_sessions


@click.command()
@click.option("--channel", help="Only this channel's parked alerts.")
@click.pass_context
def retry(ctx: click.Context, channel: str | None) -> None:
    """Re-send parked (failed) alerts now."""
    config = config_from(ctx)
    sessions = open_sessions(config)
    hold_run_lock(ctx, config, wait=True)  # not while a run delivers from the same outbox
    with sessions.begin() as session:
        moved = retry_parked(session, datetime.now(UTC), channel)
    report = deliver(sessions, build_channels(config), make_renderer(config), lambda: datetime.now(UTC),
                     policy(config), due_only=False)
    click.echo(f"{moved} parked alert(s) re-queued; {report.sent} sent, {report.retrying} to retry, "
               f"{report.failed} parked again")
    for err in report.errors:
        click.echo(f"  ! {err}")
    sys.exit(1 if report.failed or report.retrying else 0)


@click.command()
@click.argument("channel")
@click.pass_context
def test(ctx: click.Context, channel: str) -> None:
    """Send a test message through CHANNEL and say clearly what failed."""
    channels = build_channels(config_from(ctx))
    if channel not in channels:
        raise UserError(f"no channel named {channel!r} (configured: {', '.join(channels) or 'none'})")
    try:
        channels[channel].send(render_test(channel, datetime.now(UTC).isoformat()))
    except DeliveryError as exc:
        click.echo(f"regwatch: test message on {channel} failed: {exc.reason}", err=True)
        sys.exit(1)
    click.echo(f"test message sent on {channel}")
