"""The reading half of ingest: input files → chunks of Documents, with each file's end marked.

Chunks span files (many small pages) and split files (one huge JSONL), so the workers get even
work whatever the corpus looks like. A file is "finished" in the chunk that carries its last
document (or a later one), which lets the writer record it only after all its notices are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from procurewatch.model import Document, SourceError
from procurewatch.sources import iter_input_files, read_input
from procurewatch.store.errors import NoInputsError

CHUNK_DOCS = 200
CHUNK_CHARS = 4_000_000


@dataclass(slots=True)
class FileEnd:
    """A file whose documents have all been handed out; `errors` are the reader's own complaints."""

    path: str
    size: int | None
    mtime: float | None
    errors: list[SourceError]


@dataclass(slots=True)
class Chunk:
    docs: list[Document] = field(default_factory=list)
    finished: list[FileEnd] = field(default_factory=list)
    chars: int = 0


@dataclass(slots=True)
class ReadStats:
    files: int = 0  # files opened and read
    unchanged: int = 0  # files skipped because they were stored completely before


def iter_chunks(
    paths: Iterable[str | Path],
    field_map: dict[str, str] | None,
    unchanged: dict[str, tuple[int, float]],
    stats: ReadStats,
    chunk_docs: int = CHUNK_DOCS,
    chunk_chars: int = CHUNK_CHARS,
) -> Iterator[Chunk]:
    chunk = Chunk()
    for item in iter_input_files(paths):
        if isinstance(item, SourceError):
            chunk.finished.append(FileEnd(item.path, None, None, [item]))
            continue
        if unchanged.get(item.path) == (item.size, item.mtime):
            stats.unchanged += 1
            continue
        stats.files += 1
        errors: list[SourceError] = []
        try:
            for doc in read_input(item, field_map):
                if isinstance(doc, SourceError):
                    errors.append(doc)
                    continue
                chunk.docs.append(doc)
                chunk.chars += len(doc.title) + len(doc.body) + len(doc.attachments)
                if len(chunk.docs) >= chunk_docs or chunk.chars >= chunk_chars:
                    yield chunk
                    chunk = Chunk()
        except Exception as exc:  # a reader failing on hostile bytes must not stop the run
            errors.append(SourceError(item.path, f"could not read: {exc!r}"))
        chunk.finished.append(FileEnd(item.path, item.size, item.mtime, errors))
    if chunk.docs or chunk.finished:
        yield chunk


def require_inputs(paths: list[Path]) -> None:
    """Fail before the store is touched when the paths hold nothing to read."""
    if next(iter(iter_input_files(paths)), None) is None:
        raise NoInputsError(f"no input files found under {', '.join(str(p) for p in paths)}")
