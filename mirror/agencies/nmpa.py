"""The NMPA mirrors: www.nmpa.gov.cn (TRS CMS), english.nmpa.gov.cn (China Daily CMS) and www.cde.org.cn (the CDE
guideline database), their JavaScript bot challenges, office attachments built from text, and scripted edits.

See mirror/sites/{nmpa,nmpa_en,cde}/README.md for what is confirmed from stored copies and what is assumed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from regwatch.mirror import site as site_files
from regwatch.mirror.edits import edit_clock

ORIGINS: dict[str, str] = {
    "https://www.nmpa.gov.cn": "nmpa", "https://english.nmpa.gov.cn": "nmpa_en", "https://www.cde.org.cn": "cde",
}
ATTACHMENTS = "_mirror/attachments.json"
NMPA_IMAGES = "/directory/web/nmpa/images/"  # attachments: served without the challenge (dossier §0)
ALIAS = "/directory/web/nmpa"  # the same page is linked with and without this prefix
DEMO_PUBLISH = "_mirror/demo/publish.json"
# 人源干细胞产品非临床研究技术指导原则: "… 条件培养基、外泌体等非细胞成分 … 应当根据其产品特点另行开展非临床研究"
DEMO_REWORD = ("/zdyz/domesticinfopage?zdyzIdCODE=047c18f93f8d307b0e87bc8de7d8e59c", "应当根据其产品特点",
               "必须根据其产品特点")

# --- bot challenges (shapes from the dossier §0; tokens are fixed dummies, never real ones) -----------------

NMPA_CHALLENGE = (
    b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b'<meta id="FSs0aWcAjxOH" content="' + b"qqqqqqhF.QBiHq7Yu" * 20 + b'" r="m">'
    b'<script type="text/javascript" r="m">var $_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=61574;'
    b'$_ts.cd="qqqqqqhFrrxCqkqEqk";</script><script type="text/javascript" charset="utf-8" '
    b'src="/ZvbYc1RuNkYg/6LweYeYIFMkG.a670748.js" r="m"></script></head><body><script type="text/javascript" '
    b'r="m">_$xx();</script></body></html>'
)
NMPA_CHALLENGE_HEADERS = [
    ("Set-Cookie", "acw_tc=2760827b17300000000000000e0mirror0000000000000000000000000; path=/; HttpOnly; Max-Age=1800"),
    ("Set-Cookie", "NfBCSins2OywS=60mirrorDummyTokenNotARealOne0000; Path=/; expires=Mon, 30 Oct 2034 00:00:00 GMT; "
                   "HttpOnly"),
]
CDE_CHALLENGE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>\xe6\x8c\x81\xe7\xbb\xad\xe5\xaf\xbc\xe8\x88\xaa</title>'
    b'<meta id="9DhefwqGPrzGxEp9hPaoag" content="' + b"zbqqqqqF2nGnN" * 20 + b'" r="m">'
    b'<script r="m">var $_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=24160;</script>'
    b'<script charset="utf-8" src="/fpqQrgG7L6po/eaKJbLE9bqof.294cc83.js" r="m"></script></head>'
    b"<body><script>_$xx();</script></body></html>"
)
CDE_CHALLENGE_HEADERS = [("Set-Cookie", "FSSBBIl1UgzbN7N80S=mirrorDummyNotARealToken; Path=/; HttpOnly; Max-Age=3600")]


def nmpa_challenge(server: Any) -> None:
    """www.nmpa.gov.cn answers HTML with 412 + a script page; attachment files are served as usual."""
    server.faults.set_challenge(412, NMPA_CHALLENGE, NMPA_CHALLENGE_HEADERS, exempt=(NMPA_IMAGES,))


def cde_challenge(server: Any) -> None:
    """www.cde.org.cn answers everything (pages, the list API, attachments) with 202 + a script page."""
    server.faults.set_challenge(202, CDE_CHALLENGE, CDE_CHALLENGE_HEADERS)


# --- office attachments built from text (deterministic bytes) ----------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (_XML + text).encode("utf-8"))
    return out.getvalue()


def _types(main: str, extra: str = "") -> str:
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.'
            f'{"wordprocessingml.document" if main.startswith("word") else "spreadsheetml.sheet"}.main+xml"/>'
            f"{extra}</Types>")


def _rels(*targets: tuple[str, str]) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_R}/{kind}" Target="{target}"/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return f'<Relationships xmlns="{_PKG}">{rels}</Relationships>'


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _block(block: list[Any]) -> str:
    kind, value = block
    if kind == "table":
        rows = "".join("<w:tr>" + "".join(f"<w:tc><w:p>{_run(cell)}</w:p></w:tc>" for cell in row) + "</w:tr>"
                       for row in value)
        return f"<w:tbl>{rows}</w:tbl>"
    style = f'<w:pPr><w:pStyle w:val="{kind[1]}"/></w:pPr>' if kind in ("h1", "h2", "h3") else ""
    return f"<w:p>{style}{_run(value)}</w:p>"


def docx_bytes(blocks: list[list[Any]]) -> bytes:
    """A DOCX: blocks are ["h1"|"h2"|"h3"|"p", text] or ["table", rows]; headings use styles "1".."3"
    named "heading N" (what Word writes for a Chinese-language document)."""
    body = "".join(_block(b) for b in blocks)
    styles = "".join(f'<w:style w:type="paragraph" w:styleId="{n}"><w:name w:val="heading {n}"/></w:style>'
                     for n in (1, 2, 3))
    return _zip({
        "[Content_Types].xml": _types("word/document.xml", '<Override PartName="/word/styles.xml" ContentType='
                                      '"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'),
        "_rels/.rels": _rels(("officeDocument", "word/document.xml")),
        "word/_rels/document.xml.rels": _rels(("styles", "styles.xml")),
        "word/document.xml": f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>',
        "word/styles.xml": f'<w:styles xmlns:w="{_W}">{styles}</w:styles>',
    })


def xlsx_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    """An XLSX with a shared-string table; cells that look like numbers are written as numbers."""
    strings: list[str] = []

    def cell(ref: str, value: str) -> str:
        if re.fullmatch(r"-?\d+(\.\d+)?", value):
            return f'<c r="{ref}"><v>{value}</v></c>'
        if value not in strings:
            strings.append(value)
        return f'<c r="{ref}" t="s"><v>{strings.index(value)}</v></c>'

    parts: dict[str, str] = {}
    for n, rows in enumerate(sheets.values(), start=1):
        data = "".join(f'<row r="{r}">' + "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row)) + "</row>"
                       for r, row in enumerate(rows, start=1))
        parts[f"xl/worksheets/sheet{n}.xml"] = f'<worksheet xmlns="{_S}"><sheetData>{data}</sheetData></worksheet>'
    names = "".join(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheets, 1))
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return _zip({
        "[Content_Types].xml": _types("xl/workbook.xml"),
        "_rels/.rels": _rels(("officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": f'<workbook xmlns="{_S}" xmlns:r="{_R}"><sheets>{names}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _rels(*[("worksheet", f"worksheets/sheet{n}.xml") for n in
                                              range(1, len(sheets) + 1)], ("sharedStrings", "sharedStrings.xml")),
        "xl/sharedStrings.xml": f'<sst xmlns="{_S}" count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
        **parts,
    })


def _load(root: Path, name: str) -> dict[str, Any]:
    path = root / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(root: Path, name: str, data: dict[str, Any]) -> None:
    (root / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def attachment_bytes(spec: dict[str, Any]) -> bytes:
    return docx_bytes(spec["blocks"]) if spec["type"] == "docx" else xlsx_bytes(spec["sheets"])


def build_attachments(root: Path) -> list[Path]:
    """(Re)write every office file listed in the site's `_mirror/attachments.json` (file path → text source)."""
    written = []
    for rel, spec in _load(root, ATTACHMENTS).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(attachment_bytes(spec))
        written.append(target)
    return written


# --- edits (writable copies only) ---------------------------------------------------------------------------


def _targets(root: Path, url: str) -> list[Path]:
    """The files that serve `url` (a path, or a path?query routed by routes.json), alias copies included."""
    routed = _load(root, site_files.ROUTES).get(url)
    if routed:
        return [root / routed]
    rel = url.lstrip("/")
    alias = rel.removeprefix(ALIAS.lstrip("/") + "/") if rel.startswith(ALIAS.lstrip("/")) else ALIAS[1:] + "/" + rel
    found = [p for p in (root / rel, root / alias) if p.is_file()]
    if not found:
        raise ValueError(f"no file serves {url} in {root}")
    return found


def _rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a page file, keeping its encoding (one page is served as GB18030 on purpose)."""
    raw = path.read_bytes()
    try:
        encoding, text = "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding, text = "gb18030", raw.decode("gb18030")
    if old not in text:
        raise ValueError(f"{old!r} not found in {path}")
    path.write_bytes(text.replace(old, new, count).encode(encoding))


def reword(root: Path, url: str, old: str, new: str, count: int = 1, when: datetime | None = None) -> None:
    """Replace words in the page at `url` (every copy of it); `ValueError` when `old` is not there."""
    for path in _targets(root, url):
        _rewrite(path, old, new, count)
    site_files.set_last_modified(root, [url], when or edit_clock(root))


def reissue_attachment(root: Path, page: str, rel: str, old: str, new: str, stamp: str = "1710000000000000001",
                       when: datetime | None = None) -> str:
    """NMPA replaces an attachment the way its CMS does: a new file (numeric name, like the real
    …/images/1610416113512058121.docx) with the reworded text, linked from the page in place of the old one.
    Returns the new file's URL path."""
    specs = _load(root, ATTACHMENTS)
    source = json.dumps(specs.pop(rel), ensure_ascii=False)
    if old not in source:
        raise ValueError(f"{old!r} not found in the text of {rel}")
    new_rel = f"{NMPA_IMAGES.strip('/')}/{stamp}.{rel.rpartition('.')[2]}"
    specs[new_rel] = json.loads(source.replace(old, new))
    _save(root, ATTACHMENTS, specs)
    (root / new_rel).write_bytes(attachment_bytes(specs[new_rel]))
    for path in _targets(root, page):
        _rewrite(path, "/" + rel, "/" + new_rel)
    site_files.set_last_modified(root, [page, "/" + new_rel], when or edit_clock(root))
    return "/" + new_rel


_LIST_UL = re.compile(r'<div class="list[ "][^>]*>\s*<ul>\n')


def publish(root: Path, when: datetime | None = None) -> str:
    """Put the demo announcement (`_mirror/demo/publish.json`) on top of its list pages; returns its URL path."""
    demo = _load(root, DEMO_PUBLISH)
    (root / demo["path"].lstrip("/")).write_text(demo["page"], encoding="utf-8")
    for rel, spec in demo["attachments"].items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(attachment_bytes(spec))
    for listing in demo["lists"]:
        page = root / listing.lstrip("/")
        text = _LIST_UL.sub(lambda m: m.group(0) + demo["item"], page.read_text(encoding="utf-8"), count=1)
        page.write_text(text, encoding="utf-8")
    site_files.set_last_modified(root, [demo["path"], *demo["lists"]], when or edit_clock(root))
    return demo["path"]


_TOKEN = re.compile(r'(<meta content=")\{q[^"]*(">)')


def rotate_challenge_token(root: Path, url: str, seed: str = "1") -> None:
    """Noise only: the per-response Ruishu token in the page head changes (as on every real fetch)."""
    token = "{qqqq" + hashlib.sha256(seed.encode()).hexdigest() * 24
    for path in _targets(root, url):
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(_TOKEN.sub(lambda m: m.group(1) + token + m.group(2), text, count=1).encode("utf-8"))


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """A Chinese wording change (应当 → 必须) in a CDE stem-cell guideline, a new cosmetics announcement on the
    NMPA lists, and a noise-only change (the challenge token in a page head) that must not alert."""
    url, old, new = DEMO_REWORD
    reword(sites["cde"], url, old, new)
    published = publish(sites["nmpa"])
    rotate_challenge_token(sites["nmpa"], "/xxgk/ggtg/hzhpggtg/jmhzhptg/20210430162707173.html", seed="demo")
    return {"nmpa/cde reworded": f"{url}: '{old}' → '{new}'", "nmpa published": published,
            "nmpa noise": "challenge token rotated in the 2021年第62号 page head"}
