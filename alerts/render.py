"""Turn a change (and its word diff) into a Message: subject, plain text, escaped HTML and the JSON payload.

Everything that comes from a crawled page (title, URL, summary, diff text) is untrusted: the HTML body is rendered
by Jinja2 with autoescape on, and only http(s) URLs become links.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import jinja2

from regwatch.alerts.context import fold_ops
from regwatch.alerts.diff import ELLIPSIS, DiffOp, ops_to_json
from regwatch.alerts.significance import short_title
from regwatch.alerts.types import Message
from regwatch.store.details import NO_DETAILS, ChangeDetails, DefinitionChange
from regwatch.store.views import ChangeView
from regwatch.store.vocabulary import ChangeKind

CONTEXT_WORDS = 8  # unchanged words kept on each side of a change
MAX_CHANGES = 50  # changes shown in one message (and in its webhook payload)
MAX_OP_CHARS = 1_000  # characters shown of one side of one change
MAX_TITLE_CHARS = 200

_HTML = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 14px; color: #222; max-width: 720px">
<p style="color: #555; font-size: 12px">{{ heading }}</p>
<h1 style="font-size: 18px">{{ title }}</h1>
{% if summary %}<p>{{ summary }}</p>{% endif %}
{% if definition %}
<h2 style="font-size: 15px">Definition of {{ definition.term or "a term" }}</h2>
<p style="margin: 2px 0"><strong>Before:</strong> {{ definition.before or "(no definition)" }}</p>
<p style="margin: 2px 0"><strong>After:</strong> {{ definition.after or "(no definition)" }}</p>
{% endif %}
{% if gloss %}<p style="color: #555"><strong>Gloss:</strong> {{ gloss }}</p>{% endif %}
{% for label, value, href in facts %}
<p style="margin: 2px 0"><strong>{{ label }}:</strong>
{% if href %}<a href="{{ href }}">{{ value }}</a>{% else %}{{ value }}{% endif %}</p>
{% endfor %}
{% if ops is not none %}
<h2 style="font-size: 15px">What changed</h2>
{% if ops %}
<p style="white-space: pre-wrap; line-height: 1.6">
{%- for op in ops -%}
{%- if op.op == "equal" -%}{{ op.old }}
{%- else -%}
{%- if op.old %}<del style="background: #fdd; color: #900">{{ op.old }}</del>{% endif -%}
{%- if op.new %}<ins style="background: #dfd; color: #060">{{ op.new }}</ins>{% endif -%}
{%- endif -%}
{%- endfor -%}
</p>
<p style="color: #555; font-size: 12px">Removed text is struck through (&lt;del&gt;), added text is underlined
(&lt;ins&gt;).</p>
{% else %}<p>No wording change.</p>{% endif %}
{% if more %}<p>{{ more }}</p>{% endif %}
{% endif %}
{% if details %}<p><a href="{{ details }}">Open this change in regwatch</a></p>{% endif %}
{% if note %}<p>{{ note }}</p>{% endif %}
</body></html>
"""


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)
    return env.from_string(_HTML)


def render_change(
    change: ChangeView, ops: Sequence[DiffOp] | None, *, channel: str, web_base: str | None = None,
    details: ChangeDetails = NO_DETAILS,
) -> Message:
    """Render one change for one channel. `ops` is its word diff, or None when there is no text diff
    (a new, removed or status-only change).

    The payload is `change.as_json()` plus `"diff"` (the shown ops as JSON, or null) and `"diff_truncated"`;
    unchanged runs are folded to CONTEXT_WORDS words and at most MAX_CHANGES changes are kept.
    """
    shown, hidden = _clip(ops)
    title = _one_line(change.title, MAX_TITLE_CHARS) or "(untitled)"
    named = _one_line(short_title(change.title, MAX_TITLE_CHARS)) or title  # its own title, not a generic tail
    subject = f"[regwatch] {_one_line(change.agency).upper()} · {_one_line(change.kind)} · {named}"
    link = f"{web_base.rstrip('/')}/changes/{change.id}" if web_base and _is_web_url(web_base) else None
    more = f"… and {hidden} more change{'s' if hidden != 1 else ''} not shown." if hidden else ""
    facts = _facts(change, details, web_base if web_base and _is_web_url(web_base) else None)
    definition = _definition(details.definition)
    gloss = _one_line(details.gloss or "", MAX_OP_CHARS)
    html = _template().render(
        subject=subject, heading=subject.removeprefix("[regwatch] "), title=title, summary=change.summary,
        facts=[(label, value, value if label in _LINKS and _is_web_url(value) else None) for label, value in facts],
        ops=shown, more=more, details=link, note="", definition=definition, gloss=gloss,
    )
    text = _text_body(subject, change.summary, facts, shown, more, link, definition, gloss)
    data = change.as_json() | {"diff": None if shown is None else ops_to_json(shown), "diff_truncated": hidden > 0}
    stored = details.to_json()  # the payload carries these as the change stored them
    data |= {k: stored[k] for k in ("significance", "section", "topics", "findings", "gloss")
             if stored.get(k) is not None}
    if definition:
        data["definition"] = definition
    return Message(
        kind="source.layout_changed" if change.kind == ChangeKind.LAYOUT_CHANGED else "change.detected",
        idempotency_key=f"change-{change.id}-{channel}", subject=subject, text=text,
        html=html, data=data, thread_key=f"doc-{change.document_id}",
    )


def render_test(channel: str, now_iso: str) -> Message:
    """A test message for `regwatch alerts test`: proves the channel delivers, changes nothing."""
    note = f"This is a test message from regwatch, sent through channel {channel!r} at {now_iso}."
    subject = f"[regwatch] test message · {_one_line(channel)}"
    html = _template().render(
        subject=subject, heading="regwatch · test", title="Test message", summary="", facts=[], ops=None,
        more="", details=None, note=note, definition=None, gloss="",
    )
    # Standard Webhooks ids must not contain '.', and Message-IDs want few punctuation marks.
    key = "test-" + re.sub(r"[^A-Za-z0-9_-]", "", f"{channel}-{now_iso}")
    return Message(
        kind="test", idempotency_key=key, subject=subject, text=note + "\n", html=html,
        data={"channel": channel, "sent_at": now_iso, "text": note},
    )


def render_ops_text(ops: Sequence[DiffOp]) -> str:
    """Inline word diff for plain text: `keep [-old-]{+new+} keep`."""
    parts = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.old)
        else:
            parts.append((f"[-{op.old}-]" if op.old else "") + (f"{{+{op.new}+}}" if op.new else ""))
    return "".join(parts)


def _text_body(
    subject: str, summary: str, facts: list[tuple[str, str]], ops: list[DiffOp] | None, more: str,
    details: str | None, definition: dict[str, Any] | None = None, gloss: str = "",
) -> str:
    lines = [subject.removeprefix("[regwatch] "), ""]
    if summary:
        lines += [summary, ""]
    if definition:
        lines += [f"Definition of {definition['term'] or 'a term'}:",
                  f"  Before: {definition['before'] or '(no definition)'}",
                  f"  After:  {definition['after'] or '(no definition)'}", ""]
    if gloss:
        lines += [f"Gloss: {gloss}", ""]
    lines += [f"{label}: {value}" for label, value in facts]
    if ops is not None:
        lines += ["", "What changed ([-removed-] {+added+}):", ""]
        lines.append(render_ops_text(ops).strip() if ops else "No wording change.")
        if more:
            lines += ["", more]
    if details:
        lines += ["", f"Open this change in regwatch: {details}"]
    return "\n".join(lines) + "\n"


_LINKS = ("Document", "Diff in regwatch", "Previous version")


def _facts(change: ChangeView, details: ChangeDetails, web: str | None) -> list[tuple[str, str]]:
    facts = [("Document", change.url), ("Source", change.source), ("Detected", change.detected_at)]
    if change.publisher and change.publisher != change.agency.upper():
        facts.append(("Publisher", change.publisher))
    if details.from_status and details.to_status:
        facts.append(("Status", f"{details.from_status} → {details.to_status}"))
    if details.wording:
        facts.append(("Wording", str(details.wording)))
    facts += [("New file", f"{f.title} {f.url}".strip()) for f in details.files]
    if details.significance:
        facts.append(("Significance", str(details.significance)))
    if details.section:
        facts.append(("Section", str(details.section)))
    if details.topics:
        facts.append(("Topics", ", ".join(map(str, details.topics))))
    if change.from_version is not None or change.to_version is not None:
        versions = ("–" if v is None else str(v) for v in (change.from_version, change.to_version))
        facts.append(("Versions", " → ".join(versions)))
    if web and change.from_version and change.to_version:
        base = f"{web.rstrip('/')}/documents/{change.document_id}"
        diff = f"{base}/diff?from={change.from_version}&to={change.to_version}#first-change"
        facts.append(("Diff in regwatch", diff))
        facts.append(("Previous version", f"{base}/versions/{change.from_version}/raw"))
    return facts


def _definition(change: DefinitionChange | None) -> dict[str, Any] | None:
    """`{term, before, after}` from a change's details: whole sentences, capped at MAX_OP_CHARS each."""
    if change is None:
        return None
    raw = change.to_json()
    side = {k: _cut(" ".join(str(raw[k]).split())) if raw.get(k) else None for k in ("term", "before", "after")}
    return side if side["before"] or side["after"] else None


def _clip(ops: Sequence[DiffOp] | None) -> tuple[list[DiffOp] | None, int]:
    """Fold context, keep at most MAX_CHANGES changes and MAX_OP_CHARS per side; return (shown, hidden count)."""
    if ops is None:
        return None, 0
    if all(op.op == "equal" for op in ops):
        return [], 0  # nothing to show: the template says "No wording change."
    folded = fold_ops(ops, CONTEXT_WORDS)
    shown: list[DiffOp] = []
    changes = 0
    for op in folded:
        if op.op != "equal":
            changes += 1
        if changes > MAX_CHANGES:
            break
        shown.append(DiffOp(op.op, _cut(op.old), _cut(op.new)))
    total = sum(op.op != "equal" for op in folded)
    return shown, total - min(total, MAX_CHANGES)


def _cut(text: str, limit: int = MAX_OP_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _one_line(text: str, limit: int | None = None) -> str:
    """Collapse whitespace (no newline may reach a mail header) and shorten to `limit` characters."""
    flat = " ".join(text.split())
    return flat if limit is None or len(flat) <= limit else flat[: limit - 1] + ELLIPSIS


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)

