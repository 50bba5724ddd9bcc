"""`regwatch review` (record an assessment of a change) and `regwatch reviews` (the trail, for inspectors)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from regwatch.cli.common import Row, UserError, config_from, open_sessions, parse_when, print_rows
from regwatch.store.reviews import EXPORT_FIELDS, ReviewError, add_review, export_rows


@click.command("review")
@click.argument("change_id", type=str)
@click.option("--outcome", required=True, help="applicable | not-applicable | action-needed")
@click.option("--note", default="", help="Why (free text).")
@click.option("--by", "by", required=True, help="The reviewer's name.")
@click.pass_context
def review(ctx: click.Context, change_id: str, outcome: str, note: str, by: str) -> None:
    """Record a review of a change (append-only: earlier reviews stay)."""
    if not change_id.isdigit():
        raise UserError(f"CHANGE_ID {change_id!r} is not a change id (see `regwatch history`)")
    sessions = open_sessions(config_from(ctx))
    try:
        with sessions.begin() as session:
            review = add_review(session, int(change_id), outcome, note, by, datetime.now(UTC))
            summary = f"review {review.id} of change {review.change_id}: {review.outcome} by {review.reviewer}"
    except ReviewError as exc:
        raise UserError(str(exc)) from None
    click.echo(summary)


@click.command("reviews")
@click.option("--since", help="Reviews from this date (YYYY-MM-DD) or timestamp.")
@click.option("--until", help="Reviews up to this date (YYYY-MM-DD, inclusive) or timestamp.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
@click.pass_context
def reviews(ctx: click.Context, since: str | None, until: str | None, fmt: str) -> None:
    """The review trail, oldest first: each review with the change and the exact version (hashes) it assessed —
    the change-control evidence an inspector asks for (`--format csv` for a spreadsheet)."""
    with open_sessions(config_from(ctx))() as session:
        rows = export_rows(session, parse_when(since, "--since"), parse_when(until, "--until", end=True))
    print_rows(rows, fmt, EXPORT_FIELDS, _trail, empty="no reviews recorded")


def _trail(rows: list[Row]) -> str:
    """Each review on two lines: when, outcome, reviewer, change, agency and title; the note below."""
    return "\n".join(f"{r['reviewed_at'][:19]}  {r['outcome']:14} by {r['reviewer']:20} change {r['change_id']:<5} "
                     f"{str(r['agency']).upper():5} {str(r['title'])[:50]}\n       {r['note']}" for r in rows)
