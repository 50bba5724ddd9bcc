"""Headlines that tell the truth: negations and removed/added modals read as such, and the real finding leads."""

from __future__ import annotations

import pytest

from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import classify, obligation_change, rank, summary_line


@pytest.mark.parametrize(("old", "new", "says"), [
    ("申請者は記録を保存する必要である。", "申請者は記録を保存する必要ではない。",
     "必要である → 必要ではない (negated)"),
    ("届け出なければならない。", "届け出なくてもよい。", "なければならない → なくてもよい (negated)"),
    ("Applicants must report changes.", "Applicants must not report changes.", "must → must not (negated)"),
    ("Sponsors should provide data.", "Sponsors need not provide data.", "should → need not (negated)"),
    ("제조업자는 보관하여야 한다.", "제조업자는 보관하지 않아도 된다.", "(negated)"),
    ("申请人应当提交。", "申请人无须提交。", "应当 → 无须 (negated)"),
    ("Applicants must not use it.", "Applicants must use it.", "(negation removed)"),
    ("申請者は記録を保存する必要がある。", "申請者は記録を保存する。", "'必要がある' → (none) (modal removed)"),
    ("申请人提交资料。", "申请人必须提交资料。", "(none) → '必须' (modal added)"),
    ("Applicants should provide data.", "Applicants must provide data.", "'should' → 'must'"),
])
def test_obligation_changes_say_what_happened(old: str, new: str, says: str) -> None:
    assert says in (obligation_change(old, new) or "")


def test_the_summary_of_a_negation_reads_negated() -> None:
    old = "第1 目的\n\n申請者は、原料となる細胞の品質に関する試験を実施する必要である。"
    new = "第1 目的\n\n申請者は、原料となる細胞の品質に関する試験を実施する必要ではない。"
    findings = rank(classify(old, new, diff_document(old, new)))
    assert summary_line("pmda", "再生医療等製品", findings) == \
        "PMDA · 再生医療等製品 · obligation: 必要である → 必要ではない (negated)"


def test_a_real_clause_leads_over_a_moved_sentence() -> None:
    old = "A. Scope\n\nThe scope is cell therapy.\n\nB. Data\n\nSponsors should submit data. Keep records."
    new = "A. Scope\n\nKeep records. The scope is cell therapy.\n\nB. Data\n\nSponsors must submit data."
    findings = rank(classify(old, new, diff_document(old, new)))
    assert findings[0].kind == "obligation" and findings[-1].kind == "editorial"


def test_page_furniture_left_in_a_text_is_never_a_finding() -> None:
    old = ("The guideline applies to cell products.\n\n- 3 -\n\nEMA/CAT/22473/2025\n\nApplicants keep records.\n\n"
           "Batches are tested.\n\nThe results are reported.")
    new = ("The guideline applies to cell products.\n\nApplicants keep records.\n\nEMA/CAT/22473/2025\n\n"
           "Batches are tested.\n\n— 4 —\n\nThe results are reported.")
    assert classify(old, new, diff_document(old, new)) == []
    changed = new.replace("are reported.", "are reported within 30 days.")
    assert [f.kind for f in rank(classify(old, changed, diff_document(old, changed)))] == ["numbers"]
