"""Summaries name the document's own title and the section the change falls in."""

from __future__ import annotations

import pytest

from regwatch.alerts.sections import diff_document, section_label
from regwatch.alerts.significance import classify, short_title, summary_line


@pytest.mark.parametrize(("title", "own"), [
    ("Regulatory Considerations for Human Cells, Tissues, and Cellular and Tissue-Based Products: Minimal "
     "Manipulation and Homologous Use: Guidance for Industry and Food and Drug Administration Staff",
     "Minimal Manipulation and Homologous Use"),
    ("Considerations for the Use of Artificial Intelligence: Draft Guidance for Industry",
     "Considerations for the Use of Artificial Intelligence"),
    ("Potency Assurance for Cellular and Gene Therapy Products: Guidance for Food and Drug Administration Staff",
     "Potency Assurance for Cellular and Gene Therapy Products"),
    ("Guideline on human cell-based medicinal products - Scientific guideline",
     "Guideline on human cell-based medicinal products"),
    ("ヒト(同種)由来細胞や組織を加工した医薬品又は医療機器の品質及び安全性の確保について",
     "ヒト(同種)由来細胞や組織を加工した医薬品又は医療機器の品質及び安全性の確保について"),
])
def test_the_title_is_the_documents_own_never_a_generic_suffix(title: str, own: str) -> None:
    assert short_title(title) == own
    assert "Guidance for Industry" not in summary_line("fda", title, [])


# A PDF's text as the parser normalizes it: numbered sections with numbered sub-sections; 4.4 is only cited.
PDF = """1. Introduction

Cell-based medicinal products are heterogeneous.

4. Quality and manufacturing aspects

4.1 Starting and raw materials

The applicant should establish the suitability of all starting materials (see also 4.4 of the annex).

4.2 Manufacturing process

The manufacturing process should be validated.

4.3 Release testing

Release specifications should be justified."""


@pytest.mark.parametrize(("old", "new", "where"), [
    ("should establish", "must establish", "in 4.1 Starting and raw materials"),
    ("process should be", "process must be", "in 4.2 Manufacturing process"),
    ("Release specifications should", "Release specifications must", "in 4.3 Release testing"),
])
def test_the_section_is_the_numbered_sub_section_the_change_falls_in(old: str, new: str, where: str) -> None:
    changed = PDF.replace(old, new)
    line = summary_line("ema", "Guideline on human cell-based medicinal products",
                        classify(PDF, changed, diff_document(PDF, changed)))
    assert line.endswith(f"'should' → 'must' {where}"), line


@pytest.mark.parametrize(("text", "old", "new", "where"), [
    ("第1章 総則\n\nこの通知は適用される。\n\n第2章 製造方法\n\n記録を作成し、保存すること。",
     "保存すること", "保存しなければならない", "第2章 製造方法"),
    ("6. 표시기준\n\n표시하여야 한다.\n\n7. 기록의 보존\n\n기록은 3년간 보존하여야 한다.",
     "보존하여야 한다", "보존할 수 있다", "7. 기록의 보존"),
    ("一、总则\n\n本原则适用于干细胞产品。\n\n二、非临床研究\n\n对于外泌体,应当根据其产品特点另行研究。",
     "应当根据", "必须根据", "二、非临床研究"),
])
def test_cjk_headings_name_the_section(text: str, old: str, new: str, where: str) -> None:
    changed = text.replace(old, new)
    line = summary_line("pmda", "通知", classify(text, changed, diff_document(text, changed)))
    assert line.endswith(f"in {where}"), line


def test_section_label_keeps_the_innermost_heading_with_its_full_number() -> None:
    assert section_label(("4. Quality and manufacturing aspects", "4.1 Starting and raw materials")) == (
        "4.1 Starting and raw materials")
    assert section_label(("V. ENFORCEMENT", "A. Scope")) == "V.A Scope"
    assert section_label(("II. BACKGROUND",)) == "II. BACKGROUND"
    assert section_label(()) == ""
