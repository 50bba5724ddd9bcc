"""The closed sets the store's rows hold, as `StrEnum`s. Their values are contracts: stored in the database,
printed by the CLI, sent in webhooks. A member equals its string, so rows and comparisons are unchanged."""

from __future__ import annotations

from enum import StrEnum


class ChangeKind(StrEnum):
    """What happened to a document (`Change.kind`)."""

    NEW = "new"
    CHANGED = "changed"
    REMOVED = "removed"
    STATUS = "status"
    LAYOUT_CHANGED = "layout_changed"


class FetchOutcome(StrEnum):
    """What one fetch of a document URL came to (`Fetch.outcome`, and the run ledger's counters)."""

    STORED = "stored"  # a first text for a document already known
    NEW = "new"
    CHANGED = "changed"
    QUIET = "quiet"  # a new version whose difference is no finding
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"  # HTTP 304
    ERROR = "error"
    BLOCKED = "blocked"  # the site's bot protection answered
    GONE = "gone"  # HTTP 404/410, not yet for long enough to count as removed
    REMOVED = "removed"


class RunStatus(StrEnum):
    """How a run, or one source within it, ended (`Run.status`, `SourceRun.status`)."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # some documents failed
    FAILED = "failed"
    BLOCKED = "blocked"  # the site's bot protection answered

    @property
    def failed(self) -> bool:
        """The source as a whole did not get through (failed, or blocked)."""
        return self in (RunStatus.FAILED, RunStatus.BLOCKED)


class Significance(StrEnum):
    """How much a change matters, most significant first (`Change.significance`, recorded with the change)."""

    DEFINITION = "definition"
    OBLIGATION = "obligation"
    NUMBERS = "numbers"
    SCOPE = "scope"
    STATUS = "status"
    NEW = "new"
    REMOVED = "removed"
    EDITORIAL = "editorial"

    @property
    def rank(self) -> int:
        """Higher is more significant: editorial 0 … definition 7."""
        members = list(Significance)
        return len(members) - 1 - members.index(self)

    @classmethod
    def of_kind(cls, kind: str) -> Significance:
        """The significance of a change that has no findings of its own: by its kind (a source's layout change is
        a monitoring event, ranked with status changes)."""
        return {ChangeKind.NEW: cls.NEW, ChangeKind.REMOVED: cls.REMOVED, ChangeKind.STATUS: cls.STATUS,
                ChangeKind.LAYOUT_CHANGED: cls.STATUS}.get(kind, cls.EDITORIAL)

    @classmethod
    def of_change(cls, kind: str, recorded: str | None) -> Significance:
        """A change's significance as recorded in its details, else by its kind (also for a recorded value that
        is no significance, such as a layout change's "layout")."""
        return cls(recorded) if recorded in SIGNIFICANCE_VALUES else cls.of_kind(kind)


# plain-string tuples derived from the enums, for click choices, JSON schemas and code that imports them (click
# would offer an enum's member names, not its values)
CHANGE_KINDS: tuple[str, ...] = tuple(k.value for k in ChangeKind)
SIGNIFICANCES: tuple[str, ...] = tuple(s.value for s in Significance)  # most significant first
SIGNIFICANCE_VALUES = frozenset(SIGNIFICANCES)
