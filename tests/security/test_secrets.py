"""Secrets (SMTP password, webhook signing secret, web access token) come only from the environment and appear
nowhere else: not in the output of any command at DEBUG level (Scrapy's settings dump included), not in the
database, not in a WARC export, not in what the receivers got — even when delivery fails on them."""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import create_engine, inspect, text

from regwatch.config import ConfigError, load_config, parse_config
from regwatch.crawler.base import page_key
from regwatch.crawler.settings import scrapy_settings
from regwatch.crawler.spiders import SPIDERS
from regwatch.mirror.edits import copy_site
from regwatch.mirror.server import MirrorServer
from regwatch.parsers.types import Fetched, Parsed
from regwatch.pipeline import Cycle
from regwatch.receivers import SmtpReceiver, WebhookReceiver, free_port
from tests.e2e.conftest import FAST_CRAWL_DELAY, ROOT, set_crawl_delay

PAGE = ("/vaccines-blood-biologics/consumers-biologics/consumer-alert-regenerative-medicine-products-including-stem-"
        "cells-and-exosomes")
USER = "regwatch@localhost"
SMTP_PASSWORD = "smtp-" + secrets.token_hex(12)
WEBHOOK_KEY = secrets.token_bytes(24)
WEBHOOK_SECRET = "whsec_" + base64.b64encode(WEBHOOK_KEY).decode()
WEB_TOKEN = "web-" + secrets.token_urlsafe(32)
ENV = {"RW_SMTP_PASSWORD": SMTP_PASSWORD, "RW_WEBHOOK_SECRET": WEBHOOK_SECRET, "REGWATCH_WEB_TOKEN": WEB_TOKEN}


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


FORMS = {  # each secret as itself and as it travels (SMTP AUTH PLAIN / LOGIN, the signing key's bytes)
    "smtp password": SMTP_PASSWORD,
    "smtp password (base64, AUTH LOGIN)": b64(SMTP_PASSWORD),
    "smtp credentials (base64, AUTH PLAIN)": b64(f"\0{USER}\0{SMTP_PASSWORD}"),
    "webhook secret": WEBHOOK_SECRET,
    "webhook key (base64 part)": WEBHOOK_SECRET.removeprefix("whsec_"),
    "webhook key (hex)": WEBHOOK_KEY.hex(),
    "web token": WEB_TOKEN,
}


class RejectingSmtp(SmtpReceiver):
    """A real SMTP server that offers AUTH (without TLS, on loopback) and rejects every login, keeping what
    it was sent (so the test knows the real password reached it)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages = []
        self.logins: list[tuple[bytes, bytes]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, authenticator=self._reject,
                                      auth_require_tls=False)

    def _reject(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
        return AuthResult(success=False, handled=False)


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[MirrorServer]:
    site = copy_site(tmp_path / "site-fda")
    set_crawl_delay(site, FAST_CRAWL_DELAY)
    with MirrorServer(site) as server:
        yield server


def regwatch(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, "REGWATCH_DATABASE_URL": f"sqlite:///{db}", "REGWATCH_ALLOW_HOSTS": "127.0.0.1"}
    return subprocess.run([sys.executable, "-m", "regwatch", "-vv", "--config", str(config), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=240)


def occurrences(haystack: str | bytes) -> dict[str, int]:
    data = haystack.encode("utf-8", "replace") if isinstance(haystack, str) else haystack
    return {name: data.count(form.encode()) for name, form in FORMS.items() if data.count(form.encode())}


def database_texts(db: Path) -> Iterator[tuple[str, Any]]:
    """Every value of every column of every table, read through SQL."""
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for column, value in row._mapping.items():
                    yield f"db {table}.{column}", value
    engine.dispose()


def baseline(config: Path, db: Path, url: str, body: bytes) -> None:
    """The source's first run (its baseline), recorded in this process through the run's own code: the FDA
    spider's page parser, the store sink, the run's bookkeeping (no alerts: a baseline sends none)."""
    loaded = load_config(config, env={"REGWATCH_DATABASE_URL": f"sqlite:///{db}"})
    source = loaded.sources[0]
    fetched = Fetched(url, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    document = SPIDERS["fda"](sources=[source]).document_parser(source, url)(fetched)
    cycle = Cycle.start(loaded, [source])
    cycle.sink.accept(Parsed(source.name, page_key(url), url, fetched=fetched, document=document))
    assert cycle.finish().sources[0].status == "ok"


def test_secrets_appear_nowhere_in_a_full_cycle_with_failures_at_debug_level(tmp_path: Path,
                                                                             mirror: MirrorServer) -> None:
    db = tmp_path / "regwatch.db"
    with RejectingSmtp() as smtp, WebhookReceiver(secret=WEBHOOK_SECRET, status=500) as hook:
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "crawl": {"delay": 0, "timeout": 10, "retries": 0},
            "sources": [{"name": "fda-consumer-alert", "agency": "fda", "url": mirror.url(PAGE)}],
            "alerts": {"backoff_seconds": 0, "channels": [
                {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port, "from": USER,
                 "to": ["ra@localhost"], "username": USER, "password_env": "RW_SMTP_PASSWORD", "timeout": 5},
                {"name": "hook", "type": "webhook", "url": hook.url, "secret_env": "RW_WEBHOOK_SECRET",
                 "timeout": 5}]},
        }))
        page = mirror.site / PAGE.lstrip("/") / "index.html"
        baseline(config, db, mirror.url(PAGE), page.read_bytes())
        page.write_text(page.read_text().replace(
            "</main>", "<p>Clinics must not sell exosome products that FDA has not approved.</p></main>"))
        outputs = {"run (change, alerts fail)": regwatch(config, db, "run"),
                   "alerts test mail": regwatch(config, db, "alerts", "test", "mail")}
        with sqlite3.connect(db) as conn:
            document = conn.execute("SELECT document_id FROM changes").fetchone()[0]
        warc = tmp_path / "doc.warc.gz"
        outputs["export-warc"] = regwatch(config, db, "export-warc", str(document), "--output", str(warc))
        webhook_bodies = [d.body + json.dumps(d.headers).encode() for d in hook.deliveries]
        logins = list(smtp.logins)

    # the faults really happened, on the real secrets, and DEBUG logging was on
    run = outputs["run (change, alerts fail)"]
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert " DEBUG " in run.stderr and "Overridden settings" in run.stderr  # Scrapy's settings dump
    assert "0 sent" in run.stdout and "! " in run.stdout, run.stdout  # both deliveries failed, with reasons
    assert (USER.encode(), SMTP_PASSWORD.encode()) in logins  # the password reached the server, which refused it
    assert len(hook.deliveries) == 1 and hook.deliveries[0].verified  # signed with the real secret, answered 500
    assert outputs["alerts test mail"].returncode == 1 and "authentication failed" in outputs["alerts test mail"].stderr
    assert outputs["export-warc"].returncode == 0 and warc.stat().st_size > 0

    found: dict[str, dict[str, int]] = {}
    places = 0
    for name, out in outputs.items():
        for stream, content in (("stdout", out.stdout), ("stderr", out.stderr)):
            places += 1
            if hits := occurrences(content):
                found[f"{name} {stream}"] = hits
    for suffix in ("", "-wal", "-shm"):  # the database files byte for byte …
        path = db.with_name(db.name + suffix)
        if path.exists():
            places += 1
            if hits := occurrences(path.read_bytes()):
                found[f"file {path.name}"] = hits
    for where, value in database_texts(db):  # … and every column through SQL
        places += 1
        if value is not None and (hits := occurrences(value if isinstance(value, bytes) else str(value))):
            found[where] = hits
    places += 2
    if hits := occurrences(gzip.decompress(warc.read_bytes())):
        found["WARC export"] = hits
    if hits := occurrences(b"\n".join(webhook_bodies)):
        found["webhook deliveries"] = hits
    print(f"searched {len(FORMS)} secret forms in {places} places: {found or 'no occurrence'}")
    assert places > 50
    assert found == {}


def test_secrets_never_reach_scrapy_settings_and_the_file_cannot_hold_them(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"alerts": {"channels": [
        {"name": "mail", "type": "email", "host": "h", "from": USER, "to": ["ra@localhost"], "username": USER,
         "password_env": "RW_SMTP_PASSWORD"},
        {"name": "hook", "type": "webhook", "url": "https://hooks.example.org/x", "secret_env": "RW_WEBHOOK_SECRET"},
    ]}}))
    config = load_config(path)
    settings = scrapy_settings(config.crawl, config.network.allowed())
    assert occurrences(repr(settings)) == {}
    assert occurrences(repr(config.model_dump())) == {}  # the loaded configuration holds names, not values

    inline = [
        ({"alerts": {"channels": [{"name": "m", "type": "email", "host": "h", "from": USER, "to": [USER],
                                   "password": SMTP_PASSWORD}]}}, "alerts.channels[0](m).password: unknown key"),
        ({"alerts": {"channels": [{"name": "m", "type": "email", "host": "h", "from": USER, "to": [USER],
                                   "password_env": SMTP_PASSWORD}]}}, "alerts.channels[0](m).password_env: must name"),
        ({"alerts": {"channels": [{"name": "w", "type": "webhook", "url": "https://x.org/h",
                                   "secret": WEBHOOK_SECRET}]}}, "alerts.channels[0](w).secret: unknown key"),
        ({"alerts": {"channels": [{"name": "w", "type": "webhook", "url": f"https://u:{WEB_TOKEN}@x.org/h"}]}},
         "alerts.channels[0](w).url: holds a password"),
        ({"web": {"token": WEB_TOKEN}}, "web.token: unknown key"),
        ({"web": {"token_env": WEB_TOKEN}}, "web.token_env: must name an environment variable"),
        ({"store": {"url": f"postgresql+psycopg://postgres:{SMTP_PASSWORD}@127.0.0.1/db"}},
         "store.url: holds a password"),
    ]
    for raw, expected in inline:
        with pytest.raises(ConfigError) as err:
            parse_config(raw, env={})
        assert expected in str(err.value)
        assert occurrences(str(err.value)) == {}  # the refusal does not repeat the secret either
