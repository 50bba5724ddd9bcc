"""The `regwatch` command. User mistakes become one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import click

from regwatch.config import AGENCIES, Config, ConfigError, default_config_path, load_config
from regwatch.spreadsheet import CHANGE_FIELDS, spreadsheet_safe
from regwatch.store.vocabulary import CHANGE_KINDS as KINDS
from regwatch.store.vocabulary import SIGNIFICANCES


def _known(option: str, value: str | None, known: tuple[str, ...] | list[str]) -> str | None:
    """`value` as the known spelling (any case), or a one-line mistake listing the known values."""
    if value is None:
        return None
    found = {k.casefold(): k for k in known}.get(value.strip().casefold())
    if found is None:
        raise UserError(f"unknown {option} {value!r}; known: {', '.join(known)}")
    return found


def _topics(config: Config) -> list[str]:
    """The topics changes are tagged with: the built-in glossary's and the config's own."""
    from regwatch.alerts.topics import merge_glossary

    return sorted(merge_glossary({name: tuple(terms) for name, terms in config.topics.items()}))


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


def _hold_run_lock(ctx: click.Context, config: Config, wait: bool) -> None:
    """Hold the store's run lock until the command ends (see store/runlock.py): one run (or alert delivery) at
    a time per store."""
    from sqlalchemy.exc import DBAPIError

    from regwatch.store.db import StoreError
    from regwatch.store.runlock import RunLock, StoreBusy

    lock = RunLock(config.store.url)
    try:
        lock.acquire(wait, waiting=lambda line: click.echo(f"regwatch: {line}", err=True))
    except StoreBusy as exc:
        raise StoreBusyError(f"{exc}; not running (--no-wait)") from None
    except (DBAPIError, StoreError, OSError):
        return  # a store that cannot be reached or locked: the command reports that itself, in its own words
    ctx.call_on_close(lock.release)


class _Main(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import DBAPIError

        from regwatch.store.db import StoreUnavailable, describe

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
    from regwatch.store.db import StoreError, open_store

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
    ctx.obj = {"config_path": config_path or default_config_path(), "verbose": verbose,
               "config_given": config_path is not None or bool(os.environ.get("REGWATCH_CONFIG"))}
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
@click.option("--no-wait", is_flag=True,
              help="If another run is using the store, exit at once (status 3) instead of waiting for it.")
@click.pass_context
def run(ctx: click.Context, names: tuple[str, ...], distributed: bool, no_wait: bool) -> None:
    """One cycle: crawl, parse, version, diff, alert. Exits 1 if any source failed."""
    from regwatch.pipeline import select_sources
    from regwatch.report import print_run_summary
    from regwatch.store.db import StoreError, StoreUnavailable

    config = _config(ctx)
    try:
        if select_sources(config, names):  # mistakes in the selection are reported first, without waiting
            _hold_run_lock(ctx, config, wait=not no_wait)
    except (ConfigError, StoreError) as exc:
        raise UserError(str(exc)) from None
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
        for line in failure_lines(summary.failed):
            click.echo(f"regwatch: {line}", err=True)
        sys.exit(1)


_UNRESOLVED_HOST = re.compile(r"([\w.-]+): name does not resolve: is this machine offline\?")


def failure_lines(failed: list[Any]) -> list[str]:
    """One line per failed source, except that a host name that does not resolve is said once per host."""
    hosts: dict[str, list[str]] = {}
    lines = []
    for s in failed:
        names = set(_UNRESOLVED_HOST.findall(s.error or ""))
        for host in names:
            hosts.setdefault(host, []).append(s.name)
        if not names:
            lines.append(f"source {s.name} {s.status}: {s.error}")
    for host, sources in hosts.items():
        lines.append(f"{host}: name does not resolve: is this machine offline? "
                     f"(source{'s' if len(sources) > 1 else ''} {', '.join(sources)})")
    return lines


@main.command()
@click.option("--agency", help="Only this agency: fda, ema, pmda, mfds or nmpa (any case).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--since", help="From this date (YYYY-MM-DD) or timestamp, inclusive.")
@click.option("--until", help="Up to this date (YYYY-MM-DD, inclusive) or timestamp.")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of change.")
@click.option("--text", help="Words that must appear in the title, summary, docket or the changed text.")
@click.option("--topic", help="Only changes tagged with this topic (exosomes, stem_cells, conditioned_media, …).")
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
    from regwatch.store.queries import HistoryFilter
    from regwatch.store.queries import history as query
    from regwatch.store.reviews import latest_reviews

    config = _config(ctx)
    agency = _known("agency", agency, AGENCIES)
    significance = _known("significance", significance, SIGNIFICANCES)
    topic = _known("topic", topic, _topics(config)) if topic is not None else None
    f = HistoryFilter(agency=agency, sources=sources, since=_parse_when(since, "--since"),
                      until=_parse_when(until, "--until", end=True), kind=kind, text=text, topic=topic,
                      significance=significance, limit=limit, review=review)
    with _sessions(config)() as session:
        rows = [c.as_json() for c in query(session, f)]
        reviews = latest_reviews(session, [r["id"] for r in rows]) if fmt == "csv" else {}
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        review_fields = ["review_outcome", "review_note", "reviewed_by", "reviewed_at"]
        for r in rows:
            latest = reviews.get(r["id"])
            r.update({"review_outcome": latest.outcome if latest else "", "review_note": latest.note if latest else "",
                      "reviewed_by": latest.reviewer if latest else "",
                      "reviewed_at": latest.at.isoformat().replace("+00:00", "Z") if latest else ""})
        writer = csv.DictWriter(sys.stdout, fieldnames=CHANGE_FIELDS + review_fields, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in r.items()} for r in rows)
    elif not rows:
        click.echo("no changes match")
    else:
        click.echo(history_table(rows))


def history_table(rows: list[dict[str, Any]], title_width: int = 70) -> str:
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


@main.command()
@click.argument("document_id", type=int)
@click.option("--version", "number", type=click.IntRange(min=1), help="Version number.")
@click.option("--at", "at", help="The text as it stood at this date/timestamp.")
@click.pass_context
def show(ctx: click.Context, document_id: int, number: int | None, at: str | None) -> None:
    """A document's text as it stood then (default: now)."""
    from regwatch.store.queries import NotFound, version

    if number is not None and at is not None:
        raise UserError("give --version or --at, not both")
    with _sessions(_config(ctx))() as session:
        try:
            v = version(session, document_id, number, _parse_when(at, "--at", end=True))
        except NotFound as exc:
            raise UserError(str(exc)) from None
        own = v.meta.get("parsed_title")
        name = f" [{own}]" if own and own != v.meta.get("title") else ""
        click.echo(f"# document {document_id}: {v.meta.get('title', '')}{name} — version {v.number}, "
                   f"fetched {v.fetched_at.isoformat(timespec='seconds')}\n"
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
    from regwatch.alerts.sections import diff_document
    from regwatch.alerts.significance import classify, rank
    from regwatch.report import format_findings, format_ops
    from regwatch.store.queries import NotFound, version

    with _sessions(_config(ctx))() as session:
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


@main.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """The configured sources, when each last ran, and the requests and time the next cycle will take at each
    host's pace (its robots.txt Crawl-delay as last seen, or crawl.delay)."""
    from regwatch.plan import estimate
    from regwatch.report import duration
    from regwatch.store.models import CrawlHost
    from regwatch.store.queries import source_status

    config = _config(ctx)
    day = _next_cycle_day(config)
    every = config.crawl.recheck_days
    with _sessions(config)() as session:
        known = source_status(session)
        robots = {h.host: h.crawl_delay for h in session.query(CrawlHost)}
        estimates = {src.name: estimate(session, src, known[src.name][0].id if src.name in known else None, day,
                                        every) for src in config.sources}

    def delay(host: str) -> float:
        return max(config.crawl.delay, robots.get(host) or 0.0)

    totals: dict[str, int] = {}
    width = max((len(src.name) for src in config.sources), default=0)
    for src in config.sources:
        row, last = known.get(src.name, (None, None))
        when = row.last_run_at.isoformat(timespec="seconds") if row and row.last_run_at else "never"
        status = row.last_status if row and row.last_status else "-"
        flag = "" if src.enabled else " (disabled)"
        click.echo(f"{src.name:{width}}  {(src.agency or 'other').upper():5} {src.type:9} last run {when:25} "
                   f"{status}{flag}")
        click.echo(f"{'':{width}}  {src.urls[0]}")
        if not src.enabled:
            continue
        est = estimates[src.name]
        seconds = sum(n * delay(host) for host, n in est.per_host.items())
        for host, n in est.per_host.items():
            totals[host] = totals.get(host, 0) + n
        what = (f"{est.listing} listing + {est.documents} of {est.watched} documents" if est.known and est.listing
                else f"{est.documents} of {est.watched} documents" if est.known
                else "first cycle: the page and the files it links" if src.type == "page"
                else f"{est.listing} listing + every watched entry: first cycle, its catalogue decides")
        click.echo(f"{'':{width}}  next cycle ({day.isoformat()}): {sum(est.per_host.values())} request(s) ({what}), "
                   f"~{duration(seconds)} at its host's pace")
    for host, n in sorted(totals.items()):
        pace = delay(host)
        why = "robots Crawl-delay" if (robots.get(host) or 0) > config.crawl.delay else "crawl.delay"
        click.echo(f"host {host}: {n + 1} requests next cycle (robots.txt included), {pace:g} s apart ({why}): "
                   f"~{duration((n + 1) * pace)}")


def _next_cycle_day(config: Config):  # type: ignore[no-untyped-def]
    """The day of the next scheduled cycle (`schedule.cron`), or today."""
    from datetime import date

    from regwatch.schedule import crontab_trigger

    now = datetime.now(UTC)
    try:
        fire = crontab_trigger(config.schedule.cron, config.schedule.timezone).get_next_fire_time(None, now)
    except ValueError:
        fire = None
    return fire.astimezone(UTC).date() if fire is not None else date.today()


@main.command()
@click.option("--keep", type=click.Path(path_type=Path),
              help="Keep the demo's files (database, config, mirrors) in this folder, to explore them after.")
@click.pass_context
def demo(ctx: click.Context, keep: Path | None) -> None:
    """Crawl the bundled offline mirror, apply scripted edits, crawl again, show the changes and alerts.
    Runs from any folder with the configuration shipped in the package (or the one given with --config)."""
    from regwatch.demo import run_demo

    try:
        sys.exit(run_demo(ctx.obj["config_path"] if ctx.obj.get("config_given") else None, keep))
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
    from regwatch.store.db import StoreError
    from regwatch.worker import work_forever, work_once

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
from regwatch.terms_cli import terms_command  # noqa: E402  (`regwatch terms`)
from regwatch.warc import export_warc_command  # noqa: E402  (`regwatch export-warc`)
from regwatch.web.cli import serve  # noqa: E402  (`regwatch serve`)

main.add_command(schedule_command)
main.add_command(export_warc_command)
main.add_command(serve)
main.add_command(terms_command)
from regwatch.deadlines_cli import deadlines_command  # noqa: E402  (`regwatch deadlines`)

main.add_command(deadlines_command)
from regwatch.reviews_cli import review_command, reviews_command  # noqa: E402  (`regwatch review`, `reviews`)

main.add_command(review_command)
main.add_command(reviews_command)
from regwatch.boilerplate_cli import boilerplate_command  # noqa: E402  (`regwatch boilerplate`)

main.add_command(boilerplate_command)
