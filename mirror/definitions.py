"""The demo's definition change: one jurisdiction rewords how it defines a term (NMPA, 外泌体 / exosome), so that
`regwatch terms` shows the new wording with the old one as `previous`, and the alert carries both sentences.

The mirror pages of all five jurisdictions define the default terms in their own defining forms (US/EU "X means",
JP 「X」とは…をいう, KR "X"란 …을 말한다, CN 所称X，是指 / X是指 / X，指); this module only changes one of them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from regwatch.mirror import site as site_files
from regwatch.mirror.edits import edit_clock

DEMO_SITE = "nmpa"
DEMO_PATH = "/xxgk/kpzhsh/kpzhshhzhp/20210914103407129.html"
DEMO_TERM = "exosome"
DEMO_OLD = "外泌体是指细胞分泌的、由脂质双层膜包裹的直径约30至150纳米的细胞外囊泡。"
DEMO_NEW = "外泌体是指细胞分泌的、由脂质双层膜包裹的直径约30至200纳米的细胞外囊泡，是细胞外囊泡的一个亚类。"


def change_definition(sites: dict[str, Path], when: datetime | None = None) -> dict[str, str]:
    """Reword the demo definition in the writable copy of its site (ValueError when it is not there)."""
    root = sites[DEMO_SITE]
    path = root / DEMO_PATH.lstrip("/")
    text = path.read_text(encoding="utf-8")
    if DEMO_OLD not in text:
        raise ValueError(f"{DEMO_OLD!r} not found in {DEMO_PATH}")
    path.write_text(text.replace(DEMO_OLD, DEMO_NEW, 1), encoding="utf-8", newline="")
    site_files.set_last_modified(root, [DEMO_PATH], when or edit_clock(root))
    return {f"{DEMO_SITE} definition of {DEMO_TERM} changed": DEMO_PATH}
