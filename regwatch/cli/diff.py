"""`regwatch diff`: the word-level diff between two versions of a document, with significance and sections."""

from __future__ import annotations

import sys

import click

from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import classify, rank
from regwatch.cli.common import UserError, config_from, open_sessions
from regwatch.report import format_findings, format_ops
from regwatch.store.queries import NotFound, version


@click.command()
@click.argument("document_id", type=int)
@click.option("--from", "from_", type=click.IntRange(min=1), help="Older version (default: the one before --to).")
@click.option("--to", "to", type=click.IntRange(min=1), help="Newer version (default: the latest).")
@click.option("--context", type=click.IntRange(min=0), default=12, show_default=True, help="Words of context.")
@click.pass_context
def diff(ctx: click.Context, document_id: int, from_: int | None, to: int | None, context: int) -> None:
    """The word-level diff between two versions of a document (per character for Japanese, Korean and Chinese),
    with the significance of what changed and the section each change falls in."""
    with open_sessions(config_from(ctx))() as session:
        try:
            new = version(session, document_id, to)
            old_number = from_ if from_ is not None else new.number - 1
            if old_number < 1:
                raise NotFound(f"document {document_id} has only one version; nothing to compare")
            old = version(session, document_id, old_number)
        except NotFound as exc:
            raise UserError(str(exc)) from None
    click.echo(f"--- document {document_id} version {old.number} ({old.fetched_at.isoformat(timespec='seconds')})\n"
               f"+++ document {document_id} version {new.number} ({new.fetched_at.isoformat(timespec='seconds')})")
    ops = diff_document(old.text, new.text)
    click.echo(format_findings(rank(classify(old.text, new.text, ops))))
    click.echo(format_ops(ops, context=context, color=sys.stdout.isatty()))
