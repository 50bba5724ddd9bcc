"""`regwatch demo`: the whole product, offline, in a minute.

Serves the bundled mirror of www.fda.gov on 127.0.0.1, starts a local SMTP server and a local webhook
receiver, points the configured FDA sources at the mirror (the mirror is just another base URL), crawls
(the baseline), applies scripted edits to the mirror, crawls again, and shows the changes and the alerts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
import yaml

from mirror.edits import copy_site, demo_edits
from mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver

SECRET_ENV = "REGWATCH_DEMO_WEBHOOK_SECRET"
SECRET = "whsec_cmVnd2F0Y2gtZGVtby1zaWduaW5nLXNlY3JldC0xMjM0NTY="
MIRRORED = {"https://www.fda.gov": "fda"}


def run_demo(config_path: Path, keep: Path | None = None) -> int:
    """Run the demo; returns the process exit code."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        return _demo(config_path, keep)
    with tempfile.TemporaryDirectory(prefix="regwatch-demo-") as tmp:
        return _demo(config_path, Path(tmp))


def _demo(config_path: Path, workdir: Path) -> int:
    site = copy_site(workdir / "site-fda")
    with MirrorServer(site) as mirror, SmtpReceiver() as smtp, WebhookReceiver(secret=SECRET) as hook:
        demo_config = workdir / "demo-config.yaml"
        raw = _load_raw(config_path)
        demo_config.write_text(yaml.safe_dump(demo_settings(raw, workdir, {"https://www.fda.gov": mirror.base_url},
                                                            smtp.port, hook.url), sort_keys=False))
        _step(f"Offline mirror of www.fda.gov on {mirror.base_url}; SMTP on 127.0.0.1:{smtp.port}; "
              f"webhook receiver on {hook.url}")
        _step("1/4  First crawl: every watched guidance is stored as version 1 (the baseline; no alerts)")
        _regwatch(demo_config, "run")
        _step("2/4  Scripted edits to the mirror")
        for line in _describe_edits(demo_edits(site)):
            click.echo(f"     - {line}")
        _step("3/4  Second crawl: the wording change and the new guidance are found")
        _regwatch(demo_config, "run")
        _step("4/4  Third crawl: a withdrawal counts once a guidance has left the catalogue on two runs in a row")
        _regwatch(demo_config, "run")
        _step("Change history (regwatch history)")
        _regwatch(demo_config, "history")
        changed = _changed_document(demo_config)
        if changed is not None:
            _step(f"The changed words (regwatch diff {changed})")
            _regwatch(demo_config, "diff", str(changed), "--context", "8")
        _step("Alerts received")
        for message in smtp.messages:
            click.echo(f"     email   to {message['To']}: {message['Subject']}")
        for d in hook.deliveries:
            payload = d.json
            click.echo(f"     webhook {payload['type']} id={d.headers.get('webhook-id')} "
                       f"signature {'verified' if d.verified else 'INVALID'}: {payload['data'].get('summary', '')}")
        kinds = sorted({d.json["data"].get("kind") for d in hook.deliveries})
    click.echo(f"\nDemo finished: {len(smtp.messages)} emails and {len(hook.deliveries)} webhooks for changes "
               f"of kind {', '.join(kinds) or 'none'}. Files: {workdir}")
    return 0 if {"changed", "new", "removed"} <= set(kinds) else 1


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
        "crawl": {**raw.get("crawl", {}), "delay": 0, "timeout": 20, "retries": 1},
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


def _changed_document(config: Path) -> int | None:
    import json

    env = {**os.environ, SECRET_ENV: SECRET}
    out = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "history", "--kind",
                          "changed", "--format", "json"], env=env, capture_output=True, text=True, check=False)
    rows = json.loads(out.stdout or "[]")
    return rows[0]["document_id"] if rows else None


def _describe_edits(edits: Any) -> list[str]:
    if isinstance(edits, dict):
        return [f"{k}: {v}" for k, v in edits.items()]
    return [str(e) for e in edits or []]


def _step(text: str) -> None:
    click.echo(click.style(f"\n== {text}", bold=True))
