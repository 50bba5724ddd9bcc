""""Why you got this": the subscription, topic, term and watch filter behind an alert, with the words that matched.

Computed when an alert is rendered, from the configuration and the stored change, so every message of every
channel says it (email text and HTML, webhook `data.reasons`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from regwatch.alerts.topics import find_terms, fold
from regwatch.config import Config, SubscriptionConfig
from regwatch.store.models import Change, Source, Version
from regwatch.store.models import Document as DocumentRow
from regwatch.store.vocabulary import Significance

MAX_REASONS = 12


def change_reasons(config: Config, session: Session, change: Change, channel: str,
                   glossary: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The reasons `channel` got `change`, most specific first."""
    doc = session.get(DocumentRow, change.document_id)
    if doc is None:
        return []
    source = session.get(Source, doc.source_id)
    source_name = source.name if source else ""
    text = _text(session, change) or ""
    words = _topic_words(f"{doc.title}\n{text}", glossary)
    topics = sorted(set(change.details.topics or ()))
    reasons = [_subscription(config, s, doc.agency, source_name, change, topics, words)
               for s in config.alerts.subscriptions if s.channel == channel]
    reasons = [r for r in reasons if r]
    if not config.alerts.subscriptions:
        reasons.append(f"channel {channel}: every change (no subscriptions configured)")
    reasons += [f"topic {t} via {_quoted(words.get(t))}" for t in topics if not any(f"topic {t} " in r
                                                                                    for r in reasons)]
    reasons += watch_reasons(config, source_name, doc)
    significance = change.significance
    if significance:
        reasons.append(f"significance {significance}")
    return reasons[:MAX_REASONS]


def _subscription(config: Config, sub: SubscriptionConfig, agency: str, source: str, change: Change,
                  topics: list[str], words: dict[str, str]) -> str | None:
    """How one subscription of the channel matched (None when it did not)."""
    significance = Significance.of_change(change.kind, change.significance)
    matched_topics = [t for t in sub.topics if t in topics]
    if ((sub.agencies and agency not in sub.agencies) or (sub.sources and source not in sub.sources)
            or (sub.kinds and change.kind not in sub.kinds) or (sub.topics and not matched_topics)
            or significance.rank < sub.min_significance.rank):
        return None
    parts = [f"subscription of channel {sub.channel} ({sub.mode})"]
    if sub.agencies:
        parts.append(f"agency {agency}")
    if sub.sources:
        parts.append(f"source {source}")
    if sub.kinds:
        parts.append(f"kind {change.kind}")
    if sub.min_significance is not Significance.EDITORIAL:
        parts.append(f"significance {significance} ≥ {sub.min_significance}")
    parts += [f"topic {t} via {_quoted(words.get(t))}" for t in matched_topics]
    return ", ".join(parts)


def watch_reasons(config: Config, source_name: str, doc: DocumentRow) -> list[str]:
    """Which filters of the source's `watch` block select this document, with what they matched."""
    watch = next((s.watch for s in config.sources if s.name == source_name), None)
    if watch is None:
        return []
    meta: dict[str, Any] = doc.meta if isinstance(doc.meta, dict) else {}
    offices = " | ".join(meta.get("offices") or ()).lower()
    topics = " | ".join(meta.get("topics") or ()).lower()
    found = [f"watch slug {doc.key!r}" for s in watch.slugs if s == doc.key]
    found += [f"watch docket {d!r}" for d in watch.dockets if d == (doc.docket or "").strip()]
    found += [f"watch office {o!r}" for o in (*watch.centers, *watch.offices) if o.lower() in offices]
    found += [f"watch topic {t!r}" for t in watch.topics if t.lower() in topics]
    for keyword in watch.keywords:
        pattern = rf"(?<![^\W_]){re.escape(keyword)}\w*" if keyword.isascii() else re.escape(keyword)
        hit = re.search(pattern, doc.title, re.I)
        if hit:
            found.append(f"watch keyword {keyword!r} via {hit.group(0)!r} in the title")
    return found


def _text(session: Session, change: Change) -> str | None:
    if change.to_version is None:
        return None
    return session.scalar(select(Version.text).where(Version.document_id == change.document_id,
                                                     Version.number == change.to_version))


def _topic_words(text: str, glossary: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """topic → the first glossary term of it the text contains, as the text writes it."""
    folded_terms = {fold(term): term for terms in glossary.values() for term in terms}
    topics_of = {fold(term): topic for topic, terms in glossary.items() for term in terms}
    out: dict[str, str] = {}
    for term in find_terms(text, glossary):
        topic = topics_of.get(term)
        if topic and topic not in out:
            out[topic] = folded_terms.get(term, term)
    return out


def _quoted(word: str | None) -> str:
    return f"'{word}'" if word else "its catalogue topics"
