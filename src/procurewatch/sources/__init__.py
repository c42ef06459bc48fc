"""Readers: files, folders and archives → Documents (one per notice).

Contract used by the rest of the package:
  iter_input_files(paths) -> Iterator[InputFile | SkippedInput]
      walks folders recursively, opens .zip/.gz/.tar.gz in place (members get
      path "archive.zip!member/name"), never loads a whole archive into memory.
  read_input(input_file, field_map=None) -> Iterator[Document | SkippedInput]
      picks the reader by content (OCDS, scraped records, HTML, PDF, image, text);
      PDF pages without a text layer and images are read by OCR (sources/ocr.py).
  iter_documents(paths, field_map=None) -> Iterator[Document | SkippedInput]
      both of the above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procurewatch.sources.base import (
        InputFile,
        iter_documents,
        iter_input_files,
        may_need_ocr,
        read_input,
    )

__all__ = ["InputFile", "iter_documents", "iter_input_files", "may_need_ocr", "read_input"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `procurewatch.sources.files` (walking inputs) can be used without
    # loading every reader's libraries: ingest's coordinating process stays small.
    if name in __all__:
        from procurewatch.sources import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
