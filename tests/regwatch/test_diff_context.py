"""`regwatch diff` on a one-word change in a long document shows the change with a little context, in every
script: words for Latin scripts and Korean, characters (not whitespace "words") for Japanese and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from regwatch.alerts.context import trim_context
from regwatch.cli import main
from regwatch.parsers.types import Document, Fetched, Parsed
from regwatch.store.db import open_store
from regwatch.store.models import Run, Source, SourceRun
from regwatch.store.versions import RunContext, record_capture
from tests.conftest import FakeClock

PAGE_CHARS = 3_000  # a printed page of text, roughly
# One paragraph per language holding the obligation that changes; the document repeats numbered filler paragraphs
# around it until it is some 50 pages long.
DOCS = {
    "en": ("The sponsor should keep the batch records for three years after release of the product.",
           "should", "must",
           "{n}. The manufacturer describes the process controls and the tests applied to each lot of cells. "),
    "ja": ("製造業者は、細胞・組織の採取、保存及び運搬に関する記録を作成し、保存すること。", "保存すること",
           "保存しなければならない", "{n}.製造業者は、各ロットの細胞に適用する工程管理及び試験の内容を記載する。"),
    "ko": ("제조업자는 완제품의 제조일로부터 3년간 모든 기록과 시험성적서를 보존하여야 한다.", "보존하여야 한다",
           "보존할 수 있다", "{n}. 제조업자는 각 로트의 세포에 적용하는 공정 관리 및 시험 내용을 기재한다. "),
    "zh": ("对于干细胞来源的条件培养基、外泌体等非细胞成分,应当根据其产品特点另行开展非临床研究。", "应当根据",
           "必须根据", "{n}.申请人应描述对每批细胞实施的工艺控制和检验项目,并说明其科学依据。"),
}


def _long(paragraph: str, filler: str) -> str:
    paras, n = [], 0
    while sum(map(len, paras)) < 50 * PAGE_CHARS:
        n += 1
        paras.append(filler.format(n=n) * 4)
        if n == 150:
            paras.append(paragraph)
    return "\n\n".join(paras)


def _store(tmp_path: Path, old: str, new: str) -> Path:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"store": {"url": db}, "sources": [
        {"name": "watch", "agency": "ema", "url": "https://www.ema.europa.eu/x.html"}]}))
    sessions = open_store(db)
    clock = FakeClock()
    url = "https://www.ema.europa.eu/x.pdf"
    with sessions.begin() as s:
        src = Source(name="watch", agency="ema", baseline_done=True)
        s.add(src)
        s.flush()
        for text in (old, new):
            clock.advance(days=1)
            run = Run(started_at=clock(), status="ok")
            s.add(run)
            s.flush()
            s.add(SourceRun(run_id=run.id, source_id=src.id))
            ctx = RunContext(run.id, src.id, "watch", "ema", True, clock(), lambda *_: None)
            record_capture(s, ctx, Parsed("watch", "x", url, fetched=Fetched(url, 200, {}, text.encode()),
                                          document=Document(url=url, title="Long guideline", text=text)))
    return config


@pytest.mark.parametrize("language", sorted(DOCS))
def test_a_one_word_change_in_a_fifty_page_document_prints_under_400_characters(tmp_path: Path,
                                                                                 language: str) -> None:
    paragraph, old_word, new_word, filler = DOCS[language]
    old = _long(paragraph, filler)
    new = old.replace(paragraph, paragraph.replace(old_word, new_word))
    assert len(old) >= 50 * PAGE_CHARS and old.count(old_word) == 1
    config = _store(tmp_path, old, new)
    result = CliRunner().invoke(main, ["--config", str(config), "diff", "1"])
    assert result.exit_code == 0, result.output
    assert len(result.output) < 400, result.output
    body = result.output.split("\n")[-2]  # the diff line itself
    removed, added = re.search(r"\[-(.+?)-\]", body), re.search(r"\{\+(.+?)\+\}", body)
    assert removed and added and removed.group(1) in old_word and added.group(1) in new_word, body
    assert len(body) > len(old_word) + len(new_word) + 10  # some context around the change, not only the change

    bare = CliRunner().invoke(main, ["--config", str(config), "diff", "1", "--context", "0"]).output
    shown = bare.split("\n")[-2]
    assert shown.replace("…", "").strip().startswith("[-") and shown.replace("…", "").strip().endswith("+}")


def test_context_is_counted_in_characters_for_cjk_and_words_for_latin() -> None:
    latin = " ".join(f"word{i}" for i in range(100))
    assert trim_context(latin, 3, keep_head=True, keep_tail=True) == "word0 word1 word2 … word97 word98 word99"
    han = "一二三四五六七八九十" * 10  # one whitespace "word" of 100 characters
    kept = trim_context(han, 2, keep_head=False, keep_tail=True)
    assert kept.startswith("…") and len(kept.lstrip("… ")) == 6  # 2 words' worth of characters
    sentence = "前の文はここで終わる。変更のある文"
    assert trim_context(sentence, 12, keep_head=False, keep_tail=True) == "… 変更のある文"  # not past the sentence
    assert trim_context("line one\nline two", 12, keep_head=True, keep_tail=False) == "line one …"
    assert trim_context(latin, 0, keep_head=True, keep_tail=True) == "…"
