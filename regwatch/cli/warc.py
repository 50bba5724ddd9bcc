"""`regwatch export-warc`: a document's versions as a WARC 1.1 file (regwatch.warc writes the records)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from regwatch.cli.common import UserError, config_from, open_sessions
from regwatch.warc import write_document_warc


@click.command("export-warc")
@click.argument("document_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default regwatch-doc<ID>.warc.gz; '-' for standard output).")
@click.pass_context
def export_warc(ctx: click.Context, document_id: int, output: Path | None) -> None:
    """Export a document's versions (raw bytes, request and response headers) as a WARC 1.1 file."""
    with open_sessions(config_from(ctx))() as session:
        buffer = io.BytesIO()
        try:
            count = write_document_warc(session, document_id, buffer)
        except LookupError as exc:
            raise UserError(str(exc)) from None
    if str(output) == "-":
        sys.stdout.buffer.write(buffer.getvalue())
        return
    target = output or Path(f"regwatch-doc{document_id}.warc.gz")
    try:
        target.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror}") from None
    click.echo(f"wrote {target}: {count} version(s) with their fetched bytes", err=True)
