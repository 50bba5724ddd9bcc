from __future__ import annotations

import re

import pytest

from regwatch.alerts.diff import diff_words
from regwatch.alerts.sections import diff_document
from regwatch.alerts.significance import (
    Finding,
    classify,
    defines,
    modals,
    numbers,
    rank,
    summary_line,
)
from regwatch.store.vocabulary import SIGNIFICANCES


def judge(old: str, new: str, **kwargs: object) -> list[Finding]:
    return rank(classify(old, new, diff_words(old, new), **kwargs))  # type: ignore[arg-type]


def top(old: str, new: str) -> str:
    found = judge(old, new)
    assert found, (old, new)
    return found[0].kind


# (class, old text, new text) in English, Japanese, Korean and Chinese; each pair is one change of that class.
CASES = [
    ("definition", "Minimal manipulation means processing that does not alter the tissue.",
     "Minimal manipulation means processing that does not materially alter the tissue."),
    ("definition", "この通知において「特定細胞加工物」とは、再生医療等に用いる細胞加工物をいう。",
     "この通知において「特定細胞加工物」とは、再生医療等に用いる細胞加工物及びその培養上清をいう。"),
    ("definition", "\"줄기세포\"란 자가복제능력을 가진 세포를 말한다.",
     "\"줄기세포\"란 자가복제능력과 분화능력을 가진 세포를 말한다."),
    ("definition", "本指导原则所称外泌体是指细胞分泌的囊泡。",
     "本指导原则所称外泌体是指细胞分泌的直径30-150nm的囊泡。"),
    ("obligation", "HCT/P manufacturers should consider the criteria.",
     "HCT/P manufacturers must consider the criteria."),
    ("obligation", "Sponsors are required to submit data.", "Sponsors are encouraged to submit data."),
    ("obligation", "製造販売業者は品質試験を実施することが望ましい。",
     "製造販売業者は品質試験を実施しなければならない。"),
    ("obligation", "製造販売業者は記録を保存することができる。", "製造販売業者は記録を保存すること。"),
    ("obligation", "제조업자는 시험을 실시할 수 있다.", "제조업자는 시험을 실시하여야 한다."),
    ("obligation", "제조업자는 시험을 실시하는 것을 권장한다.", "제조업자는 시험을 실시해야 한다."),
    ("obligation", "申请人可以提交补充资料。", "申请人应当提交补充资料。"),
    ("obligation", "生产企业宜建立质量体系。", "生产企业必须建立质量体系。"),
    ("numbers", "Records are kept for 36 months.", "Records are kept for 24 months."),
    ("numbers", "Enforcement discretion applies through May 31, 2021.",
     "Enforcement discretion applies through May 31, 2026."),
    ("numbers", "記録は3年間保存する。", "記録は5年間保存する。"),
    ("numbers", "기록은 3년간 보관한다.", "기록은 2년간 보관한다."),
    ("numbers", "有效期为6个月。", "有效期为12个月。"),
    ("numbers", "有效期为三年。", "有效期为五年。"),
    ("scope", "The guideline applies to ATMPs.", "The guideline applies to ATMPs. It also covers exosomes."),
    ("scope", "本通知は再生医療等製品に適用する。", "本通知は再生医療等製品に適用する。エクソソームも対象とする。"),
    ("scope", "이 안내서는 화장품에 적용한다.", "이 안내서는 화장품에 적용한다. 엑소좀 원료도 포함한다."),
    ("scope", "本指导原则适用于化妆品。不适用于干细胞产品。", "本指导原则适用于化妆品。"),
    ("scope", "This applies to stem cells.", "This applies to stem cells and conditioned media."),
    ("new", "Submit the form.", "Submit the form. Use the electronic portal."),
    ("new", "申請書を提出する。", "申請書を提出する。電子申請システムを利用する。"),
    ("removed", "서류를 제출한다. 우편으로도 제출할 수 있다.", "서류를 제출한다."),
    ("removed", "提交申请资料。也可邮寄提交。", "提交申请资料。"),
    ("editorial", "A typo heer.", "A typo here."),
    ("editorial", "記録を保存します。", "記録を保管します。"),
    ("editorial", "자료를 제출한다.", "서류를 제출한다."),
    ("editorial", "提交申请资料。", "提交申报资料。"),
]


@pytest.mark.parametrize(("kind", "old", "new"), CASES)
def test_each_class_in_each_language(kind: str, old: str, new: str) -> None:
    assert top(old, new) == kind


def language(text: str) -> str:
    if re.search("[가-힣]", text):
        return "ko"
    if re.search("[ぁ-ヿ]", text):
        return "ja"
    return "zh" if re.search("[一-鿿]", text) else "en"


def test_every_class_is_covered_in_four_languages() -> None:
    for kind in ("definition", "obligation", "numbers", "scope"):
        assert {language(old + new) for k, old, new in CASES if k == kind} == {"en", "ja", "ko", "zh"}, kind


def test_status_change_comes_from_the_caller() -> None:
    found = classify("Same text.", "Same text.", diff_words("Same text.", "Same text."), status=("draft", "final"))
    assert [(f.kind, f.detail) for f in found] == [("status", "draft → final")]
    assert classify("a", "a", [], status=("final", "final")) == []


def test_new_and_removed_documents() -> None:
    (new,) = classify("", "外泌体产品的技术指导原则。", [])
    assert (new.kind, new.topics) == ("new", frozenset({"exosomes"}))
    (gone,) = classify("Withdrawn guidance text.", "", [])
    assert gone.kind == "removed"


def test_whitespace_only_and_cjk_spacing_give_no_finding() -> None:
    assert judge("再生医療等製品の\n製造", "再生医療等製品の製造") == []
    assert judge("再生医療 等製品", "再生医療等製品") == []
    assert judge("Sponsors  should\nsubmit.", "Sponsors should submit.") == []


def test_one_sentence_with_several_classes_keeps_them_all() -> None:
    (finding,) = judge("Sponsors should submit within 36 months.", "Sponsors must submit within 24 months.")
    assert finding.kinds == ("obligation", "numbers")
    assert finding.detail == "'should' → 'must'"


def test_details_quote_what_changed() -> None:
    assert judge("Keep for 36 months.", "Keep for 24 months.")[0].detail == "'36 months' → '24 months'"
    assert judge("기록은 3년간 보관한다.", "기록은 2년간 보관한다.")[0].detail == "'3년' → '2년'"
    assert judge("申请人可以提交。", "申请人应当提交。")[0].detail == "'可以' → '应当'"
    scope = judge("Applies to stem cells.", "Applies to stem cells and exosomes.")[0]
    assert scope.detail == "now names exosomes" and scope.topics == {"stem_cells", "exosomes"}


def test_ranking_order() -> None:
    old = ("Records are kept for 3 years. Sponsors should submit data. A term means a thing. Typo heer. "
           "This sentence goes. The scope covers drugs.")
    new = ("Records are kept for 5 years. Sponsors must submit data. A term means another thing. Typo here. "
           "The scope covers drugs. Exosome products are included. A plain new sentence.")
    found = rank(classify(old, new, diff_words(old, new), status=("draft", "final")))
    assert [f.kind for f in found] == ["definition", "obligation", "numbers", "scope", "status", "new", "removed",
                                       "editorial"]
    assert [f.kind for f in found] == list(SIGNIFICANCES)


def test_rank_prefers_findings_that_name_a_topic_within_a_class() -> None:
    old = "Keep data for 3 years. Keep stem cell data for 3 years."
    new = "Keep data for 5 years. Keep stem cell data for 5 years."
    first, second = judge(old, new)
    assert first.topics == {"stem_cells"} and not second.topics


def test_dates_and_words_are_not_modals() -> None:
    assert modals("through May 31, 2021") == []
    assert modals("生物反应器的应用与许可") == []
    assert modals("You may submit; you must not ship. 하여야 한다 할 수 있다 应当 可以") == [
        "may", "must not", "하여야 한다", "할 수 있다", "应当", "可以"]


def test_lexicon_helpers() -> None:
    assert defines("HCT/Ps are defined in 21 CFR 1271.3(d) as articles containing human cells.")
    assert defines("「再生医療等」とは、次に掲げる医療をいう。") and defines("细胞治疗产品系指……")
    assert not defines("By means of a filter.")
    assert numbers("within 30 days, 3년, 6个月, 50%") == ["30 days", "3년", "6个月", "50%"]


def test_a_move_is_editorial_and_names_both_places() -> None:
    paras = ["I. INTRODUCTION", "This guidance covers products derived from stem cells.", "II. SCOPE",
             "Other products are described in the annex to this guidance."]
    old, new = "\n\n".join(paras), "\n\n".join([paras[0], paras[2], paras[3], paras[1]])
    (finding,) = classify(old, new, diff_document(old, new))
    assert finding.kind == "editorial" and finding.detail.startswith("moved from I to II:")
    assert finding.topics == {"stem_cells"}


def test_summary_line() -> None:
    old = "I. INTRODUCTION\n\nText.\n\nV. ENFORCEMENT\n\nA. Scope\n\nHCT/P manufacturers should consider the criteria."
    new = old.replace("should", "must")
    found = classify(old, new, diff_document(old, new))
    title = "Regulatory Considerations for HCT/Ps: Minimal Manipulation and Homologous Use"
    assert summary_line("fda", title, found) == (
        "FDA · Minimal Manipulation and Homologous Use · obligation: 'should' → 'must' in V.A Scope")
    assert summary_line("pmda", "再生医療等製品", [], ()) == "PMDA · 再生医療等製品 · no wording change"
    more = judge("Keep 3 years. Should do.", "Keep 5 years. Must do. New sentence here.")
    assert summary_line("ema", "Guideline", more, ("4. Storage",)) == (
        "EMA · Guideline · obligation: 'should' → 'must' in 4. Storage (+1 numbers, 1 new)")


@pytest.mark.parametrize(("old", "new"), [
    ("Last updated: 21/05/2008", "Last updated: 14/03/2026"),
    ("Content current as of: 07/21/2020", "Content current as of: 03/02/2026"),
    ("<title> 조회수 1287 담당부서 화장품정책과", "<title> 조회수 1302 담당부서 화장품정책과"),
    ("再生医療等製品の製造販売承認申請について[263KB]", "再生医療等製品の製造販売承認申請について[265KB]"),
    ("English (EN) (400.09 KB - PDF)", "English (EN) (401.20 KB - PDF)"),
    ("浏览次数：1024", "浏览次数：1031"),
])
def test_stamps_counters_and_file_sizes_are_no_finding(old: str, new: str) -> None:
    assert judge(old, new) == []


def test_numbers_next_to_a_stamp_but_not_in_it_still_count() -> None:
    old = "Last updated: 21/05/2008. Legal effective date: 01/09/2008."
    assert top(old, old.replace("01/09/2008", "01/09/2026")) == "numbers"
    assert top("Files over 100 MB must be split.", "Files over 200 MB must be split.") == "numbers"


def test_a_sentence_wrapped_over_lines_is_one_sentence() -> None:
    old = "この通知において「細胞加工物」とは、人又は動物の細胞に\n培養その他の加工を施したものをいう。"
    new = "この通知において「細胞加工物」とは、人又は動物の細胞に培養\nその他の加工を施したもの及びその培養上清をいう。"
    (finding,) = judge(old, new)
    assert finding.kind == "definition" and finding.new.endswith("及びその培養上清をいう。")


def test_a_sentence_deleted_here_and_inserted_there_is_a_move_not_a_removal() -> None:
    old = "Scope applies. The rule covers exosomes. Labels are required. Records are kept."
    new = "Scope applies. Labels are required. The rule covers exosomes. Records are kept."
    ops = diff_words(old, new)
    assert {op.op for op in ops} - {"equal"}  # the word diff shows a deletion and an insertion
    (finding,) = classify(old, new, ops)
    assert finding.kind == "editorial" and finding.detail.startswith("moved:")
