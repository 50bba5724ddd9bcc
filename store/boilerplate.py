"""Boilerplate learned from what the store holds (issue 15), kept in `boilerplate_rules`.

When a document's text changes, the rules of its host section are learned from the latest versions of the
source's other HTML documents there (at most once per run and section), and its volatile blocks from its own
earlier versions; both texts are compared without that boilerplate. The rules stay in the store, inspectable
with `regwatch boilerplate`. A section with fewer than `parsers.boilerplate.MIN_PAGES` pages learns nothing.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from regwatch.parsers.boilerplate import Overrides, Rule, Rules, learn_pages, learn_versions
from regwatch.store.models import BoilerplateRule, Source, Version
from regwatch.store.models import Document as DocumentRow

MAX_PAGES = 200  # pages of a section read to learn it (the most recently seen)
MAX_VERSIONS = 6  # earlier versions of a document read to learn its volatile blocks
_FILES = (".pdf", ".doc", ".docx", ".hwp", ".hwpx", ".xls", ".xlsx", ".zip", ".ppt", ".pptx", ".txt")
_MARK = "learned"  # a row marking that a section was learned in a run (key: the run id; seen: pages read)


def scope(url: str) -> tuple[str, str]:
    """(host, section) of a URL: the section is the first segment of its path ("" for the root)."""
    parts = urlsplit(url)
    return parts.netloc.lower(), parts.path.strip("/").split("/", 1)[0][:255]


def _is_html(url: str, headers: dict[str, object]) -> bool:
    ctype = next((str(v) for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    if ctype:
        return "html" in ctype.lower()
    return not urlsplit(url).path.lower().endswith(_FILES)


def _section_texts(session: Session, source_id: int, host: str, section: str) -> list[str]:
    """The latest text of each HTML document of the source in this host section."""
    latest = (select(Version.document_id, func.max(Version.number).label("n"))
              .join(DocumentRow, DocumentRow.id == Version.document_id)
              .where(DocumentRow.source_id == source_id, DocumentRow.removed_at.is_(None),
                     Version.http_status.is_not(None))  # fetched pages, not catalogue metadata texts
              .group_by(Version.document_id).subquery())
    rows = session.execute(
        select(Version.url, Version.text, Version.response_headers)
        .join(latest, (Version.document_id == latest.c.document_id) & (Version.number == latest.c.n))
        .order_by(Version.fetched_at.desc()).limit(MAX_PAGES * 5))
    texts = []
    for url, text, headers in rows:
        if scope(url) == (host, section) and _is_html(url, headers):
            texts.append(text)
            if len(texts) >= MAX_PAGES:
                break
    return texts


def learn_section(session: Session, source_id: int, host: str, section: str, run_id: int,
                  now: datetime) -> list[Rule]:
    """Learn the chrome and boxes of one host section again, replacing what was stored for it."""
    texts = _section_texts(session, source_id, host, section)
    rules = learn_pages(texts)
    session.execute(delete(BoilerplateRule).where(
        BoilerplateRule.source_id == source_id, BoilerplateRule.host == host, BoilerplateRule.section == section,
        BoilerplateRule.document_id.is_(None)))
    session.add(BoilerplateRule(source_id=source_id, host=host, section=section, kind=_MARK, key=str(run_id),
                                seen=len(texts), learned_at=now))
    session.add_all(BoilerplateRule(source_id=source_id, host=host, section=section, kind=r.kind, key=r.key,
                                    size=r.size, prefix=r.prefix, seen=r.seen, sample=r.sample[:500],
                                    learned_at=now) for r in rules)
    session.flush()
    return rules


def learn_document(session: Session, doc: DocumentRow, new_text: str, now: datetime) -> list[Rule]:
    """Learn the volatile blocks of one document from its earlier versions and `new_text`, replacing its rules."""
    texts = list(session.scalars(select(Version.text).where(Version.document_id == doc.id)
                                 .order_by(Version.number.desc()).limit(MAX_VERSIONS)))[::-1]
    rules = learn_versions(texts if texts and texts[-1] == new_text else [*texts, new_text])
    host, section = scope(doc.url)
    session.execute(delete(BoilerplateRule).where(BoilerplateRule.document_id == doc.id))
    session.add_all(BoilerplateRule(source_id=doc.source_id, host=host, section=section, document_id=doc.id,
                                    kind=r.kind, key=r.key, prefix=r.prefix, seen=r.seen, sample=r.sample[:500],
                                    learned_at=now) for r in rules)
    return rules


def _stored(session: Session, source_id: int, host: str, section: str) -> tuple[list[Rule], str | None]:
    rows = session.scalars(select(BoilerplateRule).where(
        BoilerplateRule.source_id == source_id, BoilerplateRule.host == host, BoilerplateRule.section == section,
        BoilerplateRule.document_id.is_(None)))
    rules, mark = [], None
    for row in rows:
        if row.kind == _MARK:
            mark = row.key
        else:
            rules.append(Rule(row.kind, row.key, row.size, row.prefix, row.seen, row.sample))
    return rules, mark


def rules_for(session: Session, source_id: int, doc: DocumentRow, new_text: str, run_id: int, now: datetime,
              overrides: Overrides | None = None, headers: dict[str, object] | None = None) -> Rules:
    """The rules that apply to a changed HTML document: its section's (learned in this run if not yet) and its
    own volatile blocks; none for a file (PDF, DOCX …)."""
    overrides = overrides or Overrides()
    if not overrides.learn or not _is_html(doc.url, headers or {}):
        return Rules((), overrides)
    host, section = scope(doc.url)
    learned, mark = _stored(session, source_id, host, section)
    if mark != str(run_id):
        learned = learn_section(session, source_id, host, section, run_id, now)
    learned = learned + learn_document(session, doc, new_text, now)
    return Rules(tuple(learned), overrides)


def listing(session: Session, source: str | None = None) -> list[tuple[str, BoilerplateRule]]:
    """(source name, rule) of every stored rule, by source, host, section and kind."""
    query = (select(Source.name, BoilerplateRule).join(Source, Source.id == BoilerplateRule.source_id)
             .where(BoilerplateRule.kind != _MARK)
             .order_by(Source.name, BoilerplateRule.host, BoilerplateRule.section, BoilerplateRule.kind,
                       BoilerplateRule.id))
    if source:
        query = query.where(Source.name == source)
    return [(name, rule) for name, rule in session.execute(query)]
