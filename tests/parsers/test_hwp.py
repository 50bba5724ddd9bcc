"""HWP 5 and HWPX text extraction on real files read from ../shared/real (Hancom-saved HWP samples from hwplib, a
real MFDS HWPX attachment that MFDS serves under a .hwp name) and on the mirror's generated files; damaged input
gives the preview with a note or a ParseError, never anything else."""

from __future__ import annotations

import builtins
import contextlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from real_captures import real_bytes

from regwatch.parsers import parse_document
from regwatch.parsers.formats.hwp import HWPTAG_PARA_TEXT, para_text, parse_hwp, parse_hwpx, records
from regwatch.parsers.formats.sniff import body_format
from regwatch.parsers.types import Document, Fetched, ParseError

SITE = Path(__file__).parents[2] / "mirror" / "sites" / "mfds"
MFDS_HWPX_AS_HWP = SITE / "brd" / "m_209" / "down" / "44182-1.hwp"  # the mirror's HWPX under a .hwp name
REAL_MFDS_HWPX = "mfds/mfds-admin-notice-2025-477.hwpx"  # the real 행정예고 attachment behind it
ANNEX_3 = SITE / "brd" / "m_211" / "down" / "14931-2.hwpx"
RULES_HWP = SITE / "brd" / "m_211" / "down" / "14931-1.hwp"
DOWNLOAD = {"Content-Type": "application/octet-stream;charset=UTF-8"}


def fetched(body: bytes, url: str = "https://www.mfds.go.kr/brd/m_211/down.do?file_seq=1") -> Fetched:
    return Fetched(url=url, status=200, headers=DOWNLOAD, body=body)


def sample(name: str) -> Fetched:
    """A real Hancom-saved HWP sample (../shared/real/hwp)."""
    return fetched(real_bytes(f"hwp/{name}"))


def preview_of(body: bytes) -> str:
    with olefile.OleFileIO(body) as ole:
        return ole.openstream("PrvText").read().decode("utf-16-le")


# --- real HWP 5 files ------------------------------------------------------------------------------------


def test_compressed_body_with_a_table_gives_every_paragraph_and_cell() -> None:
    document = parse_hwp(sample("source.hwp"))
    assert document.text == "첫 문단...\n\n이것은 원본 HWP 파일의 내용입니다.\n\nABC\n\n123"
    assert document.title == "첫 문단..." and document.note is None and document.language == "ko"


def test_uncompressed_body_without_a_preview_stream_is_read() -> None:
    with olefile.OleFileIO(real_bytes("hwp/etc.hwp")) as ole:
        assert not ole.exists("PrvText")
    assert parse_hwp(sample("etc.hwp")).text.startswith("가나다라ABCDFEF")


def test_distribution_document_is_decrypted_past_the_preview() -> None:
    document = parse_hwp(sample("distribution.hwp"))
    preview = preview_of(real_bytes("hwp/distribution.hwp"))
    assert document.note is None
    assert "강남세움복지관 공고 제 2024-08호" in document.text
    assert document.text.rstrip().endswith("강남세움복지관장") and "강남세움복지관장" not in preview
    assert len(document.text) > len(preview)


def test_distribution_document_without_aes_falls_back_to_the_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_crypto(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("cryptography"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_crypto)
    document = parse_hwp(sample("distribution.hwp"))
    assert document.note and "preview" in document.note and "AES" in document.note
    assert "강남세움복지관 공고" in document.text and "강남세움복지관장" not in document.text


def test_a_body_without_text_falls_back_to_the_preview_with_a_note() -> None:
    document = parse_hwp(sample("removing-row.hwp"))
    assert document.note is not None and "PrvText" in document.note and "no text" in document.note


# --- real MFDS HWPX (named .hwp) and the mirror's generated files ------------------------------------------


def test_real_mfds_hwpx_named_hwp_is_sniffed_and_read_in_full() -> None:
    body = real_bytes(REAL_MFDS_HWPX)
    served = fetched(body, "https://www.mfds.go.kr/brd/m_209/down.do?seq=44182")
    assert body_format(served) == "hwpx"
    document = parse_document(served, "page")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        preview = archive.read("Preview/PrvText.txt").decode("utf-8")
    assert "식품의약품안전처 공고 제2025-477호" in document.text
    assert "신ᆞ구조문대비표" in document.text and "신ᆞ구조문대비표" not in preview  # past the preview
    assert "보고인:" in document.text  # a table cell (nested hp:p) in section 2
    assert document.title.startswith("생산·수입 중단 보고대상 의료기기") and document.note is None


def test_mirror_serves_its_own_hwpx_under_a_hwp_name() -> None:
    served = fetched(MFDS_HWPX_AS_HWP.read_bytes(), "https://www.mfds.go.kr/brd/m_209/down.do?seq=44182")
    assert body_format(served) == "hwpx"
    document = parse_document(served, "page")
    assert document.text.startswith("식품의약품안전처 공고 제2025-477호") and "신ᆞ구조문대비표" in document.text


def test_generated_mirror_files_read_back_as_their_text_sources() -> None:
    source = (SITE / "_mirror" / "files" / "211-14931-1.txt").read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in source.split("\n\n") if p.strip()]
    assert body_format(fetched(RULES_HWP.read_bytes())) == "hwp"
    assert parse_hwp(fetched(RULES_HWP.read_bytes())).text == "\n\n".join(paragraphs)
    annex = parse_document(fetched(ANNEX_3.read_bytes()), "page")
    assert "인체 세포·조직 배양액 안전기준(제3조 관련)" in annex.text
    assert "완제품의 제조일로부터 3년간 보존하여야 한다." in annex.text


# --- records and characters ------------------------------------------------------------------------------


def test_para_text_controls() -> None:
    units = [ord(c) for c in "가"] + [9] + [0] * 7 + [ord("나"), 10, ord("다")] + [11] + [0] * 7 + [ord("라"), 13]
    assert para_text(struct.pack(f"<{len(units)}H", *units)) == "가\t나\n다라"


def test_records_extended_size_and_overrun() -> None:
    payload = "가".encode("utf-16-le") * 3000  # 6000 bytes: size field 0xFFF plus a 32-bit length
    stream = struct.pack("<II", HWPTAG_PARA_TEXT | 0xFFF << 20, len(payload)) + payload
    assert [(tag, len(data)) for tag, _, data in records(stream)] == [(HWPTAG_PARA_TEXT, 6000)]
    with pytest.raises(ParseError, match="claims"):
        list(records(stream[:-10]))


# --- damaged input ---------------------------------------------------------------------------------------


_FIRST_RULE = "화장품 안전기준 등에 관한 규정"  # the first paragraph of the mirror's generated HWP (RULES_HWP)


def _hwp_with(streams: dict[str, bytes]) -> bytes:
    """A copy of the mirror's generated HWP with some streams replaced (same size keeps the compound file valid)."""
    data = bytearray(RULES_HWP.read_bytes())
    with olefile.OleFileIO(bytes(data), write_mode=True) as ole:  # olefile writes in place, same-size only
        for name, body in streams.items():
            ole.write_stream(name, body)
        return ole.fp.getvalue()


def test_corrupt_body_stream_gives_the_preview_with_a_note() -> None:
    with olefile.OleFileIO(RULES_HWP) as ole:
        size = len(ole.openstream("BodyText/Section0").read())
    document = parse_hwp(fetched(_hwp_with({"BodyText/Section0": b"\xff" * size})))
    assert document.note and "preview" in document.note
    assert document.text.startswith(_FIRST_RULE)


def test_password_protected_file_gives_the_preview_with_a_note() -> None:
    with olefile.OleFileIO(RULES_HWP) as ole:
        header = bytearray(ole.openstream("FileHeader").read())
    header[36:40] = struct.pack("<I", 0x1 | 0x2)
    document = parse_hwp(fetched(_hwp_with({"FileHeader": bytes(header)})))
    assert document.note and "password" in document.note


@pytest.mark.parametrize("body", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, b"not a compound file" * 100])
def test_unreadable_hwp_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_hwp(fetched(body))


def test_truncated_hwp_is_a_parse_error_or_a_noted_preview() -> None:
    body = RULES_HWP.read_bytes()
    for cut in (512, 2048, 5000):
        try:
            document = parse_hwp(fetched(body[:cut]))
        except ParseError:
            continue
        assert document.note is not None or document.text


def _hwpx(section: bytes, preview: str | None = "미리보기 본문") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents/section0.xml", section)
        if preview is not None:
            archive.writestr("Preview/PrvText.txt", preview)
    return out.getvalue()


def test_hwpx_with_broken_or_hostile_xml_uses_the_preview() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
    for section in (b"<hs:sec><hp:p>", bomb):
        document = parse_hwpx(fetched(_hwpx(section)))
        assert document.text == "미리보기 본문" and document.note and "preview" in document.note
    with pytest.raises(ParseError, match="no text"):
        parse_hwpx(fetched(_hwpx(b"<broken", preview=None)))


def test_hwpx_that_is_not_a_zip_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_hwpx(fetched(b"PK\x03\x04 truncated"))
    with pytest.raises(ParseError):
        parse_hwp(fetched(b"", "https://www.mfds.go.kr/empty"))


_SEEDS = [RULES_HWP.read_bytes(), MFDS_HWPX_AS_HWP.read_bytes(), ANNEX_3.read_bytes()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(_SEEDS), cuts=st.lists(st.tuples(st.integers(0, 9000), st.binary(max_size=8)),
                                                   max_size=4))
def test_fuzzed_files_only_ever_raise_parse_error(seed: bytes, cuts: list[tuple[int, bytes]]) -> None:
    body = bytearray(seed)
    for at, junk in cuts:
        at = min(at, len(body))
        body[at:at + len(junk)] = junk
    for parser in (parse_hwp, parse_hwpx):
        with contextlib.suppress(ParseError):
            assert isinstance(parser(fetched(bytes(body))), Document)


def test_inflate_limit_guards_against_a_zip_bomb_section(monkeypatch: pytest.MonkeyPatch) -> None:
    from regwatch.parsers.formats import hwp

    monkeypatch.setattr(hwp, "_MAX_MEMBER", 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    with pytest.raises(ParseError, match="size limit"):
        hwp._inflate(packer.compress(b"\0" * 100_000) + packer.flush())
