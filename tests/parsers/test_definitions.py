"""Definition extraction (parsers.definitions): the defining forms of each language, and the bad input — a document
without definitions, a sentence cut by a PDF page break, nested quotation marks, a term inside a longer word."""

from __future__ import annotations

import pytest
from fpdf import FPDF

from regwatch.parsers.definitions import extract, keys_of, read_sentence, term_key
from regwatch.parsers.formats.pdf import parse_pdf
from regwatch.parsers.types import Fetched

DEFINING = [
    ('"Minimal manipulation" means processing that does not alter the original characteristics.',
     "Minimal manipulation"),
    ("For the purposes of this guidance, homologous use means repair with an HCT/P of the same basic function.",
     "homologous use"),
    ("Mesenchymal stem cells (MSCs) are defined as multipotent stromal cells that adhere to plastic.",
     "Mesenchymal stem cells (MSCs)"),
    ('The term "exosome" refers to a small extracellular vesicle released by cells.', "exosome"),
    ("「幹細胞」とは、自己複製能及び多分化能を有する細胞をいう。", "幹細胞"),
    ("この指針において再生医療等製品とは、人の細胞に培養等の加工を施したものをいう。", "再生医療等製品"),
    ('"줄기세포"란 자기복제능과 다분화능을 가진 세포를 말한다.', "줄기세포"),
    ("첨단바이오의약품이란 세포치료제, 유전자치료제 등을 말한다.", "첨단바이오의약품"),
    ("본 지침에서 “세포치료제”라 함은 살아있는 세포를 조작하여 제조하는 의약품을 말한다.", "세포치료제"),
    ("本指导原则所称干细胞，是指具有自我更新和多向分化潜能的细胞。", "干细胞"),
    ("外泌体是指细胞分泌的直径约30-150nm的囊泡。", "外泌体"),
    ("化妆品新原料，指在我国境内首次使用于化妆品生产的天然或者人工原料。", "化妆品新原料"),
    ("“细胞治疗产品”是指用于治疗疾病的人源细胞产品。", "细胞治疗产品"),
]

NOT_DEFINING = [
    "This means that sponsors should submit data before the meeting.",
    "The Points to Consider for Informed Consent Using Electromagnetic Means in Clinical Trials were issued.",
    "By means of centrifugation, the cells are separated.",
    "幹細胞とは異なり、体細胞は分化能を持たない。",
    "再生医療とは何かについて、説明会を開催した。",
    "줄기세포란 무엇인지 설명하는 자료를 배포하였다.",
    "이 지침은 줄기세포 치료제에 적용된다.",
    "这是指导原则的适用范围。",
    "申请人应当提交资料，指导原则另有规定的除外。",
    "本文件中所指的产品应当按照药品管理。",
]


@pytest.mark.parametrize(("sentence", "term"), DEFINING)
def test_each_language_defining_forms(sentence: str, term: str) -> None:
    found = read_sentence(sentence)
    assert found is not None and found[0] == term


@pytest.mark.parametrize("sentence", NOT_DEFINING)
def test_sentences_that_only_look_like_definitions(sentence: str) -> None:
    assert read_sentence(sentence) is None


def test_a_document_without_definitions_gives_none() -> None:
    text = ("I. INTRODUCTION\n\nThis guidance describes the data FDA recommends. Sponsors should submit it.\n\n"
            "第1 目的\n本通知は、再生医療等製品の承認申請に関する留意事項を示すものである。\n\n"
            "1. 목적\n이 가이드라인은 줄기세포치료제의 평가 방법을 안내하기 위한 것이다.\n\n"
            "一、适用范围\n本指导原则适用于干细胞治疗产品。")
    assert extract(text) == []
    assert extract("") == []


def test_entries_of_a_definitions_section_in_each_script() -> None:
    text = ("I. DEFINITIONS\n\nStem cell: a cell that can renew itself and give rise to specialized cells.\n\n"
            "Exosome – a small vesicle secreted by cells.\n\nII. SCOPE\n\nAll products: this guidance applies.\n\n"
            "用語の定義\n\n(1) 培養上清：細胞を培養した後に細胞を除いた液体\n\n"
            "용어의 정의\n\n가. 배양액: 세포를 배양한 후 세포를 제거한 액\n\n"
            "二、术语和定义\n\n条件培养基：细胞培养后去除细胞所得的培养液。\n")
    found = {(d.term, d.section, d.form) for d in extract(text)}
    assert found == {("Stem cell", "I. DEFINITIONS", "entry"), ("Exosome", "I. DEFINITIONS", "entry"),
                     ("培養上清", "用語の定義", "entry"), ("배양액", "용어의 정의", "entry"),
                     ("条件培养基", "二、术语和定义", "entry")}  # "All products:" under SCOPE is no entry


def test_a_definition_cut_by_a_page_break_is_read_whole() -> None:
    cut = ("III. DEFINITIONS\n\n「幹細胞」とは、自己複製能及び\n\n- 3 -\n\n多分化能を有する細胞をいう。\n\n"
           "\"줄기세포\"란 자기복제능과\n\n4\n\n다분화능을 가진 세포를 말한다.\n\n"
           "本指导原则所称干细胞，是指具有自我更新\n\n第 5 页\n\n和多向分化潜能的细胞。")
    sentences = {d.term: d.sentence for d in extract(cut)}
    assert sentences == {"幹細胞": "「幹細胞」とは、自己複製能及び多分化能を有する細胞をいう。",
                         "줄기세포": "\"줄기세포\"란 자기복제능과 다분화능을 가진 세포를 말한다.",
                         "干细胞": "本指导原则所称干细胞，是指具有自我更新和多向分化潜能的细胞。"}


def test_a_definition_across_a_real_pdf_page_break() -> None:
    pdf = FPDF(format="letter")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    def line(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    line("A. Definitions")
    for _ in range(36):
        line("Background text that fills the page and says nothing about any term at all.")
    line("For the purposes of this guidance, an exosome means a small membrane-bound vesicle that")
    pdf.add_page()
    line("cells release into the surrounding fluid, carrying proteins and nucleic acids.")
    document = parse_pdf(Fetched("https://www.fda.gov/media/1/download", 200, {"Content-Type": "application/pdf"},
                                 bytes(pdf.output())))
    (found,) = [d for d in extract(document.text) if d.keys == ("exosome",)]
    assert found.sentence.endswith("carrying proteins and nucleic acids.")
    assert "the surrounding fluid" in found.sentence


@pytest.mark.parametrize(("sentence", "term"), [
    ("「細胞加工物『特定』」とは、特定の細胞に加工を施したものをいう。", "細胞加工物『特定』"),
    ("『幹細胞「体性」』とは、成体に存在する幹細胞をいう。", "幹細胞「体性」"),
    ("“세포치료제 ‘자가’”란 환자 자신의 세포로 만든 세포치료제를 말한다.", "세포치료제 ‘자가’"),
    ("“细胞治疗产品‘自体’”是指来源于患者本人细胞的产品。", "细胞治疗产品‘自体’"),
    ("\"Conditioned medium 'CM'\" means the spent medium of a cell culture.", "Conditioned medium 'CM'"),
    ("“Secretome ‘SC’” means the set of molecules a cell secretes.", "Secretome ‘SC’"),
])
def test_nested_quotation_marks_keep_the_whole_term(sentence: str, term: str) -> None:
    found = read_sentence(sentence)
    assert found is not None and found[0] == term


def test_a_term_inside_a_longer_word_is_not_defined() -> None:
    text = ("幹細胞とは、自己複製能を有する細胞をいう。\n\n所谓“植物干细胞”，是指植物分生组织中的细胞。\n\n"
            "\"중간엽줄기세포\"란 골수 등에서 얻은 줄기세포를 말한다.")
    keys = {k for d in extract(text) for k in d.keys}
    assert keys == {"幹細胞", "植物干细胞", "중간엽줄기세포"}
    assert "細胞" not in keys and "干细胞" not in keys and "줄기세포" not in keys


def test_term_keys_compare_plural_case_quotes_and_spacing() -> None:
    assert term_key("Stem Cells") == term_key("stem cell") == "stem cell"
    assert term_key("HCT/Ps") == "hct/p"
    assert term_key("Conditioned media") == "conditioned medium"
    assert term_key("줄기 세포") == term_key("줄기세포")
    assert keys_of("extracellular vesicles (EVs)") == ("extracellular vesicle", "ev")
