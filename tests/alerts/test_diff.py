from __future__ import annotations

import json
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.alerts.diff import (
    ELLIPSIS,
    DiffOp,
    diff_words,
    fold_context,
    new_text,
    old_text,
    ops_to_json,
    split_segments,
    summarize_ops,
    tokenize_words,
)
from regwatch.alerts.sections import diff_document, diff_sections, heading_level, section_at, short_path
from regwatch.parsers.formats.html import parse_page
from regwatch.parsers.types import Document, Fetched, Section


def changes(ops: list[DiffOp]) -> list[DiffOp]:
    return [op for op in ops if op.op != "equal"]


def test_one_reworded_word_is_one_replace_op() -> None:
    ops = diff_words("Sponsors should submit data.", "Sponsors must submit data.")
    assert ops == [
        DiffOp("equal", "Sponsors ", "Sponsors "),
        DiffOp("replace", "should", "must"),
        DiffOp("equal", " submit data.", " submit data."),
    ]


def test_inserted_words_are_one_insert_op() -> None:
    ops = diff_words("Submit the data.", "Submit the data within 30 days.")
    assert changes(ops) == [DiffOp("insert", "", " within 30 days")]


def test_deleted_words_are_one_delete_op() -> None:
    ops = diff_words("Submit all of the data now.", "Submit the data now.")
    assert [(op.op, op.old.strip()) for op in changes(ops)] == [("delete", "all of")]


def test_punctuation_is_its_own_token() -> None:
    ops = diff_words("must, not", "must; not")
    assert changes(ops) == [DiffOp("replace", ",", ";")]
    assert tokenize_words("must, not") == ["must", ",", " ", "not"]


def test_whitespace_between_changes_is_absorbed_into_one_replacement() -> None:
    assert diff_words("a b c", "x y z") == [DiffOp("replace", "a b c", "x y z")]


def test_identical_and_empty_texts() -> None:
    assert diff_words("same text", "same text") == [DiffOp("equal", "same text", "same text")]
    assert diff_words("", "") == []
    assert diff_words("", "new") == [DiffOp("insert", "", "new")]
    assert diff_words("old", "") == [DiffOp("delete", "old", "")]


def test_tokenizer_is_replaceable() -> None:
    ops = diff_words("abc", "abd", tokenize=list)
    assert ops == [DiffOp("equal", "ab", "ab"), DiffOp("replace", "c", "d")]


def assert_well_formed(old: str, new: str, ops: list[DiffOp]) -> None:
    assert "".join(op.old for op in ops) == old
    assert "".join(op.new for op in ops) == new
    for op in ops:
        assert op.old or op.new
        if op.op == "equal":
            assert op.old == op.new
        elif op.op == "insert":
            assert op.old == "" and op.new
        elif op.op == "delete":
            assert op.new == "" and op.old
        else:
            assert op.op == "replace" and op.old and op.new
    assert all(a.op != "equal" or b.op != "equal" for a, b in zip(ops, ops[1:], strict=False))


WORDS = st.sampled_from(["shall", "should", "must", "data", "the", "30", "days", "FDA", "申請", "한국", "é"])
SEPARATORS = st.sampled_from([" ", "  ", "\n", ". ", ", ", "; ", ".\n\n", "\t", ""])
TEXTS = st.one_of(
    st.lists(st.tuples(WORDS, SEPARATORS), max_size=40).map(lambda parts: "".join(a + b for a, b in parts)),
    st.text(max_size=80),
)


@given(old=TEXTS, new=TEXTS)
@settings(max_examples=300, deadline=None)
def test_rejoining_each_side_gives_back_the_texts(old: str, new: str) -> None:
    assert_well_formed(old, new, diff_words(old, new))


@given(text=st.text(max_size=200))
def test_tokenizers_lose_nothing(text: str) -> None:
    assert "".join(tokenize_words(text)) == text
    assert "".join(split_segments(text)) == text


def test_fold_context_keeps_words_around_each_change() -> None:
    words = [f"w{i}" for i in range(40)]
    old = " ".join(words)
    new = " ".join(words[:20] + ["CHANGED"] + words[21:])
    folded = diff_words(old, new, context=3)
    assert folded == fold_context(diff_words(old, new), 3)
    first, change, last = folded
    assert change == DiffOp("replace", "w20", "CHANGED")
    assert first.old == f"{ELLIPSIS} w17 w18 w19 " and first.op == "equal"
    assert last.old == f" w21 w22 w23 {ELLIPSIS}"


def test_fold_context_folds_the_middle_of_a_long_run_between_changes() -> None:
    words = [f"w{i}" for i in range(30)]
    new = ["A"] + words[1:29] + ["B"]
    middle = diff_words(" ".join(words), " ".join(new), context=2)[1]
    assert middle.old == f" w1 w2 {ELLIPSIS} w27 w28 "


def test_fold_context_leaves_unchanged_text_alone() -> None:
    ops = [DiffOp("equal", "a b c d e f", "a b c d e f")]
    assert fold_context(ops, 1) == ops


def test_summary_names_each_kind_of_change() -> None:
    ops = diff_words("Sponsors should submit all data.", "Sponsors must submit data within 30 days.")
    assert summarize_ops(ops) == "'should' → 'must'; removed: 'all'; added: 'within 30 days'"


def test_summary_counts_repeats_and_stops_at_the_limit() -> None:
    old = "a should b. c should d. e may f. g x h. i y j."
    new = "a must b. c must d. e can f. g xx h. i yy j."
    summary = summarize_ops(diff_words(old, new), limit=2)
    assert summary == "'should' → 'must' (×2); 'may' → 'can'; and 2 more"
    assert summarize_ops(diff_words("same", "same")) == "no wording change"


def test_summary_is_one_line_and_short() -> None:
    summary = summarize_ops(diff_words("x", "line one\nline two " + "long " * 40))
    assert "\n" not in summary and summary.startswith("'x' → 'line one line two") and len(summary) < 150


def test_ops_to_json() -> None:
    ops = diff_words("should be", "must be")
    assert ops_to_json(ops) == [
        {"op": "replace", "old": "should", "new": "must"},
        {"op": "equal", "old": " be", "new": " be"},
    ]
    assert json.loads(json.dumps(ops_to_json(ops))) == ops_to_json(ops)


def _document(rng: random.Random, size: int) -> list[str]:
    vocab = [f"term{i}" for i in range(2000)] + ["the", "of", "and", "shall", "should", "be", "data"] * 50
    sentences: list[str] = []
    while sum(map(len, sentences)) < size:
        words = " ".join(rng.choice(vocab) for _ in range(rng.randint(5, 30)))
        sentences.append(words + rng.choice([". ", ".\n", "; ", ".\n\n"]))
    return sentences


def test_two_100kb_documents_with_a_few_edits() -> None:
    rng = random.Random(7)
    sentences = _document(rng, 100_000)
    old = "".join(sentences)
    edited = list(sentences)
    n = len(edited)
    for k in (10, n // 4, 3 * n // 4, n - 5):
        edited[k] = edited[k].replace(" ", " NEWWORD ", 1)
    edited.insert(n // 2, "An entirely new sentence. ")
    new = "".join(edited)
    ops = diff_words(old, new)
    assert_well_formed(old, new, ops)
    inserted = [op.new.strip() for op in changes(ops)]
    assert inserted == ["NEWWORD"] * 2 + ["An entirely new sentence."] + ["NEWWORD"] * 2
    assert all(op.op == "insert" for op in changes(ops))


def test_100kb_document_reworded_in_every_sentence() -> None:
    old = "".join(_document(random.Random(8), 100_000))
    new = re.sub(r"\bshould\b", "must", old)
    ops = diff_words(old, new)
    assert_well_formed(old, new, ops)
    assert {(op.old, op.new) for op in changes(ops)} <= {("should", "must"), ("should should", "must must")}
    assert len(changes(ops)) > 100


def test_two_unrelated_100kb_documents_become_one_replacement() -> None:
    old = "".join(_document(random.Random(1), 100_000))
    new = "".join(_document(random.Random(2), 100_000))
    ops = diff_words(old, new)
    assert_well_formed(old, new, ops)
    assert len(changes(ops)) >= 1


# --- CJK and Korean ---------------------------------------------------------------------------------------------


def test_one_character_edit_inside_a_chinese_word_is_that_character() -> None:
    old = "本指导原则适用于间充质干细胞来源的外泌体产品，不适用于化妆品。"
    ops = diff_words(old, old.replace("外泌体", "外泌物"))
    assert changes(ops) == [DiffOp("replace", "体", "物")]


def test_one_character_edit_in_a_long_japanese_paragraph_stays_small() -> None:
    sentence = "再生医療等製品の製造販売業者は、細胞外小胞を含む製品について品質試験を実施すること。"
    old = sentence * 20
    new = old.replace("細胞外小胞", "細胞外小体", 1)
    assert changes(diff_words(old, new)) == [DiffOp("replace", "胞", "体")]


def test_japanese_obligation_change_is_one_replacement_not_confetti() -> None:
    old = "製造業者は、品質試験を実施することが望ましい。"
    new = "製造業者は、品質試験を実施しなければならない。"
    (change,) = changes(diff_words(old, new))
    assert change.op == "replace" and change.old.startswith("することが") and change.new.startswith("しなければ")


def test_korean_eojeol_replacement_keeps_the_shared_syllables() -> None:
    assert changes(diff_words("줄기세포를 사용한다.", "줄기세포는 사용한다.")) == [DiffOp("replace", "를", "는")]


def test_korean_numbers_are_split_from_their_unit() -> None:
    ops = diff_words("보관 기간은 3년으로 한다.", "보관 기간은 2년으로 한다.")
    assert changes(ops) == [DiffOp("replace", "3", "2")]


def test_korean_modal_change_reads_as_whole_words() -> None:
    ops = diff_words("제조업자는 시험을 실시할 수 있다.", "제조업자는 시험을 실시하여야 한다.")
    assert changes(ops) == [DiffOp("replace", "실시할 수 있다", "실시하여야 한다")]


def test_mixed_script_tokens() -> None:
    assert tokenize_words("EV由来外泌体3年 3년간 stem-cell") == [
        "EV", "由", "来", "外", "泌", "体", "3", "年", " ", "3", "년간", " ", "stem", "-", "cell"]
    assert split_segments("第一句。第二句。") == ["第一句。", "第二句。"]


# --- positions and moves ----------------------------------------------------------------------------------------

PARAS = [
    "I. INTRODUCTION",
    "This guidance describes the regulation of HCT/Ps under Part 1271.",
    "Manufacturers should consider whether their product meets all criteria.",
    "II. BACKGROUND",
    "Structural tissues generally perform a physical or mechanical function.",
    "Cells and nonstructural tissues generally serve metabolic roles.",
]


def test_ops_know_their_offsets() -> None:
    old, new = "Sponsors should submit data.", "Sponsors must submit data."
    for op in diff_words(old, new):
        assert old[op.old_at : op.old_at + len(op.old)] == op.old
        assert new[op.new_at : op.new_at + len(op.new)] == op.new


def test_a_moved_paragraph_is_one_move_op() -> None:
    old = "\n\n".join(PARAS)
    new = "\n\n".join(PARAS[:1] + PARAS[2:5] + PARAS[1:2] + PARAS[5:])
    ops = diff_words(old, new, moves=True)
    (move,) = [op for op in ops if op.op != "equal" and op.old.strip()]
    assert move.op == "move" and move.old.strip() == move.new.strip() == PARAS[1]
    assert old[move.old_at :].startswith(PARAS[1]) and new[move.new_at :].startswith(PARAS[1])
    assert old_text(ops) == old and new_text(ops) == new
    assert not [op for op in ops if op.op in ("insert", "delete") and op.old.strip() + op.new.strip()]


def test_without_moves_the_same_edit_is_a_deletion_and_an_insertion() -> None:
    old = "\n\n".join(PARAS)
    new = "\n\n".join(PARAS[:1] + PARAS[2:5] + PARAS[1:2] + PARAS[5:])
    kinds = {op.op for op in diff_words(old, new) if op.op != "equal"}
    assert "move" not in kinds and kinds & {"insert", "delete", "replace"}


def test_a_paragraph_moved_and_reworded_is_a_move_with_both_texts() -> None:
    old = "\n\n".join(PARAS)
    edited = PARAS[2].replace("should", "must")
    new = "\n\n".join([PARAS[0], PARAS[1], PARAS[3], PARAS[4], edited, PARAS[5]])
    ops = diff_words(old, new, moves=True)
    (move,) = [op for op in ops if op.op == "move"]
    assert move.old.strip() == PARAS[2] and move.new.strip() == edited
    assert old_text(ops) == old and new_text(ops) == new


def test_short_lines_and_reordered_duplicates_are_not_moves() -> None:
    old, new = "Yes.\n\nNo.\n\nMaybe.", "No.\n\nYes.\n\nMaybe."
    assert not [op for op in diff_words(old, new, moves=True) if op.op == "move"]


def test_move_in_summary_and_json() -> None:
    old = "\n\n".join(PARAS)
    new = "\n\n".join(PARAS[:1] + PARAS[2:5] + PARAS[1:2] + PARAS[5:])
    ops = diff_words(old, new, moves=True)
    assert "moved: 'This guidance describes" in summarize_ops(ops)
    (item,) = [item for item in ops_to_json(ops) if item["op"] == "move"]
    assert item["old_at"] == old.index(PARAS[1]) and item["new_at"] == new.index(PARAS[1])


MIXED_WORDS = st.sampled_from([
    "shall", "must", "data", "30", "days", "申請", "外泌体", "細胞外小胞", "することが望ましい", "줄기세포를", "3년",
    "하여야", "한다", "应当", "可以", "é", "EV", "。", "、", "「", "」",
])
MIXED_SEPARATORS = st.sampled_from([" ", "", "\n", "\n\n", "。", ". ", "、"])
MIXED = st.lists(st.tuples(MIXED_WORDS, MIXED_SEPARATORS), max_size=40).map(
    lambda parts: "".join(a + b for a, b in parts))
CJK_PARAS = ["外泌体的质量控制应当符合本指导原则的要求。", "短い行"]
PARAGRAPHS = st.lists(st.sampled_from(PARAS + CJK_PARAS), max_size=8).map("\n\n".join)


@given(old=st.one_of(MIXED, st.text(max_size=60)), new=st.one_of(MIXED, st.text(max_size=60)))
@settings(max_examples=300, deadline=None)
def test_rejoining_mixed_script_texts(old: str, new: str) -> None:
    ops = diff_words(old, new)
    assert_well_formed(old, new, ops)
    for op in ops:
        assert old[op.old_at : op.old_at + len(op.old)] == op.old
        assert new[op.new_at : op.new_at + len(op.new)] == op.new


@given(old=st.one_of(PARAGRAPHS, MIXED), new=st.one_of(PARAGRAPHS, MIXED))
@settings(max_examples=300, deadline=None)
def test_rejoining_with_moves(old: str, new: str) -> None:
    ops = diff_words(old, new, moves=True)
    assert old_text(ops) == old and new_text(ops) == new
    for op in ops:
        assert op.old or op.new
        assert old[op.old_at : op.old_at + len(op.old)] == op.old
        assert new[op.new_at : op.new_at + len(op.new)] == op.new


def test_two_1mb_documents_with_a_few_edits_and_a_move() -> None:
    rng = random.Random(11)
    paragraphs = ["".join(_document(rng, 2_000)).replace("\n", " ").strip() for _ in range(500)]
    old = "\n\n".join(paragraphs)
    assert len(old) > 1_000_000
    edited = list(paragraphs)
    edited[3] = edited[3].replace(" ", " NEWWORD ", 1)
    edited[400] = edited[400].replace(" ", " NEWWORD ", 1)
    edited.insert(450, edited.pop(100))
    new = "\n\n".join(edited)
    ops = diff_words(old, new, moves=True)
    assert old_text(ops) == old and new_text(ops) == new
    assert [op.op for op in ops if op.op != "equal"] == ["insert", "insert", "move"]
    plain = diff_words(old, new)
    assert_well_formed(old, new, plain)


# --- section paths ----------------------------------------------------------------------------------------------

PAGE = """<html><body><main>
<h1>Minimal Manipulation and Homologous Use</h1>
<h2>IV. Minimal manipulation</h2>
<h3>A. Definitions</h3><p>Minimal manipulation means processing that does not alter the tissue.</p>
<h3>B. Structural tissue</h3><p>Manufacturers should consider the original relevant characteristics.</p>
<h2>V. Homologous use</h2><p>Homologous use means the repair or replacement of recipient cells.</p>
</main></body></html>"""


def _page(html: str) -> Document:
    return parse_page(Fetched("https://example.org/g", 200, {"Content-Type": "text/html"}, html.encode()))


def test_ops_carry_the_section_path_of_the_parser_sections() -> None:
    old, new = _page(PAGE), _page(PAGE.replace("should consider", "must consider"))
    ops = diff_document(old.text, new.text, old_sections=old.sections, new_sections=new.sections)
    (change,) = changes(ops)
    assert (change.old, change.new) == ("should", "must")
    assert change.section == ("Minimal Manipulation and Homologous Use", "IV. Minimal manipulation",
                              "B. Structural tissue")
    assert ops_to_json([change])[0]["section"][-1] == "B. Structural tissue"


def test_section_path_from_heading_lines_alone() -> None:
    text = "I. INTRODUCTION\n\nText one.\n\nII. BACKGROUND\n\nA. Structural tissue\n\nText two.\n\nB. Other\n\nThree."
    assert section_at(text, text.index("Text two")) == ("II. BACKGROUND", "A. Structural tissue")
    assert section_at(text, text.index("Three")) == ("II. BACKGROUND", "B. Other")
    assert section_at(text, 0) == ("I. INTRODUCTION",)
    assert short_path(("II. BACKGROUND", "A. Structural tissue")) == "II.A"
    assert short_path(("Scope",)) == "Scope"


def test_cjk_numbered_headings_give_paths_and_sentences_do_not() -> None:
    text = "\n\n".join(["第1章 総則", "1. 目的", "この通知は再生医療等製品に適用する。", "第2章 定義", "本文である。",
                       "一、总则", "(一)适用范围", "正文。"])
    assert section_at(text, text.index("この通知")) == ("第1章 総則", "1. 目的")
    assert section_at(text, text.index("本文")) == ("第2章 定義",)
    assert section_at(text, text.index("正文")) == ("第2章 定義", "一、总则", "(一)适用范围")
    assert heading_level("この通知は再生医療等製品に適用する。") == 0


def test_a_move_between_sections_carries_both_paths() -> None:
    old = "\n\n".join(PARAS)
    new = "\n\n".join(PARAS[:1] + PARAS[2:5] + PARAS[1:2] + PARAS[5:])
    (move,) = [op for op in diff_document(old, new) if op.op == "move"]
    assert move.old_section == ("I. INTRODUCTION",) and move.section == ("II. BACKGROUND",)


def test_diff_sections_pairs_renumbered_sections_and_skips_unchanged_ones() -> None:
    old = [Section(("I. Scope",), "Applies to HCT/Ps."), Section(("II. Storage",), "Keep for 3 years."),
           Section(("III. Labels",), "Label text."), Section(("IV. Annex",), "Same text.")]
    new = [Section(("I. Scope",), "Applies to HCT/Ps and exosomes."), Section(("II. Labels",), "Label text."),
           Section(("III. Annex",), "Same text."), Section(("IV. Records",), "Records are kept electronically.")]
    found = [(c.kind, c.old_path, c.new_path) for c in diff_sections(old, new)]
    assert found == [
        ("changed", ("I. Scope",), ("I. Scope",)),
        ("removed", ("II. Storage",), None),
        ("renamed", ("III. Labels",), ("II. Labels",)),
        ("renamed", ("IV. Annex",), ("III. Annex",)),
        ("added", None, ("IV. Records",)),
    ]
    (first, *_) = diff_sections(old, new)
    assert changes(list(first.ops)) == [DiffOp("insert", "", " and exosomes")]
    assert first.ops[1].section == ("I. Scope",)
