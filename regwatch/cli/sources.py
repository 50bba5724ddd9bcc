"""`regwatch sources`: the configured sources, their last run, and what the next cycle will ask of each host."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from regwatch.cli.common import config_from, open_sessions
from regwatch.config import Config
from regwatch.cron import crontab_trigger
from regwatch.parsers.agencies import NO_AGENCY
from regwatch.plan import estimate
from regwatch.report import duration
from regwatch.store.models import CrawlHost
from regwatch.store.queries import source_status


@click.command()
@click.pass_context
def sources(ctx: click.Context) -> None:
    """The configured sources, when each last ran, and the requests and time the next cycle will take at each
    host's pace (its robots.txt Crawl-delay as last seen, or crawl.delay)."""
    config = config_from(ctx)
    day = _next_cycle_day(config)
    every = config.crawl.recheck_days
    with open_sessions(config)() as session:
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
        click.echo(f"{src.name:{width}}  {(src.agency or NO_AGENCY).upper():5} {src.type:9} last run {when:25} "
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


def _next_cycle_day(config: Config) -> date:
    """The day of the next scheduled cycle (`schedule.cron`), or today."""
    now = datetime.now(UTC)
    try:
        fire = crontab_trigger(config.schedule.cron, config.schedule.timezone).get_next_fire_time(None, now)
    except ValueError:
        fire = None
    return fire.astimezone(UTC).date() if fire is not None else date.today()
