# ruff: noqa: E501  (tables of CJK sample wording: one phrase per line reads better than wrapped strings)
"""Pairs for the noise classes of issue 15, in the page shapes of all five agencies, made at run time.

Classes (each with noise-only pairs and wording changes made on top of the same noise):

- `box`: a box rotating inside the content ("Latest news", 相关信息, 関連情報, 관련 정보 … and site-specific titles
  only learning finds), a consent dialog or a share bar rendered inside the content area; the pair carries other
  pages of the same host section (what the store holds), from which the boilerplate is learned (`new-source`:
  none, the generic rules alone);
- `volatile`: a block that changes on every fetch; the pair carries three earlier versions of the page;
- `stamp`: update stamps and view/download counters in the content, standalone or beside an attachment;
- `pdf-furniture`: a regenerated PDF whose pagination moved: running document reference, page numbers in the
  agency's script, new line width and page length;
- `cjk-reflow`: a Japanese, Korean or Chinese PDF re-flowed (other line width and page length, paragraphs that
  run across page breaks);
- `negation`: a modal negated, removed or added; the headline must say so (`expect_detail`).

Every variant is written twice, with other labels, titles, page-number forms and numbers: the `tuning` half was
used to build the rules, the `held-out` half was not looked at while tuning. The wording is our own.
"""

from __future__ import annotations

from cases import PDF, Case
from cjkpdf import paginate, wrap, write_pdf
from enpdf import en_pdf

HALVES = ("tuning", "held-out")
AGENCIES = {  # agency → (language, parser kinds, page URL, PDF URL)
    "fda": ("en", ("fda:guidance", "fda:page", "page"), "https://www.fda.gov/regulatory-information/search-fda-"
            "guidance-documents/cell-based-products", "https://www.fda.gov/media/190001/download"),
    "ema": ("en", ("ema:guidance", "ema:page", "page"), "https://www.ema.europa.eu/en/cell-based-products-"
            "scientific-guideline", "https://www.ema.europa.eu/en/documents/scientific-guideline/cell_en.pdf"),
    "pmda": ("ja", ("pmda:guidance", "pmda:page", "page"), "https://www.pmda.go.jp/review-services/drug-reviews/"
             "about-reviews/ctp/0042.html", "https://www.pmda.go.jp/files/000299042.pdf"),
    "mfds": ("ko", ("mfds:guidance", "mfds:page", "page"), "https://www.mfds.go.kr/brd/m_1060/view.do?seq=15901",
             "https://www.mfds.go.kr/brd/m_1060/down.do?brd_id=data0011&seq=15901&file_seq=1"),
    "nmpa": ("zh", ("nmpa:guidance", "nmpa:page", "page"), "https://www.nmpa.gov.cn/xxgk/ggtg/20260301120000142.html",
             "https://www.nmpa.gov.cn/directory/web/nmpa/images/zhidao.pdf"),
}
BODY = {
    "en": ["This guidance describes the information sponsors should submit for cell-based products.",
           "Sponsors should provide stability data covering at least 12 months of storage.",
           "Changes to the manufacturing process must be reported within 30 days of their implementation.",
           "The applicant may use an alternative approach if it satisfies the applicable requirements."],
    "ja": ["この通知は、再生医療等製品の承認申請に際して留意すべき事項を示すものである。",
           "申請者は、原料となる細胞の品質に関する試験を実施する必要がある。",
           "安定性試験の結果は、少なくとも12か月分を提出すること。",
           "製造方法を変更する場合は、30日以内に届け出なければならない。"],
    "ko": ["이 안내서는 세포·조직 배양액을 원료로 사용하는 화장품의 안전관리에 관한 사항을 설명한다.",
           "제조업자는 배양액의 품질에 관한 시험을 실시하여야 한다.",
           "제조업자는 시험 기록을 3년간 보관하여야 한다.",
           "세포를 채취하는 의료기관은 윤리위원회의 심의를 거칠 수 있다."],
    "zh": ["本指导原则适用于间充质干细胞制剂的药学研究。",
           "申请人应当对每批制剂进行无菌检查和内毒素检查。",
           "稳定性研究应当至少覆盖12个月的储存期。",
           "注册申请人可以采用其他经过验证的分析方法。"],
}
# Real wording edits per language and half: (old, new, expected class).
EDITS = {
    "en": [[("should provide stability", "must provide stability", "obligation"),
            ("within 30 days", "within 15 days", "numbers")],
           [("The applicant may use", "The applicant must use", "obligation"),
            ("at least 12 months", "at least 24 months", "numbers")]],
    "ja": [[("実施する必要がある", "実施することが望ましい", "obligation"), ("12か月分", "24か月分", "numbers")],
           [("届け出なければならない", "届け出ることができる", "obligation"), ("30日以内", "60日以内", "numbers")]],
    "ko": [[("심의를 거칠 수 있다", "심의를 거쳐야 한다", "obligation"), ("3년간", "5년간", "numbers")],
           [("시험을 실시하여야 한다", "시험을 실시할 수 있다", "obligation"), ("3년간", "2년간", "numbers")]],
    "zh": [[("可以采用", "必须采用", "obligation"), ("12个月", "24个月", "numbers")],
           [("应当对每批", "可以对每批", "obligation"), ("12个月", "18个月", "numbers")]],
}
NEGATIONS = {  # (old, new, what the headline must say)
    "en": [[("Sponsors should provide", "Sponsors should not provide", "(negated)"),
            ("The applicant may use", "The applicant uses", "(modal removed)")],
           [("must be reported within", "need not be reported within", "(negated)"),
            ("This guidance describes the information sponsors should submit",
             "This guidance describes the information sponsors submit", "(modal removed)")]],
    "ja": [[("実施する必要がある", "実施する必要はない", "(negated)"),
            ("提出すること。", "提出する。", "(modal removed)")],
           [("届け出なければならない", "届け出なくてもよい", "(negated)"),
            ("試験を実施する必要がある", "試験を実施する", "(modal removed)")]],
    "ko": [[("시험을 실시하여야 한다", "시험을 실시하지 않아도 된다", "(negated)"),
            ("심의를 거칠 수 있다", "심의를 거친다", "(modal removed)")],
           [("3년간 보관하여야 한다", "3년간 보관하지 않아도 된다", "(negated)"),
            ("관한 사항을 설명한다.", "관한 사항을 설명하여야 한다.", "(modal added)")]],
    "zh": [[("申请人应当对每批", "申请人无须对每批", "(negated)"),
            ("注册申请人可以采用", "注册申请人采用", "(modal removed)")],
           [("稳定性研究应当至少", "稳定性研究不应当至少", "(negated)"),
            ("本指导原则适用于", "本指导原则必须适用于", "(modal added)")]],
}
TITLES = {"en": "Cell-based products: quality information for sponsors", "ja": "再生医療等製品の品質に関する留意事項",
          "ko": "세포·조직 배양액 함유 화장품 안전관리 안내서", "zh": "间充质干细胞制剂药学研究指导原则"}


# --- HTML pages in each agency's shape ------------------------------------------------------------------

def page(agency: str, paragraphs: list[str], *, before: str = "", after: str = "", title: str | None = None,
         meta: str = "") -> bytes:
    """A page in the agency's shape; `before`/`after` is markup placed inside the content, around the body."""
    lang = AGENCIES[agency][0]
    title = title or TITLES[lang]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    inner = f"{before}\n{body}\n{after}"
    chrome_top = f'<div class="site-header"><a href="/">{agency.upper()}</a></div>'
    if agency == "fda":
        html = (f'<main role="main" id="main-content"><article><h1 class="content-title">{title}</h1>{meta}'
                f'<div class="field--name-body">{inner}</div></article></main>')
    elif agency == "ema":
        html = (f'<main class="main-content-wrapper"><h1>{title}</h1>{meta}<div class="ecl-editor">{inner}</div>'
                f'</main>')
    elif agency == "pmda":
        html = (f'<div class="title__block__page"><h1>{title}</h1></div><main><div class="inner editor">{meta}'
                f'{inner}</div></main>')
    elif agency == "mfds":
        html = (f'<div id="contents"><div class="bbs_view01"><div class="bv_title">{title}</div>{meta}'
                f'<div class="bv_contents"><div class="bv_cont">{inner}</div></div></div></div>')
    else:
        html = (f'<div class="main"><div class="title">{title}</div>{meta}<div class="text">{inner}</div></div>')
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="UTF-8"><title>{title}</title>'
            f'<meta name="ArticleTitle" content="{title}"></head><body>{chrome_top}\n{html}\n'
            f'<div class="site-footer">(c) {agency}</div></body></html>').encode()


def _case(cid: str, klass: str, half: str, agency: str, kind: str, old: bytes, new: bytes, label: str,
          expect: str | None, note: str, **extra: object) -> Case:
    lang, kinds, url, pdf_url = AGENCIES[agency]
    fmt_pdf = kind == "pdf"
    return Case(cid, "class", agency, lang, kinds, pdf_url if fmt_pdf else url,
                PDF if fmt_pdf else "text/html; charset=UTF-8", old, new, label, expect, note,
                klass=klass, half=half, **extra)  # type: ignore[arg-type]


def _edited(paragraphs: list[str], old: str, new: str) -> list[str]:
    out, done = [], False
    for p in paragraphs:
        if not done and old in p:
            p, done = p.replace(old, new, 1), True
        out.append(p)
    if not done:
        raise ValueError(f"{old!r} is in no paragraph")
    return out


def _sibling_url(url: str, k: int) -> str:
    return url.replace(".html", f"-{k}.html") if url.endswith(".html") else f"{url}&sib={k}" if "?" in url \
        else f"{url}-sibling-{k}"


# --- boxes inside the content ---------------------------------------------------------------------------

BOXES = {  # language → per half: (box title, items now, items after the rotation)
    "en": [("Latest news", ["First CAR-T therapy for a rare lymphoma recommended for approval",
                            "Public consultation on the revised cell therapy guideline opens",
                            "Annual report on advanced therapies published"],
            ["Workshop on gene therapy manufacturing announced for June",
             "First CAR-T therapy for a rare lymphoma recommended for approval",
             "New data standard for adverse event reports takes effect"]),
           ("Related information", ["Questions and answers on tissue-engineered products",
                                    "Template for a briefing document"],
            ["Procedural advice for sponsors of orphan medicines", "Template for a briefing document"])],
    "ja": [("新着情報", ["再生医療等製品の承認について掲載しました", "説明会の資料を公開しました", "相談窓口の受付時間を変更しました"],
            ["細胞加工物の通知を掲載しました", "再生医療等製品の承認について掲載しました", "英語版ページを更新しました"]),
           ("関連情報", ["医療機器の審査に関する情報", "承認審査の流れ"], ["安全対策に関する情報", "承認審査の流れ"])],
    "ko": [("최신 소식", ["세포치료제 허가 심사 설명회 개최 안내", "의약품 안전성 서한 배포", "민원 상담 시간 변경 안내"],
            ["화장품 원료 기준 개정 고시", "세포치료제 허가 심사 설명회 개최 안내", "수입 식품 검사 결과 공개"]),
           ("관련 정보", ["의약품 허가 절차 안내", "민원 서식 모음"], ["첨단바이오의약품 규제 안내", "민원 서식 모음"])],
    "zh": [("相关信息", ["国家药监局发布细胞治疗产品审评要点", "关于开展药品注册申报培训的通知", "医疗器械监督管理条例解读"],
            ["国家药监局发布基因治疗产品指导原则", "国家药监局发布细胞治疗产品审评要点", "药品不良反应监测年度报告"]),
           ("最新动态", ["化妆品新原料备案情况通报", "药品检查工作会议召开"], ["疫苗批签发信息公开", "药品检查工作会议召开"])],
}
CONSENT = {
    "en": ["We use cookies to understand how visitors use this website.", "Accept all cookies Reject optional cookies"],
    "ja": ["当サイトでは利便性向上のためクッキーを使用しています。", "同意する 設定を変更する"],
    "ko": ["이 누리집은 서비스 개선을 위하여 쿠키를 사용합니다.", "동의함 동의하지 않음"],
    "zh": ["本网站使用Cookie以改善您的浏览体验。", "同意 拒绝"],
}
SHARE = {"en": "Share this page: Email Print LinkedIn", "ja": "このページを共有する：メール 印刷",
         "ko": "공유하기: 페이스북 트위터 인쇄", "zh": "分享到：微信 微博 打印"}
SIBLING_BODY = {
    "en": ["This page explains how to request a scientific advice meeting.", "Requests are answered in writing."],
    "ja": ["このページでは対面助言の申込方法を説明する。", "申込みは書面で受け付ける。"],
    "ko": ["이 페이지는 사전 상담 신청 방법을 설명한다.", "신청은 서면으로 접수한다."],
    "zh": ["本页面说明沟通交流会议的申请方式。", "申请以书面形式提交。"],
}

SIBLING_TOPICS = {"en": ["Scientific advice:", "Orphan designation:", "Paediatric plans:", "Inspections:"],
                  "ja": ["治験相談：", "希少疾病用医薬品：", "小児用医薬品：", "GMP調査："],
                  "ko": ["사전 상담:", "희귀의약품:", "소아 의약품:", "GMP 실사:"],
                  "zh": ["沟通交流：", "罕见病药物：", "儿童用药：", "药品检查："]}


SITE_BOXES = {  # language → per half: a box title no generic rule knows (only learning from the site finds it)
    "en": ["Spotlight", "In focus"], "ja": ["注目のトピック", "ピックアップ"], "ko": ["주요 소식", "많이 본 자료"],
    "zh": ["热点关注", "图片新闻"],
}


def _site_box(title: str, items: list[str]) -> str:
    return f'<div class="side-col"><div class="tit">{title}</div>' + "".join(f"<p>{i}</p>" for i in items) + "</div>"


def _box(title: str, items: list[str]) -> str:
    return f'<div class="block-news"><h2>{title}</h2><ul>' + "".join(f"<li><a href='#'>{i}</a></li>" for i in items) \
        + "</ul></div>"


def _consent(lang: str) -> str:
    text, buttons = CONSENT[lang]
    return f'<div class="notice-overlay" role="region"><p>{text}</p><p>{buttons}</p></div>'


def box_cases() -> list[Case]:
    out = []
    for agency, (lang, *_rest) in AGENCIES.items():
        for h, half in enumerate(HALVES):
            title, now, later = BOXES[lang][h]
            variants = [  # (name, old extra, new extra, where, extra on the other pages)
                ("rotated", _box(title, now), _box(title, later), "after", _box(title, now)),
                ("consent", "", _consent(lang), "before" if h == 0 else "after", _consent(lang)),
                ("share", "", f'<div class="tools"><p>{SHARE[lang]}</p></div>', "after" if h == 0 else "before",
                 f'<div class="tools"><p>{SHARE[lang]}</p></div>'),
                ("moved", _box(title, now), _box(title, later), "after-before", _box(title, later)),
                ("site-box", _site_box(SITE_BOXES[lang][h], now), _site_box(SITE_BOXES[lang][h], later),
                 "after" if h == 0 else "before", _site_box(SITE_BOXES[lang][h], now)),
                ("new-source", _box(title, now), _box(title, later), "after", None),
            ]
            for name, old_x, new_x, where, sib_x in variants:
                old_where, new_where = (where.split("-") + [where])[:2] if "-" in where else (where, where)
                siblings = () if sib_x is None else tuple(
                    page(agency, [f"{topic} {p}" for p in SIBLING_BODY[lang]], **{new_where: sib_x},
                         title=f"{topic} {TITLES[lang]}") for topic in SIBLING_TOPICS[lang])
                old = page(agency, BODY[lang], **{old_where: old_x})
                new = page(agency, BODY[lang], **{new_where: new_x})
                cid = f"box-{agency}-{half}-{name}"
                out.append(_case(cid, "box", half, agency, "html", old, new, "noise", None,
                                 f"{name}: {title}", siblings=siblings))
                o, n, expect = EDITS[lang][h][len(out) % 2]
                changed = page(agency, _edited(BODY[lang], o, n), **{new_where: new_x})
                out.append(_case(cid + "+change", "box", half, agency, "html", old, changed, "change", expect,
                                 f"{name} + {o!r} → {n!r}", siblings=siblings))
    return out


# --- volatile blocks ------------------------------------------------------------------------------------

VOLATILE = {  # language → per half: (label, variants over five fetches)
    "en": [("Featured:", ["Orphan designation explained", "How to report a side effect", "Clinical trials in the EU",
                          "Medicine shortages: what to know", "Biosimilars in brief"]),
           ("Did you know?", ["Most guidance is open for comment for 60 days.", "You can subscribe to updates.",
                              "The agency publishes meeting highlights monthly.", "Summaries exist in 24 languages.",
                              "Inspection reports are public."])],
    "ja": [("今日のトピック：", ["治験の基礎知識", "副作用の報告方法", "医薬品の回収について", "薬価の仕組み", "承認審査の期間"]),
           ("おすすめ：", ["相談制度の紹介", "英語版サイトの案内", "採用情報", "審査報告書の見方", "研修の案内"])],
    "ko": [("오늘의 안내:", ["임상시험 기초 정보", "부작용 보고 방법", "의약품 회수 안내", "약가 제도 소개", "허가 심사 기간"]),
           ("추천 콘텐츠:", ["상담 제도 소개", "영문 누리집 안내", "채용 정보", "심사 보고서 보는 법", "교육 안내"])],
    "zh": [("今日推荐：", ["临床试验基础知识", "不良反应报告方法", "药品召回说明", "药品价格机制", "审评时限介绍"]),
           ("热点关注：", ["沟通交流制度介绍", "英文网站导航", "招聘信息", "审评报告阅读指南", "培训通知"])],
}


def volatile_cases() -> list[Case]:
    out = []
    for agency, (lang, *_rest) in AGENCIES.items():
        for h, half in enumerate(HALVES):
            label, variants = VOLATILE[lang][h]
            where = "after" if h == 0 else "before"

            def at(k: int, paragraphs: list[str] = BODY[lang], where: str = where, label: str = label,
                   variants: list[str] = variants, agency: str = agency) -> bytes:
                return page(agency, paragraphs, **{where: f'<p class="teaser">{label} {variants[k]}</p>'})

            history = tuple(at(k) for k in range(3))
            cid = f"volatile-{agency}-{half}"
            out.append(_case(cid, "volatile", half, agency, "html", at(3), at(4), "noise", None,
                             f"{label} block changed again", history=history))
            o, n, expect = EDITS[lang][h][h]
            out.append(_case(cid + "+change", "volatile", half, agency, "html", at(3),
                             at(4, _edited(BODY[lang], o, n)), "change", expect, f"{label} + {o!r} → {n!r}",
                             history=history))
    return out


# --- stamps and counters --------------------------------------------------------------------------------

STAMPS = {  # language → per half: list of (old markup, new markup) placed inside the content
    "en": [[("<p>Last updated: 21 May 2024</p>", "<p>Last updated: 14 March 2026</p>"),
            ("<p>Downloads: 1,204</p>", "<p>Downloads: 1,377</p>"),
            ('<ul><li><a href="/media/1/download">Guidance document (PDF - 400 KB)</a> Downloads: 1,204</li></ul>',
             '<ul><li><a href="/media/1/download">Guidance document (PDF - 400 KB)</a> Downloads: 1,377</li></ul>')],
           [("<p>Page last reviewed: 2024-05-21</p>", "<p>Page last reviewed: 2026-03-14</p>"),
            ("<p><small>Views 5,231</small></p>", "<p><small>Views 5,302</small></p>"),
            ('<ul><li><a href="/files/annex.pdf">Annex I.pdf</a> (1,204 downloads)</li></ul>',
             '<ul><li><a href="/files/annex.pdf">Annex I.pdf</a> (1,377 downloads)</li></ul>')]],
    "ja": [[("<p>更新日：2024年5月21日</p>", "<p>更新日：2026年3月14日</p>"),
            ("<p>閲覧数：1024</p>", "<p>閲覧数：1187</p>"),
            ("<ul><li><a href='/files/1.pdf'>通知.pdf</a>［ダウンロード数 35］</li></ul>",
             "<ul><li><a href='/files/1.pdf'>通知.pdf</a>［ダウンロード数 52］</li></ul>")],
           [("<p>最終更新日 令和6年5月21日</p>", "<p>最終更新日 令和8年3月14日</p>"),
            ("<p>アクセス数 2,048</p>", "<p>アクセス数 2,311</p>"),
            ("<ul><li><a href='/files/2.pdf'>別添.pdf</a>（ダウンロード 15回）</li></ul>",
             "<ul><li><a href='/files/2.pdf'>別添.pdf</a>（ダウンロード 19回）</li></ul>")]],
    "ko": [[("<p>수정일 2024-05-21</p>", "<p>수정일 2026-03-14</p>"), ("<p>조회수 1287</p>", "<p>조회수 1302</p>"),
            ("<ul><li><a href='./down.do?file_seq=1'>안내서.hwp</a> 다운로드 15</li></ul>",
             "<ul><li><a href='./down.do?file_seq=1'>안내서.hwp</a> 다운로드 21</li></ul>")],
           [("<p>최종수정일 2024.05.21</p>", "<p>최종수정일 2026.03.14</p>"), ("<p>조회 4,410</p>", "<p>조회 4,533</p>"),
            ("<ul><li><a href='./down.do?file_seq=2'>붙임.pdf</a> (다운로드 수: 8)</li></ul>",
             "<ul><li><a href='./down.do?file_seq=2'>붙임.pdf</a> (다운로드 수: 11)</li></ul>")]],
    "zh": [[("<p>更新时间：2024-05-21</p>", "<p>更新时间：2026-03-14</p>"), ("<p>浏览次数：56</p>", "<p>浏览次数：91</p>"),
            ("<ul><li><a href='/images/1.docx'>附件1.docx</a>（下载次数：12）</li></ul>",
             "<ul><li><a href='/images/1.docx'>附件1.docx</a>（下载次数：17）</li></ul>")],
           [("<p>发布日期：2024年05月21日</p>", "<p>发布日期：2026年03月14日</p>"), ("<p>阅读量：3456</p>", "<p>阅读量：3533</p>"),
            ("<ul><li><a href='/images/2.pdf'>附件2.pdf</a> 下载 8次</li></ul>",
             "<ul><li><a href='/images/2.pdf'>附件2.pdf</a> 下载 13次</li></ul>")]],
}


def stamp_cases() -> list[Case]:
    out = []
    for agency, (lang, *_rest) in AGENCIES.items():
        for h, half in enumerate(HALVES):
            for k, (old_x, new_x) in enumerate(STAMPS[lang][h]):
                where = "before" if k == 0 else "after"
                old = page(agency, BODY[lang], **{where: old_x})
                new = page(agency, BODY[lang], **{where: new_x})
                cid = f"stamp-{agency}-{half}-{k}"
                out.append(_case(cid, "stamp", half, agency, "html", old, new, "noise", None, f"{old_x} → {new_x}"))
                o, n, expect = EDITS[lang][h][k % 2]
                changed = page(agency, _edited(BODY[lang], o, n), **{where: new_x})
                out.append(_case(cid + "+change", "stamp", half, agency, "html", old, changed, "change", expect,
                                 f"stamp + {o!r} → {n!r}"))
    return out


# --- PDFs -----------------------------------------------------------------------------------------------

PDF_BODY = {  # language → long paragraphs (a document of several pages)
    "en": BODY["en"] + ["Each batch should be tested for sterility, endotoxin and mycoplasma before release, and the "
                        "results should be recorded in the batch record kept by the manufacturer.",
                        "The comparability exercise should cover the quality attributes that are relevant for the "
                        "safety and efficacy of the product, including potency and impurities."],
    "ja": BODY["ja"] + ["各ロットについて、出荷前に無菌試験、エンドトキシン試験及びマイコプラズマ否定試験を実施し、その結果を製造記録に記載すること。",
                        "同等性の評価においては、製品の安全性及び有効性に関係する品質特性を対象とし、力価及び不純物を含めて比較すること。"],
    "ko": BODY["ko"] + ["제조업자는 출하 전에 각 제조단위에 대하여 무균시험, 엔도톡신시험 및 마이코플라스마 부정시험을 실시하고 그 결과를 제조기록에 적어야 한다.",
                        "동등성 평가는 제품의 안전성과 유효성에 관련된 품질 특성을 대상으로 하며 역가와 불순물을 포함하여 비교하여야 한다."],
    "zh": BODY["zh"] + ["每批制剂放行前应当进行无菌、细菌内毒素和支原体检查，并将检查结果记录在批生产记录中。",
                        "可比性研究应当涵盖与产品安全性和有效性相关的质量属性，包括效价和杂质。"],
}
HEADINGS = {"en": ["1. Introduction", "2. Requirements"], "ja": ["第1 目的", "第2 留意事項"],
            "ko": ["1. 목적", "2. 세부 사항"], "zh": ["一、概述", "二、技术要求"]}
REFERENCES = {  # agency → per half: running header
    "fda": ["Contains Nonbinding Recommendations", "Draft - Not for Implementation"],
    "ema": ["EMA/CAT/22473/2025", "EMA/CHMP/BWP/534898/2008 Rev. 1"],
    "pmda": ["薬生機審発0329第3号", "事務連絡 令和6年3月29日"],
    "mfds": ["민원인 안내서 B1-2024-1-001", "식품의약품안전처 지침서"],
    "nmpa": ["药品审评中心 2024年第12号", "国家药品监督管理局通告"],
}
FOOTERS = {  # agency → per half: page-number form
    "fda": ["Page {n} of {total}", "{n}"], "ema": ["Page {n}/{total}", "{n} of {total}"],
    "pmda": ["- {n} -", "— {n} —"], "mfds": ["- {n} -", "{n} 페이지"], "nmpa": ["第{n}页", "第 {n} 页 共 {total} 页"],
}
CREATED = ("20240115100000", "20260220153000")


def _paragraphs(lang: str, paragraphs: list[str]) -> list[str]:
    """A document of several pages: two headed parts, each with all the paragraphs, numbered to stay distinct."""
    first, second = HEADINGS[lang]
    tail = [f"{p[:-1]}（{k}）{p[-1]}" if lang in ("ja", "zh") else f"({k}) {p}" for k, p in enumerate(paragraphs, 1)]
    return [first, *paragraphs, second, *tail, *paragraphs[:3]]


def render_pdf(agency: str, paragraphs: list[str], half: int, layout: int, klass: str = "pdf-furniture") -> bytes:
    """The agency's PDF in one of two layouts: `pdf-furniture` moves the page breaks (page length, creation
    date), `cjk-reflow` the line breaks too (line width)."""
    lang = AGENCIES[agency][0]
    header, footer = REFERENCES[agency][half], FOOTERS[agency][half]
    if lang == "en":
        return en_pdf(paragraphs, created=CREATED[layout], margin=25, page_break=(25, 60)[layout], header=header,
                      footer=footer)
    reflow = klass == "cjk-reflow"
    width = ((40, 31) if lang == "ko" else (38, 27))[layout if reflow else 0]
    lines = wrap(paragraphs, width, words=lang == "ko")
    per_page = ((34, 29) if reflow else (34, 21))[layout]
    return write_pdf(paginate(lines, per_page), lang=lang, title=TITLES[lang], created=CREATED[layout],
                     producer=("Acrobat Distiller 11.0", "Acrobat PDFMaker 24")[layout], header=header,
                     footer=footer)


def pdf_cases(klass: str, agencies: tuple[str, ...]) -> list[Case]:
    """Regenerated and re-flowed PDFs (noise), and the same with a real edit (the headline must name it)."""
    out = []
    for agency in agencies:
        lang = AGENCIES[agency][0]
        for h, half in enumerate(HALVES):
            base = _paragraphs(lang, PDF_BODY[lang])
            old = render_pdf(agency, base, h, 0, klass)
            cid = f"{klass}-{agency}-{half}"
            out.append(_case(cid, klass, half, agency, "pdf", old, render_pdf(agency, base, h, 1, klass), "noise", None,
                             "re-paginated and re-flowed: same words"))
            for k, (o, n, expect) in enumerate(EDITS[lang][h]):
                out.append(_case(f"{cid}+change{k}", klass, half, agency, "pdf", old,
                                 render_pdf(agency, _edited(base, o, n), h, 1, klass), "change", expect,
                                 f"re-flowed + {o!r} → {n!r}"))
    return out


# --- negations ------------------------------------------------------------------------------------------

def negation_cases() -> list[Case]:
    out = []
    for agency, (lang, *_rest) in AGENCIES.items():
        for h, half in enumerate(HALVES):
            for k, (o, n, says) in enumerate(NEGATIONS[lang][h]):
                out.append(_case(f"negation-{agency}-{half}-{k}", "negation", half, agency, "html",
                                 page(agency, BODY[lang]), page(agency, _edited(BODY[lang], o, n)), "change",
                                 "obligation", f"{o!r} → {n!r}", expect_detail=says))
    return out


def class_cases() -> list[Case]:
    cases = [*box_cases(), *volatile_cases(), *stamp_cases(), *pdf_cases("pdf-furniture", tuple(AGENCIES)),
             *pdf_cases("cjk-reflow", ("pmda", "mfds", "nmpa")), *negation_cases()]
    return cases
