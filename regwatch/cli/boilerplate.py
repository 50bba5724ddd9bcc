"""`regwatch boilerplate`: what regwatch learned to be chrome, rotating boxes and volatile blocks (issue 15)."""

from __future__ import annotations

import json

import click

from regwatch.cli.common import UserError, config_from, open_sessions
from regwatch.store.boilerplate import listing


@click.command("boilerplate")
@click.option("--source", help="Only this source.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.pass_context
def boilerplate(ctx: click.Context, source: str | None, fmt: str) -> None:
    """Boilerplate learned from the store per source and host section: chrome blocks (dropped wherever they sit),
    rotating boxes (title + N items), volatile blocks (after an anchor; learned per document). Each source's
    `boilerplate:` config can switch learning off or add its own rules."""
    config = config_from(ctx)
    if source and source not in {s.name for s in config.sources}:
        raise UserError(f"no source named {source!r} in the config")
    with open_sessions(config)() as session:
        rows = listing(session, source)
    overrides = {s.name: s.boilerplate for s in config.sources if s.boilerplate.model_dump() != {
        "learn": True, "chrome": (), "boxes": (), "box_items": 5, "keep": ()}}
    if fmt == "json":
        click.echo(json.dumps([{"source": name, "host": r.host, "section": r.section, "document_id": r.document_id,
                                "kind": r.kind, "key": r.key, "size": r.size, "prefix": r.prefix, "seen": r.seen,
                                "sample": r.sample, "learned_at": r.learned_at.isoformat()} for name, r in rows],
                              ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("nothing learned yet (a section needs 3 pages, a volatile block 3 versions)")
    for name, r in rows:
        where = f"{r.host}/{r.section}" + (f" doc {r.document_id}" if r.document_id else "")
        extra = {"box": f" +{r.size} items", "volatile": f" prefix {r.prefix!r}" if r.prefix else ""}.get(r.kind, "")
        sample = " ".join(r.sample.split())
        sample = sample if len(sample) <= 70 else sample[:69] + "…"
        click.echo(f"{name:16} {where:40} {r.kind:8} seen {r.seen:<4}{extra}  {sample}")
    for name, o in overrides.items():
        if not source or name == source:
            click.echo(f"{name:16} config: learn={o.learn} chrome={list(o.chrome)} boxes={list(o.boxes)} "
                       f"keep={list(o.keep)}")
