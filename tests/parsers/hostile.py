"""Hostile sample files, built by code at test time (nothing downloaded): PDFs with circular xref chains, outline
loops, recursive or endless page trees, Flate bombs, huge images and encryption; DOCX/XLSX/HWPX and RSS with
billion laughs, quadratic blowup and external entities; ZIP and HWP bombs. Also two probes the tests run in the
bounded worker to measure one file's CPU time and peak memory there.

Bombs are cheap to build: a deflate stream of zeros compressed with a full flush repeats one block exactly, so
1 GiB of zeros is that block 1024 times (about 1 MiB, built in milliseconds).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from regwatch.parsers.types import Document, Fetched

MIB = 1 << 20
GIB = 1 << 30


# --- deflate ---------------------------------------------------------------------------------------------


def deflate_zeros(size: int, raw: bool = False) -> bytes:
    """`size` zero bytes (a multiple of 1 MiB) deflated: zlib format with its checksum, or raw (ZIP, HWP)."""
    assert size % MIB == 0 and size > 0
    chunk = bytes(MIB)
    engine = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    first = engine.compress(chunk) + engine.flush(zlib.Z_FULL_FLUSH)
    repeat = engine.compress(chunk) + engine.flush(zlib.Z_FULL_FLUSH)  # identical for every further MiB
    end = b"\x03\x00"  # an empty final block
    adler = b"" if raw else ((size % 65521) << 16 | 1).to_bytes(4, "big")  # Adler-32 of `size` zeros
    return first + repeat * (size // MIB - 1) + end + adler


def crc32_zeros(size: int) -> int:
    crc, chunk = 0, bytes(MIB)
    for _ in range(size // MIB):
        crc = zlib.crc32(chunk, crc)
    return crc


# --- PDF -------------------------------------------------------------------------------------------------

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 12 Tf 72 700 Td (Hostile file) Tj ET"


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf(objects: dict[int, bytes], trailer: bytes = b"/Root 1 0 R", prev_self: bool = False) -> bytes:
    """A PDF of numbered objects with a classic xref table. `prev_self`: add an incremental update whose
    trailer's /Prev and the first trailer's /Prev point at each other (a circular xref chain)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    first = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
                    for n in range(1, size))
    placeholder = b"/Prev 0000000000 " if prev_self else b""
    out += b"trailer\n<< /Size %d %s %s>>\n" % (size, trailer, placeholder)
    start = first
    if prev_self:
        second = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size %d %s /Prev %010d >>\n" % (size, trailer, first)
        out[:] = out.replace(placeholder, b"/Prev %010d " % second, 1)
        start = second
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


def _page_objects(content: bytes, resources: bytes = b"/Font << /F1 5 0 R >>") -> dict[int, bytes]:
    return {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << %s >> /Contents 4 0 R >>"
               % resources,
            4: content, 5: _FONT}


def pdf_plain() -> bytes:
    return pdf(_page_objects(stream(_TEXT)))


def pdf_circular_xref() -> bytes:
    return pdf(_page_objects(stream(_TEXT)), prev_self=True)


def pdf_outline_loop() -> bytes:
    objects = _page_objects(stream(_TEXT))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R /PageMode /UseOutlines >>"
    objects[6] = b"<< /Type /Outlines /First 7 0 R /Last 8 0 R /Count 2 >>"
    objects[7] = b"<< /Title (a) /Parent 6 0 R /Next 8 0 R /First 8 0 R /Dest [3 0 R /Fit] >>"
    objects[8] = b"<< /Title (b) /Parent 7 0 R /Next 7 0 R /Prev 7 0 R /First 7 0 R /Dest [3 0 R /Fit] >>"
    return pdf(objects)


def pdf_recursive_pages() -> bytes:
    objects = _page_objects(stream(_TEXT))
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    return pdf(objects)


def pdf_endless_page_tree(levels: int = 9, fan_out: int = 10) -> bytes:
    """A page tree of `fan_out ** levels` leaves (10^9) in a handful of objects: each node lists its one child
    `fan_out` times."""
    objects = _page_objects(stream(_TEXT))
    first = 10
    for level in range(levels):
        child = b"%d 0 R" % (first + level + 1) if level + 1 < levels else b"3 0 R"
        parent = b"%d 0 R" % (first + level - 1) if level else b"1 0 R"
        objects[first + level] = (b"<< /Type /Pages /Parent %s /Kids [%s] /Count %d >>"
                                  % (parent, b" ".join([child] * fan_out), fan_out ** (levels - level)))
    objects[1] = b"<< /Type /Catalog /Pages %d 0 R >>" % first
    objects[3] = objects[3].replace(b"/Parent 2 0 R", b"/Parent %d 0 R" % (first + levels - 1))
    del objects[2]
    return pdf(objects)


def pdf_deep_page_tree(depth: int = 50_000) -> bytes:
    """Page-tree nodes nested `depth` deep, one page at the bottom."""
    objects = _page_objects(stream(_TEXT))
    first = 10
    for i in range(depth):
        kid = b"%d 0 R" % (first + i + 1) if i + 1 < depth else b"3 0 R"
        objects[first + i] = b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kid
    objects[1] = b"<< /Type /Catalog /Pages %d 0 R >>" % first
    del objects[2]
    return pdf(objects)


def pdf_flate_bomb(size: int = GIB) -> bytes:
    """The page's content stream inflates to `size` zero bytes."""
    return pdf(_page_objects(stream(deflate_zeros(size), b"/Filter /FlateDecode")))


def pdf_huge_image(size: int = GIB) -> bytes:
    """A page drawing a 60000 x 60000 RGB image whose (bomb) stream inflates to `size` zeros."""
    image = stream(deflate_zeros(size), b"/Type /XObject /Subtype /Image /Width 60000 /Height 60000 "
                                        b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode")
    objects = _page_objects(stream(b"q 612 0 0 792 0 0 cm /Im1 Do Q " + _TEXT),
                            b"/Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >>")
    objects[6] = image
    return pdf(objects)


def pdf_xmp(doctype: str) -> bytes:
    """XMP metadata (an XML packet in the catalog's /Metadata stream) carrying a hostile DOCTYPE."""
    xmp = (f'<?xml version="1.0"?>{doctype}<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<rdf:Description rdf:about=""><dc:title><rdf:Alt><rdf:li xml:lang="x-default">&e;</rdf:li></rdf:Alt>'
           '</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>').encode()
    objects = _page_objects(stream(_TEXT))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>"
    objects[6] = stream(xmp, b"/Type /Metadata /Subtype /XML")
    return pdf(objects)


def pdf_truncated() -> bytes:
    whole = pdf_plain()
    return whole[: len(whole) // 2]


_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def pdf_encrypted(user_password: str) -> bytes:
    """Standard security handler, revision 2 (RC4, 40-bit), owner password "owner"; strings and streams
    encrypted. With an empty user password any reader opens it; with another it needs that password."""
    file_id, permissions = hashlib.md5(b"regwatch-hostile").digest(), -4

    def padded(password: str) -> bytes:
        return (password.encode("latin-1") + _PAD)[:32]

    owner = _rc4(hashlib.md5(padded("owner")).digest()[:5], padded(user_password))
    key = hashlib.md5(padded(user_password) + owner + struct.pack("<i", permissions) + file_id).digest()[:5]
    user = _rc4(key, _PAD)

    def encrypted(number: int, data: bytes) -> bytes:
        return _rc4(hashlib.md5(key + struct.pack("<I", number)[:3] + b"\x00\x00").digest()[:10], data)

    objects = _page_objects(stream(encrypted(4, _TEXT)))
    objects[6] = (b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
                  % (owner.hex().encode(), user.hex().encode(), permissions))
    return pdf(objects, trailer=b"/Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>]"
               % (file_id.hex().encode(), file_id.hex().encode()))


# --- XML attacks -----------------------------------------------------------------------------------------


def billion_laughs(root: str = "lolz") -> str:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<!DOCTYPE {root} [<!ENTITY l0 "lol">{entities}<!ENTITY e "&l9;">]>'


def quadratic_blowup(root: str = "lolz") -> str:
    return f'<!DOCTYPE {root} [<!ENTITY a "{"x" * 100_000}"><!ENTITY e "{"&a;" * 10_000}">]>'


def external_entity(url: str, root: str = "lolz") -> str:
    return f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{url}">]>'


def parameter_entity(url: str, root: str = "lolz") -> str:
    return f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{url}"> %p;<!ENTITY e "x">]>'


# --- ZIP (DOCX, XLSX, HWPX) ------------------------------------------------------------------------------

Entry = tuple[str, bytes] | tuple[str, bytes, int, int]  # (name, data) stored, or (name, deflated, crc, size)


def zip_archive(entries: list[Entry]) -> bytes:
    """A ZIP written by hand, so an entry can carry pre-deflated data and any declared size (bombs)."""
    out, central = bytearray(), bytearray()
    for entry in entries:
        name = entry[0].encode()
        if len(entry) == 2:
            data = entry[1]
            method, crc, size = 0, zlib.crc32(data), len(data)
        else:
            _, data, crc, size = entry  # type: ignore[misc]
            method = 8
        header = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc, len(data), size, len(name), 0)
        central += b"PK\x01\x02" + struct.pack("<H", 20) + header + struct.pack("<HHHII", 0, 0, 0, 0, len(out)) + name
        out += b"PK\x03\x04" + header + name + data
    end = struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + b"PK\x05\x06" + end)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="xml" ContentType="application/xml"/></Types>')


def docx(document_xml: str, core_xml: str | None = None) -> bytes:
    entries: list[Entry] = [("[Content_Types].xml", _CONTENT_TYPES.encode()),
                            ("word/document.xml", document_xml.encode())]
    if core_xml is not None:
        entries.append(("docProps/core.xml", core_xml.encode()))
    return zip_archive(entries)


def docx_text(doctype: str = "", text: str = "&e;") -> str:
    return (f'<?xml version="1.0"?>{doctype}<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{text}</w:t></w:r>'
            '</w:p></w:body></w:document>')


def docx_bomb(size: int = GIB, lie: bool = False) -> bytes:
    """word/document.xml inflates to `size` zeros; `lie`: its header declares 1 KiB (the data says otherwise)."""
    data = deflate_zeros(size, raw=True)
    declared = 1024 if lie else size
    crc = zlib.crc32(bytes(declared)) if lie else crc32_zeros(size)
    return zip_archive([("[Content_Types].xml", _CONTENT_TYPES.encode()), ("word/document.xml", data, crc, declared)])


def xlsx(workbook_xml: str) -> bytes:
    return zip_archive([("[Content_Types].xml", _CONTENT_TYPES.encode()), ("xl/workbook.xml", workbook_xml.encode())])


def xlsx_workbook(doctype: str) -> str:
    return (f'<?xml version="1.0"?>{doctype}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="&e;" sheetId="1"/></sheets></workbook>')


HP_NS = "http://www.hancom.co.kr/hwpml/2011/paragraph"


def hwpx(section_xml: str | None = None, bomb: int = 0) -> bytes:
    """An HWPX package; `bomb`: Contents/section0.xml is that many zero bytes, deflated (and declared honestly)."""
    entries: list[Entry] = [("mimetype", b"application/hwp+zip")]
    if bomb:
        entries.append(("Contents/section0.xml", deflate_zeros(bomb, raw=True), crc32_zeros(bomb), bomb))
    else:
        entries.append(("Contents/section0.xml", (section_xml or "").encode()))
    return zip_archive(entries)


def hwpx_section(doctype: str) -> str:
    return (f'<?xml version="1.0"?>{doctype}<hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
            f'xmlns:hp="{HP_NS}"><hp:p><hp:run><hp:t>&e;</hp:t></hp:run></hp:p></hs:sec>')


def rss(doctype: str) -> bytes:
    return (f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>t</title><item><title>&e;</title>'
            '<link>https://www.mfds.go.kr/brd/m_209/view.do?seq=1</link></item></channel></rss>').encode()


# --- HWP 5 (an OLE compound file, written by hand) -------------------------------------------------------

_SECTOR = 512
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole_file(streams: dict[str, bytes], declared: dict[str, int] | None = None) -> bytes:
    """A version-3 compound file holding `streams` ("Storage/Stream" names, one level deep, each at least
    4096 bytes so no mini stream is needed); `declared` overrides a stream's size in its directory entry."""
    declared = declared or {}
    assert all(len(data) >= 4096 for data in streams.values())
    storages = sorted({name.split("/")[0] for name in streams if "/" in name})
    # Directory: root, then top-level entries (streams and storages), then each storage's streams.
    top = [n for n in streams if "/" not in n] + storages
    entries: list[tuple[str, int, str]] = [("Root Entry", 5, "")] + [(n, 2 if n in streams else 1, n) for n in top]
    for storage in storages:
        entries += [(n.split("/")[1], 2, n) for n in streams if n.startswith(storage + "/")]
    dir_sectors = -(-len(entries) // 4)
    data_sectors = {name: -(-len(data) // _SECTOR) for name, data in streams.items()}
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + sum(data_sectors.values()):
        fat_sectors += 1
    fat = [_FATSECT] * fat_sectors
    chains = {}
    for name, count in [("", dir_sectors), *data_sectors.items()]:
        chains[name] = len(fat)
        fat += list(range(len(fat) + 1, len(fat) + count)) + [_END]
    fat += [_FREE] * (fat_sectors * 128 - len(fat))

    def parent(path: str) -> str:
        return path.rsplit("/", 1)[0] if "/" in path else ""

    def children(of: str) -> list[int]:
        return [i for i, (_, _, path) in enumerate(entries) if i and parent(path) == of]

    directory = bytearray()
    for index, (name, kind, path) in enumerate(entries):
        siblings = children(parent(path)) if index else [0]
        place = siblings.index(index)
        right = siblings[place + 1] if index and place + 1 < len(siblings) else _FREE
        kids = children(path) if kind in (1, 5) else []
        raw_name = (name + "\x00").encode("utf-16-le")
        start = chains[path] if kind == 2 else _END
        size = declared.get(path, len(streams[path])) if kind == 2 else 0
        directory += (raw_name.ljust(64, b"\x00") + struct.pack("<HBBIII", len(raw_name), kind, 1, _FREE, right,
                                                                  kids[0] if kids else _FREE)
                      + bytes(16 + 4 + 16) + struct.pack("<IQ", start, size))
    directory += b"\x00" * (dir_sectors * _SECTOR - len(directory))
    header = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, fat_sectors, chains[""], 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *(list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors))))
    body = b"".join(data + b"\x00" * (-len(data) % _SECTOR) for data in streams.values())
    return header + struct.pack(f"<{len(fat)}I", *fat) + bytes(directory) + body


def hwp_file_header(flags: int = 1) -> bytes:
    header = b"HWP Document File".ljust(32, b"\x00") + struct.pack("<II", 0x05000300, flags)
    return header.ljust(4096, b"\x00")


def hwp(section: bytes, declared: int | None = None, compressed: bool = True) -> bytes:
    """A HWP 5 file whose BodyText/Section0 is `section` (padded to 4 KiB); `declared` overrides its size."""
    streams = {"FileHeader": hwp_file_header(1 if compressed else 0), "BodyText/Section0": section.ljust(4096, b"\x00")}
    return ole_file(streams, {"BodyText/Section0": declared} if declared is not None else None)


# --- the corpus ------------------------------------------------------------------------------------------


def corpus(canary_file: Path, canary_url: str) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """Every hostile file by name: (the URL suffix it is served under, its builder)."""
    file_url = canary_file.as_uri()
    xml_attacks = {"billion-laughs": billion_laughs, "quadratic": quadratic_blowup,
                   "xxe-file": lambda root: external_entity(file_url, root),
                   "xxe-http": lambda root: external_entity(canary_url + "/xxe", root),
                   "xxe-parameter": lambda root: parameter_entity(canary_url + "/dtd", root)}
    files: dict[str, tuple[str, Callable[[], bytes]]] = {
        "pdf-circular-xref": (".pdf", pdf_circular_xref),
        "pdf-outline-loop": (".pdf", pdf_outline_loop),
        "pdf-recursive-pages": (".pdf", pdf_recursive_pages),
        "pdf-endless-page-tree": (".pdf", pdf_endless_page_tree),
        "pdf-deep-page-tree": (".pdf", pdf_deep_page_tree),
        "pdf-flate-bomb": (".pdf", pdf_flate_bomb),
        "pdf-huge-image": (".pdf", pdf_huge_image),
        "pdf-encrypted": (".pdf", lambda: pdf_encrypted("secret")),
        "pdf-encrypted-empty-password": (".pdf", lambda: pdf_encrypted("")),
        "pdf-truncated": (".pdf", pdf_truncated),
        "pdf-xmp-xxe-file": (".pdf", lambda: pdf_xmp(external_entity(file_url, "x:xmpmeta"))),
        "pdf-xmp-xxe-http": (".pdf", lambda: pdf_xmp(external_entity(canary_url + "/xmp", "x:xmpmeta"))),
        "pdf-xmp-billion-laughs": (".pdf", lambda: pdf_xmp(billion_laughs("x:xmpmeta"))),
        "docx-zip-bomb": (".docx", docx_bomb),
        "docx-zip-bomb-lying-size": (".docx", lambda: docx_bomb(lie=True)),
        "docx-core-xxe-file": (".docx", lambda: docx(docx_text(text="x"), f'<?xml version="1.0"?>'
                                                     f'{external_entity(file_url, "cp")}<cp>&e;</cp>')),
        "hwpx-zip-bomb": (".hwpx", lambda: hwpx(bomb=GIB)),
        "hwp-huge-declared-stream": (".hwp", lambda: hwp(zlib.compress(b"x" * 5000)[2:-4], declared=0x7FFFFE00)),
        "hwp-section-inflate-bomb": (".hwp", lambda: hwp(deflate_zeros(GIB, raw=True))),
        "hwp-huge-record": (".hwp", lambda: hwp(struct.pack("<II", 67 | 0xFFF << 20, 0xFFFFFFF0), compressed=False)),
    }
    for attack, doctype in xml_attacks.items():
        files[f"docx-{attack}"] = (".docx", lambda d=doctype: docx(docx_text(d("w:document"))))
        files[f"xlsx-{attack}"] = (".xlsx", lambda d=doctype: xlsx(xlsx_workbook(d("workbook"))))
        files[f"hwpx-{attack}"] = (".hwpx", lambda d=doctype: hwpx(hwpx_section(d("hs:sec"))))
        files[f"rss-{attack}"] = (".xml", lambda d=doctype: rss(d("rss")))
    return files


# --- probes run in the bounded worker ---------------------------------------------------------------------


def reset_peak(fetched: Fetched) -> Document:
    """Reset this process's peak RSS (Linux clear_refs) so the next file's peak can be read alone."""
    Path("/proc/self/clear_refs").write_text("5")
    return read_peak(fetched)


def read_peak(fetched: Fetched) -> Document:
    """This process's peak RSS (MiB), CPU seconds used so far and pid, as JSON in the text of a Document."""
    status = Path("/proc/self/status").read_text()
    peak_kib = int(status.split("VmHWM:")[1].split()[0])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {"peak_mb": peak_kib / 1024, "cpu_s": usage.ru_utime + usage.ru_stime, "pid": os.getpid()}
    return Document(url=fetched.url, title="stats", text=json.dumps(stats))
