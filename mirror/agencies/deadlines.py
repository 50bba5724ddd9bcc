"""Deadlines for the demo: a comment-close and an effective date in each jurisdiction's own form, written into the
demo's working copy of the mirrors relative to the demo's day (so the MFDS comment deadline is always 5 days away
and draws one reminder), and one moved date among the scripted edits (an FDA comment period extended).

The sentences are written for the mirror; the forms are the sites' own: FDA's catalogue fields, EMA's file-card
labels, MHLW's 和暦 施行日 / 経過措置, MFDS's 행정예고 기간 and 시행일, CDE's 反馈截止日期 and 自…起施行.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from regwatch.mirror import catalogue
from regwatch.mirror.agencies import mfds, pmda

FDA_DRAFT = "designated-medical-gases"  # a draft open for comment in the mirror's catalogue (slug contains this)
EMA_PAGE = "en/human-cell-based-medicinal-products-scientific-guideline/index.html"
MFDS_POST = "m_209:39260"  # the 행정예고 of a gene-therapy guideline (its page is served as EUC-KR)
MFDS_OLD = "2017. 11. 24(금)까지"
CDE_PAGE = "zdyz/domesticinfopage/047c18f93f8d307b0e87bc8de7d8e59c.html"
CDE_ANCHOR = "应当根据其产品特点另行开展非临床研究。</p>"
MHLW_ANCHOR = "細胞・組織の採取、保存及び運搬に関する記録を作成し、保存すること。</p>"
EXTENSION = 30  # days the FDA comment period is extended by in the demo edits
_WEEKDAYS_KO = "월화수목금토일"


def reiwa(day: date) -> str:
    """令和N年M月D日 (令和元年 = 2019)."""
    year = day.year - 2018
    return f"令和{'元' if year == 1 else year}年{day.month}月{day.day}日"


def seed(sites: dict[str, Path], today: date) -> dict[str, str]:
    """Write the dates into the working copies; returns what was written, for the demo's narration."""
    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    return {"fda": _fda_close(sites["fda"], day(60)), "ema": _ema(sites["ema"], day(120), day(-30), day(45)),
            "mhlw": _mhlw(sites["mhlw"], day(150), day(515)), "mfds": _mfds(sites["mfds"], day(-15), day(5), day(90)),
            "nmpa/cde": _cde(sites["cde"], day(40), day(180))}


def move(sites: dict[str, Path], today: date) -> dict[str, str]:
    """The scripted edit that moves a date: the FDA draft's comment period is extended."""
    return {"fda comment period extended": _fda_close(sites["fda"], today + timedelta(days=60 + EXTENSION))}


def _fda_close(site: Path, close: date) -> str:
    records = catalogue.load(site)
    record = next(r for r in records if FDA_DRAFT in catalogue.slug_of(r))
    record["field_comment_close_date"] = close.strftime("%m/%d/%Y")
    record["open-comment"] = "  Yes "
    catalogue.save(site, records)
    return f"{catalogue.slug_of(record)}: field_comment_close_date {record['field_comment_close_date']}"


def _insert(path: Path, anchor: str, addition: str, encoding: str = "utf-8", after: bool = True,
            replace: str | None = None) -> None:
    text = path.read_bytes().decode(encoding)
    if anchor not in text:
        raise ValueError(f"{anchor!r} not found in {path.name}")
    new = replace if replace is not None else (anchor + addition if after else addition + anchor)
    path.write_bytes(text.replace(anchor, new, 1).encode(encoding))


def _ema(site: Path, effective: date, opened: date, closes: date) -> str:
    page = site / EMA_PAGE
    label = '          <small class="{cls}fw-normal d-block"><strong class="label">{label}: </strong>' \
            '<span class="value">{value}</span></small>\n'
    current = '<span class="badge rounded-pill">Adopted</span></p>\n         <div class="dates-metadata">\n'
    draft = ('<span class="badge rounded-pill">Draft: consultation closed</span></p>\n'
             '         <div class="dates-metadata">\n')
    dmy = "%d/%m/%Y"
    _insert(page, current, label.format(cls="legal-effective-date", label="Legal effective date",
                                        value=effective.strftime(dmy)))
    period = f"{opened.strftime(dmy)} to {closes.strftime(dmy)}"
    _insert(page, draft, label.format(cls="consultation-dates", label="Consultation dates", value=period))
    return f"{EMA_PAGE}: Legal effective date {effective.strftime(dmy)}; Consultation dates {period}"


def _mhlw(site: Path, effective: date, transition_end: date) -> str:
    sentence = (f"<p>この通知は、{reiwa(effective)}から施行する。"
                f"ただし、経過措置として、{reiwa(transition_end)}までの間はなお従前の例によることができる。</p>")
    _insert(site / pmda.TDOC_FILE, MHLW_ANCHOR, "\n" + sentence, encoding="cp932")
    return f"{pmda.TDOC_ROUTE}: 施行 {reiwa(effective)}, 経過措置 {reiwa(transition_end)}まで"


def _korean(day: date) -> str:
    return f"{day.year}. {day.month}. {day.day}({_WEEKDAYS_KO[day.weekday()]})"


def _mfds(site: Path, opened: date, closes: date, effective: date) -> str:
    """In the post's own data (the board pages are rebuilt from it by every MFDS edit)."""
    mfds.reword_post(site, MFDS_POST, MFDS_OLD, f"{_korean(closes)}까지")
    period = (f"행정예고 기간: {opened.year}. {opened.month}. {opened.day}. ~ "
              f"{closes.year}. {closes.month}. {closes.day}.")
    start = f"이 가이드라인은 {effective.year}년 {effective.month}월 {effective.day}일부터 시행한다."
    mfds.reword_post(site, MFDS_POST, "4. 별첨", f"{period}\n{start}\n4. 별첨")
    return f"{MFDS_POST}: 의견제출 {_korean(closes)}까지, 시행 {effective.isoformat()}"


def _cde(site: Path, closes: date, effective: date) -> str:
    close = f"{closes.year}年{closes.month}月{closes.day}日"
    sentence = (f"\n<p>请于{close}前反馈意见，反馈截止日期为{close}。"
                f"本指导原则自{effective.year}年{effective.month}月{effective.day}日起施行。</p>")
    _insert(site / CDE_PAGE, CDE_ANCHOR, sentence)
    return f"{CDE_PAGE}: 反馈截止 {closes.isoformat()}, 施行 {effective.isoformat()}"

