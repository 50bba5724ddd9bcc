"""A minimal PDF writer for CJK text with the standard non-embedded CID fonts (no font file needed).

Each page is a list of lines; text is written in UTF-16 code units through the Adobe UCS-2 CMaps
(UniJIS-UCS2-H, UniKS-UCS2-H, UniGB-UCS2-H), the way older Acrobat-made agency PDFs are. Deterministic: same
input, same bytes. Used only to build the benchmark's PDF pairs.
"""

from __future__ import annotations

FONTS = {  # language → (base font, encoding CMap, CID ordering, supplement)
    "ja": ("HeiseiMin-W3", "UniJIS-UCS2-H", "Japan1", 2),
    "ko": ("HYSMyeongJo-Medium", "UniKS-UCS2-H", "Korea1", 1),
    "zh": ("STSong-Light", "UniGB-UCS2-H", "GB1", 2),
}
PAGE_W, PAGE_H = 595, 842
MARGIN, SIZE, LEADING = 60, 10.5, 16


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _info_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _page_stream(lines: list[str], header: str, footer: str) -> bytes:
    ops = []
    y = PAGE_H - MARGIN
    if header:
        ops.append(f"BT /F1 9 Tf {MARGIN} {PAGE_H - 35} Td {_hex(header)} Tj ET")
    for line in lines:
        if line:
            ops.append(f"BT /F1 {SIZE} Tf {MARGIN} {y} Td {_hex(line)} Tj ET")
        y -= LEADING
    if footer:
        ops.append(f"BT /F1 9 Tf {PAGE_W // 2 - 10} 30 Td {_hex(footer)} Tj ET")
    return "\n".join(ops).encode("ascii")


def write_pdf(pages: list[list[str]], *, lang: str, title: str, created: str, producer: str,
              header: str = "", footer: str = "- {n} -") -> bytes:
    """The PDF bytes: one page per list of lines (blank strings are blank lines), with an optional running
    header, a page-number footer (`footer` with {n} and {total}: "- n -" by default), and an Info dictionary
    (`created` as D:YYYYMMDDHHmmSS)."""
    base, cmap, ordering, supplement = FONTS[lang]
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /{cmap} /DescendantFonts [{3 + 1} 0 R] >>"
               .encode())
    add(f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{base} /CIDSystemInfo << /Registry (Adobe) /Ordering "
        f"({ordering}) /Supplement {supplement} >> /FontDescriptor {3 + 2} 0 R /DW 1000 >>".encode())
    add(f"<< /Type /FontDescriptor /FontName /{base} /Flags 6 /FontBBox [-100 -142 1100 952] /ItalicAngle 0 "
        f"/Ascent 952 /Descent -142 /CapHeight 700 /StemV 80 >>".encode())
    kids = []
    for number, lines in enumerate(pages, 1):
        stream = _page_stream(lines, header, footer.format(n=number, total=len(pages)))
        contents = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
                        f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {contents} 0 R >>".encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objects[pages_obj - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
                              .encode())
    info = add(f"<< /Title {_info_string(title)} /Producer ({producer}) /CreationDate (D:{created}) "
               f"/ModDate (D:{created}) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def wrap(paragraphs: list[str], width: int, *, words: bool = False) -> list[str]:
    """Lines of at most `width` characters, a blank line between paragraphs; `words` breaks only at spaces
    (Korean word wrapping), else anywhere (Japanese and Chinese)."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if words:
            line = ""
            for word in paragraph.split(" "):
                if line and len(line) + 1 + len(word) > width:
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
            lines.append(line)
        else:
            lines += [paragraph[k : k + width] for k in range(0, len(paragraph), width)]
        lines.append("")
    return lines


def paginate(lines: list[str], per_page: int = 40) -> list[list[str]]:
    return [lines[k : k + per_page] for k in range(0, len(lines), per_page)]
