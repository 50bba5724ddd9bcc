"""The `regwatch` command. User mistakes become one line on stderr and exit code 2, never a traceback.

One module per command group; each is imported only when its command runs (or `--help` lists them all), so a
read command (`history`, `show`, `diff`, `sources`, `alerts`) never loads the crawler, Scrapy or Twisted.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from regwatch.cli.common import LazyGroup, StoreFailure
from regwatch.config import default_config_path
from regwatch.store.db import StoreUnavailable, describe

# Command name → "module:attribute" under regwatch.cli.
COMMANDS = {
    "run": "run:run", "worker": "run:worker", "sources": "sources:sources",
    "history": "history:history", "show": "history:show", "diff": "diff:diff",
    "alerts": "alerts:alerts", "schedule": "schedule:schedule", "serve": "serve:serve", "demo": "demo:demo",
    "export-warc": "warc:export_warc", "terms": "terms:terms", "deadlines": "deadlines:deadlines",
    "review": "reviews:review", "reviews": "reviews:reviews", "boilerplate": "boilerplate:boilerplate",
}


class _Main(LazyGroup):
    """The command group: subcommands loaded on first use; database failures said in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            raise StoreFailure(describe(exc)) from None
        except StoreUnavailable as exc:
            raise StoreFailure(str(exc)) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={name: f"regwatch.cli.{target}" for name, target in COMMANDS.items()})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Configuration file (default ./config.yaml, or $REGWATCH_CONFIG).")
@click.option("-v", "--verbose", count=True, help="Show the crawler's log (-vv: debug).")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """regwatch — watch FDA, EMA, PMDA, MFDS and NMPA guidance for wording changes."""
    ctx.obj = {"config_path": config_path or default_config_path(), "verbose": verbose,
               "config_given": config_path is not None or bool(os.environ.get("REGWATCH_CONFIG"))}
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
