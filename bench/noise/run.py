"""Noise benchmark: does regwatch alert on every wording change and on nothing else? Prints figures; not a test.

    python bench/noise/run.py            (pip install html2text first: the baseline needs it)

Each version pair goes through regwatch's real path: `parsers.parse_document(Fetched(...), kind)` → normalized
text → text hash equal? → `alerts.sections.diff_document` (word diff with moves and section paths) →
`alerts.significance.classify`. An alert is a differing hash with at least one finding. The baseline is what a plain
page monitor does: html2text of the whole page (pypdf's plain text for a PDF), then a diff; it alerts whenever the
text differs. Pairs: the hand-made ones in pairs/<id>/ (see build.py) and those pairs/mirror.json makes from the
offline mirrors of all five agencies. Then the diff's speed on 1 MB texts and on the longest mirror document.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import HERE, Case, choose_kind, hand_cases, parse, recipe_cases  # noqa: E402
from classes import HALVES, class_cases  # noqa: E402
from generic import generic_cases  # noqa: E402
from timing import report_timing  # noqa: E402

from regwatch.alerts.diff import diff_words, summarize_ops  # noqa: E402
from regwatch.alerts.sections import diff_document  # noqa: E402
from regwatch.alerts.significance import Finding, classify, rank, summary_line  # noqa: E402
from regwatch.parsers import boilerplate  # noqa: E402
from regwatch.parsers.dispatch import parse_document  # noqa: E402
from regwatch.parsers.types import Fetched, ParseError  # noqa: E402


@dataclass
class Outcome:
    alert: bool
    recorded: bool  # the normalized text's hash differs (the store records a new version)
    kind: str | None  # top significance class
    detail: str
    error: str | None = None


def regwatch(case: Case) -> Outcome:
    try:
        kind, old = choose_kind(case)
        new = parse(case, True, kind)
    except ParseError as exc:
        return Outcome(True, True, None, "", f"parse error: {exc}")
    if hashlib.sha256(old.text.encode()).digest() == hashlib.sha256(new.text.encode()).digest():
        return Outcome(False, False, None, "")
    rules = learned(case, kind, new.text)
    if rules:  # what the store does (store.boilerplate): both texts compared without the learned boilerplate
        old_text, new_text = boilerplate.apply(old.text, rules), boilerplate.apply(new.text, rules)
        ops = diff_document(old_text, new_text)
    else:
        old_text, new_text = old.text, new.text
        ops = diff_document(old.text, new.text, old_sections=old.sections, new_sections=new.sections)
    status = (old.status.value, new.status.value)
    findings = rank(classify(old_text, new_text, ops, status=status))
    quiet = f"no finding (whitespace, or stamps/counters/sizes only): {summarize_ops(ops, 2)}"
    return Outcome(bool(findings), True, findings[0].kind if findings else None,
                   _describe(case, new.title, findings) if findings else quiet)


def learned(case: Case, kind: str, new_text: str) -> boilerplate.Rules:
    """The rules the store would hold for this page: learned from the other pages of its host section (their
    latest versions, this page's new one among them) and from this page's earlier versions."""
    if not (case.siblings or case.history):
        return boilerplate.Rules()

    def text(body: bytes, k: int) -> str:
        return parse_document(Fetched(f"{case.url}#{k}", 200, {"Content-Type": case.content_type}, body), kind).text

    pages = [text(body, k) for k, body in enumerate(case.siblings)] + [new_text]
    history = [text(body, k) for k, body in enumerate(case.history)]
    rules = boilerplate.learn_pages(pages) if case.siblings else []
    if case.history:
        rules += boilerplate.learn_versions([*history, parse(case, False, kind).text, new_text])
    return boilerplate.Rules(tuple(rules))


def _describe(case: Case, title: str, findings: list[Finding]) -> str:
    top = findings[0]
    line = summary_line(case.agency, title, findings)
    return line + (f"  ‖ old: {top.old[:90]!r} new: {top.new[:90]!r}" if top.kind in ("numbers", "editorial") else "")


def baseline_text(case: Case, new: bool) -> str:
    """What a plain monitor sees: html2text of the page decoded by its header charset (else UTF-8, else Latin-1,
    as urlwatch does), or pypdf's plain text of every page."""
    body = case.new if new else case.old
    ctype = (case.new_content_type or case.content_type) if new else case.content_type
    if case.fmt == "pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    import html2text

    charset = ctype.lower().partition("charset=")[2].strip() or "utf-8"
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = body.decode("latin-1")
    converter = html2text.HTML2Text()
    converter.body_width = 0
    return converter.handle(text)


def baseline(case: Case) -> Outcome:
    old, new = baseline_text(case, False), baseline_text(case, True)
    if old == new:
        return Outcome(False, False, None, "")
    findings = rank(classify(old, new, diff_words(old, new)))
    return Outcome(True, True, findings[0].kind if findings else None, "")


def _rate(hits: int, total: int) -> str:
    return f"{hits:>3}/{total:<3} {100 * hits / total:5.1f}%" if total else "  n/a"


def _mark(outcome: Outcome, case: Case) -> str:
    if outcome.error:
        return "ERROR"
    if case.label == "noise":
        return ("ALERT " + (outcome.kind or "")) if outcome.alert else ("quiet (hash)" if outcome.recorded else "quiet")
    if not outcome.alert:
        return "MISSED"
    right = outcome.kind == case.expect and case.expect_detail in outcome.detail
    return ("✓ " if right else "✗ ") + (outcome.kind or "")


Row = tuple[Case, Outcome, Outcome]


def _table(title: str, changes: list[Row], noise: list[Row]) -> None:
    def figures(index: int) -> tuple[int, int, int, int]:
        caught = sum(r[index].alert and not r[index].error for r in changes)
        false = sum(r[index].alert for r in noise)
        recorded = sum(r[index].recorded for r in noise)
        right = sum(r[index].alert and r[index].kind == r[0].expect for r in changes)
        return caught, false, recorded, right

    ours, theirs = figures(1), figures(2)
    print(f"\n{title}: {len(changes)} wording changes, {len(noise)} noise-only")
    print(f"{'':46} {'regwatch':18} baseline (html2text → diff)")
    print(f"{'  recall on wording changes':46} {_rate(ours[0], len(changes)):18} {_rate(theirs[0], len(changes))}")
    print(f"{'  false alerts on noise-only edits':46} {_rate(ours[1], len(noise)):18} {_rate(theirs[1], len(noise))}")
    print(f"{'    noise whose normalized text hash differed':46} {_rate(ours[2], len(noise)):18} "
          f"{_rate(theirs[2], len(noise))}")
    print(f"{'  significance class right (of all changes)':46} {_rate(ours[3], len(changes)):18} "
          f"{_rate(theirs[3], len(changes))}")


def _right(row: Row, index: int) -> bool:
    case, outcome = row[0], row[index]
    return outcome.alert and outcome.kind == case.expect and case.expect_detail in outcome.detail


def _class_table(rows: list[Row]) -> None:
    """Recall and false alerts per issue-15 class, the tuning and the held-out half apart."""
    print("\nissue-15 noise classes (pairs made by classes.py; rules built on the tuning half only)")
    print(f"{'class':14} {'half':9} {'recall':15} {'false alerts':15} {'class right':15} "
          f"{'baseline false alerts'}")
    for klass in dict.fromkeys(r[0].klass for r in rows):
        for half in HALVES:
            mine = [r for r in rows if r[0].klass == klass and r[0].half == half]
            changes = [r for r in mine if r[0].label == "change"]
            noise = [r for r in mine if r[0].label == "noise"]
            caught = sum(r[1].alert and not r[1].error for r in changes)
            false = sum(r[1].alert for r in noise)
            right = sum(_right(r, 1) for r in changes)
            print(f"{klass:14} {half:9} {_rate(caught, len(changes)):15} {_rate(false, len(noise)):15} "
                  f"{_rate(right, len(changes)):15} {_rate(sum(r[2].alert for r in noise), len(noise))}")
    for half in HALVES:
        mine = [r for r in rows if r[0].half == half]
        changes = [r for r in mine if r[0].label == "change"]
        noise = [r for r in mine if r[0].label == "noise"]
        print(f"{'all classes':14} {half:9} {_rate(sum(r[1].alert for r in changes), len(changes)):15} "
              f"{_rate(sum(r[1].alert for r in noise), len(noise)):15} "
              f"{_rate(sum(_right(r, 1) for r in changes), len(changes)):15} "
              f"{_rate(sum(r[2].alert for r in noise), len(noise))}")


def main() -> None:
    warnings.filterwarnings("ignore")  # bs4's notes on feeds and JSON met while looking for the longest document
    spec = json.loads((HERE / "pairs/mirror.json").read_text(encoding="utf-8"))
    hand = hand_cases()
    named, skipped = recipe_cases(spec)
    generic, generic_skipped = generic_cases(spec["generic"])
    by_class = class_cases()
    cases = hand + named + generic + by_class
    results = [(case, regwatch(case), baseline(case)) for case in cases]

    changes = [r for r in results if r[0].label == "change"]
    noise = [r for r in results if r[0].label == "noise"]
    print("regwatch noise benchmark\n")
    print(f"pairs: {len(cases)} ({len(changes)} wording changes, {len(noise)} noise-only): {len(hand)} hand-made "
          f"(bench/noise/pairs/*), {len(named) + len(generic)} made from the mirrors "
          f"({len(named)} by named recipe, {len(generic)} generic), {len(by_class)} for the issue-15 classes "
          f"(bench/noise/classes.py)")
    print("by agency/format: " + ", ".join(f"{a} {f} {n}" for (a, f), n in sorted(
        Counter((c.agency, c.fmt) for c in cases).items())))
    print("by language: " + ", ".join(f"{lang} {n}" for lang, n in sorted(Counter(c.lang for c in cases).items())))
    if skipped:
        print(f"named recipes that did not apply to the current mirrors: {', '.join(skipped)}")
    print(f"generic recipes without a target: {len(generic_skipped)}\n")

    width = max(len(c.id) for c in cases)
    print(f"{'pair':{width}}  {'label':6} {'expected':10} {'regwatch':22} baseline")
    for case, ours, theirs in results:
        print(f"{case.id:{width}}  {case.label:6} {case.expect or '-':10} {_mark(ours, case):22} {_mark(theirs, case)}")

    _table("all pairs", changes, noise)
    _class_table([r for r in results if r[0].klass])
    _table("hand-made pairs only (balanced: one wording change per noise edit, roughly)",
           [r for r in changes if r[0].source == "hand"], [r for r in noise if r[0].source == "hand"])
    print("targets: recall 100%, false alerts ≤ 2%, median diff time < 0.3 s")

    print("\nnoise that got through regwatch (what the alert would say):")
    for case, outcome, _ in noise:
        if outcome.alert or outcome.recorded:
            verdict = "ALERT" if outcome.alert else "recorded, no alert"
            print(f"  {case.id} [{verdict}] {outcome.error or outcome.detail}")
    print("\nchanges regwatch missed or classed differently:")
    for case, outcome, _ in changes:
        if not outcome.alert or outcome.kind != case.expect or case.expect_detail not in outcome.detail:
            print(f"  {case.id}: expected {case.expect}, got {outcome.kind} {outcome.error or outcome.detail}")
    print()
    report_timing()


if __name__ == "__main__":
    main()
