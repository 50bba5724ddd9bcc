"""Fixtures for the web view: a small store written by the store's own recording functions, the Flask app, a real
server (waitress, as `regwatch serve` runs it) on loopback, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from regwatch.store.db import open_store
from regwatch.web.app import WebSettings, create_app
from tests.web.storefill import fill

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class WebStore:
    url: str
    sessions: sessionmaker[Session]
    ids: dict[str, int]
    path: Path


@pytest.fixture(scope="module")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    path = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{path / 'web.db'}"
    sessions = open_store(url)
    return WebStore(url, sessions, fill(sessions), path)


@pytest.fixture(scope="module")
def app(web_store: WebStore) -> Flask:
    return create_app(web_store.sessions, WebSettings(page_size=4, refresh_every=0))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 behind waitress (the server `regwatch serve` uses), on a free port."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium (package `chromium`), headless; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
