"""Terms across jurisdictions: the configured terms, and per term and jurisdiction the current definition(s) with
since when each wording stands and what it said before — the rows `regwatch terms`, /terms and /api/terms show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from regwatch.alerts.assess import term_keys
from regwatch.config import Config, TermNames
from regwatch.parsers.agencies import Agency
from regwatch.parsers.definitions import keys_of
from regwatch.store.terms import DocumentTerm, Wording, backfill, wordings

FIELDS = ("term", "agency", "publisher", "document_id", "url", "title", "version", "section", "sentence", "since",
          "previous")  # the JSON contract of `regwatch terms --format json` and /api/terms
JURISDICTIONS: dict[Agency, str] = {  # where each agency regulates, in the terms pages' column order
    Agency.FDA: "US", Agency.EMA: "EU", Agency.PMDA: "JP", Agency.MFDS: "KR", Agency.NMPA: "CN",
}
_HOSTS = {"fda.gov": "FDA", "ema.europa.eu": "EMA", "pmda.go.jp": "PMDA", "mhlw.go.jp": "MHLW", "mfds.go.kr": "MFDS",
          "nifds.go.kr": "NIFDS", "nmpa.gov.cn": "NMPA", "cde.org.cn": "CDE", "nifdc.org.cn": "NIFDC"}


def _names(en: tuple[str, ...], ja: tuple[str, ...], ko: tuple[str, ...], zh: tuple[str, ...],
           topic: str | None = None) -> TermNames:
    return TermNames(en=en, ja=ja, ko=ko, zh=zh, topic=topic)


DEFAULT_TERMS: Mapping[str, TermNames] = {
    "stem cell": _names(("stem cell",), ("幹細胞",), ("줄기세포",), ("干细胞", "幹細胞"), "stem_cells"),
    "mesenchymal stem cell": _names(
        ("mesenchymal stem cell", "mesenchymal stromal cell", "MSC"), ("間葉系幹細胞", "間葉系間質細胞"),
        ("중간엽줄기세포", "간엽줄기세포"), ("间充质干细胞", "间充质基质细胞"), "stem_cells"),
    "conditioned medium": _names(
        ("conditioned medium", "secretome", "culture supernatant"),
        ("培養上清", "培養上清液", "馴化培地", "セクレトーム"),
        ("조건배지", "배양액", "세포배양액", "인체 세포·조직 배양액"),
        ("条件培养基", "培养上清液", "分泌组"), "conditioned_media"),
    "exosome": _names(("exosome", "extracellular vesicle", "EV"), ("エクソソーム", "細胞外小胞"),
                      ("엑소좀", "세포외소포", "세포밖소포"), ("外泌体", "细胞外囊泡", "胞外囊泡"), "exosomes"),
    "minimal manipulation": _names(("minimal manipulation", "minimally manipulated"),
                                   ("最小限の操作", "最小限の加工"), ("최소한의 조작", "최소조작"),
                                   ("最小操作", "最低限度操作")),
    "homologous use": _names(("homologous use",), ("相同使用", "同種同効使用"), ("동종 사용", "상동 사용"),
                             ("同源使用",)),
    "HCT/P": _names(("HCT/P", "human cells, tissues, or cellular or tissue-based product"), ("ヒト細胞組織製品",),
                    ("인체세포조직제품",), ("人体细胞组织产品",), "hctp"),
    "ATMP": _names(("ATMP", "advanced therapy medicinal product"), ("先端医療医薬品",), ("첨단치료의약품",),
                   ("先进治疗医药产品", "先进治疗药品")),
    "somatic cell therapy": _names(("somatic cell therapy", "somatic cell therapy medicinal product", "sCTMP"),
                                   ("体細胞治療", "体細胞治療製品"), ("체세포치료제",),
                                   ("体细胞治疗", "体细胞治疗产品")),
    "tissue-engineered product": _names(("tissue-engineered product", "TEP"), ("組織工学製品",), ("조직공학제제",),
                                        ("组织工程产品",)),
    "regenerative medical product": _names(("regenerative medical product", "regenerative medicine product"),
                                           ("再生医療等製品",), ("재생의료제품",), ("再生医疗产品",)),
    "specified processed cell product": _names(("specified processed cell product",), ("特定細胞加工物", "細胞加工物"),
                                               ("특정세포가공물",), ("特定细胞加工物",)),
    "advanced biological product": _names(("advanced biological product", "advanced biopharmaceutical"),
                                          ("先端バイオ医薬品",), ("첨단바이오의약품",), ("先进生物制品",)),
    "cell therapy product": _names(("cell therapy product", "cellular therapy product"), ("細胞治療製品",),
                                   ("세포치료제",), ("细胞治疗产品",)),
    "cosmetic": _names(("cosmetic", "cosmetic product"), ("化粧品",), ("화장품",), ("化妆品",)),
    "new cosmetic ingredient": _names(("new cosmetic ingredient",), ("新規化粧品原料",), ("화장품 신원료",),
                                      ("化妆品新原料",)),
}


def configured_terms(config: Config | None) -> Mapping[str, TermNames]:
    """`terms:` of the configuration, or the built-in terms when it has none."""
    return config.terms if config is not None and config.terms else DEFAULT_TERMS


def find_term(terms: Mapping[str, TermNames], wanted: str) -> str | None:
    """The configured term `wanted` names: its label, or any of its names in any language (compared as keys)."""
    if wanted in terms:
        return wanted
    keys = set(keys_of(wanted))
    return next((label for label, names in terms.items() if keys & (term_keys(names) | set(keys_of(label)))), None)


def publisher(url: str, agency: str) -> str:
    """Who published the document: from its host (PMDA or MHLW, NMPA or CDE …), else the agency."""
    host = (urlsplit(url).hostname or "").lower()
    return next((name for suffix, name in _HOSTS.items() if host == suffix or host.endswith("." + suffix)),
                agency.upper())


@dataclass(frozen=True)
class TermRow:
    """One line of `regwatch terms`: a term's current wording in one document (or, with `sentence` None, the fact
    that the jurisdiction defines it nowhere), with its timeline for the web view."""

    term: str
    agency: str
    publisher: str | None
    document_id: int | None
    url: str | None
    title: str | None
    version: int | None
    section: str | None
    sentence: str | None
    since: str | None
    previous: str | None
    defined: str | None = None  # the term as the document writes it
    timeline: tuple[Wording, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    @property
    def jurisdiction(self) -> str:
        return JURISDICTIONS.get(self.agency, self.agency.upper())


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def term_rows(session: Session, terms: Mapping[str, TermNames], *, only: str | None = None,
              agency: str | None = None, at: datetime | None = None, fill: bool = True) -> list[TermRow]:
    """Per term (config order) and agency (US, EU, JP, KR, CN): the current definitions, or one row saying there
    is none. With `fill`, versions not read yet are read first (the backfill, in the caller's transaction)."""
    if fill:
        backfill(session)
    rows: list[TermRow] = []
    agencies = [agency] if agency else list(Agency)
    for label, names in terms.items():
        if only is not None and label != only:
            continue
        found = wordings(session, term_keys(names) | set(keys_of(label)), at=at, agency=agency)
        for code in agencies:
            docs = sorted((d for d in found if d.document.agency == code and d.current),
                          key=lambda d: (d.document.id,))
            here = [_row(label, d, current, previous) for d in docs for current, previous in d.current]
            rows.extend(_dedupe(here) or [TermRow(label, code, None, None, None, None, None, None, None, None, None)])
    return rows


def _row(label: str, doc: DocumentTerm, current: Wording, previous: Wording | None) -> TermRow:
    d = doc.document
    return TermRow(term=label, agency=d.agency, publisher=publisher(d.url, d.agency), document_id=d.id, url=d.url,
                   title=d.title, version=current.version, section=current.section or None,
                   sentence=current.sentence, since=_iso(current.since),
                   previous=previous.sentence if previous else None, defined=current.term, timeline=doc.timeline)


def _dedupe(rows: list[TermRow]) -> list[TermRow]:
    """One row per wording and URL (the same file reached through two sources of one agency is listed once)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (re.sub(r"\s+", "", row.sentence or ""), row.url or "")
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out
