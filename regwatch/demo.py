"""`regwatch demo`: the whole product, offline, in a few minutes.

Serves the bundled mirrors of the agencies' sites on 127.0.0.1, starts a local SMTP server and a local webhook
receiver, points the configured FDA sources at the mirror (the mirror is just another base URL), crawls
(the baseline), applies scripted edits to the mirror, crawls again, and shows the changes and the alerts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from regwatch.config import load_config
from regwatch.mirror.agencies import MIRRORS, apply_demo_edits, copy_sites, origins
from regwatch.mirror.agencies import deadlines as demo_dates
from regwatch.mirror.definitions import DEMO_SITE, DEMO_TERM, change_definition
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.agencies import Agency
from regwatch.receivers import SmtpReceiver, WebhookReceiver

DEMO_CONFIG = Path(__file__).with_name("demo_config.yaml")  # shipped in the package: the demo runs anywhere
SECRET_ENV = "REGWATCH_DEMO_WEBHOOK_SECRET"
SECRET = "whsec_cmVnd2F0Y2gtZGVtby1zaWduaW5nLXNlY3JldC0xMjM0NTY="


def run_demo(config_path: Path | None = None, keep: Path | None = None) -> int:
    """Run the demo (with the packaged demo configuration unless `config_path` is given); returns the exit code."""
    config_path = config_path or DEMO_CONFIG
    if keep is not None:
        keep = keep.resolve()
        keep.mkdir(parents=True, exist_ok=True)
        code = _demo(config_path, keep)
        _explore(keep)
        return code
    with tempfile.TemporaryDirectory(prefix="regwatch-demo-") as tmp:
        code = _demo(config_path, Path(tmp))
    click.echo("\nTo explore the demo's database afterwards, run it again with --keep DIR (e.g. regwatch demo --keep "
               "regwatch-demo).")
    return code


def _explore(folder: Path) -> None:
    """The exact commands that explore what the demo kept."""
    config = folder / "demo-config.yaml"
    changed = _changed_documents(config)
    base = f"regwatch --config {config}"
    _step("Explore what the demo kept")
    click.echo(f"     {base} history")
    if changed:
        click.echo(f"     {base} diff {changed[0]}")
    click.echo(f"     {base} alerts --all")
    click.echo(f"     {base} serve        # then open http://127.0.0.1:8080/")


def _demo(config_path: Path, workdir: Path) -> int:
    sites = copy_sites(workdir)
    today = datetime.now(UTC).date()
    dated = demo_dates.seed(sites, today)  # each jurisdiction's comment and effective dates, relative to today
    with ExitStack() as stack:
        servers = {name: stack.enter_context(MirrorServer(path)) for name, path in sites.items()}
        bases = {origin: servers[name].base_url for origin, name in origins().items()}
        smtp = stack.enter_context(SmtpReceiver())
        hook = stack.enter_context(WebhookReceiver(secret=SECRET))
        demo_config = workdir / "demo-config.yaml"
        settings = demo_settings(_load_raw(config_path), workdir, bases, smtp.port, hook.url)
        demo_config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
        for origin, base in bases.items():
            _step(f"Offline mirror of {origin} on {base}")
        _step(f"Local SMTP server on 127.0.0.1:{smtp.port}; local webhook receiver on {hook.url}")
        _step("Comment and effective dates in the mirrors, each in its jurisdiction's own form")
        for where, what in dated.items():
            click.echo(f"     - {where}: {what}")
        _step("1/4  First crawl: every watched document is stored as version 1 (the baseline; no alerts)")
        _regwatch(demo_config, "run")
        _step(f"How the five jurisdictions define {DEMO_TERM!r} now (regwatch terms {DEMO_TERM})")
        _regwatch(demo_config, "terms", DEMO_TERM)
        _step("2/4  Scripted edits to the mirrors")
        edits = {**apply_demo_edits(sites), **change_definition(sites), **demo_dates.move(sites, today)}
        for what, target in edits.items():
            click.echo(f"     - {what}: {target}")
        real = [what for what in edits if "noise" not in what]
        _step("3/4  Second crawl: wording changes and the new guidance are found")
        _regwatch(demo_config, "run")
        _step("4/4  Third crawl: a withdrawal counts once a guidance has left the catalogue on two runs in a row")
        _regwatch(demo_config, "run")
        _step(f"The definition after the edit, with the wording before it (regwatch terms {DEMO_TERM})")
        _regwatch(demo_config, "terms", DEMO_TERM)
        terms_missing = _check_terms(demo_config)
        _step("Change history (regwatch history)")
        _regwatch(demo_config, "history")
        for document_id in _changed_documents(demo_config):
            _step(f"The changed words (regwatch diff {document_id})")
            _regwatch(demo_config, "diff", str(document_id), "--context", "8")
        _step("Upcoming deadlines (regwatch deadlines)")
        _regwatch(demo_config, "deadlines")
        _show_one_of_each(smtp.messages, hook.deliveries)
        _step("Alerts received")
        for message in smtp.messages:
            click.echo(f"     email   to {message['To']}: {message['Subject']}")
        for d in hook.deliveries:
            payload = d.json
            click.echo(f"     webhook {payload['type']} id={d.headers.get('webhook-id')} "
                       f"signature {'verified' if d.verified else 'INVALID'}: {_headline(payload)}")
        changes = [d for d in hook.deliveries if d.json["type"] == "change.detected"]
        seen = {(d.json["data"]["agency"], d.json["data"]["kind"]) for d in changes}
        deadline_alerts = {d.json["type"] for d in hook.deliveries if d.json["type"].startswith("deadline.")}
    reminders = sum(1 for d in hook.deliveries if d.json["type"] == "deadline.approaching")
    alerts = len(hook.deliveries) - reminders  # what the scripted edits caused: one alert each
    click.echo(f"\nDemo finished: {len(real)} scripted edits that matter (and {len(edits) - len(real)} that are noise) "
               f"gave {alerts} alerts ({len(changes)} changes, {alerts - len(changes)} moved dates) and {reminders} "
               f"deadline reminder(s): {len(smtp.messages)} emails and {len(hook.deliveries)} webhooks. "
               f"Files: {workdir}")
    expected = {("fda", "changed"), ("fda", "new"), ("fda", "removed")}
    expected |= {(agency.value, "changed") for agency, module in MIRRORS.items() if module.ORIGINS and agency != "fda"}
    missing = sorted(expected - seen)
    if missing:
        click.echo(f"regwatch: the demo expected changes it did not see: {missing}", err=True)
    if terms_missing:
        click.echo(f"regwatch: the demo expected definitions it did not see: {terms_missing}", err=True)
    absent = sorted({"deadline.approaching", "deadline.changed"} - deadline_alerts)
    if absent:
        click.echo(f"regwatch: the demo expected deadline alerts it did not see: {absent}", err=True)
    return 1 if missing or terms_missing or absent else 0


def _check_terms(config: Path) -> list[str]:
    """What `regwatch terms --format json` lacks: a definition in each jurisdiction, and `previous` for the
    changed one."""
    import json

    env = {**os.environ, SECRET_ENV: SECRET}
    out = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "terms", "--format", "json"],
                         env=env, capture_output=True, text=True, check=False)
    rows = json.loads(out.stdout or "[]")
    defined = {r["agency"] for r in rows if r["sentence"]}
    lacking = [f"a definition from {a}" for a in Agency if a not in defined]
    if not any(r["term"] == DEMO_TERM and r["agency"] == DEMO_SITE and r["previous"] for r in rows):
        lacking.append(f"the earlier {DEMO_SITE} wording of {DEMO_TERM!r}")
    return lacking


def _headline(payload: dict[str, Any]) -> str:
    """One line for a received webhook: a change's summary, or a deadline's date (and where it moved from)."""
    data = payload["data"]
    if payload["type"] == "deadline.changed":
        return f"{data['agency']} {data['kind']} moved {data['before']} → {data['after']}: {data['title'][:60]}"
    if payload["type"] == "deadline.approaching":
        left = f"{data['days_left']} days left"
        return f"{data['agency']} {data['kind']} on {data['date']} ({left}): {data['title'][:60]}"
    return str(data.get("summary", ""))


def _show_one_of_each(messages: list[Any], deliveries: list[Any]) -> None:
    """One email as the reader gets it (its plain-text body) and one webhook payload as a receiver gets it."""
    import json

    email = next((m for m in messages if "· changed ·" in str(m["Subject"])), messages[0] if messages else None)
    if email is not None:
        _step(f"One email as received: {email['Subject']}")
        part = next((p for p in email.walk() if p.get_content_type() == "text/plain"), None)
        body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8") if part else ""
        click.echo("\n".join(f"     {line}" for line in body.strip().splitlines()))
    hook = next((d for d in deliveries if d.json.get("data", {}).get("kind") == "changed"),
                deliveries[0] if deliveries else None)
    if hook is not None:
        _step("One webhook payload as received (POST, Standard Webhooks signature verified)")
        click.echo("\n".join(f"     {line}" for line in
                             json.dumps(hook.json, ensure_ascii=False, indent=2).splitlines()))


def demo_settings(raw: dict[str, Any], workdir: Path, bases: dict[str, str], smtp_port: int,
                  hook_url: str) -> dict[str, Any]:
    """The user's configuration with mirrored sources pointed at the local mirrors, a scratch database and
    the local SMTP server and webhook receiver as channels."""
    sources = []
    for src in raw.get("sources", []):
        urls = [src.get("url")] if src.get("url") else list(src.get("start_urls", []))
        if not urls or not all(_mirrored(u, bases) for u in urls):
            continue
        src = dict(src)
        if "url" in src:
            src["url"] = _rebase(src["url"], bases)
        if "start_urls" in src:
            src["start_urls"] = [_rebase(u, bases) for u in src["start_urls"]]
        sources.append(src)
    return {
        "store": {"url": f"sqlite:///{workdir / 'demo.db'}"},
        "network": {"allow_hosts": ["127.0.0.1"]},  # the mirrors are on loopback; allowed on purpose
        # recheck_days 1: the demo's runs are a minute apart and some scripted edits are silent (no stamp moves),
        # so every run is a full cycle (a daily schedule leaves unchanged entries alone: README, "Request plan")
        "crawl": {**raw.get("crawl", {}), "delay": 0, "timeout": 20, "retries": 1, "recheck_days": 1},
        "sources": sources,
        **{key: raw[key] for key in ("topics", "terms") if raw.get(key)},  # the user's glossary and terms
        "alerts": {"channels": [
            {"name": "demo-email", "type": "email", "host": "127.0.0.1", "port": smtp_port,
             "from": "regwatch@localhost", "to": ["regulatory-affairs@localhost"], "starttls": False},
            {"name": "demo-webhook", "type": "webhook", "url": hook_url, "secret_env": SECRET_ENV},
        ]},
    }


def _mirrored(url: str, bases: dict[str, str]) -> bool:
    return any(url.startswith(origin + "/") for origin in bases)


def _rebase(url: str, bases: dict[str, str]) -> str:
    for origin, base in bases.items():
        if url.startswith(origin + "/"):
            return base + url[len(origin):]
    return url


def _load_raw(path: Path) -> dict[str, Any]:
    load_config(path)  # validate first: a broken config gets its one-line error here
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _regwatch(config: Path, *args: str) -> None:
    env = {**os.environ, SECRET_ENV: SECRET}
    subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), *args], env=env, check=False)


def _changed_documents(config: Path) -> list[int]:
    """One changed document per agency, to show its diff."""
    import json

    env = {**os.environ, SECRET_ENV: SECRET}
    out = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "history", "--kind",
                          "changed", "--format", "json"], env=env, capture_output=True, text=True, check=False)
    firsts: dict[str, int] = {}
    for row in json.loads(out.stdout or "[]"):
        firsts.setdefault(row["agency"], row["document_id"])
    return list(firsts.values())


def _step(text: str) -> None:
    click.echo(click.style(f"\n== {text}", bold=True))
