from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser

from regwatch.alerts.diff import diff_words, fold_context, ops_to_json
from regwatch.alerts.render import CONTEXT_WORDS, MAX_CHANGES, render_change, render_test
from regwatch.store.details import ChangeDetails
from regwatch.store.views import ChangeView

OLD = "Sponsors should submit the <img src=x onerror=alert(1)> data to the agency before marketing."
NEW = "Sponsors must submit the <img src=x onerror=alert(1)> data to the agency within 30 days."
ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "p", "h1", "h2", "strong", "a", "ins", "del"}


class Tags(HTMLParser):
    """Every element in a document, with its attributes and the text directly inside ins/del/a."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_in: dict[str, list[str]] = {"ins": [], "del": [], "a": []}
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag != "meta":
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] in self.text_in:
            self.text_in[self._open[-1]].append(data)


def assert_safe_html(html: str) -> Tags:
    """Only our own markup survives: known tags, no event handlers, links only to http(s)."""
    parsed = Tags(html)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    for tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "a":
            assert (attrs["href"] or "").startswith(("http://", "https://"))
    assert "<script" not in html and "<img" not in html
    return parsed


def test_subject_names_agency_kind_and_title_on_one_line(change: ChangeView) -> None:
    message = render_change(change, None, channel="email")
    assert message.subject == f"[regwatch] FDA · changed · {change.title}"
    multiline = dataclasses.replace(change, title="Line one\r\nLine two\tend")
    assert render_change(multiline, None, channel="email").subject == "[regwatch] FDA · changed · Line one Line two end"


def test_text_body_has_summary_url_and_marked_words_in_context(change: ChangeView) -> None:
    text = render_change(change, diff_words(OLD, NEW), channel="email").text
    assert "Wording changed <b>bold</b>" in text
    assert "Document: https://www.fda.gov/guidance/abc?x=1&y=2" in text
    assert "Sponsors [-should-]{+must+} submit the" in text
    assert "agency [-before marketing-]{+within 30 days+}." in text
    assert "Versions: 3 → 4" in text


def test_html_marks_changes_with_ins_and_del_and_escapes_crawled_content(change: ChangeView) -> None:
    html = render_change(change, diff_words(OLD, NEW), channel="email").html
    parsed = assert_safe_html(html)
    assert parsed.text_in["del"] == ["should", "before marketing"]
    assert parsed.text_in["ins"] == ["must", "within 30 days"]
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Wording changed &lt;b&gt;bold&lt;/b&gt;" in html
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    assert links == ["https://www.fda.gov/guidance/abc?x=1&y=2"]  # the parser unescapes &amp;
    assert 'href="https://www.fda.gov/guidance/abc?x=1&amp;y=2"' in html


def test_only_http_urls_become_links(change: ChangeView) -> None:
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:alert(1)"):
        html = render_change(dataclasses.replace(change, url=url), None, channel="email", web_base=url).html
        parsed = assert_safe_html(html)
        assert not [tag for tag, _ in parsed.tags if tag == "a"]


def test_link_to_the_web_ui_when_a_base_is_given(change: ChangeView) -> None:
    message = render_change(change, None, channel="email", web_base="https://regwatch.example.org/")
    assert "Open this change in regwatch: https://regwatch.example.org/changes/7" in message.text
    links = [attrs["href"] for tag, attrs in Tags(message.html).tags if tag == "a"]
    assert "https://regwatch.example.org/changes/7" in links


def test_payload_is_the_public_change_plus_the_diff(change: ChangeView) -> None:
    ops = diff_words(OLD, NEW)
    data = render_change(change, ops, channel="webhook").data
    assert {k: v for k, v in data.items() if k not in ("diff", "diff_truncated")} == change.as_json()
    assert data["diff"] == ops_to_json(fold_context(ops, CONTEXT_WORDS))
    assert data["diff_truncated"] is False
    assert json.loads(json.dumps(data)) == data
    assert render_change(change, None, channel="webhook").data["diff"] is None


def test_keys_are_deterministic_per_change_and_channel(change: ChangeView) -> None:
    first = render_change(change, None, channel="email")
    again = render_change(change, diff_words("a", "b"), channel="email")
    other = render_change(change, None, channel="webhook")
    assert first.idempotency_key == again.idempotency_key == "change-7-email"
    assert other.idempotency_key == "change-7-webhook"
    assert first.thread_key == other.thread_key == "doc-42"
    assert first.kind == "change.detected"


def test_long_diffs_are_clipped_and_say_so(change: ChangeView) -> None:
    old = " ".join(f"w{i} x{i}." for i in range(MAX_CHANGES + 5))
    new = " ".join(f"w{i} y{i}." for i in range(MAX_CHANGES + 5))
    message = render_change(change, diff_words(old, new), channel="email")
    assert "… and 5 more changes not shown." in message.text
    assert message.data["diff_truncated"] is True
    assert sum(op["op"] != "equal" for op in message.data["diff"]) == MAX_CHANGES
    assert len(Tags(message.html).text_in["ins"]) == MAX_CHANGES


def test_no_wording_change(change: ChangeView) -> None:
    message = render_change(change, diff_words("same", "same"), channel="email")
    assert "No wording change." in message.text and "No wording change." in message.html
    assert message.data["diff"] == []


def test_test_message_is_escaped_and_keyed_without_dots() -> None:
    message = render_test("<b>hook</b>", "2024-05-01T12:00:00.5+00:00")
    assert message.kind == "test"
    assert "." not in message.idempotency_key
    assert message.idempotency_key == render_test("<b>hook</b>", "2024-05-01T12:00:00.5+00:00").idempotency_key
    assert "&lt;b&gt;hook&lt;/b&gt;" in message.html and "<b>" not in message.html
    assert message.data == {"channel": "<b>hook</b>", "sent_at": "2024-05-01T12:00:00.5+00:00",
                            "text": message.text.strip()}
    assert_safe_html(message.html)


def test_significance_section_topics_and_web_links_are_shown_and_sent() -> None:

    change = ChangeView(id=3, detected_at="2026-11-02T06:00:00Z", agency="fda", source="fda-guidance",
                        document_id=74, url="https://www.fda.gov/media/1/download", title="Minimal manipulation",
                        kind="changed", from_version=1, to_version=2, summary="FDA · x · obligation: 'should' → 'must'")
    details = ChangeDetails(significance="obligation", section="II. TESTING", topics=("hctp",))
    message = render_change(change, diff_words("You should test.", "You must test."), channel="mail",
                            web_base="http://127.0.0.1:8080", details=details)
    for text in (message.text, message.html):
        assert "obligation" in text and "II. TESTING" in text and "hctp" in text
    assert "http://127.0.0.1:8080/documents/74/diff?from=1&amp;to=2" in message.html
    assert "http://127.0.0.1:8080/changes/3" in message.text
    assert message.data["significance"] == "obligation" and message.data["section"] == "II. TESTING"
