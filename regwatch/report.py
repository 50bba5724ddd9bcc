"""Plain-text output for the terminal: the run summary and word-level diffs."""

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


def format_findings(findings: list) -> str:  # type: ignore[type-arg]
    """What kind of change this is, most significant first, each with its section."""
    from regwatch.alerts.sections import section_label

    if not findings:
        return "significance: none (whitespace, wrapping, stamps or counters only)"
    lines = [f"significance: {findings[0].kind}"]
    for f in findings[:12]:
        where = f" in {section_label(f.section)}" if f.section else ""
        lines.append(f"  {f.kind}{where}: {f.detail}")
        if gloss := _gloss(f.old, f.new):  # Japanese, Korean, Chinese: the changed words glossed in English
            lines.append(f"    gloss: {gloss}")
    if len(findings) > 12:
        lines.append(f"  … and {len(findings) - 12} more")
    return "\n".join(lines)


def _gloss(old: str, new: str) -> str:
    from regwatch.alerts.glosses import gloss_change

    return gloss_change(old, new)


def format_ops(ops: list, *, context: int = 12, color: bool = False) -> str:  # type: ignore[type-arg]
    """Render diff operations as text: `[-deleted-]{+inserted+}`, moved paragraphs as `{>moved<}`, unchanged runs
    shortened to `context` words (their worth in characters for Japanese and Chinese; 0: none), and a
    `§ section` line before the context of the first change in each new section."""
    from regwatch.alerts.context import ELLIPSIS, split_context

    out: list[str] = []
    section: tuple[str, ...] = ()
    for i, op in enumerate(ops):
        if op.op == "equal":
            head, cut, tail = split_context(op.old, context, keep_head=i > 0, keep_tail=i < len(ops) - 1)
            where = tuple(getattr(ops[i + 1], "section", ()) or ()) if i + 1 < len(ops) else ()
            line = ""
            if where and where != section:
                section = where
                line = _section_line(where, color, first=not ("".join(out) + head).strip())
            if not cut:
                out.append(head + line + tail)
            elif head:
                out.append(f"{head} {ELLIPSIS}" + (line or (" " if tail else "")) + tail)
            else:
                out.append(line + ELLIPSIS + (f" {tail}" if tail else ""))
            continue
        where = tuple(getattr(op, "section", ()) or ())
        if where and where != section:
            section = where
            out.append(_section_line(where, color, first=not "".join(out).strip()))
        if op.op == "move":
            out.append(f"{{>moved: {op.new or op.old}<}}")
            continue
        if op.old:
            out.append(click.style(f"[-{op.old}-]", fg="red") if color else f"[-{op.old}-]")
        if op.new:
            out.append(click.style(f"{{+{op.new}+}}", fg="green") if color else f"{{+{op.new}+}}")
    return "".join(out).strip("\n")


def _section_line(path: tuple[str, ...], color: bool, *, first: bool) -> str:
    line = f"§ {' > '.join(path)}"
    return ("" if first else "\n") + (click.style(line, bold=True) if color else line) + "\n"
