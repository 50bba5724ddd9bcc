"""What every command shares: the one-line user errors, the config and store as a command opens them, dates and
known values as the user types them."""

from __future__ import annotations

import csv
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from typing import Any

import click
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from regwatch.config import Config, ConfigError, load_config
from regwatch.spreadsheet import spreadsheet_safe
from regwatch.store.db import StoreError, open_store
from regwatch.store.runlock import RunLock, StoreBusy


class LazyGroup(click.Group):
    """A group whose subcommands ("name" → "module:attribute") are imported when one runs or help lists them, so a
    read command loads neither the crawler nor the alert channels."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return self.commands.get(cmd_name)
        module, attribute = self.lazy[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"regwatch: {self.message}", err=True)


class StoreFailure(UserError):
    """The database failed under a command (locked too long, disk full, server gone): one line, exit 1."""

    exit_code = 1


class StoreBusyError(UserError):
    """`run --no-wait` while another run holds the store: one line, exit 3."""

    exit_code = 3


def config_from(ctx: click.Context) -> Config:
    """The configuration the command line names (`--config`, $REGWATCH_CONFIG, ./config.yaml)."""
    try:
        return load_config(ctx.obj["config_path"])
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def open_sessions(config: Config) -> sessionmaker[Session]:
    """The configured store, opened (and migrated) for a command."""
    try:
        return open_store(config.store.url, config.store.busy_timeout_seconds)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def parse_when(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    """DATE (YYYY-MM-DD, a whole day) or an ISO 8601 timestamp; naive values are UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            moment = datetime.combine(day, time.max if end else time.min)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 timestamp)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def known(option: str, value: str | None, values: tuple[str, ...] | list[str]) -> str | None:
    """`value` as the known spelling (any case), or a one-line mistake listing the known values."""
    if value is None:
        return None
    found = {k.casefold(): k for k in values}.get(value.strip().casefold())
    if found is None:
        raise UserError(f"unknown {option} {value!r}; known: {', '.join(values)}")
    return found


def hold_run_lock(ctx: click.Context, config: Config, wait: bool) -> None:
    """Hold the store's run lock until the command ends (see store/runlock.py): one run (or alert delivery) at
    a time per store."""
    lock = RunLock(config.store.url)
    try:
        lock.acquire(wait, waiting=lambda line: click.echo(f"regwatch: {line}", err=True))
    except StoreBusy as exc:
        raise StoreBusyError(f"{exc}; not running (--no-wait)") from None
    except (DBAPIError, StoreError, OSError):
        return  # a store that cannot be reached or locked: the command reports that itself, in its own words
    ctx.call_on_close(lock.release)


Row = dict[str, Any]
"""One printed record: field name → value (the JSON objects, the CSV rows, the table lines)."""


def emit_rows(rows: list[Row], fmt: str, fields: Sequence[str], *, extras: str = "raise") -> bool:
    """Print `rows` as JSON or as CSV (cells spreadsheet-safe, the header even when empty); False for any other
    format, which the command prints itself. `extras="ignore"` drops keys that are not `fields`."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(fields), lineterminator="\n", extrasaction=extras)
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)
    else:
        return False
    return True


def print_rows(rows: list[Row], fmt: str, fields: Sequence[str], table: Callable[[list[Row]], str], *,
               empty: str, extras: str = "raise") -> None:
    """`rows` as JSON or CSV (`emit_rows`), else as the text `table` makes of them, or `empty` when there are none."""
    if not emit_rows(rows, fmt, fields, extras=extras):
        click.echo(table(rows) if rows else empty)
