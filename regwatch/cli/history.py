"""`regwatch history` (the change history) and `show` (a document's text as it stood then)."""

from __future__ import annotations

from datetime import datetime

import click

from regwatch.alerts.topics import merge_glossary
from regwatch.cli.common import Row, UserError, config_from, known, open_sessions, parse_when, print_rows
from regwatch.config import Config
from regwatch.history import HistoryQuery, changes, moment, refresh_index
from regwatch.parsers.agencies import AGENCIES
from regwatch.spreadsheet import CHANGE_FIELDS
from regwatch.store.queries import KINDS, NotFound, version
from regwatch.store.reviews import latest_reviews
from regwatch.store.vocabulary import SIGNIFICANCES

REVIEW_FIELDS = ["review_outcome", "review_note", "reviewed_by", "reviewed_at"]


def _topics(config: Config) -> list[str]:
    """The topics changes are tagged with: the built-in glossary's and the config's own."""
    return sorted(merge_glossary({name: tuple(terms) for name, terms in config.topics.items()}))


def _bound(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A --since/--until bound as the history query takes it (an --until day includes the whole day)."""
    if value is None:
        return None
    try:
        return moment(value, end=end)
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)") from None


@click.command()
@click.option("--agency", help="Only this agency: " + ", ".join(AGENCIES) + " (any case).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", help="From this date (YYYY-MM-DD) or timestamp, inclusive.")
@click.option("--until", help="Up to this date (YYYY-MM-DD, inclusive) or timestamp.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of change.")
@click.option("--text", help="Words that must appear in the title, docket, number, a change summary or the text.")
@click.option("--topic", help="Only changes to documents on this topic (exosomes, stem_cells, conditioned_media, …).")
@click.option("--significance", help="Only this significance: " + ", ".join(SIGNIFICANCES) + ".")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many changes.")
@click.option("--review", type=click.Choice(("applicable", "not-applicable", "action-needed", "unreviewed")),
              help="Only changes whose latest review has this outcome (or that have none).")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
@click.pass_context
def history(ctx: click.Context, agency: str | None, sources: tuple[str, ...], since: str | None,
            until: str | None, kind: str | None, text: str | None, topic: str | None, significance: str | None,
            limit: int | None, review: str | None, fmt: str) -> None:
    """The change history, newest first. CSV adds each change's latest review in the last columns."""
    config = config_from(ctx)
    agency = known("agency", agency, AGENCIES)
    significance = known("significance", significance, SIGNIFICANCES)
    topic = known("topic", topic, _topics(config)) if topic is not None else None
    q = HistoryQuery(agency=agency, sources=sources, kind=kind, since=_bound(since, "--since"),
                     until=_bound(until, "--until", end=True), text=text, topic=topic, significance=significance,
                     review=review, limit=limit)
    sessions = open_sessions(config)
    if q.needs_index():
        refresh_index(sessions)
    with sessions() as session:
        rows = [c.as_json() for c in changes(session, q)[0]]
        reviews = latest_reviews(session, [r["id"] for r in rows]) if fmt == "csv" else {}
    if fmt == "csv":  # each change's latest review in the last columns
        for r in rows:
            latest = reviews.get(r["id"])
            r.update({"review_outcome": latest.outcome if latest else "", "review_note": latest.note if latest else "",
                      "reviewed_by": latest.reviewer if latest else "",
                      "reviewed_at": latest.at.isoformat().replace("+00:00", "Z") if latest else ""})
    print_rows(rows, fmt, CHANGE_FIELDS + REVIEW_FIELDS, history_table, empty="no changes match", extras="ignore")


def history_table(rows: list[Row], title_width: int = 70) -> str:
    """The history as aligned columns: change id, when, agency, kind, document id, title; the summary below."""
    ids = [f"change {r['id']}" for r in rows]
    docs = [f"doc {r['document_id']}" for r in rows]
    wid, wdoc = max(map(len, ids)), max(map(len, docs))
    wagency = max(len(r["agency"]) for r in rows)
    lines = []
    for r, cid, doc in zip(rows, ids, docs, strict=True):
        lines.append(f"{cid:>{wid}}  {r['detected_at'][:19]}  {r['agency'].upper():{wagency}}  {r['kind']:8} "
                     f"{doc:<{wdoc}}  {_cut(r['title'], title_width)}")
        lines.append(f"{'':{wid}}  {r['summary']}")
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@click.command()
@click.argument("document_id", type=int)
@click.option("--version", "number", type=click.IntRange(min=1), help="Version number.")
@click.option("--at", "at", help="The text as it stood at this date/timestamp.")
@click.pass_context
def show(ctx: click.Context, document_id: int, number: int | None, at: str | None) -> None:
    """A document's text as it stood then (default: now)."""
    if number is not None and at is not None:
        raise UserError("give --version or --at, not both")
    with open_sessions(config_from(ctx))() as session:
        try:
            v = version(session, document_id, number, parse_when(at, "--at", end=True))
        except NotFound as exc:
            raise UserError(str(exc)) from None
        own = v.meta.get("parsed_title")
        name = f" [{own}]" if own and own != v.meta.get("title") else ""
        click.echo(f"# document {document_id}: {v.meta.get('title', '')}{name} — version {v.number}, "
                   f"fetched {v.fetched_at.isoformat(timespec='seconds')}\n"
                   f"# {v.url}  sha256(text)={v.text_sha256[:16]}…  sha256(raw)={(v.raw_sha256 or '-')[:16]}…\n")
        click.echo(v.text)
