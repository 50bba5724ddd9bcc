"""`regwatch diff`: the word-level diff between two versions of a document, with significance and sections."""

from __future__ import annotations

import sys

import click

from regwatch.alerts.context import ELLIPSIS, split_context
from regwatch.alerts.glosses import gloss_change
from regwatch.alerts.sections import diff_document, section_label
from regwatch.alerts.significance import classify, rank
from regwatch.cli.common import UserError, config_from, open_sessions
from regwatch.store.queries import NotFound, version


@click.command()
@click.argument("document_id", type=int)
@click.option("--from", "from_", type=click.IntRange(min=1), help="Older version (default: the one before --to).")
@click.option("--to", "to", type=click.IntRange(min=1), help="Newer version (default: the latest).")
@click.option("--context", type=click.IntRange(min=0), default=12, show_default=True, help="Words of context.")
@click.pass_context
def diff(ctx: click.Context, document_id: int, from_: int | None, to: int | None, context: int) -> None:
    """The word-level diff between two versions of a document (per character for Japanese, Korean and Chinese),
    with the significance of what changed and the section each change falls in."""
    with open_sessions(config_from(ctx))() as session:
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


def format_findings(findings: list) -> str:  # type: ignore[type-arg]
    """What kind of change this is, most significant first, each with its section."""
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
    return gloss_change(old, new)


def format_ops(ops: list, *, context: int = 12, color: bool = False) -> str:  # type: ignore[type-arg]
    """Render diff operations as text: `[-deleted-]{+inserted+}`, moved paragraphs as `{>moved<}`, unchanged runs
    shortened to `context` words (their worth in characters for Japanese and Chinese; 0: none), and a
    `§ section` line before the context of the first change in each new section."""
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
