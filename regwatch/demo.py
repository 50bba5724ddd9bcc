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
from pathlib import Path
from typing import Any

import click
import yaml

from mirror.agencies import AGENCIES, apply_demo_edits, copy_sites, origins
from mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver

SECRET_ENV = "REGWATCH_DEMO_WEBHOOK_SECRET"
SECRET = "whsec_cmVnd2F0Y2gtZGVtby1zaWduaW5nLXNlY3JldC0xMjM0NTY="


def run_demo(config_path: Path, keep: Path | None = None) -> int:
    """Run the demo; returns the process exit code."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return _demo(config_path, keep)
    with tempfile.TemporaryDirectory(prefix="regwatch-demo-") as tmp:
        return _demo(config_path, Path(tmp))


def _demo(config_path: Path, workdir: Path) -> int:
    sites = copy_sites(workdir)
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
        _step("1/4  First crawl: every watched document is stored as version 1 (the baseline; no alerts)")
        _regwatch(demo_config, "run")
        _step("2/4  Scripted edits to the mirrors")
        for what, target in apply_demo_edits(sites).items():
            click.echo(f"     - {what}: {target}")
        _step("3/4  Second crawl: wording changes and the new guidance are found")
        _regwatch(demo_config, "run")
        _step("4/4  Third crawl: a withdrawal counts once a guidance has left the catalogue on two runs in a row")
        _regwatch(demo_config, "run")
        _step("Change history (regwatch history)")
        _regwatch(demo_config, "history")
        for document_id in _changed_documents(demo_config):
            _step(f"The changed words (regwatch diff {document_id})")
            _regwatch(demo_config, "diff", str(document_id), "--context", "8")
        _step("Alerts received")
        for message in smtp.messages:
            click.echo(f"     email   to {message['To']}: {message['Subject']}")
        for d in hook.deliveries:
            payload = d.json
            click.echo(f"     webhook {payload['type']} id={d.headers.get('webhook-id')} "
                       f"signature {'verified' if d.verified else 'INVALID'}: {payload['data'].get('summary', '')}")
        seen = {(d.json["data"]["agency"], d.json["data"]["kind"]) for d in hook.deliveries}
    click.echo(f"\nDemo finished: {len(smtp.messages)} emails and {len(hook.deliveries)} webhooks. Files: {workdir}")
    expected = {("fda", "changed"), ("fda", "new"), ("fda", "removed")}
    expected |= {(agency, "changed") for agency, module in AGENCIES.items() if module.ORIGINS and agency != "fda"}
    missing = sorted(expected - seen)
    if missing:
        click.echo(f"regwatch: the demo expected changes it did not see: {missing}", err=True)
    return 1 if missing else 0


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
    from regwatch.config import load_config

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
