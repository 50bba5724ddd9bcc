"""`regwatch terms`: per term and jurisdiction, the current definition(s), since when, and the wording before."""

from __future__ import annotations

import click

from regwatch.alerts.glosses import gloss_line
from regwatch.cli.common import UserError, config_from, emit_rows, open_sessions, parse_when
from regwatch.parsers.agencies import AGENCIES
from regwatch.terms import FIELDS, JURISDICTIONS, configured_terms, find_term, term_rows


@click.command("terms")
@click.argument("term", required=False)
@click.option("--agency", type=click.Choice(AGENCIES), help="Only this agency.")
@click.option("--at", "at", help="The definitions as they stood at this date (YYYY-MM-DD) or timestamp.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
@click.pass_context
def terms(ctx: click.Context, term: str | None, agency: str | None, at: str | None, fmt: str) -> None:
    """How each agency defines the configured terms today (or --at a date), since when, and what it said before.
    TERM is a configured term or any of its names (幹細胞, 엑소좀, 外泌体 …)."""
    config = config_from(ctx)
    terms = configured_terms(config)
    only = None
    if term is not None:
        only = find_term(terms, term)
        if only is None:
            raise UserError(f"unknown term {term!r} (configured: {', '.join(terms)})")
    moment = parse_when(at, "--at", end=True)
    with open_sessions(config)() as session:
        rows = term_rows(session, terms, only=only, agency=agency, at=moment)
        session.commit()  # the backfill's reading of versions stored before
    if emit_rows([r.as_json() for r in rows], fmt, FIELDS):
        return
    last = None
    for r in rows:
        if r.term != last:
            click.echo(click.style(f"\n{r.term}", bold=True))
            last = r.term
        where = f"{JURISDICTIONS.get(r.agency, r.agency.upper()):3}"
        if r.sentence is None:
            click.echo(f"  {where} (no definition found)")
            continue
        click.echo(f"  {where} {r.publisher} · doc {r.document_id} v{r.version} · since {(r.since or '')[:10]}"
                   f" · {(r.title or '')[:60]}" + (f" · {r.section[:40]}" if r.section else ""))
        click.echo(f"      {r.sentence}")
        if gloss := gloss_line(r.sentence):
            click.echo(f"      gloss: {gloss}")
        if r.previous:
            click.echo(f"      before: {r.previous}")
