"""The pages: the change list, a document with its versions, a diff, raw bytes, a topic across agencies."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from regwatch.alerts.glosses import gloss_change
from regwatch.alerts.topics import DEFAULT_GLOSSARY
from regwatch.parsers.agencies import AGENCIES
from regwatch.store.models import Blob, Change, Version
from regwatch.store.queries import KINDS
from regwatch.warc import write_document_warc
from regwatch.web import diffview
from regwatch.web.context import cached, ensure_index, session, settings
from regwatch.web.history import (
    BadRequest,
    document_page,
    list_changes,
    parse_filter,
    significance_values,
    source_names,
    topic_documents,
    whole_number,
)

views = Blueprint("views", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")
EXTENSIONS = {"application/pdf": "pdf", "text/html": "html", "application/json": "json", "text/xml": "xml",
              "application/xml": "xml", "text/plain": "txt", "application/msword": "doc",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
              "application/x-hwp": "hwp", "application/haansofthwp": "hwp", "application/rss+xml": "xml",
              "application/atom+xml": "xml"}


@views.get("/")
def changes() -> str:
    f = parse_filter(request.args, default_limit=settings().page_size, max_limit=500)
    if f.needs_index():
        ensure_index()
    s = session()
    rows, more = list_changes(s, f)
    return render_template("changes.html", rows=rows, more=more, f=f, raw=dict(f.raw), agencies=AGENCIES,
                           kinds=KINDS, sources=source_names(s), topics=sorted(DEFAULT_GLOSSARY),
                           significances=cached("significance", 60, lambda: significance_values(s)))


@views.get("/changes/<int:change_id>")
def change(change_id: int) -> Response:
    """Where an alert's link lands: the diff of a wording change, else the document."""
    found = session().get(Change, change_id)
    if found is None:
        abort(404)
    if found.kind in ("changed", "status") and found.from_version and found.to_version \
            and found.from_version != found.to_version:
        return redirect(url_for("views.diff", document_id=found.document_id, **{"from": found.from_version},
                                to=found.to_version, _anchor="first-change"))
    return redirect(url_for("views.document", document_id=found.document_id))


@views.get("/documents/<int:document_id>")
def document(document_id: int) -> str:
    page = document_page(session(), document_id)
    if page is None:
        abort(404)
    shown, note = _shown_version(page.versions, request.args.get("version"), request.args.get("at"))
    return render_template("document.html", page=page, doc=page.doc, shown=shown, note=note,
                           at=request.args.get("at", ""))


def _shown_version(versions: list[Version], number: str | None, at: str | None) -> tuple[Version | None, str]:
    if not versions:
        return None, "no text stored yet"
    if number:
        match = [v for v in versions if str(v.number) == number]
        if not match:
            raise BadRequest(f"version: this document has no version {number!r}")
        return match[0], f"version {match[0].number}"
    if at:
        try:
            moment = datetime.combine(date.fromisoformat(at) + timedelta(days=1), time.min, tzinfo=UTC)
        except ValueError:
            raise BadRequest(f"at: {at!r} is not a date (YYYY-MM-DD)") from None
        then = [v for v in versions if v.fetched_at < moment]  # versions are newest first
        if not then:
            return None, f"no version had been fetched yet on {at}"
        return then[0], f"as it stood on {at} (version {then[0].number})"
    return versions[0], f"current text (version {versions[0].number})"


@views.get("/documents/<int:document_id>/diff")
def diff(document_id: int) -> str:
    page = document_page(session(), document_id)
    if page is None:
        abort(404)
    by_number = {v.number: v for v in page.versions}
    newest = page.versions[0].number if page.versions else 0
    to = _version_arg("to", newest)
    old = _version_arg("from", to - 1)
    if old not in by_number or to not in by_number:
        raise BadRequest(f"from/to: this document has versions 1 to {newest}; pick two of them")
    context_arg = request.args.get("context", "30")
    context = None if context_arg == "all" else _version_arg("context", 30)
    ops = diffview.compute(by_number[old].text, by_number[to].text, context)
    view = "side" if request.args.get("view") == "side" else "inline"
    significance, section = diffview.headline(by_number[old].text, by_number[to].text, ops)
    return render_template("diff.html", page=page, doc=page.doc, old=by_number[old], new=by_number[to], view=view,
                           pieces=diffview.inline(ops), rows=diffview.side_by_side(ops), context=context_arg,
                           changed=any(op.op != "equal" for op in ops), significance=significance,
                           section=section, glosses=_glosses(ops))


def _glosses(ops: list) -> list[str]:  # type: ignore[type-arg]
    """The changed Japanese, Korean and Chinese words glossed in English, once each ("应当 [shall] → 必须 [must]")."""
    found = [gloss_change(op.old, op.new) for op in ops if op.op in ("replace", "insert", "delete")]
    return list(dict.fromkeys(g for g in found if g))[:20]


def _version_arg(name: str, default: int) -> int:
    number = whole_number(request.args.get(name), name)
    if number is None:
        return default
    if not 0 <= number < 2**63:  # no version the store could hold
        abort(404)
    return number


@views.get("/documents/<int:document_id>/versions/<int:number>/raw")
def raw(document_id: int, number: int) -> Response:
    """The exact bytes fetched for a version, always as a download: never rendered from this origin."""
    s = session()
    found = s.scalar(select(Version).where(Version.document_id == document_id, Version.number == number))
    if found is None or found.raw_sha256 is None:
        abort(404)
    blob = s.get(Blob, found.raw_sha256)
    if blob is None:
        abort(404)
    response = Response(blob.content, mimetype="application/octet-stream")
    name = f"regwatch-doc{document_id}-v{number}.{_extension(found.response_headers)}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Regwatch-Sha256"] = blob.sha256
    return response


def _extension(headers: dict[str, object]) -> str:
    kind = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    return EXTENSIONS.get(kind.split(";")[0].strip().lower(), "bin")


@views.get("/documents/<int:document_id>/warc")
def warc(document_id: int) -> Response:
    """The document's versions as a WARC 1.1 file (request and response records, digests)."""
    out = io.BytesIO()
    try:
        write_document_warc(session(), document_id, out)
    except LookupError:
        abort(404)
    response = Response(out.getvalue(), mimetype="application/warc")
    response.headers["Content-Disposition"] = f'attachment; filename="regwatch-doc{document_id}.warc.gz"'
    return response


@views.get("/topics")
def topics() -> str:
    return render_template("topics.html", topics=sorted(DEFAULT_GLOSSARY.items()))


@views.get("/topics/<topic>")
def topic(topic: str) -> str:
    ensure_index()
    columns = topic_documents(session(), topic)
    return render_template("topic.html", topic=topic, columns=columns, agencies=AGENCIES,
                           terms=DEFAULT_GLOSSARY.get(topic, ()))
