"""`regwatch serve`: the history web view (loopback by default; a token is required anywhere else)."""

from __future__ import annotations

import ipaddress
import os

import click
import waitress

from regwatch.cli.common import UserError, config_from, open_sessions
from regwatch.history import refresh_index
from regwatch.web.app import WebSettings, create_app

MIN_TOKEN = 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default=None, help="Address to bind (default web.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default web.port, 8080).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the change history: pages, a JSON/CSV API, an Atom feed (http://127.0.0.1:8080/ by default)."""
    config = config_from(ctx)
    host, port = host or config.web.host, port or config.web.port
    token = None
    if not is_loopback(host):
        token = os.environ.get(config.web.token_env, "")
        if len(token) < MIN_TOKEN:
            raise UserError(f"serving on {host} (not loopback) needs an access token of at least {MIN_TOKEN} "
                            f"characters in the environment variable {config.web.token_env} (web.token_env)")
    sessions = open_sessions(config)
    indexed = refresh_index(sessions)
    app = create_app(sessions, WebSettings(token=token, page_size=config.web.page_size,
                                           terms=config.terms or None))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"regwatch: serving the history on http://{shown}:{port}/"
               f"{' (access token required)' if token else ''}; {indexed} document(s) indexed; Ctrl-C stops",
               err=True)
    waitress.serve(app, host=host, port=port, threads=8, ident="regwatch")
