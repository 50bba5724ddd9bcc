"""`regwatch alerts`: the outbox — what is waiting, what failed and why (`retry` and `test`: cli/alert_delivery.py)."""

from __future__ import annotations

from collections import Counter

import click
from sqlalchemy import select

from regwatch.cli.common import LazyGroup, config_from, open_sessions
from regwatch.store.models import OutboxItem


@click.group(cls=LazyGroup, invoke_without_command=True,
             lazy={"retry": "regwatch.cli.alert_delivery:retry", "test": "regwatch.cli.alert_delivery:test"})
@click.option("--all", "show_all", is_flag=True, help="Also list delivered alerts.")
@click.pass_context
def alerts(ctx: click.Context, show_all: bool) -> None:
    """The alert outbox: pending and parked (failed) alerts with their last error."""
    if ctx.invoked_subcommand is not None:
        return
    with open_sessions(config_from(ctx))() as session:
        items = list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    counts = Counter(i.status for i in items)
    click.echo(", ".join(f"{counts[s]} {s}" for s in ("pending", "sending", "sent", "failed")))
    for i in items:
        if show_all or i.status != "sent":
            what = f"change {i.change_id:<6}" if i.change_id is not None else f"deadline {i.deadline_event_id or 0:<4}"
            click.echo(f"{i.id:>5} {i.status:8} {i.channel:16} {what} attempts {i.attempts}"
                       f"  {i.last_error or ''}")
