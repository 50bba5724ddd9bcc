"""A small built-in bilingual gloss: the modal verbs and key terms of Japanese, Korean and Chinese regulatory text,
each with its English sense, to annotate CJK findings for readers of one language ("应当 [shall] → 必须 [must]").

A fixed word list, matched as written: no machine translation, no network. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (pattern, the word as shown, English sense); longer and negative forms come before the forms they contain.
_ENTRIES: tuple[tuple[str, str, str], ...] = (
    # Japanese modals
    ("してはならない|してはいけない", "してはならない", "must not"),
    ("(?:し|れ)?なければならない", "しなければならない", "must"),
    ("ものとする", "ものとする", "shall"),
    ("必要がある|必要である", "必要がある", "is necessary"),
    ("(?:ことが)?望ましい", "望ましい", "should / is desirable"),
    ("差し支えない", "差し支えない", "may / is acceptable"),
    ("(?:ことが)?できる", "できる", "may / can"),
    ("をいう", "をいう", "means"),
    # Korean modals
    (r"(?:하여서는|해서는)\s?(?:아니\s?된다|안\s?된다)", "하여서는 아니 된다", "must not"),
    (r"(?:하여야|해야|여야|어야|아야)\s?한다", "하여야 한다", "must"),
    (r"필요하다|필요가\s?있다", "필요하다", "is necessary"),
    ("권장한다|권장된다|권고한다|바람직하다", "권장한다", "should / is recommended"),
    (r"할\s?수\s?있다|수\s?있다", "할 수 있다", "may"),
    (r"말한다", "말한다", "means"),
    # Chinese modals
    ("不得|禁止|严禁", "不得", "must not"),
    ("无须|无需|不必", "无须", "need not"),
    ("必须", "必须", "must"),
    ("应当|应该", "应当", "shall"),
    ("建议|鼓励|推荐", "建议", "should / is recommended"),
    ("可以", "可以", "may"),
    ("是指|系指", "是指", "means"),
    # key terms
    ("間葉系幹細胞", "間葉系幹細胞", "mesenchymal stem cell"), ("幹細胞", "幹細胞", "stem cell"),
    ("再生医療等製品", "再生医療等製品", "regenerative medical product"),
    ("特定細胞加工物", "特定細胞加工物", "specified processed cell product"),
    ("細胞加工物", "細胞加工物", "processed cell product"), ("エクソソーム", "エクソソーム", "exosome"),
    ("細胞外小胞", "細胞外小胞", "extracellular vesicle"), ("培養上清", "培養上清", "culture supernatant"),
    ("最小限の操作", "最小限の操作", "minimal manipulation"), ("化粧品", "化粧品", "cosmetic"),
    ("중간엽\\s?줄기세포", "중간엽줄기세포", "mesenchymal stem cell"), ("줄기세포", "줄기세포", "stem cell"),
    ("첨단바이오의약품", "첨단바이오의약품", "advanced biological product"),
    ("세포치료제", "세포치료제", "cell therapy product"), ("엑소좀", "엑소좀", "exosome"),
    ("배양액", "배양액", "culture medium / conditioned medium"),
    ("최소한의\\s?조작", "최소한의 조작", "minimal manipulation"),
    ("화장품", "화장품", "cosmetic"),
    ("间充质干细胞", "间充质干细胞", "mesenchymal stem cell"), ("干细胞", "干细胞", "stem cell"),
    ("细胞治疗产品", "细胞治疗产品", "cell therapy product"), ("外泌体", "外泌体", "exosome"),
    ("细胞外囊泡", "细胞外囊泡", "extracellular vesicle"), ("条件培养基", "条件培养基", "conditioned medium"),
    ("化妆品新原料", "化妆品新原料", "new cosmetic ingredient"), ("化妆品", "化妆品", "cosmetic"),
)
_REGEX = re.compile("|".join(f"(?P<g{k}>{pattern})" for k, (pattern, _, _) in enumerate(_ENTRIES)))
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7ff]")


@dataclass(frozen=True)
class Gloss:
    word: str  # the word as the gloss lists it
    sense: str  # its English sense

    def __str__(self) -> str:
        return f"{self.word} [{self.sense}]"


def glosses(text: str) -> list[Gloss]:
    """The glossed words of `text`, in order of first appearance, each once."""
    out: list[Gloss] = []
    for match in _REGEX.finditer(text or ""):
        _, word, sense = _ENTRIES[int((match.lastgroup or "g0")[1:])]
        gloss = Gloss(word, sense)
        if gloss not in out:
            out.append(gloss)
    return out


def gloss_line(text: str) -> str:
    """"幹細胞 [stem cell] · をいう [means]" for a CJK sentence; "" when it has no CJK or no glossed word."""
    if not _CJK.search(text or ""):
        return ""
    return " · ".join(map(str, glosses(text)))


def gloss_change(old: str, new: str) -> str:
    """What a CJK change did in glossed words: "应当 [shall] → 必须 [must]" (words only on one side), "" if none."""
    if not (_CJK.search(old or "") or _CJK.search(new or "")):
        return ""
    before, after = glosses(old), glosses(new)
    gone = [g for g in before if g not in after]
    came = [g for g in after if g not in before]
    if not gone and not came:
        return ""
    return f"{', '.join(map(str, gone)) or '(none)'} → {', '.join(map(str, came)) or '(none)'}"
