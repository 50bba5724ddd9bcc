"""An email groups what one run found about one document (a page and its attachment): one message per email
channel, through a real SMTP server; the webhook keeps one `change.detected` per change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from regwatch.alerting import deliver_all
from regwatch.alerts.routing import route
from regwatch.config import load_config
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.receivers import SmtpReceiver, WebhookReceiver
from regwatch.store.db import open_store
from regwatch.store.models import OutboxItem, Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

SECRET = "whsec_cmVnd2F0Y2gtdGVzdC1zaWduaW5nLXNlY3JldC0xMjM0NTY3OA=="
PAGE = "https://www.fda.gov/regulatory-information/search-fda-guidance-documents/minimal"
PDF = "https://www.fda.gov/media/109176/download"


def _config(tmp_path: Path, smtp: SmtpReceiver, hook: WebhookReceiver) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "store": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
        "sources": [{"name": "fda-page", "agency": "fda", "url": PAGE}],
        "alerts": {"channels": [
            {"name": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port, "from": "r@localhost",
             "to": ["ra@localhost"], "starttls": False},
            {"name": "hook", "type": "webhook", "url": hook.url, "secret_env": "TEST_GROUPED_SECRET"}]}}))
    return path


def _run(sessions, source_id: int, clock: FakeClock, enqueue, texts: tuple[str, str], *,  # type: ignore[no-untyped-def]
         baseline: bool) -> None:
    with sessions.begin() as s:
        run = Run(started_at=clock(), status="running")
        s.add(run)
        s.flush()
        s.add(SourceRun(run_id=run.id, source_id=source_id))
        run_id = run.id
    ctx = RunContext(run_id, source_id, "fda-page", "fda", baseline, clock(), enqueue)
    page, pdf = texts
    with sessions.begin() as s:
        record_capture(s, ctx, Parsed("fda-page", "minimal", PAGE, fetched=Fetched(PAGE, 200, {}, page.encode()),
                                      document=Document(url=PAGE, title="Minimal Manipulation", text=page,
                                                        attachments=(PDF,))))
    with sessions.begin() as s:
        record_capture(s, ctx, Parsed("fda-page", "minimal#file1", PDF, parent_key="minimal",
                                      fetched=Fetched(PDF, 200, {}, pdf.encode()),
                                      document=Document(url=PDF, title="minimal.pdf", text=pdf)))
    clock.advance(days=1)


def test_page_and_attachment_changed_in_one_run_make_one_email_and_two_webhooks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_GROUPED_SECRET", SECRET)
    with SmtpReceiver() as smtp, WebhookReceiver(secret=SECRET) as hook:
        config = load_config(_config(tmp_path, smtp, hook))
        sessions = open_store(config.store.url)
        clock = FakeClock()
        with sessions.begin() as s:
            src = Source(name="fda-page", agency="fda", baseline_done=False)
            s.add(src)
            s.flush()
            source_id = src.id
        enqueue = route(config.alerts, clock)
        _run(sessions, source_id, clock, enqueue, ("Page: comments open.", "You should submit."), baseline=True)
        _run(sessions, source_id, clock, enqueue, ("Page: comments closed.", "You must submit."), baseline=False)
        report = deliver_all(config, sessions, lambda: datetime.now(UTC))
        assert report.failed == 0 and report.retrying == 0
        assert len(smtp.messages) == 1
        (mail,) = smtp.messages
        assert mail["Subject"].endswith("(+1 more about this document)")
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "[-open-]{+closed+}" in body and "[-should-]{+must+}" in body  # the page's words, then the file's
        assert body.index("closed") < body.index("must")
        assert sorted(d.json["type"] for d in hook.deliveries) == ["change.detected", "change.detected"]
        assert len({d.json["data"]["id"] for d in hook.deliveries}) == 2 and all(d.verified for d in hook.deliveries)
        with sessions() as s:
            assert {i.status for i in s.query(OutboxItem)} == {"sent"}
        assert deliver_all(config, sessions, lambda: datetime.now(UTC)).sent == 0  # nothing is sent twice
