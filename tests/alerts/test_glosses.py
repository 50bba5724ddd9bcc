"""The built-in bilingual gloss (alerts.glosses) and where it annotates CJK findings: `regwatch diff`, the web diff,
the alert; an English change gets no gloss."""

from __future__ import annotations

import pytest

from regwatch.alerting import assess_change
from regwatch.alerts.diff import diff_words
from regwatch.alerts.glosses import gloss_change, gloss_line, glosses
from regwatch.alerts.render import render_change
from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import classify, rank
from regwatch.cli.diff import format_findings
from regwatch.store.views import ChangeView


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("申请人应当提交资料。", "申请人必须提交资料。", "应当 [shall] → 必须 [must]"),
    ("변경 시 신고하여야 한다.", "변경 시 신고할 수 있다.", "하여야 한다 [must] → 할 수 있다 [may]"),
    ("記録を保存すること。", "記録を保存しなければならない。", "(none) → しなければならない [must]"),
    ("化妆品中可以使用该原料。", "化妆品中不得使用该原料。", "可以 [may] → 不得 [must not]"),
    ("Sponsors should test.", "Sponsors must test.", ""),  # English needs no gloss
])
def test_changed_modal_verbs_are_glossed(old: str, new: str, expected: str) -> None:
    assert gloss_change(old, new) == expected


def test_key_terms_are_glossed_longest_first() -> None:
    assert [str(g) for g in glosses("間葉系幹細胞とは、…をいう。")] == [
        "間葉系幹細胞 [mesenchymal stem cell]", "をいう [means]"]
    assert gloss_line("外泌体是指细胞外囊泡。") == (
        "外泌体 [exosome] · 是指 [means] · 细胞外囊泡 [extracellular vesicle]")
    assert gloss_line("An exosome means a vesicle.") == ""


def test_diff_findings_and_alerts_carry_the_gloss() -> None:
    old, new = "一、要求\n\n申请人应当提交资料。", "一、要求\n\n申请人必须提交资料。"
    report = format_findings(rank(classify(old, new, diff_document(old, new))))
    assert "gloss: 应当 [shall] → 必须 [must]" in report
    summary, details, alert = assess_change()("nmpa", "关于干细胞产品的通告", old, new)
    assert alert and details.significance == "obligation" and details.gloss == "应当 [shall] → 必须 [must]"
    view = ChangeView(1, "2026-11-02T06:00:00Z", "nmpa", "nmpa-x", 2, "https://www.nmpa.gov.cn/x.html", "通告",
                      "changed", 1, 2, summary)
    message = render_change(view, diff_words(old, new), channel="c", details=details)
    assert "Gloss: 应当 [shall] → 必须 [must]" in message.text and "应当 [shall] → 必须 [must]" in message.html
    assert message.data["gloss"] == "应当 [shall] → 必须 [must]"
    english = assess_change()("fda", "Guidance", "Sponsors should test.", "Sponsors must test.")[1]
    assert english.gloss is None and "gloss" not in english.to_json()
