"""Deterministic writers for the mirror's MFDS attachments: HWP 5, HWPX and PDF made from paragraphs of text.

Used by build.py; not imported by regwatch itself. Every byte depends only on the input text, so a rebuild
reproduces the committed files exactly.

- HWP 5: a compound file (CFB v3, 512-byte sectors) written here: streams under 4096 bytes live in the mini
  stream, as the format requires. Streams: FileHeader (signature, version 5.0.3.0, flag "compressed"),
  DocInfo, BodyText/Section0 (raw-deflate records: PARA_HEADER + PARA_TEXT per paragraph) and PrvText (the
  UTF-16-LE preview of the first 1,000 characters, as Hangul writes it).
- HWPX: the OWPML ZIP layout (mimetype stored first, Contents/section0.xml, Preview/PrvText.txt …).
- PDF: one Type0 font with Identity-H encoding whose codes are the Unicode code points and a ToUnicode CMap,
  so text extraction gives back the Korean text; no font is embedded (viewers substitute one).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from io import BytesIO
from xml.sax.saxutils import escape

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
PREVIEW_CHARS = 1000


# --- CFB (OLE compound file) --------------------------------------------------------------------------------


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def _dir_entry(name: str, kind: int, start: int = 0, size: int = 0, left: int = NOSTREAM, right: int = NOSTREAM,
               child: int = NOSTREAM) -> bytes:
    raw = (name.encode("utf-16-le") + b"\0\0") if name else b""
    return struct.pack("<64sHBBIII16sI8s8sIQ", raw, len(raw), kind, 1, left, right, child, b"", 0, b"", b"",
                       start, size)


def _cfb_key(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` ("Storage/Name" paths; storages are created as needed)."""
    nodes: dict[str, dict] = {"": {"name": "Root Entry", "kind": 5, "children": []}}
    for path in streams:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in nodes:
                kind = 2 if depth == len(parts) else 1
                nodes[key] = {"name": parts[depth - 1], "kind": kind, "children": []}
                nodes["/".join(parts[: depth - 1])]["children"].append(key)
    order = list(nodes)
    index = {key: i for i, key in enumerate(order)}

    mini = b"".join(_pad(streams[k], MINI) for k in order if nodes[k]["kind"] == 2 and len(streams[k]) < CUTOFF)
    big = [k for k in order if nodes[k]["kind"] == 2 and len(streams[k]) >= CUTOFF]
    n_dir = -(-len(order) // 4)
    minifat: list[int] = []
    mini_start: dict[str, int] = {}
    for key in order:
        if nodes[key]["kind"] == 2 and len(streams[key]) < CUTOFF:
            count = -(-len(streams[key]) // MINI)
            mini_start[key] = len(minifat) if count else END
            minifat += [len(minifat) + i + 1 for i in range(count - 1)] + ([END] if count else [])
    n_minifat = -(-len(minifat) * 4 // SECTOR)
    n_mini = -(-len(mini) // SECTOR)
    sizes = [n_dir, n_minifat, n_mini] + [-(-len(streams[k]) // SECTOR) for k in big]
    used = sum(sizes)
    n_fat = 1
    while n_fat * SECTOR // 4 < used + n_fat:
        n_fat += 1

    fat: list[int] = []
    starts: list[int] = []
    for count in sizes:
        starts.append(len(fat) if count else END)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + ([END] if count else [])
    fat_start = len(fat)
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * SECTOR // 4 - len(fat))
    big_start = dict(zip(big, starts[3:], strict=True))

    def tree(keys: list[str]) -> int:
        if not keys:
            return NOSTREAM
        keys = sorted(keys, key=lambda k: _cfb_key(nodes[k]["name"]))
        mid = len(keys) // 2
        nodes[keys[mid]]["left"], nodes[keys[mid]]["right"] = tree(keys[:mid]), tree(keys[mid + 1:])
        return index[keys[mid]]

    for key in order:
        nodes[key]["child"] = tree(nodes[key]["children"])
    entries = []
    for key in order:
        node = nodes[key]
        if node["kind"] == 5:
            start, size = (starts[2] if mini else END), len(mini)
        elif node["kind"] == 2:
            size = len(streams[key])
            start = big_start[key] if key in big_start else mini_start[key]
        else:
            start, size = 0, 0
        entries.append(_dir_entry(node["name"], node["kind"], start, size, node.get("left", NOSTREAM),
                                  node.get("right", NOSTREAM), node["child"]))
    directory = b"".join(entries) + _dir_entry("", 0) * (n_dir * 4 - len(entries))
    difat = [fat_start + i for i in range(n_fat)] + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII109I", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE,
                         9, 6, b"", 0, n_fat, starts[0], 0, CUTOFF, starts[1] if n_minifat else END, n_minifat,
                         END, 0, *difat)
    body = directory + _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR) + _pad(mini, SECTOR)
    body += b"".join(_pad(streams[k], SECTOR) for k in big)
    return header + body + struct.pack(f"<{len(fat)}I", *fat)


# --- HWP 5 -----------------------------------------------------------------------------------------------


def _record(tag: int, payload: bytes, level: int = 0) -> bytes:
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def hwp(paragraphs: list[str]) -> bytes:
    """A HWP 5 file whose body holds `paragraphs` (one PARA_TEXT each) and whose PrvText previews them."""
    section = b""
    for text in paragraphs:
        units = (text + "\r").encode("utf-16-le")
        header = struct.pack("<IIHBBHHHI", len(units) // 2, 0, 0, 0, 0, 1, 0, 1, 0)
        section += _record(0x42, header) + _record(0x43, units, 1)
    file_header = _pad(b"HWP Document File", 32) + struct.pack("<II", 0x05000300, 1)
    preview = "\r\n".join(paragraphs)[:PREVIEW_CHARS] + "\r\n"
    return cfb({
        "FileHeader": _pad(file_header, 256),
        "DocInfo": _deflate(_record(0x10, struct.pack("<H6I", 1, 1, 1, 1, 1, 1, 1))),
        "BodyText/Section0": _deflate(section),
        "PrvText": preview.encode("utf-16-le"),
    })


# --- HWPX ------------------------------------------------------------------------------------------------

_NS = ('xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" '
       'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section"')
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'


def hwpx(paragraphs: list[str], title: str) -> bytes:
    """An HWPX package with one section holding `paragraphs`."""
    body = "".join(f'<hp:p id="{i}" paraPrIDRef="0" styleIDRef="0" pageBreak="0" columnBreak="0" merged="0">'
                   f'<hp:run charPrIDRef="0"><hp:t>{escape(text)}</hp:t></hp:run></hp:p>'
                   for i, text in enumerate(paragraphs))
    members = {
        "mimetype": "application/hwp+zip",
        "version.xml": f'{_XML}<hv:HCFVersion xmlns:hv="http://www.hancom.co.kr/hwpml/2011/version" '
                       'tagetApplication="WORDPROCESSOR" major="5" minor="1" micro="0" buildNumber="1" os="1" '
                       'xmlVersion="1.4" application="Hancom Office Hangul"/>',
        "Contents/header.xml": f'{_XML}<hh:head xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head" '
                               'version="1.4" secCnt="1"/>',
        "Contents/section0.xml": f"{_XML}<hs:sec {_NS}>{body}</hs:sec>",
        "Contents/content.hpf": f'{_XML}<opf:package xmlns:opf="http://www.idpf.org/2007/opf/"><opf:metadata>'
                                f"<opf:title>{escape(title)}</opf:title><opf:language>ko</opf:language>"
                                '</opf:metadata><opf:manifest><opf:item id="section0" '
                                'href="Contents/section0.xml" media-type="application/xml"/></opf:manifest>'
                                '<opf:spine><opf:itemref idref="section0"/></opf:spine></opf:package>',
        "Preview/PrvText.txt": "\r\n".join(paragraphs)[:PREVIEW_CHARS] + "\r\n",
        "META-INF/container.xml": f'{_XML}<ocf:container xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:'
                                  'container"><ocf:rootfiles><ocf:rootfile full-path="Contents/content.hpf" '
                                  'media-type="application/hwpml-package+xml"/></ocf:rootfiles></ocf:container>',
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"), compresslevel=9)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------

_LINE_CHARS, _PAGE_LINES = 38, 46


def _wrap(paragraph: str) -> list[str]:
    """Lines of at most _LINE_CHARS characters, broken between words (Korean text is spaced by word)."""
    lines = [""]
    for word in paragraph.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > _LINE_CHARS:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    return lines


def _tounicode(used: set[int]) -> bytes:
    """Code = Unicode code point, for the 256-code blocks the text uses (smaller CMaps parse faster)."""
    highs = sorted({code >> 8 for code in used})
    ranges = "".join(f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>\n" for hi in highs)
    count = len(highs)
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Identity-UCS def "
            "/CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{count} beginbfrange\n{ranges}endbfrange\nendcmap CMapName currentdict /CMap defineresource pop "
            "end end\n").encode("ascii")


def pdf(paragraphs: list[str]) -> bytes:
    """A PDF whose pages show `paragraphs`, wrapped at a fixed width, a blank line between paragraphs."""
    lines = [line for p in paragraphs for line in [*_wrap(p), ""]]
    pages = [lines[i:i + _PAGE_LINES] for i in range(0, len(lines), _PAGE_LINES)] or [[]]
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font = 3
    objects += [b"<< /Type /Font /Subtype /Type0 /BaseFont /HYSMyeongJo-Medium /Encoding /Identity-H "
                b"/DescendantFonts [4 0 R] /ToUnicode 6 0 R >>",
                b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HYSMyeongJo-Medium /CIDSystemInfo "
                b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 >>",
                b"<< /Type /FontDescriptor /FontName /HYSMyeongJo-Medium /Flags 6 /FontBBox [0 -148 1001 880] "
                b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"]
    cmap = _tounicode({ord(c) for line in lines for c in line if ord(c) < 0x10000})
    objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    kids = []
    for page in pages:
        ops = ["BT /F1 11 Tf 14 TL 56 790 Td"]
        ops += [f"<{''.join(f'{ord(c):04X}' for c in line if ord(c) < 0x10000)}> Tj T*" for line in page]
        content = ("\n".join([*ops, "ET"]) + "\n").encode("ascii")
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R "
                       b">> >> /Contents %d 0 R >>" % (font, len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
