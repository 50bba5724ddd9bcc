"""CDE guideline database: the list API's JSON pages, the form its page script posts, and guideline pages."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch import parsers
from regwatch.mirror.agencies.nmpa import CDE_CHALLENGE
from regwatch.parsers import cde, nmpa
from regwatch.parsers.types import Fetched, ParseError, Status

SITE = Path(__file__).parents[2] / "mirror" / "sites" / "cde"
BASE = "http://127.0.0.1:8003"
API = BASE + "/zdyz/getDomesticGuideList"
STEM_CELL = "047c18f93f8d307b0e87bc8de7d8e59c"


def api_page(n: int) -> Fetched:
    body = (SITE / f"zdyz/getDomesticGuideList/page{n}.json").read_bytes()
    return Fetched(API, 200, {"Content-Type": "application/json;charset=UTF-8"}, body)


def detail(code: str = STEM_CELL) -> Fetched:
    body = (SITE / f"zdyz/domesticinfopage/{code}.html").read_bytes()
    return Fetched(f"{BASE}/zdyz/domesticinfopage?zdyzIdCODE={code}", 200, {"Content-Type": "text/html"}, body)


def test_list_api_page_records_and_paging() -> None:
    first = parsers.parse_listing("nmpa", api_page(1))  # the nmpa module hands JSON to parsers.cde
    assert not first.complete and first.next_page == API + "?pageNum=2" and len(first.entries) == 10
    stem = first.entries[1]
    assert (stem.key, stem.title, stem.issued, stem.status) == (
        STEM_CELL, "人源干细胞产品非临床研究技术指导原则", date(2024, 1, 18), Status.FINAL)
    assert stem.url == f"{BASE}/zdyz/domesticinfopage?zdyzIdCODE={STEM_CELL}" and stem.topics == ("生物制品",)
    assert first.entries[2].key == "cecb9ff9df4e146a3abcf502e988a6e5"  # a real zdyzIdCODE (药物免疫毒性…)
    last = cde.parse_guide_list(api_page(2))
    assert last.next_page is None and last.entries[-1].issued == date(2014, 5, 13)


def test_the_list_form_is_what_the_page_script_posts() -> None:
    api, fields = cde.list_form(BASE + "/zdyz/listpage/9cd8db3b7530c6fa0c86485e563f93c7", 1) or ("", {})
    assert api == API and fields["pageNum"] == "1" and fields["pageSize"] == "10"
    assert set(fields) == {"pageNum", "pageSize", "searchTitle", "zyfl1", "zyfl2", "issueDate1", "issueDate2"}
    assert (cde.list_form(API + "?pageNum=2", 5) or ("", {}))[1]["pageNum"] == "2"
    assert cde.list_form(BASE + "/zdyz/domesticinfopage?zdyzIdCODE=" + STEM_CELL, 1) is None


@pytest.mark.parametrize(("body", "match"), [
    (CDE_CHALLENGE, "HTML"),
    (b'{"code":500,"msg":"error"}', "code 500"),
    (b'{"code":200,"data":{"records":[],"total":0,"pages":0,"current":1}}', "no records"),
    (b'{"code":200,"data":{"records":[{"title":"x"}],"pages":1,"current":1}}', "no zdyzIdCODE"),
    (b'{"code":200,"data":{"records":[{"zdyzIdCODE":"047c18f93f8d307b0e87bc8de7d8e59c","title":"t"}],'
     b'"pages":"x","current":1}}', "paging"),
    (b"[]", "code"),
])
def test_bad_list_answers_are_parse_errors(body: bytes, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        cde.parse_guide_list(Fetched(API, 200, {}, body))


def test_guideline_page_fields_text_and_attachment() -> None:
    doc = parsers.parse_document(detail(), "nmpa:guidance")
    assert (doc.title, doc.issued, doc.status, doc.doc_type) == (
        "人源干细胞产品非临床研究技术指导原则", date(2024, 1, 18), Status.FINAL, "指导原则")
    assert "条件培养基、外泌体等非细胞成分" in doc.text and "应当根据其产品特点" in doc.text
    assert "当前位置" not in doc.text and doc.text.endswith("人源干细胞产品非临床研究技术指导原则.docx")
    assert [a.rsplit("=", 1)[0] for a in doc.attachments] == [BASE + "/zdyz/downloadAtt?idCODE"]
    assert cde.status_of("征求意见稿") is Status.DRAFT and cde.status_of("已废止") is Status.WITHDRAWN


def test_challenge_or_redesigned_guideline_page_is_a_parse_error() -> None:
    for body in (CDE_CHALLENGE, detail().body.replace(b"new_detail_content", b"renamed")):
        with pytest.raises(ParseError):
            nmpa.parse_guidance_page(dataclasses.replace(detail(), body=body))


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12))
def test_fuzz_only_parse_errors_escape(junk: object) -> None:
    record = json.loads(api_page(1).body)
    for variant in (junk, {"code": 200, "data": junk}, {**record, "data": {**record["data"], "records": [junk]}}):
        with contextlib.suppress(ParseError):
            cde.parse_guide_list(Fetched(API, 200, {}, json.dumps(variant).encode()))
