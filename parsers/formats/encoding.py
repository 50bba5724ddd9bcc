"""Bytes to text the way a browser would: BOM, declared charset, then a UTF-8 / windows-1252 guess."""

from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_PRESCAN = 4096  # bytes searched for <meta charset>
# What browsers use for these labels (WHATWG Encoding Standard), keyed by Python's codec name.
_WHATWG = {"iso8859-1": "windows-1252", "ascii": "windows-1252", "cp1252": "windows-1252",
           "shift_jis": "cp932", "euc_kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030"}
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


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset (header, then <meta>), then UTF-8, then windows-1252."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace")
    label = declared_charset(body, content_type)
    text = _decode_as(body, label) if label else None
    if text is not None:
        return text
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return windows_1252(body)
