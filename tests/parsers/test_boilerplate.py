"""Boilerplate learned from a site: chrome blocks, rotating boxes, volatile blocks; nothing from one page."""

from __future__ import annotations

from regwatch.parsers.boilerplate import Overrides, Rules, apply, learn_pages, learn_versions

BOX = ["相关信息", "国家药监局发布细胞治疗产品审评要点", "关于开展药品注册申报培训的通知"]
CONSENT = "本网站使用Cookie以改善您的浏览体验。"


def _page(body: list[str], extra: list[str]) -> str:
    return "\n\n".join([*body, *extra])


def _site(extra: list[str]) -> list[str]:
    topics = ["沟通交流", "罕见病药物", "儿童用药", "药品检查"]
    return [_page([f"{t}：本页面说明申请方式。", f"{t}：申请以书面形式提交。"], extra) for t in topics]


BODY = ["本指导原则适用于间充质干细胞制剂的药学研究。", "申请人应当对每批制剂进行无菌检查。"]


def test_nothing_is_learned_from_a_single_page_or_two() -> None:
    assert learn_pages(_site([*BOX, CONSENT])[:1]) == []
    assert learn_pages(_site([*BOX, CONSENT])[:2]) == []
    assert learn_versions(["a\n\nb", "a\n\nc"]) == []


def test_a_box_whose_items_rotate_is_dropped_by_its_title_wherever_it_sits() -> None:
    rules = Rules(tuple(learn_pages(_site(BOX))))
    assert {(r.kind, r.key, r.size) for r in rules.learned if r.kind == "box"} == {("box", "相关信息", 2)}
    rotated = ["相关信息", "国家药监局发布基因治疗产品指导原则", "药品不良反应监测年度报告"]
    old, new = _page(BODY, BOX), _page(rotated, BODY)  # rotated, and moved from the end to the top
    assert apply(old, rules) == apply(new, rules) == "\n\n".join(BODY)


def test_a_real_change_next_to_the_box_stays() -> None:
    rules = Rules(tuple(learn_pages(_site(BOX))))
    changed = ["本指导原则适用于间充质干细胞制剂的药学研究。", "申请人必须对每批制剂进行无菌检查。"]
    assert apply(_page(changed, BOX), rules) == "\n\n".join(changed)


def test_a_consent_dialog_on_most_pages_is_chrome() -> None:
    rules = Rules(tuple(learn_pages(_site([CONSENT]))))
    assert apply(_page([CONSENT, *BODY], []), rules) == "\n\n".join(BODY)


def test_a_block_changing_on_every_fetch_is_volatile_and_the_rest_is_not() -> None:
    tips = ["今日推荐：临床试验基础知识", "今日推荐：不良反应报告方法", "今日推荐：药品召回说明",
            "今日推荐：审评时限介绍"]
    versions = [_page(BODY, [tip]) for tip in tips[:3]]
    rules = Rules(tuple(learn_versions(versions)))
    assert [(r.kind, r.prefix) for r in rules.learned] == [("volatile", "今日推荐：")]
    assert apply(_page(BODY, [tips[3]]), rules) == "\n\n".join(BODY)
    assert apply(_page(BODY, ["申请人应当保存记录。"]), rules).endswith("申请人应当保存记录。")


def test_overrides_add_rules_keep_blocks_and_switch_learning_off() -> None:
    learned = tuple(learn_pages(_site([CONSENT])))
    text = _page([CONSENT, *BODY, "Share this page"], [])
    assert apply(text, Rules(learned, Overrides(learn=False))) == text
    assert apply(text, Rules(learned, Overrides(chrome=("^Share this page$",)))) == "\n\n".join(BODY)
    assert apply(text, Rules(learned, Overrides(keep=("Cookie",)))).startswith(CONSENT)
    boxed = Rules((), Overrides(boxes=("最新动态",), box_items=2))
    assert apply(_page(BODY, ["最新动态", "一", "二"]), boxed) == "\n\n".join(BODY)


def test_a_paragraph_reworded_in_every_version_is_an_edit_not_volatile() -> None:
    versions = [_page(BODY, [f"申请人应当在{n}个月内提交稳定性研究资料。"]) for n in (6, 12, 18, 24)]
    assert learn_versions(versions) == []
    assert learn_versions(["You should test.", "You must test.", "You must test within 24 months."]) == []
