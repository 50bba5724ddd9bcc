"""`regwatch demo`: the offline mirrors crawled, edited and crawled again, with the alerts they give."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regwatch.cli.common import UserError
from regwatch.config import ConfigError


@click.command()
@click.option("--keep", type=click.Path(path_type=Path),
              help="Keep the demo's files (database, config, mirrors) in this folder, to explore them after.")
@click.pass_context
def demo(ctx: click.Context, keep: Path | None) -> None:
    """Crawl the bundled offline mirror, apply scripted edits, crawl again, show the changes and alerts.
    Runs from any folder with the configuration shipped in the package (or the one given with --config)."""
    # the `demo` extra (fpdf2 renders the mirrors' PDFs, aiosmtpd receives the alerts)
    from regwatch.demo import run_demo

    try:
        sys.exit(run_demo(ctx.obj["config_path"] if ctx.obj.get("config_given") else None, keep))
    except ConfigError as exc:
        raise UserError(str(exc)) from None
