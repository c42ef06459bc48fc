"""The reading half of ingest: input files → chunks of work, with each file's end marked.

Small files on disk go to the workers whole (they read, understand and detect them: HTML and PDF
decoding is CPU work too). Big JSON Lines files on disk go to the workers as slices of whole lines
(sources/lines.py): this process only finds the line breaks, the workers decode and map the lines.
Other big files and archive members are read here, and their documents are cut into chunks. Either
way one huge file spreads over the workers like a folder of pages. A file is "finished" in the chunk
that carries its last document or slice (or a later one), which lets the writer record it only in
the transaction that stores its last notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import InputFile, iter_input_files, may_need_ocr, read_input
from procurewatch.sources.attachments import link_attachments
from procurewatch.sources.lines import LineSlice, iter_slices, line_plan

CHUNK_DOCS = 200  # documents (or whole small files) per chunk
CHUNK_CHARS = 4_000_000  # text characters (or file bytes) per chunk
WHOLE_FILE_MAX = 2_000_000  # files up to this size are read by a worker
FILE_ITEMS = 4  # a whole file counts as this many documents when filling a chunk


@dataclass(slots=True)
class FileEnd:
    """A file whose documents have all been handed out; `errors` are the reader's own complaints."""

    path: str
    size: int | None
    mtime: float | None
    errors: list[SkippedInput]


@dataclass(slots=True)
class Chunk:
    docs: list[Document] = field(default_factory=list)  # read here, from big files and archives
    files: list[InputFile] = field(default_factory=list)  # small files, read whole by the worker
    slices: list[LineSlice] = field(default_factory=list)  # lines of big JSON Lines files, read by the worker
    finished: list[FileEnd] = field(default_factory=list)  # files whose documents are all in `docs` so far
    weight: int = 0

    def full(self, max_items: int, max_weight: int) -> bool:
        items = len(self.docs) + FILE_ITEMS * len(self.files) + sum(s.lines for s in self.slices)
        return items >= max_items or self.weight >= max_weight


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
    paths = list(paths)
    for item in link_attachments(iter_input_files(paths), paths):
        if isinstance(item, SkippedInput):
            chunk.finished.append(FileEnd(item.path, None, None, [item]))
            continue
        if unchanged.get(item.path) == (item.size, item.mtime):
            stats.unchanged += 1
            continue
        stats.files += 1
        if _read_by_worker(item):
            chunk.files.append(item)
            chunk.weight += item.size
            if chunk.full(chunk_docs, chunk_chars):
                yield chunk
                chunk = Chunk()
            continue
        errors: list[SkippedInput] = []
        plan = line_plan(item) if not item.attachments else None  # the attachments are read with the records
        if plan is not None:
            try:
                for line_slice in iter_slices(item, plan, chunk_docs, chunk_chars):
                    chunk.slices.append(line_slice)
                    chunk.weight += line_slice.end - line_slice.start
                    if chunk.full(chunk_docs, chunk_chars):
                        yield chunk
                        chunk = Chunk()
            except OSError as exc:
                errors.append(SkippedInput(item.path, f"cannot read: {exc.strerror or exc}"))
            chunk.finished.append(FileEnd(item.path, item.size, item.mtime, errors))
            continue
        for doc in read_documents(item, field_map, errors):
            chunk.docs.append(doc)
            chunk.weight += len(doc.title) + len(doc.body) + len(doc.attachments)
            if chunk.full(chunk_docs, chunk_chars):
                yield chunk
                chunk = Chunk()
        chunk.finished.append(FileEnd(item.path, item.size, item.mtime, errors))
    if chunk.docs or chunk.files or chunk.slices or chunk.finished:
        yield chunk


def read_documents(
    item: InputFile, field_map: dict[str, str] | None, errors: list[SkippedInput]
) -> Iterator[Document]:
    """The documents of one file; its problems are appended to `errors`, never raised."""
    try:
        for doc in read_input(item, field_map):
            if isinstance(doc, SkippedInput):
                errors.append(doc)
            else:
                yield doc
    except Exception as exc:  # a reader failing on hostile bytes must not stop the run
        errors.append(SkippedInput(item.path, f"could not read: {exc!r}"))


def _read_by_worker(item: InputFile) -> bool:
    # archive members need the open archive, which lives in this process; a big PDF or image on disk
    # goes to a worker too, as it may need OCR (pdfium reads from the path, never the whole file)
    if getattr(item, "opener", None) is not None or item.size < 0:
        return False
    return item.size <= WHOLE_FILE_MAX or may_need_ocr(item)
