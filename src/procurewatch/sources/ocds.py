"""Placeholder: replaced by the streaming OCDS reader (OCDS issue).

Contract: is_ocds(head: bytes) -> bool decides from the first bytes of a JSON file;
read_ocds(input_file) -> Iterator[Document | SourceError] streams its releases/records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from procurewatch.model import Document, SourceError

if TYPE_CHECKING:
    from procurewatch.sources.base import InputFile


def is_ocds(head: bytes) -> bool:
    return False


def read_ocds(input_file: InputFile) -> Iterator[Document | SourceError]:
    yield SourceError(input_file.path, "OCDS reading is not available yet")
