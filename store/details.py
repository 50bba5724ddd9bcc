"""What a change records beyond its kind and summary (`Change.details`), as one typed value.

The stored JSON keeps the shape it always had (old rows read as they are): a key is written only when the change
has it, with two rules the writers always kept — an assessed change (one with `topics`) names its `significance`
even when that is null, and a change with findings names its `section` even when that is null.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One thing a wording change did (its significance class), where, and in a few words."""

    kind: str
    detail: str
    section: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "section": list(self.section)}


@dataclass(frozen=True)
class DefinitionChange:
    """The definition a change rewrote: the term, and the whole defining sentence before and after (None where
    there is none)."""

    term: str | None
    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        return {"term": self.term, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class NamedFile:
    """A new file a changed page links to, announced with the page (its own `new` change folded in)."""

    title: str
    url: str

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url}


@dataclass(frozen=True)
class ChangeDetails:
    """The details of one change. `significance` is the recorded value: a significance class, or a monitoring
    event's own word ("status", "removed", "layout"); `Change.significance` is its indexed copy."""

    significance: str | None = None
    section: str | None = None  # the headings of the top finding, joined with " > "
    topics: tuple[str, ...] | None = None  # None: the change was not assessed (no tags looked for)
    findings: tuple[Finding, ...] = ()
    definition: DefinitionChange | None = None
    gloss: str | None = None  # the top finding's modal verbs and key terms glossed in English (CJK)
    from_status: str | None = None
    to_status: str | None = None
    wording: str | None = None  # a status change that also changed the words: that change's summary
    reason: str | None = None  # why a document was removed, why a layout was judged changed
    reappeared: bool = False  # a removed document back in its catalogue
    files: tuple[NamedFile, ...] = ()

    def with_files(self, *files: NamedFile) -> ChangeDetails:
        return replace(self, files=(*self.files, *files))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.from_status is not None or self.to_status is not None:
            out |= {"from_status": self.from_status, "to_status": self.to_status}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.significance is not None or self.topics is not None:
            out["significance"] = self.significance
        if self.section is not None or self.findings:
            out["section"] = self.section
        if self.topics is not None:
            out["topics"] = list(self.topics)
        if self.findings:
            out["findings"] = [f.to_json() for f in self.findings]
        if self.definition is not None:
            out["definition"] = self.definition.to_json()
        if self.gloss is not None:
            out["gloss"] = self.gloss
        if self.wording is not None:
            out["wording"] = self.wording
        if self.reappeared:
            out["reappeared"] = True
        if self.files:
            out["files"] = [f.to_json() for f in self.files]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ChangeDetails:
        """Read a stored value (keys it does not know are ignored; missing ones take their defaults)."""
        data = data or {}
        topics = data.get("topics")
        definition = data.get("definition")
        return cls(
            significance=data.get("significance"),
            section=data.get("section"),
            topics=tuple(topics) if topics is not None else None,
            findings=tuple(Finding(f.get("kind", ""), f.get("detail", ""), tuple(f.get("section") or ()))
                           for f in data.get("findings") or () if isinstance(f, dict)),
            definition=DefinitionChange(definition.get("term"), definition.get("before"), definition.get("after"))
            if isinstance(definition, dict) else None,
            gloss=data.get("gloss"),
            from_status=data.get("from_status"),
            to_status=data.get("to_status"),
            wording=data.get("wording"),
            reason=data.get("reason"),
            reappeared=bool(data.get("reappeared")),
            files=tuple(NamedFile(f.get("title") or "", f.get("url") or "") for f in data.get("files") or ()
                        if isinstance(f, dict)),
        )


NO_DETAILS = ChangeDetails()
