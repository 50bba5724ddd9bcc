from __future__ import annotations

import json
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.diff import (
    ELLIPSIS,
    DiffOp,
    diff_words,
    fold_context,
    ops_to_json,
    split_segments,
    summarize_ops,
    tokenize_words,
)


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
