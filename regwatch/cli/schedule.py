"""`regwatch schedule`: the cycle at a cron time, in the foreground (regwatch.schedule does the work)."""

from __future__ import annotations

import logging
import signal
import sys

import click

from regwatch.cli.common import config_from, open_sessions
from regwatch.schedule import CycleScheduler, cycle_argv, run_now, utcnow

log = logging.getLogger("regwatch.schedule")


@click.command("schedule")
@click.option("--now", "now_", is_flag=True, help="Run one cycle now (unless another scheduler is active), then exit.")
@click.pass_context
def schedule(ctx: click.Context, now_: bool) -> None:
    """Run the cycle on the schedule in config (`schedule.cron`, default daily 06:00 UTC), in the foreground."""
    log.setLevel(logging.INFO)
    config = config_from(ctx)
    service = CycleScheduler(config, open_sessions(config), cycle_argv(ctx.obj["config_path"], ctx.obj["verbose"]),
                             clock=utcnow)
    signal.signal(signal.SIGTERM, service.stop)
    signal.signal(signal.SIGINT, service.stop)
    sys.exit(run_now(service) if now_ else service.run())
