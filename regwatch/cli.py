"""The `regwatch` command. User mistakes become one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import csv
import json
import logging
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import click

from regwatch.config import AGENCIES, Config, ConfigError, default_config_path, load_config
from regwatch.spreadsheet import spreadsheet_safe

KINDS = ("new", "changed", "removed", "status")


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"regwatch: {self.message}", err=True)


class StoreFailure(UserError):
    """The database failed under a command (locked too long, disk full, server gone): one line, exit 1."""

    exit_code = 1


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import DBAPIError

        from store.db import StoreUnavailable, describe

        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            raise StoreFailure(describe(exc)) from None
        except StoreUnavailable as exc:
            raise StoreFailure(str(exc)) from None


def _config(ctx: click.Context) -> Config:
    try:
        return load_config(ctx.obj["config_path"])
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def _sessions(config: Config):  # type: ignore[no-untyped-def]
    from store.db import StoreError, open_store

    try:
        return open_store(config.store.url, config.store.busy_timeout_seconds)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def _parse_when(value: str | None, name: str, *, end: bool = False) -> datetime | None:
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


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Configuration file (default ./config.yaml, or $REGWATCH_CONFIG).")
@click.option("-v", "--verbose", count=True, help="Show the crawler's log (-vv: debug).")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, verbose: int) -> None:
    """regwatch — watch FDA, EMA, PMDA, MFDS and NMPA guidance for wording changes."""
    ctx.obj = {"config_path": config_path or default_config_path(), "verbose": verbose}
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")


def _run_distributed(config: Config, names: tuple[str, ...]) -> Any:
    """`run --distributed`: Redis and scrapy-redis are imported only here, so a plain run starts faster."""
    from redis import RedisError

    from regwatch.distributed import DistributedError, run_distributed

    try:
        return run_distributed(config, names)
    except DistributedError as exc:
        raise UserError(str(exc)) from None
    except RedisError as exc:
        raise StoreFailure(f"Redis failed under the distributed run: {type(exc).__name__}: {exc}") from None


@main.command()
@click.option("--source", "names", multiple=True, help="Run only this source (repeatable).")
@click.option("--distributed", is_flag=True,
              help="Seed the shared queue on Redis and let `regwatch worker` processes crawl it (docs/deployment.md).")
@click.pass_context
def run(ctx: click.Context, names: tuple[str, ...], distributed: bool) -> None:
    """One cycle: crawl, parse, version, diff, alert. Exits 1 if any source failed."""
    from regwatch.report import print_run_summary
    from store.db import StoreError, StoreUnavailable

    config = _config(ctx)
    try:
        if distributed or config.distributed.enabled:
            summary = _run_distributed(config, names)
        else:
            from regwatch.pipeline import run_once

            summary = run_once(config, names, verbose=ctx.obj["verbose"])
    except StoreUnavailable as exc:
        raise StoreFailure(str(exc)) from None
    except (ConfigError, StoreError) as exc:
        raise UserError(str(exc)) from None
    print_run_summary(summary)
    if summary.failed:
        for s in summary.failed:
            click.echo(f"regwatch: source {s.name} {s.status}: {s.error}", err=True)
        sys.exit(1)


@main.command()
@click.option("--agency", type=click.Choice(AGENCIES), help="Only this agency.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", help="From this date (YYYY-MM-DD) or timestamp, inclusive.")
@click.option("--until", help="Up to this date (YYYY-MM-DD, inclusive) or timestamp.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of change.")
@click.option("--text", help="Words that must appear in the title, summary, docket or the changed text.")
@click.option("--topic", help="Only changes tagged with this topic (exosomes, stem_cells, conditioned_media, …).")
@click.option("--significance", type=click.Choice(("definition", "obligation", "numbers", "scope", "status", "new",
                                                   "removed", "editorial")), help="Only this significance class.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many changes.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True)
@click.pass_context
def history(ctx: click.Context, agency: str | None, sources: tuple[str, ...], since: str | None,
            until: str | None, kind: str | None, text: str | None, topic: str | None, significance: str | None,
            limit: int | None, fmt: str) -> None:
    """The change history, newest first."""
    from store.queries import HistoryFilter
    from store.queries import history as query

    f = HistoryFilter(agency=agency, sources=sources, since=_parse_when(since, "--since"),
                      until=_parse_when(until, "--until", end=True), kind=kind, text=text, topic=topic,
                      significance=significance, limit=limit)
    with _sessions(_config(ctx))() as session:
        rows = [c.as_json() for c in query(session, f)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)
    elif not rows:
        click.echo("no changes match")
    else:
        for r in rows:
            click.echo(f"{r['id']:>5}  {r['detected_at'][:19]}  {r['agency'].upper():5} {r['kind']:8} "
                       f"doc {r['document_id']:<5} {r['title'][:70]}\n       {r['summary']}")


@main.command()
@click.argument("document_id", type=int)
@click.option("--version", "number", type=click.IntRange(min=1), help="Version number.")
@click.option("--at", "at", help="The text as it stood at this date/timestamp.")
@click.pass_context
def show(ctx: click.Context, document_id: int, number: int | None, at: str | None) -> None:
    """A document's text as it stood then (default: now)."""
    from store.queries import NotFound, version

    if number is not None and at is not None:
        raise UserError("give --version or --at, not both")
    with _sessions(_config(ctx))() as session:
        try:
            v = version(session, document_id, number, _parse_when(at, "--at", end=True))
        except NotFound as exc:
            raise UserError(str(exc)) from None
        own = v.meta.get("parsed_title")
        name = f" [{own}]" if own and own != v.meta.get("title") else ""
        click.echo(f"# {v.meta.get('title', '')}{name} — version {v.number}, fetched {v.fetched_at.isoformat()}\n"
                   f"# {v.url}  sha256(text)={v.text_sha256[:16]}…  sha256(raw)={(v.raw_sha256 or '-')[:16]}…\n")
        click.echo(v.text)


@main.command()
@click.argument("document_id", type=int)
@click.option("--from", "from_", type=click.IntRange(min=1), help="Older version (default: the one before --to).")
@click.option("--to", "to", type=click.IntRange(min=1), help="Newer version (default: the latest).")
@click.option("--context", type=click.IntRange(min=0), default=12, show_default=True, help="Words of context.")
@click.pass_context
def diff(ctx: click.Context, document_id: int, from_: int | None, to: int | None, context: int) -> None:
    """The word-level diff between two versions of a document (per character for Japanese, Korean and Chinese),
    with the significance of what changed and the section each change falls in."""
    from alerts.sections import diff_document
    from alerts.significance import classify, rank
    from regwatch.report import format_findings, format_ops
    from store.queries import NotFound, version

    with _sessions(_config(ctx))() as session:
        try:
            new = version(session, document_id, to)
            old_number = from_ if from_ is not None else new.number - 1
            if old_number < 1:
                raise NotFound(f"document {document_id} has only one version; nothing to compare")
            old = version(session, document_id, old_number)
        except NotFound as exc:
            raise UserError(str(exc)) from None
    click.echo(f"--- version {old.number} ({old.fetched_at.isoformat()})\n"
               f"+++ version {new.number} ({new.fetched_at.isoformat()})")
    ops = diff_document(old.text, new.text)
    click.echo(format_findings(rank(classify(old.text, new.text, ops))))
    click.echo(format_ops(ops, context=context, color=sys.stdout.isatty()))


@main.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """The configured sources and when each last ran."""
    from store.queries import source_status

    config = _config(ctx)
    with _sessions(config)() as session:
        known = source_status(session)
    for src in config.sources:
        row, last = known.get(src.name, (None, None))
        when = row.last_run_at.isoformat(timespec="seconds") if row and row.last_run_at else "never"
        status = row.last_status if row and row.last_status else "-"
        flag = "" if src.enabled else " (disabled)"
        click.echo(f"{src.name:32} {(src.agency or 'other').upper():5} {src.type:9} last run {when:25} {status}{flag}")
        click.echo(f"{'':32} {src.urls[0]}")


@main.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo's files in this folder.")
@click.pass_context
def demo(ctx: click.Context, keep: Path | None) -> None:
    """Crawl the bundled offline mirror, apply scripted edits, crawl again, show the changes and alerts."""
    from regwatch.demo import run_demo

    try:
        sys.exit(run_demo(ctx.obj["config_path"], keep))
    except ConfigError as exc:
        raise UserError(str(exc)) from None


@main.command()
@click.option("--once", is_flag=True, help="Crawl one distributed run, then exit (else: wait for run after run).")
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Crawl distributed runs (`regwatch run --distributed`) from the shared queue on Redis; start as many as
    wanted, on any machines, with the same config and the same PostgreSQL store."""
    from redis import RedisError

    from regwatch.distributed import DistributedError
    from regwatch.worker import work_forever, work_once
    from store.db import StoreError

    config = _config(ctx)
    try:
        if once:
            sys.exit(work_once(config, verbose=ctx.obj["verbose"]))
        sys.exit(work_forever(config, ctx.obj["config_path"], verbose=ctx.obj["verbose"]))
    except (ConfigError, StoreError, DistributedError) as exc:
        raise UserError(str(exc)) from None
    except RedisError as exc:
        raise StoreFailure(f"Redis failed under the worker: {type(exc).__name__}: {exc}") from None


from regwatch.alerts_cli import alerts  # noqa: E402  (the `alerts` command group)

main.add_command(alerts)
from regwatch.schedule import schedule_command  # noqa: E402  (`regwatch schedule`)
from regwatch.warc import export_warc_command  # noqa: E402  (`regwatch export-warc`)
from regwatch.web.cli import serve  # noqa: E402  (`regwatch serve`)

main.add_command(schedule_command)
main.add_command(export_warc_command)
main.add_command(serve)
from regwatch.boilerplate_cli import boilerplate_command  # noqa: E402  (`regwatch boilerplate`)

main.add_command(boilerplate_command)
