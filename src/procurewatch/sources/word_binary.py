"""The text of a legacy Word .doc (and WPS Writer's .wps in the same format), read from its OLE streams
without any outside program.

Word 97-2003 keeps the document's characters in pieces listed by the piece table (the CLX in the
table stream): each piece is UTF-16 or, when "compressed", one byte per character. Word 6/95 keeps the
text as one run of bytes in the writer's code page (GBK for Chinese Windows), decoded here by detection.
Only the main document is taken (not footnotes, headers or comments). Field instructions are dropped
and their results kept.
"""

from __future__ import annotations

import struct
from typing import Any

from procurewatch.errors import InputError
from procurewatch.sources.decode import DecodeError, decode_text

WORD_IDENTS = (0xA5EC, 0xA5DC)
FIRST_WORD97_NFIB = 0x00C1
F_ENCRYPTED = 0x0100
F_WHICH_TABLE = 0x0200
FC_CLX_INDEX = 33  # FibRgFcLcb97: the pair (fcClx, lcbClx)
CCP_TEXT_INDEX = 3  # FibRgLw97: characters in the main document
FIELD_BEGIN, FIELD_SEPARATOR, FIELD_END = "\x13", "\x14", "\x15"
_CONTROL = {
    "\r": "\n",
    "\x0b": "\n",
    "\x0c": "\n",
    "\x07": "\t",
    "\x1e": "-",
    "\xa0": " ",
}


def doc_text(ole: Any) -> str:
    """The main text of the Word document in an open olefile.OleFileIO; raises InputError."""
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x22 or _u16(word, 0) not in WORD_IDENTS:
        raise InputError("not a Word document (no Word header in the WordDocument stream)")
    flags = _u16(word, 0x0A)
    if flags & F_ENCRYPTED:
        raise InputError(
            "password-protected Word document (encrypted): it cannot be read without its password"
        )
    if _u16(word, 2) < FIRST_WORD97_NFIB:
        return _clean(_word95_text(word))
    table_name = "1Table" if flags & F_WHICH_TABLE else "0Table"
    if not ole.exists(table_name):
        raise InputError(f"broken Word document: no {table_name} stream")
    return _clean(_word97_text(word, ole.openstream(table_name).read()))


def _word97_text(word: bytes, table: bytes) -> str:
    try:
        pos = 32
        pos += 2 + 2 * _u16(word, pos)  # csw, fibRgW
        lw_count = _u16(word, pos)
        ccp_text = _u32(word, pos + 2 + 4 * CCP_TEXT_INDEX)
        pos += 2 + 4 * lw_count
        pair = pos + 2 + 8 * FC_CLX_INDEX
        fc_clx, lcb_clx = _u32(word, pair), _u32(word, pair + 4)
    except struct.error as exc:
        raise InputError("broken Word document: its header is cut short") from exc
    clx = table[fc_clx : fc_clx + lcb_clx]
    parts = []
    for start, end, fc, compressed in _pieces(clx):
        if start >= ccp_text:
            break
        count = min(end, ccp_text) - start
        if compressed:
            parts.append(word[fc // 2 : fc // 2 + count].decode("cp1252", errors="replace"))
        else:
            parts.append(word[fc : fc + 2 * count].decode("utf-16-le", errors="replace"))
    return "".join(parts)


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """(first character, end character, file offset, compressed) of each piece in the CLX."""
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: formatting, skipped
        if i + 3 > len(clx):
            break
        i += 3 + _u16(clx, i + 1)
    if i + 5 > len(clx) or clx[i] != 0x02:
        raise InputError("broken Word document: no piece table")
    lcb = _u32(clx, i + 1)
    plc = clx[i + 5 : i + 5 + lcb]
    count = (len(plc) - 4) // 12
    if count <= 0:
        raise InputError("broken Word document: empty piece table")
    cps = [_u32(plc, 4 * k) for k in range(count + 1)]
    pieces = []
    for k in range(count):
        raw = _u32(plc, 4 * (count + 1) + 8 * k + 2)
        pieces.append((cps[k], cps[k + 1], raw & 0x3FFFFFFF, bool(raw & 0x40000000)))
    return pieces


def _word95_text(word: bytes) -> str:
    fc_min, fc_mac = _u32(word, 0x18), _u32(word, 0x1C)
    raw = word[fc_min:fc_mac]
    if not raw:
        raise InputError("Word 6/95 document without text")
    try:
        return decode_text(raw.replace(b"\r", b"\n"))
    except DecodeError as exc:
        raise InputError(f"Word 6/95 document whose text cannot be decoded: {exc}") from exc


def _clean(text: str) -> str:
    """Field results kept, instructions dropped; Word's control characters to plain text."""
    out: list[str] = []
    depth_in_instruction: list[bool] = []
    for ch in text:
        if ch == FIELD_BEGIN:
            depth_in_instruction.append(True)
        elif ch == FIELD_SEPARATOR and depth_in_instruction:
            depth_in_instruction[-1] = False
        elif ch == FIELD_END and depth_in_instruction:
            depth_in_instruction.pop()
        elif any(depth_in_instruction):
            continue
        elif ch in _CONTROL:
            out.append(_CONTROL[ch])
        elif ch >= " " or ch in "\t\n":
            out.append(ch)
    return "".join(out)


def _u16(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<H", data, offset)[0])


def _u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<I", data, offset)[0])
