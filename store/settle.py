"""Settle a run's announcements once its crawl has ended, before anything is delivered: one event, one change.

While a run crawls, each source records what it sees on its own, in whatever order the spiders reach it. When the
crawl ends (and before any alert goes out) the run's changes are settled:

- one document, one identity: documents of one agency with the same normalized URL, or whose new version is the
  very same file, are one document, so their changes of this run are one change (the first one recorded);
- a status change and a wording change of the same document in the same run are one `status` change (it takes
  the wording change's versions and findings);
- a listing page whose only change is entries announced on their own (a new document of this run, a document
  leaving its catalogue) keeps its new version without a change of its own;
- a new file that a page changed (or re-statused) in this run newly links to is part of that page's change.

The changes folded away are deleted with their outbox rows: they were never delivered, so they never existed for
a reader; the versions stay. Pure SQL over the store, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from regwatch.store.details import NamedFile
from regwatch.store.models import Change, Document, OutboxItem, Source, Version

_SPACE = re.compile(r"\s+")
_CHUNK = 500
_KIND_ORDER = {"status": 0, "changed": 1, "new": 2, "removed": 3}


def normalize_url(url: str) -> str:
    """The identity form of a URL: scheme and host lower-cased, default port, fragment and trailing '/' dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, ""))


def settle_run(session: Session, run_id: int) -> int:
    """Fold the duplicate changes of run `run_id` (see the module's rules); returns how many were folded."""
    changes = list(session.scalars(select(Change).where(Change.run_id == run_id).order_by(Change.id)))
    if len(changes) < 2:
        return 0
    docs = {d.id: d for d in session.scalars(select(Document).where(
        Document.id.in_({c.document_id for c in changes})))}
    versions = _versions(session, changes)
    dropped: set[int] = set()
    for group in _identity_groups(changes, docs, versions):
        dropped |= _fold_group(group, versions)
    kept = [c for c in changes if c.id not in dropped]
    dropped |= _quiet_listings(session, kept, docs, versions)
    kept = [c for c in kept if c.id not in dropped]
    dropped |= _fold_linked_files(kept, docs, versions)
    dropped -= _already_out(session, dropped)
    if dropped:
        session.execute(delete(OutboxItem).where(OutboxItem.change_id.in_(dropped)))
        session.execute(delete(Change).where(Change.id.in_(dropped)))
    return len(dropped)


def _already_out(session: Session, ids: set[int]) -> set[int]:
    """Changes an alert already left for (another process delivered meanwhile): they stay, as sent."""
    if not ids:
        return set()
    return set(session.scalars(select(OutboxItem.change_id).where(
        OutboxItem.change_id.in_(ids), OutboxItem.status.not_in(("pending", "digest")))))


def document_sources(session: Session, docs: Iterable[Document]) -> dict[int, tuple[str, ...]]:
    """document id → names of every source watching the same document (same agency, same normalized URL)."""
    docs = list(docs)
    if not docs:
        return {}
    variants = sorted({v for d in docs for v in (d.url, d.url.rstrip("/"), d.url.rstrip("/") + "/")})
    by_identity: dict[tuple[str, str], set[str]] = {}
    for start in range(0, len(variants), _CHUNK):  # bound the query's parameters (SQLite allows some thousands)
        rows = session.execute(select(Document.agency, Document.url, Source.name)
                               .join(Source, Document.source_id == Source.id)
                               .where(Document.url.in_(variants[start:start + _CHUNK])))
        for agency, url, name in rows:
            by_identity.setdefault((agency, normalize_url(url)), set()).add(name)
    return {d.id: tuple(sorted(by_identity.get((d.agency, normalize_url(d.url)), ()))) for d in docs}


# --- the rules -------------------------------------------------------------------------------------------------

def _versions(session: Session, changes: list[Change]) -> dict[tuple[int, int], Version]:
    wanted = {(c.document_id, n) for c in changes for n in (c.from_version, c.to_version) if n}
    if not wanted:
        return {}
    rows = session.scalars(select(Version).where(Version.document_id.in_({d for d, _ in wanted})))
    return {(v.document_id, v.number): v for v in rows if (v.document_id, v.number) in wanted}


def _identity_groups(changes: list[Change], docs: dict[int, Document],
                     versions: dict[tuple[int, int], Version]) -> list[list[Change]]:
    """Changes of one document identity (same agency and normalized URL, or the same new file), in id order."""
    parent = list(range(len(changes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, ...], int] = {}
    for i, change in enumerate(changes):
        doc = docs[change.document_id]
        keys = [("url", doc.agency, normalize_url(doc.url))]
        new = versions.get((change.document_id, change.to_version or 0))
        if change.kind in ("new", "changed") and new is not None and new.raw_sha256:
            keys.append(("file", doc.agency, new.raw_sha256))
        for key in keys:
            if key in seen:
                parent[root(i)] = root(seen[key])
            else:
                seen[key] = i
    groups: dict[int, list[Change]] = {}
    for i, change in enumerate(changes):
        groups.setdefault(root(i), []).append(change)
    return [g for g in groups.values() if len(g) > 1]


def _fold_group(group: list[Change], versions: dict[tuple[int, int], Version]) -> set[int]:
    """Keep one change of an identity: its status change (taking a wording change's versions), else the first."""
    ordered = sorted(group, key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.id))
    keep = ordered[0]
    if keep.kind == "status":
        wording = next((c for c in ordered if c.kind == "changed"), None)
        if wording is not None:
            _take_wording(keep, wording)
    return {c.id for c in group if c.id != keep.id}


def _take_wording(status: Change, wording: Change) -> None:
    status.document_id = wording.document_id
    status.from_version, status.to_version = wording.from_version, wording.to_version
    status.details = replace(wording.details, from_status=status.details.from_status,
                             to_status=status.details.to_status, significance="status", wording=wording.summary)


def _fold_linked_files(changes: list[Change], docs: dict[int, Document],
                       versions: dict[tuple[int, int], Version]) -> set[int]:
    """A new file that a page changed in this run links to (the page's new version lists it) is that page's news."""
    links: dict[str, Change] = {}
    for change in changes:
        if change.kind not in ("changed", "status") or not change.to_version:
            continue
        new = versions.get((change.document_id, change.to_version))
        old = versions.get((change.document_id, change.from_version or 0))
        before = {normalize_url(u) for u in (old.meta.get("attachments") or ())} if old is not None else set()
        for url in (new.meta.get("attachments") or ()) if new is not None else ():
            if normalize_url(url) not in before:
                links.setdefault(normalize_url(url), change)
    dropped: set[int] = set()
    for change in changes:
        doc = docs[change.document_id]
        page = links.get(normalize_url(doc.url)) if change.kind == "new" else None
        if page is None or docs[page.document_id].agency != doc.agency:
            continue
        page.details = page.details.with_files(NamedFile(doc.title, doc.url))
        dropped.add(change.id)
    return dropped


def _quiet_listings(session: Session, changes: list[Change], docs: dict[int, Document],
                    versions: dict[tuple[int, int], Version]) -> set[int]:
    """A page change made only of lines naming documents announced on their own is no news of its own."""
    dropped: set[int] = set()
    for change in changes:
        if change.kind != "changed" or not change.from_version or not change.to_version:
            continue
        old = versions.get((change.document_id, change.from_version))
        new = versions.get((change.document_id, change.to_version))
        if old is None or new is None:
            continue
        added, removed = _line_changes(old.text, new.text)
        if not (added or removed):
            continue
        doc = docs[change.document_id]
        fresh = [_squash(docs[c.document_id].title) for c in changes
                 if c.kind == "new" and c.document_id != doc.id and docs[c.document_id].agency == doc.agency]
        leaving = _leaving_titles(session, doc)
        if all(_names_one(line, fresh) for line in added) and all(_names_one(line, leaving) for line in removed):
            dropped.add(change.id)
    return dropped


def _leaving_titles(session: Session, page: Document) -> list[str]:
    """Titles of the agency's listed documents that have left (or are leaving) their catalogue."""
    rows = session.scalars(select(Document.title).where(
        Document.agency == page.agency, Document.id != page.id,
        (Document.missing_runs > 0) | Document.removed_at.isnot(None)))
    return [_squash(t) for t in rows if t]


def _line_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    old_lines = [line for line in (x.strip() for x in old.splitlines()) if line]
    new_lines = [line for line in (x.strip() for x in new.splitlines()) if line]
    old_set, new_set = set(old_lines), set(new_lines)
    return [x for x in new_lines if x not in old_set], [x for x in old_lines if x not in new_set]


def _names_one(line: str, titles: list[str]) -> bool:
    flat = _squash(line)
    return any(len(t) >= 8 and t in flat for t in titles)


def _squash(text: str) -> str:
    return _SPACE.sub("", text).casefold()
