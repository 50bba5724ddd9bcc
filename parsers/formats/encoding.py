"""Bytes to text: BOM, the declared charset when the bytes agree with it, then detection.

Regulators' pages declare their charset wrongly or not at all often enough (MHLW's older pages are
Shift_JIS, some Korean and Chinese sites serve EUC-KR / GBK without saying so) that a declaration is only
trusted when the bytes decode cleanly with it. Detection uses charset-normalizer, limited to the encodings
these sites use, so a page is never stored as mojibake.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_PRESCAN = 4096  # bytes searched for <meta charset>
# What browsers use for these labels (WHATWG Encoding Standard), keyed by Python's codec name.
_WHATWG = {"iso8859-1": "windows-1252", "ascii": "windows-1252", "cp1252": "windows-1252",
           "shift_jis": "cp932", "euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030"}
# What the five regulators' sites (and their attachments) are known or suspected to use.
CANDIDATES = ("utf_8", "cp932", "euc_jp", "cp949", "gb18030", "big5", "cp1252")
_SINGLE_BYTE_WESTERN = {"windows-1252", "iso8859-1", "ascii", "cp1252", "latin-1"}
# windows-1252 as browsers decode it: the five bytes Python's cp1252 leaves undefined stay C1 controls.
_CP1252 = {b: ch for b in range(0x80, 0xA0) if (ch := bytes([b]).decode("cp1252", "ignore"))}


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset named by the Content-Type header, else by a <meta> near the top of the body."""
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        return header.group(1)
    meta = _META_CHARSET.search(body[:_PRESCAN])
    return meta.group(1).decode("ascii") if meta else None


def windows_1252(body: bytes) -> str:
    """Decode as browsers decode "latin-1" / "windows-1252" (total: never fails)."""
    return body.decode("latin-1").translate(_CP1252)


def _decode_as(body: bytes, label: str) -> str | None:
    """Decode with a charset label (browser aliases applied); None for a label Python cannot use."""
    try:
        name = codecs.lookup(label).name
        name = _WHATWG.get(name, name)
        if name == "windows-1252":
            return windows_1252(body)
        return body.decode(name, errors="replace")
    except (LookupError, UnicodeError):
        return None


def decode_html(body: bytes, content_type: str | None = None, hints: tuple[str, ...] = ()) -> str:
    """Bytes to text: a BOM; else the first of the declared charsets (header, <meta>) and `hints` (an agency's
    likely encodings) that decodes the bytes without error; else detection among `CANDIDATES`; else
    windows-1252, which never fails. A single-byte Western declaration is trusted last, because every byte
    sequence "decodes" with it."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    declared = [label for label in _declared_labels(body, content_type) if _codec(label)]
    strong = [lb for lb in declared if _codec(lb) not in _SINGLE_BYTE_WESTERN]
    for label in (*strong, "utf-8", *hints):
        text = _strict(body, label)
        if text is not None:
            return text
    guess = detect(body)
    if guess is not None and (not declared or guess[0] not in ("cp1252", "utf_8")):
        return guess[1]
    return windows_1252(body)


_KANA = re.compile(r"[\u3040-\u30ff]")
_JAPANESE = {"cp932", "euc_jp", "shift_jis"}


def detect(body: bytes) -> tuple[str, str] | None:
    """(encoding, text) by charset-normalizer among `CANDIDATES`. Short texts leave it undecided between
    East Asian encodings; kana only appear when Japanese bytes are decoded as Japanese, so they break ties."""
    results = list(from_bytes(body, cp_isolation=list(CANDIDATES)))
    if not results:
        return None

    def rank(match):  # type: ignore[no-untyped-def]
        text = str(match)
        kana = len(_KANA.findall(text)) / max(len(text), 1) if match.encoding in _JAPANESE else 0.0
        return (round(match.chaos, 2) - kana, CANDIDATES.index(match.encoding) if match.encoding in CANDIDATES else 99)

    best = min(results, key=rank)
    return best.encoding, str(best)


def _declared_labels(body: bytes, content_type: str | None) -> list[str]:
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(body[:_PRESCAN])
    labels = [header.group(1) if header else None, meta.group(1).decode("ascii") if meta else None]
    return [lb for lb in dict.fromkeys(labels) if lb]


def _codec(label: str) -> str | None:
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    name = info.name
    return _WHATWG.get(name, name)


def _strict(body: bytes, label: str) -> str | None:
    name = _codec(label)
    if name is None:
        return None
    if name == "windows-1252":
        return windows_1252(body)
    try:
        return body.decode(name)
    except (UnicodeDecodeError, LookupError):  # LookupError: a non-text codec such as "base64"
        return None
