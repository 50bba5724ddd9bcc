from __future__ import annotations

import pytest

from regwatch.alerts.topics import DEFAULT_GLOSSARY, find_terms, merge_glossary, tag

# topic → one sentence each in English, Japanese, Korean, Simplified Chinese and Traditional Chinese
SENTENCES = {
    "stem_cells": ["Mesenchymal stem cells are expanded.", "間葉系幹細胞を培養する。", "줄기세포를 배양한다.",
                   "间充质干细胞的培养", "間充質幹細胞的培養"],
    "conditioned_media": ["The conditioned medium is filtered.", "培養上清を化粧品に配合する。",
                          "인체 세포·조직 배양액 안전기준", "条件培养基的质量", "條件培養基的品質"],
    "exosomes": ["Exosomes derived from MSCs.", "エクソソーム製剤の品質", "엑소좀 화장품 광고", "外泌体产品的监管",
                 "外泌體產品的監管"],
    "regenerative_medicine": ["Regenerative medicine therapies.", "再生医療等の安全性の確保",
                              "첨단재생의료 및 첨단바이오", "再生医学产品", "再生醫學產品"],
    "hctp": ["HCT/Ps regulated solely under section 361.", "ヒト細胞加工製品の品質", "인체세포등 관리업",
             "人体细胞组织产品", "人體細胞組織產品"],
    "atmp": ["Advanced therapy medicinal products (ATMPs).", "再生医療等製品の承認", "첨단바이오의약품의 허가",
             "先进治疗药品的定义", "先進治療藥品的定義"],
    "cosmetics": ["Cosmetic product facilities.", "化粧品基準", "화장품 안전기준", "化妆品原料目录", "化妝品原料目錄"],
    "gene_therapy": ["Human gene therapy products.", "遺伝子治療用製品", "유전자치료제", "基因治疗产品",
                     "基因治療產品"],
    "cell_therapy": ["Cellular therapy for cardiac disease.", "細胞治療の実施", "세포치료제 허가", "细胞治疗产品",
                     "細胞治療產品"],
}


@pytest.mark.parametrize("topic", sorted(SENTENCES))
def test_each_topic_in_five_languages(topic: str) -> None:
    for sentence in SENTENCES[topic]:
        assert topic in tag(sentence), sentence


def test_every_default_topic_has_sentences() -> None:
    assert set(SENTENCES) == set(DEFAULT_GLOSSARY)


@pytest.mark.parametrize("text", ["level", "every", "EVENT", "prevent", "EVALUATION", "severe", "relevant", "eve"])
def test_ev_inside_a_word_is_no_hit(text: str) -> None:
    assert "exosomes" not in tag(text)


@pytest.mark.parametrize("text", ["EVs were isolated.", "EV-derived products", "MSC-EV", "(EV)", "EV를 포함한 화장품",
                                  "EV由来"])
def test_ev_as_a_word_is_a_hit(text: str) -> None:
    assert "exosomes" in tag(text)


def test_nfkc_and_case_folding() -> None:
    assert tag("ＥＸＯＳＯＭＥＳ") == {"exosomes"}
    assert tag("ｴｸｿｿｰﾑ") == {"exosomes"}  # half-width katakana
    assert tag("STEM-CELL THERAPY") >= {"stem_cells"}
    assert tag("Conditioned  Media") == {"conditioned_media"}


def test_cjk_terms_match_inside_longer_words() -> None:
    assert tag("造血干细胞移植") == {"stem_cells"}
    assert tag("再生医療等製品") == {"atmp", "regenerative_medicine"}


def test_no_topic() -> None:
    assert tag("Submit comments to the docket within 60 days.") == set()
    assert find_terms("") == []


def test_find_terms_in_order() -> None:
    assert find_terms("Stem cells and their exosomes; 外泌体") == ["stem cell", "exosome", "外泌体"]


def test_merge_a_user_glossary() -> None:
    merged = merge_glossary({"exosomes": ["small EV", " sEV ", ""], "placenta": ["placenta", "胎盤", "태반"]})
    assert merged["exosomes"][: len(DEFAULT_GLOSSARY["exosomes"])] == DEFAULT_GLOSSARY["exosomes"]
    assert merged["exosomes"][-2:] == ("small EV", "sEV")
    assert tag("sEVs from plasma", merged) == {"exosomes"}
    assert tag("胎盤エキス", merged) == {"placenta"}
    assert tag("胎盤エキス") == set()  # the default glossary is untouched
    assert merge_glossary({}) == {topic: tuple(terms) for topic, terms in DEFAULT_GLOSSARY.items()}


def test_user_terms_starting_with_regex_characters() -> None:
    """Terms are found wherever they start, whatever character they start with (the matcher skips positions
    no term can start at: a class of first characters, which must escape its own metacharacters)."""
    glossary = {"odd": ["^caret", "]bracket", "-dash term", "\\slash", "ê-form"]}
    text = "a ^caret, a ]bracket, a dash term, a \\slash and Ê-forms"
    assert find_terms(text, glossary) == ["^caret", "]bracket", "-dash term", "\\slash", "ê-form"]
    assert tag(text, glossary) == {"odd"}
