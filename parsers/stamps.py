"""Stamps and counters recognised by their shape, in English, Japanese, Korean and Chinese.

A stamp is a label, then a date or a number: "Last updated: 14/03/2026", "最終更新日 2026年3月14日", "수정일
2026-03-14", "更新时间：2026-03-14", "조회수 1287", "浏览次数：56", "Downloads 1,204", "(ダウンロード 15回)". It is page
state, not the regulator's words: `strip_stamps` takes it out of a text block and returns it as metadata.

A block made only of stamps (and short label/value pairs around them) goes whole; inside a longer block a stamp is
cut only where it cannot be prose: in brackets, or on an attachment line (a file name or a size beside it).
Pure functions.
"""

from __future__ import annotations

import re

# Labels of a date stamp (published / updated / modified …).
_DATE_LABELS = (
    r"(?:last\s+|date\s+)?(?:updated|modified|reviewed|revised|published|posted|changed)(?:\s+(?:on|at))?",
    r"(?:date\s+of\s+)?(?:last\s+)?(?:update|modification|revision|publication)(?:\s+date)?",
    r"(?:content\s+)?current\s+as\s+of", r"first\s+published", r"page\s+last\s+(?:updated|reviewed)",
    r"最終更新日?", r"更新日(?:時)?", r"公開日", r"掲載日", r"作成日", r"改訂日", r"登録日", r"最終更新",
    r"수정일(?:자|시)?", r"등록일(?:자|시)?", r"작성일(?:자|시)?", r"게시일(?:자|시)?", r"최종\s?수정일?", r"업데이트",
    r"更新(?:时间|日期|于)", r"发布(?:时间|日期|于)", r"修改(?:时间|日期)", r"发表时间", r"最后更新(?:时间)?",
    r"日期", r"时间",
)
# Labels of a counter (views, downloads, hits …).
_COUNT_LABELS = (
    r"(?:page\s+)?views?", r"downloads?", r"(?:download|view|hit)\s+count", r"hits", r"visits", r"reads",
    r"閲覧数", r"アクセス数", r"ダウンロード(?:数|回数)?", r"閲覧回数",
    r"조회수?", r"다운로드(?:\s?수)?", r"다운(?:로드)?\s?횟수", r"열람수?",
    r"浏览(?:次数|量)?", r"阅读(?:次数|量)?", r"访问(?:次数|量)", r"点击(?:次数|数|量|率)?", r"下载(?:次数|量)?",
)
_DATE = (r"(?:\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*[日일]?|\d{1,2}\s*[-./]\s*\d{1,2}\s*[-./]\s*\d{4}|"
         r"\d{4}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일|"
         r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}|"
         r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|"
         r"(?:令和|平成)\s*(?:\d{1,2}|元)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
         r"(?:\s*[(（][^)）]{1,4}[)）])?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
_COUNT = r"\d{1,3}(?:[,，]\d{3})+|\d+"
_COUNT_UNIT = r"(?:\s*(?:回|次|회|건|件|人|times|views?|downloads?))?"
_SEP = r"\s*[:：]?\s*"
_DATE_STAMP = f"(?P<dl>{'|'.join(_DATE_LABELS)}){_SEP}(?P<d>{_DATE})"
_COUNT_STAMP = f"(?P<cl>{'|'.join(_COUNT_LABELS)}){_SEP}(?P<c>{_COUNT}){_COUNT_UNIT}"
# "1,204 downloads", "15回ダウンロード": the number first.
_COUNT_FIRST = r"(?P<c2>\d{1,3}(?:,\d{3})+|\d+)\s*(?:回|次|회)?\s*(?P<cl2>views|downloads|ダウンロード|다운로드|下载)"
_STAMP = re.compile(f"(?<![\\w])(?:{_DATE_STAMP}|{_COUNT_STAMP}|{_COUNT_FIRST})(?![\\w])", re.I)
_BRACKETED = re.compile(f"[\\[(（【［〔]\\s*(?:{_STAMP.pattern})\\s*[\\])）】］〕]", re.I)
# What may sit between stamps in a stamp-only block: separators and short label/value pairs ("담당부서 화장품정책과").
_FILLER = re.compile(r"[\s|/·•,;:：\-–—]*")
_SHORT_REST = 40  # characters of other text a block of stamps may carry (a department, an author)
_ATTACHMENT = re.compile(r"\.(?:pdf|hwpx?|docx?|xlsx?|pptx?|zip|txt|csv)\b|\d\s*(?:[KMG]B|bytes)\b|"
                         r"(?:attachment|첨부|附件|添付)", re.I)

Stamp = tuple[str, str]  # (label as written, date or number as written)


def _stamp(match: re.Match[str]) -> Stamp:
    label = match.group("dl") or match.group("cl") or match.group("cl2") or ""
    value = match.group("d") or match.group("c") or match.group("c2") or ""
    return " ".join(label.split()), " ".join(value.split())


def find_stamps(text: str) -> list[Stamp]:
    """Every stamp in `text`, as (label, value), in order."""
    return [_stamp(m) for m in _STAMP.finditer(text)]


def strip_stamps(block: str) -> tuple[str, list[Stamp]]:
    """The block without its stamps ("" when it was nothing but stamps) and the stamps found.

    Only a stamp-only block, a bracketed stamp, or a stamp on an attachment line is cut; a date or number in a
    sentence of prose stays.
    """
    matches = list(_STAMP.finditer(block))
    if not matches:
        return block, []
    stamps = [_stamp(m) for m in matches]
    rest = _STAMP.sub(" ", block)
    attachment = bool(_ATTACHMENT.search(rest))
    if not attachment and len(_FILLER.sub("", rest)) <= _SHORT_REST and len(rest) < len(block):
        label_like = not re.search(r"[.。!?？！]\s*\S", rest)  # no sentence inside what is left
        if label_like:
            return "", stamps
    cut = _BRACKETED.sub("", block)
    if attachment:
        cut = _STAMP.sub("", cut)
    if cut == block:
        return block, []
    kept = [_stamp(m) for m in _STAMP.finditer(block) if m.group(0) not in cut]
    return " ".join(cut.split()), kept or stamps
