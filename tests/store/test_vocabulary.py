"""The closed sets as enums: their values are the strings stored and printed before, significance keeps its order."""

from __future__ import annotations

from regwatch.store.vocabulary import (
    CHANGE_KINDS,
    SIGNIFICANCES,
    ChangeKind,
    FetchOutcome,
    RunStatus,
    Significance,
)


def test_values_are_the_contract_strings() -> None:
    assert CHANGE_KINDS == ("new", "changed", "removed", "status", "layout_changed")
    assert {s.value for s in RunStatus} == {"running", "ok", "partial", "failed", "blocked"}
    assert {"stored", "unchanged", "not_modified", "error", "blocked", "gone"} <= {o.value for o in FetchOutcome}
    assert ChangeKind.LAYOUT_CHANGED == "layout_changed" and f"{RunStatus.BLOCKED}" == "blocked"


def test_significance_is_ordered_most_significant_first_with_a_rank() -> None:
    assert SIGNIFICANCES == ("definition", "obligation", "numbers", "scope", "status", "new", "removed", "editorial")
    ranks = [Significance(s).rank for s in SIGNIFICANCES]
    assert ranks == sorted(ranks, reverse=True) and Significance.EDITORIAL.rank == 0


def test_a_change_without_findings_takes_its_significance_from_its_kind() -> None:
    assert [Significance.of_kind(k) for k in ChangeKind] == ["new", "editorial", "removed", "status", "status"]


def test_a_recorded_value_that_is_no_significance_falls_back_to_the_kind() -> None:
    assert Significance.of_change("changed", "obligation") == "obligation"
    assert Significance.of_change("layout_changed", "layout") == "status"  # a layout notice routes like a status
    assert Significance.of_change("new", None) == "new"


def test_failed_means_failed_or_blocked() -> None:
    assert [s for s in RunStatus if s.failed] == [RunStatus.FAILED, RunStatus.BLOCKED]
