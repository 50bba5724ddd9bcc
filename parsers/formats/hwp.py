"""Hangul word processor files → text: HWP 5 (an OLE compound file) and HWPX (a ZIP of XML).

HWP: the whole text is in the zlib-compressed record streams `BodyText/Section<n>` (`ViewText/Section<n>`,
AES-encrypted, in "distribution" documents); each paragraph's characters are one HWPTAG_PARA_TEXT record of
UTF-16-LE code units in which controls take 1 or 8 units. `PrvText` is only a preview (the first screenful),
used when the body cannot be read, with a note saying so. HWPX: `Contents/section<n>.xml`, one `hp:p` per
paragraph (tables nest theirs), `Preview/PrvText.txt` as the fallback. Only ParseError leaves this module.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from regwatch.parsers.formats.binary import binary_document
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.types import Document, Fetched, ParseError

HWPTAG_BEGIN = 0x10
HWPTAG_DISTRIBUTE_DOC_DATA = HWPTAG_BEGIN + 12
HWPTAG_PARA_TEXT = HWPTAG_BEGIN + 51  # 67
_SIGNATURE = b"HWP Document File"
_COMPRESSED, _PASSWORD, _DISTRIBUTION = 0x1, 0x2, 0x4
# Control characters (UTF-16 code units below 32) that occupy 8 units: inline and extended controls.
_WIDE_CONTROLS = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23})
_CHAR_CONTROLS = {9: "\t", 10: "\n", 24: "-", 30: " ", 31: " "}  # tab, line break, hyphen, fixed spaces
_SECTION = re.compile(r"(?:BodyText|ViewText)/Section(\d+)$")
_XML_SECTION = re.compile(r"Contents/section(\d+)\.xml$")
_MAX_MEMBER = 64 * 1024 * 1024  # bytes a single inflated stream or ZIP member may reach (zip-bomb guard)
_MAX_TITLE = 200
PREVIEW_NOTE = "only the preview text (PrvText) of this {fmt} file could be read ({why}); later pages are missing"


# --- HWP 5 (OLE compound file) ---------------------------------------------------------------------------


def records(stream: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(tag, level, payload) of each record: a 32-bit header (tag 10 bits, level 10, size 12; size 0xFFF means
    the next 32 bits hold it). ParseError for a record that runs past the end."""
    pos = 0
    while pos + 4 <= len(stream):
        (header,) = struct.unpack_from("<I", stream, pos)
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        pos += 4
        if size == 0xFFF:
            if pos + 4 > len(stream):
                raise ParseError("hwp: record header cut short")
            (size,) = struct.unpack_from("<I", stream, pos)
            pos += 4
        if pos + size > len(stream):
            raise ParseError(f"hwp: record {tag} claims {size} bytes, {len(stream) - pos} left")
        yield tag, level, stream[pos:pos + size]
        pos += size


def para_text(payload: bytes) -> str:
    """The characters of one HWPTAG_PARA_TEXT record, controls turned into spaces/line breaks or dropped."""
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit >= 32:
            out.append(chr(unit))
            i += 1
        elif unit in _WIDE_CONTROLS:
            out.append(_CHAR_CONTROLS.get(unit, ""))
            i += 8
        else:
            out.append(_CHAR_CONTROLS.get(unit, ""))
            i += 1
    text = "".join(out)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # pair up surrogates


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj(-15)
    out = inflater.decompress(data, _MAX_MEMBER)
    if inflater.unconsumed_tail:
        raise ParseError("hwp: a section inflates past the size limit")
    return out


def _msvc_rand(seed: int) -> Iterator[int]:
    """The C runtime's rand() that seeds a distribution document's key scramble."""
    state = seed
    while True:
        state = (state * 214013 + 2531011) & 0xFFFFFFFF
        yield (state >> 16) & 0x7FFF


def _distribution_key(payload: bytes) -> bytes:
    """The AES-128 key hidden in a HWPTAG_DISTRIBUTE_DOC_DATA record (256 bytes XOR-scrambled by rand())."""
    if len(payload) < 256:
        raise ParseError("hwp: distribution record too short")
    (seed,) = struct.unpack_from("<I", payload)
    rand, plain, left, mask = _msvc_rand(seed), bytearray(256), 0, 0
    for i in range(256):
        if left == 0:
            mask, left = next(rand) & 0xFF, (next(rand) & 0x0F) + 1
        plain[i] = payload[i] ^ mask
        left -= 1
    offset = 4 + (seed & 0x0F)
    return bytes(plain[offset:offset + 16])


def _decrypt_view_text(stream: bytes) -> bytes:
    """A ViewText section: its first record carries the key; the rest is AES-128-ECB."""
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError as exc:  # a dependency of regwatch; without it only the preview is readable
        raise ParseError("no AES implementation (the cryptography package) for a distribution document") from exc
    tag, _, payload = next(records(stream[:260]), (0, 0, b""))
    if tag != HWPTAG_DISTRIBUTE_DOC_DATA:
        raise ParseError("hwp: a ViewText section does not start with its key record")
    body = stream[4 + len(payload):]
    body = body[: len(body) // 16 * 16]
    decryptor = Cipher(algorithms.AES(_distribution_key(payload)), modes.ECB()).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def _ole(body: bytes, url: str):  # type: ignore[no-untyped-def]
    import olefile

    try:
        return olefile.OleFileIO(io.BytesIO(body))
    except Exception as exc:  # olefile raises OSError, ValueError, struct.error … on damaged files
        raise ParseError(f"hwp: {url} is not a readable compound file ({type(exc).__name__}: {exc})") from exc


def _header_flags(ole, url: str) -> int:  # type: ignore[no-untyped-def]
    try:
        header = ole.openstream("FileHeader").read() if ole.exists("FileHeader") else b""
    except Exception as exc:  # a damaged sector chain
        raise ParseError(f"hwp: {url} has an unreadable FileHeader ({type(exc).__name__})") from exc
    if not header.startswith(_SIGNATURE) or len(header) < 40:
        raise ParseError(f"hwp: {url} has no HWP 5 FileHeader (not a HWP file)")
    return struct.unpack_from("<I", header, 36)[0]


def _section_text(ole, name: str, flags: int) -> list[str]:  # type: ignore[no-untyped-def]
    data = ole.openstream(name).read()
    if name.startswith("ViewText"):
        data = _decrypt_view_text(data)
    if flags & _COMPRESSED:
        data = _inflate(data)
    return [para_text(payload) for tag, _, payload in records(data) if tag == HWPTAG_PARA_TEXT]


def _body_paragraphs(ole, flags: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Paragraphs of every section in order; ParseError when a section cannot be read."""
    prefix = "ViewText" if flags & _DISTRIBUTION else "BodyText"
    try:
        entries = ole.listdir()
    except Exception as exc:  # a damaged directory: olefile recurses forever into a storage loop
        raise ParseError(f"unreadable directory ({type(exc).__name__})") from exc
    names = sorted((int(m.group(1)), m.group(0)) for entry in entries
                   if (m := _SECTION.match("/".join(entry))) and m.group(0).startswith(prefix))
    if not names:
        raise ParseError(f"no {prefix} sections")
    try:
        return [p for _, name in names for p in _section_text(ole, name, flags)]
    except ParseError:
        raise
    except Exception as exc:  # zlib.error, struct.error, a wrong key …
        raise ParseError(f"{type(exc).__name__}: {exc}") from exc


def _preview(ole) -> str:  # type: ignore[no-untyped-def]
    try:
        raw = ole.openstream("PrvText").read() if ole.exists("PrvText") else b""
    except Exception:  # a damaged preview is no preview
        return ""
    return raw.decode("utf-16-le", "replace").replace("\x00", "")


def _document(fetched: Fetched, paragraphs: list[str], note: str | None = None) -> Document:
    text = normalize_text("\n\n".join(p.strip() for p in paragraphs if p.strip()))
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")[:_MAX_TITLE]
    return Document(url=fetched.url, title=title, text=text, language="ko", note=note)


def parse_hwp(fetched: Fetched) -> Document:
    """A HWP 5 file as a Document: the full body text, else the preview text with a note."""
    require_body(fetched, "hwp")
    with _ole(fetched.body, fetched.url) as ole:
        flags = _header_flags(ole, fetched.url)
        try:
            if flags & _PASSWORD:
                raise ParseError("the file is password-protected")
            document = _document(fetched, _body_paragraphs(ole, flags))
            if document.text:
                return document
            why = "the body holds no text"
        except ParseError as exc:
            why = str(exc)
        preview = _preview(ole)
    if preview.strip():
        return _document(fetched, preview.split("\r\n"), PREVIEW_NOTE.format(fmt="HWP", why=why))
    return binary_document(fetched, "hwp", why)


# --- HWPX (ZIP of XML) -----------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _t_text(t: Element) -> str:
    """Text of one hp:t: its text, tabs and line breaks as such, other marks (e.g. markpen) dropped."""
    parts = [t.text or ""]
    for child in t:
        parts.append({"tab": "\t", "lineBreak": "\n"}.get(_local(child.tag), ""))
        parts.append(child.tail or "")
    return "".join(parts)


def xml_paragraphs(root: Element) -> list[str]:
    """Each hp:p in document order with only its own runs' text (a table's cells follow as their own p)."""
    return ["".join(_t_text(t) for run in p if _local(run.tag) == "run" for t in run if _local(t.tag) == "t")
            for p in root.iter() if _local(p.tag) == "p"]


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_MEMBER:
        raise ParseError(f"hwpx: {name} inflates past the size limit")
    return archive.read(name)


def _xml_sections(archive: zipfile.ZipFile) -> list[str]:
    from defusedxml.ElementTree import fromstring

    names = sorted((int(m.group(1)), n) for n in archive.namelist() if (m := _XML_SECTION.match(n)))
    if not names:
        raise ParseError("no Contents/section*.xml")
    try:
        return [p for _, name in names for p in xml_paragraphs(fromstring(_member(archive, name), forbid_dtd=True))]
    except ParseError:
        raise
    except Exception as exc:  # malformed or hostile XML (DefusedXmlException), a damaged or encrypted member …
        raise ParseError(f"{type(exc).__name__}: {exc}") from exc


def parse_hwpx(fetched: Fetched) -> Document:
    """A HWPX file (also one named .hwp) as a Document: section XML, else Preview/PrvText.txt with a note."""
    require_body(fetched, "hwpx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(fetched.body))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParseError(f"hwpx: {fetched.url} is not a readable ZIP ({exc})") from exc
    with archive:
        try:
            document = _document(fetched, _xml_sections(archive))
            if document.text:
                return document
            why = "the sections hold no text"
        except ParseError as exc:
            why = str(exc)
        try:
            preview = _member(archive, "Preview/PrvText.txt").decode("utf-8-sig", "replace")
        except Exception:  # no preview member, or a damaged one
            preview = ""
    if preview.strip():
        return _document(fetched, preview.splitlines(), PREVIEW_NOTE.format(fmt="HWPX", why=why))
    raise ParseError(f"hwpx: no text could be read from {fetched.url} ({why})")
