"""Bytes → str for notices: BOM, declared charset (checked, never trusted), then detection.

Chinese pages often declare gb2312 while using characters only gbk/gb18030 have, or declare utf-8 while
being GBK; a declared charset is used only when the bytes decode cleanly with it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from procurewatch.errors import InputError

# gb2312 and gbk are subsets of gb18030: decoding with the superset never loses a character.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class DecodeError(InputError):
    """The bytes are not text in any encoding we can recognise."""


def canonical_encoding(name: str) -> str | None:
    """Python's codec name for a declared charset, widened to its superset; None if unknown."""
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def declared_encoding(head: bytes) -> str | None:
    """The charset a page declares in <meta charset>, http-equiv Content-Type or an XML prolog."""
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return canonical_encoding(match.group(1).decode("ascii", "ignore")) if match else None


def decodes_cleanly(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(data: bytes, declared: str | None = None) -> str:
    """The encoding to decode `data` with. Raises DecodeError when nothing fits."""
    for bom, encoding in _BOMS:  # FF FE 00 00 opens UTF-32 or UTF-16 text: the one that decodes
        if data.startswith(bom) and decodes_cleanly(data, encoding):
            return encoding
    # utf-8 first: GBK bytes are almost never valid UTF-8, while UTF-8 bytes often are valid GB18030.
    if decodes_cleanly(data, "utf-8"):
        return "utf-8"
    single_byte = declared is not None and _is_single_byte(declared)
    if declared and not single_byte and decodes_cleanly(data, declared):
        return declared
    if not single_byte and decodes_cleanly(data, "gb18030"):
        return "gb18030"
    # A single-byte charset decodes any bytes, so it is checked against what the bytes look like.
    best = from_bytes(data[:262144]).best()
    if best is not None:
        encoding = canonical_encoding(best.encoding) or best.encoding
        if decodes_cleanly(data, encoding):
            return encoding
    if declared and decodes_cleanly(data, declared):
        return declared
    raise DecodeError("cannot decode text: not UTF-8, GB18030 or another recognisable encoding")


def _is_single_byte(encoding: str) -> bool:
    return encoding.startswith(("latin", "iso8859", "cp125", "cp437", "cp850", "koi8", "mac-"))


def detect_head_encoding(head: bytes) -> str:
    """Like detect_encoding, for the first bytes of a stream that may end inside a character."""
    if bom := bom_encoding(head):
        return bom
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    best = from_bytes(head).best()
    if best is None:
        raise DecodeError("cannot decode text: not UTF-8, GB18030 or another recognisable encoding")
    return canonical_encoding(best.encoding) or best.encoding


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode a whole document; refuses binary content instead of returning mojibake."""
    encoding = detect_encoding(data, declared)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # a byte-order mark that the rest of the bytes do not follow
        raise DecodeError(f"cannot decode text as {encoding}: {exc.reason}") from exc
    if looks_binary(text):
        raise DecodeError("binary content, not text")
    return text


def looks_binary(text: str) -> bool:
    """True when control, unassigned or private-use characters make up more than 1% of a sample:
    what bytes that are not text look like after a lenient decode."""
    sample = text[:65536]
    if not sample:
        return False
    if "\x00" in sample or len(_CONTROL.findall(sample)) > len(sample) / 100:
        return True
    odd = sum(1 for ch in sample if ch >= "\u0370" and unicodedata.category(ch) in _ODD_CATEGORIES)
    return odd > len(sample) / 100


_ODD_CATEGORIES = frozenset(("Cn", "Co", "Cs"))
