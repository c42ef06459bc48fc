"""Plain-text notices → Document: encoding detected (UTF-8, GB18030, others), title = first non-empty line."""

from __future__ import annotations

from procurewatch.errors import InputError
from procurewatch.model import Document
from procurewatch.sources.decode import decode_text


def read_text(data: bytes, *, path: str, source_key: str) -> Document:
    """Raises DecodeError when the bytes are not text."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError("no text (only whitespace)")
    title = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return Document(path=path, locator="", kind="text", title=title, body=text.strip(), source_key=source_key)
