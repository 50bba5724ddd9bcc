"""Plain-text output for the terminal: the run summary and word-level diffs."""

from __future__ import annotations

import click

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
    a = summary.alerts
    click.echo(f"alerts: {a.sent} sent, {a.retrying} to retry, {a.failed} parked as failed")
    for err in a.errors[:10]:
        click.echo(f"  ! {err}")


def format_findings(findings: list) -> str:  # type: ignore[type-arg]
    """What kind of change this is, most significant first, each with its section."""
    if not findings:
        return "significance: none (whitespace, wrapping, stamps or counters only)"
    lines = [f"significance: {findings[0].kind}"]
    for f in findings[:12]:
        where = f" in {' > '.join(f.section)}" if f.section else ""
        lines.append(f"  {f.kind}{where}: {f.detail}")
    if len(findings) > 12:
        lines.append(f"  … and {len(findings) - 12} more")
    return "\n".join(lines)


def format_ops(ops: list, *, context: int = 12, color: bool = False) -> str:  # type: ignore[type-arg]
    """Render diff operations as text: `[-deleted-]{+inserted+}`, moved paragraphs as `{>moved<}`, long equal
    runs shortened to context, and a `§ section` line wherever the changes enter another section."""
    out: list[str] = []
    section: tuple[str, ...] = ()
    for i, op in enumerate(ops):
        if op.op == "equal":
            out.append(_context(op.old, context, first=i == 0, last=i == len(ops) - 1))
            continue
        where = tuple(getattr(op, "section", ()) or ())
        if where and where != section:
            section = where
            out.append(click.style(f"\n§ {' > '.join(where)}\n", bold=True) if color else f"\n§ {' > '.join(where)}\n")
        if op.op == "move":
            out.append(f"{{>moved: {op.new or op.old}<}}")
            continue
        if op.old:
            out.append(click.style(f"[-{op.old}-]", fg="red") if color else f"[-{op.old}-]")
        if op.new:
            out.append(click.style(f"{{+{op.new}+}}", fg="green") if color else f"{{+{op.new}+}}")
    return "".join(out)


def _context(text: str, words: int, *, first: bool, last: bool) -> str:
    tokens = text.split(" ")
    if len(tokens) <= 2 * words + 1:
        return text
    head = "" if first else " ".join(tokens[:words])
    tail = "" if last else " ".join(tokens[-words:])
    return f"{head} … {tail}" if head or tail else "…"
