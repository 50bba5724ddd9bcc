"""Configuration: the shipped default loads; every mistake is one clear line naming the key, exit code 2."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from regwatch.cli import main
from regwatch.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]

GOOD: dict[str, Any] = {
    "store": {"url": "sqlite:///x.db"},
    "sources": [
        {"name": "fda-guidance", "agency": "fda", "type": "catalogue", "start_urls": ["https://www.fda.gov/x.json"],
         "watch": {"keywords": ["cell"]}},
        {"name": "page-one", "url": "https://example.org/a"},
    ],
    "alerts": {"channels": [
        {"name": "mail", "type": "email", "host": "smtp.example.org", "port": 587, "from": "a@example.org",
         "to": ["b@example.org"], "starttls": True, "username": "a", "password_env": "SMTP_PW"},
        {"name": "hook", "type": "webhook", "url": "https://hooks.example.org/x", "secret_env": "HOOK_SECRET"},
    ]},
}


def mutate(path: str, value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    raw = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if delete:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return raw


BAD = [
    (mutate("sourcess", []), "sourcess: unknown key"),
    (mutate("store.uri", "x"), "store.uri: unknown key"),
    (mutate("sources.0.agency", "fdaa"), "sources[0](fda-guidance).agency"),
    (mutate("sources.0.name", delete=True), "sources[0].name: required key is missing"),
    (mutate("sources.1.url", "ftp://example.org/a"), "sources[1](page-one).url: 'ftp://example.org/a' is not an http"),
    (mutate("sources.1.url", delete=True), "sources[1](page-one): needs `url` or `start_urls`"),
    (mutate("sources.0.type", "rss"), "sources[0](fda-guidance).type"),
    (mutate("sources.0.agency", delete=True), "sources[0](fda-guidance): a catalogue source needs an `agency`"),
    (mutate("sources.0.watch.keyword", ["x"]), "sources[0](fda-guidance).watch.keyword: unknown key"),
    (mutate("sources.1.name", "fda-guidance"), "duplicate name 'fda-guidance' in sources"),
    (mutate("sources.1.name", "has space"), "sources[1](has space).name: 'has space' must be letters"),
    (mutate("sources.1.enabled", "sometimes"), "sources[1](page-one).enabled"),
    (mutate("alerts.channels.0.port", 70000), "alerts.channels[0](mail).port"),
    (mutate("alerts.channels.0.port", "smtp"), "alerts.channels[0](mail).port"),
    (mutate("alerts.channels.0.to", []), "alerts.channels[0](mail).to"),
    (mutate("alerts.channels.0.host", delete=True), "alerts.channels[0](mail).host: required key is missing"),
    (mutate("alerts.channels.0.password", "hunter2"), "alerts.channels[0](mail).password: unknown key"),
    (mutate("alerts.channels.0.type", "pager"), "alerts.channels[0](mail)"),
    (mutate("alerts.channels.1.url", "javascript:alert(1)"), "alerts.channels[1](hook).url"),
    (mutate("alerts.channels.1.name", "mail"), "duplicate name 'mail' in alerts.channels"),
    (mutate("alerts.max_attempts", 0), "alerts.max_attempts"),
    (mutate("alerts.subscriptions", [{"channel": "pager"}]), "subscriptions[0].channel 'pager' is not a configured"),
    (mutate("alerts.subscriptions", [{"channel": "mail", "mode": "monthly"}]), "alerts.subscriptions[0].mode"),
    (mutate("alerts.subscriptions", [{"channel": "mail", "min_significance": "huge"}]),
     "alerts.subscriptions[0].min_significance"),
    (mutate("alerts.subscriptions", [{"channel": "mail", "sources": ["nope"]}]), "unknown source 'nope'"),
    (mutate("alerts.channels.1", {"name": "chat", "type": "apprise"}), "alerts.channels[1](chat).urls_env: required"),
    (mutate("sources.1.ignore", ["(unclosed"]), "sources[1](page-one).ignore: '(unclosed' is not a regular expression"),
    (mutate("network", {"allow_hosts": "127.0.0.1"}), "network.allow_hosts"),
    (mutate("topics", {"exosomes": "exosome"}), "topics.exosomes"),
    (mutate("crawl", {"delay": -1}), "crawl.delay"),
    (mutate("crawl", {"retries": 99}), "crawl.retries"),
    (mutate("crawl", {"max_size_mb": "big"}), "crawl.max_size_mb"),
    (mutate("crawl", {"timeout": 0}), "crawl.timeout"),
    (mutate("sources.0.max_pages", 0), "sources[0](fda-guidance).max_pages"),
    (mutate("sources.0.start_urls", "https://www.fda.gov/x.json"), "sources[0](fda-guidance).start_urls"),
    (mutate("schedule", {"cron": "0 25 * * *"}), "schedule.cron: '0 25 * * *' is not a valid 5-field cron"),
    (mutate("schedule", {"cron": "daily"}), "schedule.cron: 'daily' is not a valid 5-field cron"),
    (mutate("schedule", {"timezone": "Mars/Olympus"}), "schedule.timezone: 'Mars/Olympus' is not an IANA"),
    (mutate("schedule", {"lease_seconds": 1}), "schedule.lease_seconds"),
    (mutate("web", {"port": 0}), "web.port"),
    (mutate("web", {"page_size": 5000}), "web.page_size"),
    (mutate("web", {"token": "s3cret-token-value"}), "web.token: unknown key"),
    (mutate("web", {"token_env": "s3cret token value"}), "web.token_env: must name an environment variable"),
    (mutate("store", {"url": "sqlite:///x.db", "busy_timeout_seconds": 0}), "store.busy_timeout_seconds"),
    (mutate("store", {"url": "postgresql+psycopg://u:hunter2@db/regwatch"}), "store.url: holds a password"),
    (mutate("distributed", {"redis_url": "redis://:hunter2@10.0.0.5/0"}), "distributed.redis_url: holds a password"),
    (mutate("store", "sqlite:///x.db"), "store: "),
    (mutate("network", {"allow_hosts": ["10.0.0.0/33"]}), "network.allow_hosts: '10.0.0.0/33' is not a host name"),
    (mutate("alerts.channels.0.from", "regwatch"), "alerts.channels[0](mail).from: 'regwatch' is not an email"),
    (mutate("alerts.channels.0.to", ["ra team@example.org"]), "alerts.channels[0](mail).to: 'ra team@example.org'"),
    (mutate("alerts.channels.0.password_env", "hunter2!"), "alerts.channels[0](mail).password_env: must name"),
    (mutate("alerts.channels.1.url", "https://user:pw@hooks.example.org/x"), "alerts.channels[1](hook).url: holds a"),
    (mutate("alerts.channels.1.secret", "whsec_abc"), "alerts.channels[1](hook).secret: unknown key"),
    (mutate("alerts.backoff_seconds", -5), "alerts.backoff_seconds"),
    (mutate("alerts.subscriptions", [{"channel": "mail", "kinds": ["edited"]}]), "alerts.subscriptions[0].kinds"),
    (mutate("alerts.subscriptions", [{"channel": "mail", "agencies": ["who"]}]), "alerts.subscriptions[0].agencies"),
]


def test_shipped_default_config_loads() -> None:
    config = load_config(ROOT / "config.yaml", env={})
    assert config.store.url == "sqlite:///regwatch.db"
    assert {s.agency for s in config.sources} == {"fda", "ema", "pmda", "mfds", "nmpa"}
    assert config.source("fda-guidance").type == "catalogue"


def test_database_url_environment_override() -> None:
    config = parse_config(GOOD, env={"REGWATCH_DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert config.store.url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("raw", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_config_is_one_line_naming_the_key(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(raw, env={})
    message = str(err.value)
    assert expected in message
    assert "\n" not in message


def test_cli_reports_bad_config_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(mutate("sources.0.agency", "fdaa")))
    result = CliRunner().invoke(main, ["--config", str(path), "sources"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("regwatch: ")
    assert "sources[0](fda-guidance).agency" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("raw", "expected"), BAD, ids=[e for _, e in BAD])
def test_every_bad_config_through_the_command_line(tmp_path: Path, raw: dict[str, Any], expected: str) -> None:
    """The same table through `regwatch --config bad.yaml sources`: exit code 2, exactly one line on stderr
    naming the key, nothing on stdout, no traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    result = CliRunner().invoke(main, ["--config", str(path), "sources"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"regwatch: {path}: ") and expected in lines[0], result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)  # a clean exit, no crash


@pytest.mark.parametrize(("content", "command", "expected"), [
    (None, "sources", "config file not found: "),
    ("", "run", "no sources to run: add some under `sources` in the config"),
    ("sources: [\n", "run", "not valid YAML"),
    ("store: {url: 'not a database url'}\n", "sources", "store.url is not a database URL"),
    ("sources:\n  - {name: a, url: 'https://example.org/a'}\n", "run --source b", "unknown source 'b'"),
])
def test_config_mistakes_found_when_running_are_one_line_too(tmp_path: Path, content: str | None, command: str,
                                                               expected: str) -> None:
    path = tmp_path / "config.yaml"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["--config", str(path), *command.split()])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("regwatch: ") and expected in lines[0], result.stderr


def test_bad_config_in_a_real_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(mutate("sources.0.watch.keyword", ["cell"])))
    done = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(path), "run"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    key = "sources[0](fda-guidance).watch.keyword"
    assert done.stderr == f"regwatch: {path}: {key}: unknown key (check the spelling)\n"


@pytest.mark.parametrize(("content", "expected"), [
    (None, "config file not found"),
    ("sources: [", "not valid YAML"),
    ("- just\n- a list\n", "top level must be a mapping"),
    (b"\xff\xfe bad bytes", "cannot read config file"),
])
def test_unreadable_config_files(tmp_path: Path, content: str | bytes | None, expected: str) -> None:
    path = tmp_path / "config.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["--config", str(path), "history"])
    assert result.exit_code == 2
    assert expected in result.output
