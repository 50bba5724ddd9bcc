"""Plain-text output for the terminal: the run summary and durations (diffs: regwatch/cli/diff.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # a read command (`regwatch diff`) uses this module: it must not import the crawler
    from regwatch.pipeline import RunSummary

COLUMNS = ("seen", "new", "changed", "removed", "unchanged", "errors")


def print_run_summary(summary: RunSummary) -> None:
    width = max((len(s.name) for s in summary.sources), default=6)
    click.echo(f"run {summary.run_id}\n{'source':{width}}  {'status':8} " + " ".join(f"{c:>9}" for c in COLUMNS))
    for s in summary.sources:
        counts = " ".join(f"{getattr(s, c):>9}" for c in COLUMNS)
        note = "  (baseline: versions stored, no alerts)" if s.baseline and s.status != "failed" else ""
        click.echo(f"{s.name:{width}}  {s.status:8} {counts}{note}")
        if s.error and s.status == "partial":
            click.echo(f"{'':{width}}  ! {s.error}")
        for note in s.notes:
            click.echo(f"{'':{width}}  ~ {note}")
    for name, plan in summary.plans.items():
        click.echo(f"plan {name}: {plan.line()}")
    for h in summary.hosts:
        spacing = f"{h.delay:g} s apart" + (" (robots Crawl-delay)" if h.robots_delay else "")
        click.echo(f"host {h.host}: {h.requests} requests, {spacing}: politeness imposed {duration(h.politeness)}"
                   f" (that host's crawl took {duration(h.span)})")
    a = summary.alerts
    click.echo(f"alerts: {a.sent} sent, {a.retrying} to retry, {a.failed} parked as failed")
    for err in a.errors[:10]:
        click.echo(f"  ! {err}")


def duration(seconds: float) -> str:
    """`42 min 30 s`, `3.2 s`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"
