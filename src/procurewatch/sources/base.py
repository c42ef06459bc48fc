"""Placeholder dispatcher: replaced by the real readers (sources issue)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from procurewatch.model import Document, SourceError


@dataclass(slots=True)
class InputFile:
    path: str  # display path; archive members as "archive.zip!member"
    size: int
    mtime: float
    source_key: str  # resolved absolute path used in notice ids

    def read_bytes(self) -> bytes:
        return Path(self.path).read_bytes()


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[InputFile | SourceError]:
    for raw in paths:
        p = Path(raw)
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            try:
                st = f.stat()
            except OSError as exc:
                yield SourceError(str(f), f"cannot read: {exc.strerror}")
                continue
            yield InputFile(str(f), st.st_size, st.st_mtime, str(f.resolve()))


def read_input(
    input_file: InputFile, field_map: dict[str, str] | None = None
) -> Iterator[Document | SourceError]:
    text = input_file.read_bytes().decode("utf-8", errors="replace")
    yield Document(path=input_file.path, locator="", kind="text", body=text)


def iter_documents(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Document | SourceError]:
    for item in iter_input_files(paths):
        if isinstance(item, SourceError):
            yield item
        else:
            yield from read_input(item, field_map)
