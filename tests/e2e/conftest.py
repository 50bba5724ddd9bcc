"""Real parts for crawl tests: the offline mirror on loopback, a real SMTP server, a real webhook receiver,
and `regwatch` run as a child process (Scrapy's reactor runs once per process, as in production)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from regwatch.mirror.edits import copy_site
from regwatch.mirror.server import MirrorServer
from regwatch.receivers import SmtpReceiver, WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = "REGWATCH_TEST_WEBHOOK_SECRET"
SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLXJlZ3dhdGNoLXRlc3Rz"


@dataclass
class Regwatch:
    """A configured regwatch installation driven through its command line."""

    config: Path
    db_url: str

    def __call__(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, SECRET_ENV: SECRET, "REGWATCH_DATABASE_URL": self.db_url,
               "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}  # the mirrors live on loopback: allowed on purpose
        return subprocess.run([sys.executable, "-m", "regwatch", "--config", str(self.config), *args],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)

    def history(self, *args: str) -> list[dict[str, Any]]:
        out = self("history", "--format", "json", *args)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


FAST_CRAWL_DELAY = 0.05


def set_crawl_delay(site: Path, seconds: float) -> None:
    robots = site / "robots.txt"
    lines = robots.read_text().splitlines()
    robots.write_text("\n".join(f"Crawl-delay: {seconds}" if ln.startswith("Crawl-delay") else ln for ln in lines))


@pytest.fixture
def fda_site(tmp_path: Path) -> Path:
    """A writable copy of the FDA mirror whose robots.txt asks for a short Crawl-delay (tests stay fast)."""
    site = copy_site(tmp_path / "site-fda")
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    return site


@pytest.fixture
def fda_mirror(fda_site: Path) -> Iterator[MirrorServer]:
    with MirrorServer(fda_site) as mirror:
        yield mirror


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as receiver:
        yield receiver


def write_config(path: Path, sources: list[dict[str, Any]], smtp: SmtpReceiver | None = None,
                 hook: WebhookReceiver | None = None, **crawl: Any) -> Path:
    channels: list[dict[str, Any]] = []
    if smtp is not None:
        channels.append({"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
                         "from": "regwatch@localhost", "to": ["ra@localhost"], "starttls": False, "timeout": 5})
    if hook is not None:
        channels.append({"name": "hook", "type": "webhook", "url": hook.url, "secret_env": SECRET_ENV,
                         "timeout": 5})
    # recheck_days 1: these tests edit the mirror minutes after a run and expect the next run to see every edit,
    # stamped or silent (a full cycle); the request plan's own tests (test_request_plan.py) pass recheck_days
    config = {"crawl": {"delay": 0, "timeout": 10, "retries": 1, "recheck_days": 1, **crawl}, "sources": sources,
              "alerts": {"channels": channels, "backoff_seconds": 0}}  # runs seconds apart: retry at once
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path
