"""Office files and archives the tests make themselves: .docx (python-docx), .xlsx (openpyxl), .xls is not
writable by any maintained library, so legacy .doc files are built here by the published formats
([MS-CFB] compound file, [MS-DOC] FIB and piece table), .rar by the RAR 4 block format (stored members),
.7z by libarchive, and a password-protected .docx by msoffcrypto-tool.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

SECTOR = 512
END_OF_CHAIN, FREE_SECT, FAT_SECT, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
MINI_CUTOFF = 4096


def docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(str(path))
    return path


def encrypted_docx(path: Path, plain: Path, password: str = "secret") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(plain, "rb") as source, open(path, "wb") as out:
        OOXMLFile(source).encrypt(password, out)
    return path


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file holding `streams` at the root, each padded out of the mini stream."""
    padded = {name: data.ljust(MINI_CUTOFF, b"\x00") for name, data in streams.items()}
    assert len(padded) <= 3, "one directory sector holds the root and three streams"
    fat = [FAT_SECT, END_OF_CHAIN]
    starts = {}
    for name, data in padded.items():
        count = -(-len(data) // SECTOR)
        starts[name] = len(fat)
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(END_OF_CHAIN)
    assert len(fat) <= SECTOR // 4
    fat += [FREE_SECT] * (SECTOR // 4 - len(fat))
    names = list(padded)
    entries = [_dir_entry("Root Entry", 5, child=1 if names else NO_STREAM, start=END_OF_CHAIN, size=0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else NO_STREAM
        entries.append(_dir_entry(name, 2, right=right, start=starts[name], size=len(padded[name])))
    while len(entries) < 4:
        entries.append(_dir_entry("", 0, start=0, size=0))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, MINI_CUTOFF, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
    header += struct.pack("<109I", 0, *([FREE_SECT] * 108))
    body = struct.pack(f"<{SECTOR // 4}I", *fat) + b"".join(entries)
    for data in padded.values():
        body += data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\x00")
    return header + body


def _dir_entry(
    name: str, kind: int, *, child: int = NO_STREAM, right: int = NO_STREAM, start: int, size: int
) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NO_STREAM, right, child)
        + b"\x00" * 16
        + struct.pack("<IQQ", 0, 0, 0)
        + struct.pack("<IQ", start, size)
    )


def word97_doc(unicode_text: str, ascii_text: str = "", *, encrypted: bool = False) -> bytes:
    """A Word 97-2003 document: one UTF-16 piece, then one compressed (one byte a character) piece."""
    flags = 0x0200 | (0x0100 if encrypted else 0)  # the piece table lives in 1Table
    fib = bytearray(0x800)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, flags)
    struct.pack_into("<H", fib, 32, 14)  # csw: 14 shorts of FibRgW97
    struct.pack_into("<H", fib, 62, 22)  # cslw: 22 longs of FibRgLw97
    struct.pack_into("<I", fib, 64 + 4 * 3, len(unicode_text) + len(ascii_text))  # ccpText
    struct.pack_into("<H", fib, 152, 93)  # cbRgFcLcb: FibRgFcLcb97
    unicode_at = len(fib)
    unicode_bytes = unicode_text.encode("utf-16-le")
    ascii_at = unicode_at + len(unicode_bytes)
    word = bytes(fib) + unicode_bytes + ascii_text.encode("cp1252")
    cps = [0, len(unicode_text), len(unicode_text) + len(ascii_text)]
    pcds = struct.pack("<HIH", 0, unicode_at, 0) + struct.pack("<HIH", 0, (ascii_at * 2) | 0x40000000, 0)
    pieces = 2 if ascii_text else 1
    plc = struct.pack(f"<{pieces + 1}I", *cps[: pieces + 1]) + pcds[: 8 * pieces]
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    word = bytearray(word)
    struct.pack_into("<II", word, 154 + 33 * 8, 0, len(clx))  # fcClx, lcbClx: the CLX opens 1Table
    return compound_file({"WordDocument": bytes(word), "1Table": clx})


def word95_doc(text: str, encoding: str = "gbk") -> bytes:
    """A Word 6/95 document: its text one run of bytes in the writer's code page."""
    raw = text.replace("\n", "\r").encode(encoding)
    word = bytearray(0x300)
    struct.pack_into("<HH", word, 0, 0xA5DC, 0x0065)
    struct.pack_into("<II", word, 0x18, 0x300, 0x300 + len(raw))
    return compound_file({"WordDocument": bytes(word) + raw})


def seven_zip(path: Path, members: dict[str, bytes]) -> Path:
    import libarchive

    buffer = io.BytesIO()
    with libarchive.custom_writer(buffer.write, "7zip") as archive:
        for name, data in members.items():
            archive.add_file_from_memory(name, len(data), data)
    path.write_bytes(buffer.getvalue())
    return path


def rar4(path: Path, members: dict[str, bytes]) -> Path:
    """A RAR 4 archive of stored (uncompressed) members, written by the block format."""
    out = bytearray(b"Rar!\x1a\x07\x00")
    out += _rar_block(0x73, 0x0000, b"\x00" * 6)  # main archive header
    for name, data in members.items():
        encoded = name.encode("utf-8")
        crc, dos_time, unix_host, version, stored = zlib.crc32(data), 0x5A8E0000, 3, 20, 0x30
        fields = struct.pack(
            "<IIBIIBBHI",
            len(data),
            len(data),
            unix_host,
            crc,
            dos_time,
            version,
            stored,
            len(encoded),
            0o100644,
        )
        out += _rar_block(0x74, 0x8000, fields + encoded) + data
    out += _rar_block(0x7B, 0x4000, b"")
    path.write_bytes(bytes(out))
    return path


def _rar_block(kind: int, flags: int, rest: bytes) -> bytes:
    body = struct.pack("<BHH", kind, flags, 7 + len(rest)) + rest
    return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body


def biff8_xls(sheets: dict[str, list[list[str | float]]]) -> bytes:
    """A legacy Excel 97-2003 workbook ([MS-XLS] BIFF8): text cells as LABEL, numbers as NUMBER records."""

    def record(kind: int, data: bytes) -> bytes:
        return struct.pack("<HH", kind, len(data)) + data

    def bof(kind: int) -> bytes:
        return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))

    def unicode_name(text: str, length_bytes: str) -> bytes:
        return struct.pack(f"<{length_bytes}B", len(text), 1) + text.encode("utf-16-le")

    bodies = []
    for rows in sheets.values():
        cells = b""
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    cells += record(0x0204, struct.pack("<HHH", r, c, 0) + unicode_name(value, "H"))
                else:
                    cells += record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
        width = max((len(row) for row in rows), default=0)
        dimensions = record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        bodies.append(bof(0x0010) + dimensions + cells + record(0x000A, b""))
    sheet_records_size = sum(4 + 6 + 2 + 2 * len(name) for name in sheets)
    offset = len(bof(0x0005)) + sheet_records_size + 4
    bound = b""
    for name, body in zip(sheets, bodies, strict=True):
        bound += record(0x0085, struct.pack("<IBB", offset, 0, 0) + unicode_name(name, "B"))
        offset += len(body)
    stream = bof(0x0005) + bound + record(0x000A, b"") + b"".join(bodies)
    return compound_file({"Workbook": stream})
