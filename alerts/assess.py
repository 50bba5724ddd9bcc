"""Change assessment: classify a text change, summarise it in one line, and say whether it is worth an alert.

The store's `assess` hook (`store.versions.Assess`); pure apart from the configured glossary and terms it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from regwatch.alerts.diff import summarize_ops
from regwatch.alerts.glosses import gloss_change, gloss_line
from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import Finding, classify, defined_term, rank, summary_line
from regwatch.alerts.topics import tag
from regwatch.parsers.definitions import keys_of, read_sentence
from regwatch.store.details import ChangeDetails, DefinitionChange
from regwatch.store.details import Finding as FindingNote
from regwatch.store.versions import Assess


class TermNames(Protocol):
    """One term's names in each language (the configuration's `terms:` entries)."""

    en: tuple[str, ...]
    ja: tuple[str, ...]
    ko: tuple[str, ...]
    zh: tuple[str, ...]


def term_keys(names: TermNames) -> set[str]:
    """Every key the term's names give (with their abbreviations), as `parsers.definitions` compares them."""
    return {key for name in (*names.en, *names.ja, *names.ko, *names.zh) for key in keys_of(name)}


def term_of_definition(terms: Mapping[str, TermNames], defined: str) -> str | None:
    """The configured term a defined term (as written in a document) is, or None."""
    keys = set(keys_of(defined))
    return next((label for label, names in terms.items() if keys & term_keys(names)), None)


def assess_change(glossary: dict[str, tuple[str, ...]] | None = None,
                  terms: Mapping[str, TermNames] | None = None) -> Assess:
    """The store's `assess` hook: classify a text change, give it a one-line summary and say whether it is a
    wording change worth an alert (a change with no finding — whitespace, a stamp, a counter — is not).

    A change classed `definition` carries `definition: {term, before, after}` (the whole old and new defining
    sentence; `term` the configured term it defines, else the term as written); a CJK top finding carries
    `gloss` (its modal verbs and key terms glossed in English). Without `terms`, a definition names its term as
    written."""
    terms = terms or {}

    def assess(agency: str, title: str, old: str, new: str) -> tuple[str, ChangeDetails, bool]:
        ops = diff_document(old, new) if old else []
        findings = rank(classify(old, new, ops, glossary=glossary))
        topics = tuple(sorted(set().union(*(f.topics for f in findings)) | (tag(new, glossary) if not old else set())))
        if not findings:
            return summarize_ops(ops), ChangeDetails(topics=topics), False
        top = findings[0]
        definition = definition_details(findings, terms)
        details = ChangeDetails(
            significance=top.kind, section=" > ".join(top.section) or None, topics=topics,
            findings=tuple(FindingNote(f.kind, f.detail, tuple(f.section)) for f in findings[:20]),
            definition=definition, gloss=gloss_change(top.old, top.new) or gloss_line(top.new or top.old) or None)
        if definition and top.kind == "definition" and definition.term and not re.match(r"'[^']*': ", top.detail):
            findings[0] = replace(top, detail=f"'{definition.term}': {top.detail}")  # the summary names it
        return summary_line(agency, title, findings), details, True

    return assess


def definition_details(findings: list[Finding], terms: Mapping[str, TermNames]) -> DefinitionChange | None:
    """{term, before, after} of the first finding classed `definition` (before/after: whole sentences, None on the
    side where there is none), or None."""
    found = next((f for f in findings if f.kind == "definition"), None)
    if found is None:
        return None
    written = next((hit[0] for s in (found.new, found.old) if s and (hit := read_sentence(s))), "")
    written = written or defined_term(found.new) or defined_term(found.old)
    term = term_of_definition(terms, written) if written else None
    return DefinitionChange(term or written or None, found.old or None, found.new or None)
