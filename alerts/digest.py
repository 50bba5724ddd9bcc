"""The daily digest: one message grouping a day's changes by agency and document.

Crawled text is untrusted: the HTML is rendered with Jinja2 autoescape and only http(s) URLs become links.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Sequence

import jinja2

from regwatch.alerts.types import Message
from regwatch.store.views import ChangeView

_HTML = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 14px; color: #222; max-width: 720px">
<h1 style="font-size: 18px">{{ subject }}</h1>
{% for agency, documents in groups %}
<h2 style="font-size: 16px">{{ agency }}</h2>
{% for title, url, changes in documents %}
<h3 style="font-size: 14px">{% if url %}<a href="{{ url }}">{{ title }}</a>{% else %}{{ title }}{% endif %}</h3>
<ul>{% for c in changes %}<li>{{ c.kind }} — {{ c.summary }} <small>({{ c.detected_at }})</small></li>{% endfor %}</ul>
{% endfor %}
{% endfor %}
</body></html>
"""


@functools.cache
def _template() -> jinja2.Template:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True).from_string(_HTML)


def group(changes: Sequence[ChangeView]) -> list[tuple[str, list[tuple[str, str, list[ChangeView]]]]]:
    """Changes grouped by agency (alphabetical), then by document (in the order first seen)."""
    by_agency: dict[str, dict[int, list[ChangeView]]] = defaultdict(lambda: defaultdict(list))
    for change in changes:
        by_agency[change.agency.upper()][change.document_id].append(change)
    return [(agency, [(docs[0].title or "(untitled)", docs[0].url, docs) for docs in by_agency[agency].values()])
            for agency in sorted(by_agency)]


def render_digest(channel: str, day: str, changes: Sequence[ChangeView], period: str = "daily") -> Message:
    """One digest message for `channel` covering `changes` (all detected up to the digest run of `day`);
    `period` is "daily" or "weekly"."""
    groups = group(changes)
    subject = f"[regwatch] {period} digest · {day} · {len(changes)} change{'s' if len(changes) != 1 else ''}"
    lines = [subject, ""]
    for agency, documents in groups:
        lines.append(agency)
        for title, url, items in documents:
            lines.append(f"  {title}\n  {url}")
            lines.extend(f"    - {c.kind}: {c.summary}" for c in items)
        lines.append("")
    safe = [(agency, [(t, u if u.startswith(("http://", "https://")) else "", cs) for t, u, cs in docs])
            for agency, docs in groups]
    ids = ",".join(str(c.id) for c in sorted(changes, key=lambda c: c.id))
    prefix = "digest" if period == "daily" else f"digest-{period}"
    key = f"{prefix}-{channel}-{day}-{hashlib.sha256(ids.encode()).hexdigest()[:12]}"
    data = {"day": day, "changes": [c.as_json() for c in changes],
            "groups": [{"agency": a, "documents": [{"title": t, "url": u, "changes": [c.id for c in cs]}
                                                   for t, u, cs in docs]} for a, docs in groups]}
    return Message(kind=f"digest.{period}", idempotency_key=key, subject=subject, text="\n".join(lines),
                   html=_template().render(subject=subject, groups=safe), data=data)
