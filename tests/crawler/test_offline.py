"""Offline (a host name that does not resolve) is said plainly, once per host; "SSRF guard" only for refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from scrapy import Request

from regwatch.cli.run import failure_lines
from regwatch.crawler.middlewares import HostRefused
from regwatch.crawler.ssrf import HostGuard, SsrfGuardMiddleware
from regwatch.pipeline import SourceSummary
from regwatch.store.vocabulary import RunStatus

ROOT = Path(__file__).resolve().parents[2]


def _no_network(host: str) -> list[str]:
    raise OSError(-3, "Temporary failure in name resolution")


def test_an_unresolvable_name_is_not_a_refusal_of_the_guard() -> None:
    guard = SsrfGuardMiddleware(HostGuard(resolver=_no_network))
    with pytest.raises(HostRefused) as caught:
        guard.process_request(Request("https://www.fda.gov/x"))
    assert caught.value.reason == "www.fda.gov: name does not resolve: is this machine offline?"
    refused = SsrfGuardMiddleware(HostGuard(resolver=lambda host: ["10.0.0.5"]))
    with pytest.raises(HostRefused, match="SSRF guard"):
        refused.process_request(Request("https://intranet.example/x"))


def _summary(name: str, error: str) -> SourceSummary:
    return SourceSummary(name, RunStatus.FAILED, 0, 0, 0, 0, 0, 1, error, False)


def test_failure_lines_say_an_unresolvable_host_once() -> None:
    lines = failure_lines([
        _summary("fda-guidance", "www.fda.gov: name does not resolve: is this machine offline?"),
        _summary("fda-page", "https://www.fda.gov/a: www.fda.gov: name does not resolve: is this machine offline?"),
        _summary("ema-page", "https://www.ema.europa.eu/b: HTTP 500"),
    ])
    assert lines == ["source ema-page failed: https://www.ema.europa.eu/b: HTTP 500",
                     "www.fda.gov: name does not resolve: is this machine offline? (sources fda-guidance, fda-page)"]


def test_a_run_with_unresolvable_hosts_prints_one_plain_line_per_host(tmp_path: Path) -> None:
    """`.invalid` never resolves (RFC 2606), on- or offline: what a user without network sees."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "store": {"url": f"sqlite:///{tmp_path / 'r.db'}"}, "crawl": {"delay": 0, "retries": 0, "timeout": 5},
        "sources": [
            {"name": "fda-guidance", "agency": "fda", "type": "catalogue",
             "start_urls": ["https://www.fda.invalid/files/api/datatables/static/search-for-guidance.json"]},
            {"name": "fda-page", "agency": "fda", "url": "https://www.fda.invalid/a-page"},
            {"name": "ema-page", "agency": "ema", "url": "https://www.ema.invalid/a-page"}]}))
    run = subprocess.run([sys.executable, "-m", "regwatch", "--config", str(config), "run"], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "regwatch: www.fda.invalid: name does not resolve: is this machine offline? (sources fda-guidance, fda-page)",
        "regwatch: www.ema.invalid: name does not resolve: is this machine offline? (source ema-page)"]
    assert "SSRF" not in run.stdout + run.stderr and "Traceback" not in run.stderr
    errors = {line.split()[0]: line.split()[-1] for line in run.stdout.splitlines()[2:5]}
    assert errors == {"fda-guidance": "1", "fda-page": "1", "ema-page": "1"}  # counted alike for every type
