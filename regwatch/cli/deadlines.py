"""`regwatch deadlines`: the comment-close, effective and transition-end dates the watched documents state."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

import click

from regwatch.calendar_feed import build_calendar
from regwatch.cli.common import Row, UserError, config_from, open_sessions, print_rows
from regwatch.parsers.agencies import AGENCIES
from regwatch.store.deadlines import TRACKED, list_deadlines
from regwatch.store.deadlines import backfill as run_backfill
from regwatch.store.deadlines import unread as unread_dates

KINDS = TRACKED
FIELDS = ("kind", "date", "agency", "publisher", "document_id", "url", "title", "evidence", "first_seen",
          "previous_date")


def _today(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--today {value!r} is not a date (use YYYY-MM-DD)") from None


@click.command("deadlines")
@click.option("--agency", type=click.Choice(AGENCIES), help="Only this agency.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind (repeatable).")
@click.option("--within", "within", type=click.IntRange(min=0), metavar="DAYS", help="Only dates up to DAYS ahead.")
@click.option("--past", is_flag=True, help="Also list dates that have passed.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv", "ics")), default="table",
              show_default=True)
@click.option("--unread", is_flag=True, help="List the dates that could not be read (impossible, open-ended).")
@click.option("--backfill", is_flag=True,
              help="First read the dates of every document's latest version again (no alerts for what moved).")
@click.option("--today", "today", hidden=True, help="Take this day (YYYY-MM-DD) as today.")
@click.pass_context
def deadlines(ctx: click.Context, agency: str | None, kinds: tuple[str, ...], within: int | None,
                      past: bool, fmt: str, unread: bool, backfill: bool, today: str | None) -> None:
    """Upcoming comment-close, effective and transition-end dates, soonest first, each with its evidence."""
    config = config_from(ctx)
    sessions = open_sessions(config)
    day = _today(today)
    if backfill:
        with sessions.begin() as session:
            count = run_backfill(session, datetime.now(UTC))
        click.echo(f"regwatch: read the dates of {count} document(s) again", err=True)
    with sessions() as session:
        if unread:
            for u, doc in unread_dates(session, agency):
                click.echo(f"{doc.agency.upper():5} doc {doc.id:<5} {u.kind:15} {u.problem}\n       {u.evidence}")
            return
        rows = list_deadlines(session, today=day, agency=agency, kinds=kinds, within_days=within, past=past)
        if fmt == "ics":
            sys.stdout.buffer.write(build_calendar(rows, datetime.now(UTC), web_base=config.alerts.web_base))
            return
    print_rows([v.as_json() for _, v in rows], fmt, FIELDS, lambda views: _dates(views, day),
               empty="no deadlines match")


def _dates(rows: list[Row], day: date) -> str:
    """Each date on two lines: the date and how far from `day`, agency, kind, document and title; the evidence."""
    lines = []
    for r in rows:
        left = (date.fromisoformat(str(r["date"])) - day).days
        when = f"in {left} day{'s' if left != 1 else ''}" if left >= 0 else f"{-left} days ago"
        moved = f" (moved from {r['previous_date']})" if r["previous_date"] else ""
        lines.append(f"{r['date']}  {when:13} {str(r['agency']).upper():5} {r['kind']:15} doc {r['document_id']:<5}"
                     f" {str(r['title'])[:60]}{moved}\n       {str(r['evidence'])[:160]}")
    return "\n".join(lines)
