"""The request plan: which watched documents of a catalogue or feed are requested in a cycle.

A catalogue or feed entry that carries a change stamp (FDA's `changed`, EMA's `last_updated_date`, an RSS item's
`pubDate`/`dc:date`) says when the agency last touched the document. A document is requested when

- it has never been checked successfully, or its last check failed (no stored version, an error, a block);
- its entry's stamp differs from the one it carried at the last successful check ("changed");
- its entry carries no stamp at all;
- it is its re-check day and it was not checked yet that day: every document is re-checked once every
  `crawl.recheck_days` days, spread evenly over the days by a stable hash of its key (so a silent edit, made
  without moving the stamp, is caught in time);
- it was not checked since its latest re-check day ("overdue": a cycle was missed, or it ran before that day).

Otherwise it (and its attachments) is left alone this cycle. `recheck_days: 1` requests everything every cycle.
The plan reads a document's last check from the ledger: its latest fetch (failed: an error, a block, a 404/410;
else the day it was made) and, from the document's `meta`, the run that first listed its entry's current stamp
(`changed_in`): a check made before that run was made under an older stamp. So a 304 writes its ledger row and
nothing else. Documents last checked before the ledger named its document keep the markers stores kept then in
`meta` (`checked`: the stamp at the last successful check, `checked_on`: its day).
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from regwatch.parsers.urls import host_name
from regwatch.store.models import Document as DocumentRow
from regwatch.store.models import Fetch
from regwatch.store.vocabulary import FetchOutcome

REASONS = ("unchecked", "changed", "no stamp", "re-check day", "overdue")
CHECK_FAILED = (FetchOutcome.ERROR, FetchOutcome.BLOCKED, FetchOutcome.GONE, FetchOutcome.REMOVED)


@dataclass(frozen=True)
class Checked:
    """What the store knows of one document's last check, and of its attachments'."""

    stamp: str | None  # the entry's stamp at the last successful check; None: never checked, or it failed
    on: date | None  # the day of that check
    children_ok: bool = True  # every current attachment's last check succeeded
    removed: bool = False


def _slot(key: str, every: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % every


def recheck_day(key: str, day: date, every: int) -> bool:
    """Whether `day` is `key`'s re-check day: one day in `every`, the same slot for life."""
    return every <= 1 or _slot(key, every) == day.toordinal() % every


def reason_to_fetch(key: str, stamp: str | None, checked: Checked | None, day: date, every: int) -> str | None:
    """Why the document behind a watched entry is requested on `day` (one of `REASONS`), or None to skip it."""
    if checked is None or checked.removed or checked.stamp is None or checked.on is None or not checked.children_ok:
        return "unchecked"
    if not stamp:
        return "no stamp"
    if stamp != checked.stamp:
        return "changed"
    if every <= 1:
        return "re-check day"
    slot = day - timedelta(days=(day.toordinal() - _slot(key, every)) % every)  # its latest re-check day, <= day
    if checked.on < slot:  # not checked since: today is that day, or a cycle missed it
        return "re-check day" if slot == day else "overdue"
    return None


def checks(session: Session, source_id: int, keys: Iterable[str] | None = None) -> dict[str, Checked]:
    """`Checked` for the source's listed documents (all, or those with `keys`), in one query: each document
    with its latest fetch (one index probe per document, however long the ledger)."""
    latest = (select(Fetch.id).where(Fetch.document_id == DocumentRow.id).order_by(Fetch.id.desc()).limit(1)
              .correlate(DocumentRow).scalar_subquery())
    rows = list(session.execute(
        select(DocumentRow.id, DocumentRow.key, DocumentRow.parent_id, DocumentRow.meta, DocumentRow.removed_at,
               Fetch.outcome, Fetch.run_id, Fetch.at)
        .outerjoin(Fetch, Fetch.id == latest).where(DocumentRow.source_id == source_id)))
    state = {r.id: _last_check(r) for r in rows}
    failed_children: set[int] = {r.parent_id for r in rows if r.parent_id is not None and r.removed_at is None
                                 and state[r.id][0] is None}
    wanted = set(keys) if keys is not None else None
    found: dict[str, Checked] = {}
    for r in rows:
        if r.parent_id is not None or (wanted is not None and r.key not in wanted):
            continue
        stamp, on = state[r.id]
        found[r.key] = Checked(stamp=stamp, on=on, children_ok=r.id not in failed_children,
                               removed=r.removed_at is not None)
    return found


def _last_check(row: Any) -> tuple[str | None, date | None]:
    """(the stamp a document was last checked under, the day) from its latest fetch; (None, None) when it was
    never checked or its last check failed. A check made before its current stamp was listed counts as made
    under another stamp ("")."""
    meta = row.meta or {}
    if row.outcome is None:  # no fetch in the ledger names it: the markers of a store from before
        on = meta.get("checked_on")
        return meta.get("checked"), date.fromisoformat(on) if on else None
    if row.outcome in CHECK_FAILED:
        return None, None
    current = (row.run_id or 0) >= meta.get("changed_in", 0)
    return (meta.get("changed") or "") if current else "", row.at.date()


@dataclass
class PlanCounts:
    """One source's plan in a cycle: documents requested, by reason, and documents left alone."""

    requested: Counter[str]
    skipped: int = 0

    def line(self) -> str:
        why = ", ".join(f"{n} {reason}" for reason, n in self.requested.most_common())
        total = sum(self.requested.values())
        return f"{total} requested ({why or 'none'}), {self.skipped} left alone (entry unchanged)"


@dataclass
class Estimate:
    """One source's expected requests in the next cycle, per host, if no catalogue entry changes."""

    source: str
    listing: int  # catalogue, feed or listing pages (1 for a watched page: the page itself is in `documents`)
    documents: int  # documents and attachments the plan will request
    watched: int  # watched documents (with their attachments) the store knows for the source
    known: bool  # False: the source never ran, its catalogue decides
    per_host: Counter[str]  # requests by host (listing pages included)
    planned: dict[str, str | None] = field(default_factory=dict)  # key → stamp of each watched document requested


def estimate(session: Session, source: Any, source_id: int | None, day: date, every: int,
             state: Mapping[str, Checked] | None = None) -> Estimate:
    """What `source` (a `SourceConfig`) will request on `day` with the store as it stands and no entry changing;
    `state`: the documents' last checks to assume instead of the store's (`checks`), to model later days."""
    listing = 0 if source.type == "page" else (source.max_pages if source.type == "listing" else 1)
    per_host: Counter[str] = Counter({host_name(u): listing for u in source.urls} if listing else {})
    if source_id is None:
        if source.type == "page":
            per_host.update(host_name(u) for u in source.urls)
        return Estimate(source.name, listing, len(source.urls) if source.type == "page" else 0, 0, False, per_host)
    rows = list(session.execute(select(DocumentRow.id, DocumentRow.key, DocumentRow.url, DocumentRow.parent_id,
                                       DocumentRow.meta, DocumentRow.watched)
                                .where(DocumentRow.source_id == source_id, DocumentRow.removed_at.is_(None))))
    children: dict[int, list[str]] = {}
    for r in rows:
        if r.parent_id is not None:
            children.setdefault(r.parent_id, []).append(r.url)
    state = checks(session, source_id) if state is None else state
    planned_keys: dict[str, str | None] = {}
    documents = watched = 0
    for r in rows:
        if r.parent_id is not None or not r.watched:
            continue
        files = children.get(r.id, [])
        watched += 1 + len(files)
        meta = r.meta or {}
        planned = source.type == "page" or reason_to_fetch(r.key, meta.get("changed"), state.get(r.key), day,
                                                           every) is not None
        if planned:
            documents += 1 + len(files)
            per_host.update(host_name(u) for u in [r.url, *files])
            planned_keys[r.key] = meta.get("changed")
    return Estimate(source.name, listing, documents, watched, True, per_host, planned_keys)
