"""Small helpers shared by the sources tests."""

from __future__ import annotations

from pathlib import Path

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import iter_documents


def read_all(
    *paths: Path, field_map: dict[str, str] | None = None
) -> tuple[list[Document], list[SkippedInput]]:
    docs: list[Document] = []
    errors: list[SkippedInput] = []
    for item in iter_documents(list(paths), field_map=field_map):
        (errors if isinstance(item, SkippedInput) else docs).append(item)
    return docs, errors


def only_document(path: Path) -> Document:
    docs, errors = read_all(path)
    assert not errors, errors
    assert len(docs) == 1, docs
    return docs[0]
