"""`regwatch run` (one cycle, here or seeded for workers) and `regwatch worker` (a distributed run's crawler)."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from regwatch.cli.common import StoreFailure, UserError, config_from, hold_run_lock
from regwatch.config import Config, ConfigError
from regwatch.pipeline import RunSummary, run_once, select_sources
from regwatch.report import print_run_summary
from regwatch.store.db import StoreError, StoreUnavailable


def _run_distributed(config: Config, names: tuple[str, ...]) -> Any:
    """`run --distributed`: Redis and scrapy-redis are imported only here, so a plain run starts faster."""
    # the `distributed` extra (scrapy-redis, redis)
    from redis import RedisError

    from regwatch.distributed import DistributedError, run_distributed

    try:
        return run_distributed(config, names)
    except DistributedError as exc:
        raise UserError(str(exc)) from None
    except RedisError as exc:
        raise StoreFailure(f"Redis failed under the distributed run: {type(exc).__name__}: {exc}") from None


@click.command()
@click.option("--source", "names", multiple=True, help="Run only this source (repeatable).")
@click.option("--distributed", is_flag=True,
              help="Seed the shared queue on Redis and let `regwatch worker` processes crawl it (docs/deployment.md).")
@click.option("--no-wait", is_flag=True,
              help="If another run is using the store, exit at once (status 3) instead of waiting for it.")
@click.pass_context
def run(ctx: click.Context, names: tuple[str, ...], distributed: bool, no_wait: bool) -> None:
    """One cycle: crawl, parse, version, diff, alert. Exits 1 if any source failed."""
    config = config_from(ctx)
    try:
        if select_sources(config, names):  # mistakes in the selection are reported first, without waiting
            hold_run_lock(ctx, config, wait=not no_wait)
    except (ConfigError, StoreError) as exc:
        raise UserError(str(exc)) from None
    try:
        if distributed or config.distributed.enabled:
            summary: RunSummary = _run_distributed(config, names)
        else:
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


@click.command()
@click.option("--once", is_flag=True, help="Crawl one distributed run, then exit (else: wait for run after run).")
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Crawl distributed runs (`regwatch run --distributed`) from the shared queue on Redis; start as many as
    wanted, on any machines, with the same config and the same PostgreSQL store."""
    # the `distributed` extra (scrapy-redis, redis)
    from redis import RedisError

    from regwatch.distributed import DistributedError
    from regwatch.worker import work_forever, work_once

    config = config_from(ctx)
    try:
        if once:
            sys.exit(work_once(config, verbose=ctx.obj["verbose"]))
        sys.exit(work_forever(config, ctx.obj["config_path"], verbose=ctx.obj["verbose"]))
    except (ConfigError, StoreError, DistributedError) as exc:
        raise UserError(str(exc)) from None
    except RedisError as exc:
        raise StoreFailure(f"Redis failed under the worker: {type(exc).__name__}: {exc}") from None
