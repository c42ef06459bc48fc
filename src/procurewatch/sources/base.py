"""Reading inputs: pick the reader for each file by its content, never by its name alone.

read_input never raises for a problem with one file: it yields a SourceError naming the file and the
reason, and the caller moves on to the next file.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path

from procurewatch.model import Document, SourceError
from procurewatch.sources import ocds
from procurewatch.sources.decode import DecodeError
from procurewatch.sources.files import GZIP_MAGIC, HEAD_SIZE, ZIP_MAGIC, InputFile, iter_input_files
from procurewatch.sources.html import looks_like_html, read_html
from procurewatch.sources.pdf import MAX_PDF_BYTES_IN_MEMORY, PdfError, read_pdf
from procurewatch.sources.records import looks_like_records_table, read_records
from procurewatch.sources.text import read_text

__all__ = ["InputFile", "iter_documents", "iter_input_files", "read_input"]

# HTML and plain text are decoded whole; beyond this they are refused rather than loaded.
MAX_TEXT_BYTES = 50 * 1024 * 1024
PDF_MAGIC = b"%PDF"


def read_input(
    input_file: InputFile, field_map: dict[str, str] | None = None
) -> Iterator[Document | SourceError]:
    """Every notice in one input file (OCDS, scraped records, HTML, PDF or text)."""
    try:
        head = input_file.head(HEAD_SIZE)
    except (OSError, EOFError) as exc:
        yield SourceError(input_file.path, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
        return
    if head.startswith(GZIP_MAGIC):
        input_file, head = _gunzipped(input_file)
    try:
        yield from _dispatch(input_file, head, field_map)
    except (OSError, EOFError) as exc:  # e.g. a truncated archive member found mid-stream
        yield SourceError(input_file.path, f"cannot read: {exc}")
    except Exception as exc:  # a hostile file must not stop the run; the reason names the failure
        yield SourceError(input_file.path, f"could not read file: {exc!r}")


def _dispatch(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SourceError]:
    path = input_file.path
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        yield SourceError(path, "empty file" if not head else "empty file (only whitespace)")
        return
    if PDF_MAGIC in head[:1024]:
        yield from _pdf(input_file)
        return
    if stripped.startswith(ZIP_MAGIC):
        yield SourceError(path, "archive inside an archive (or an office document): not supported")
        return
    if stripped[:1] in (b"{", b"["):
        if ocds.is_ocds(head):
            yield from ocds.read_ocds(input_file)
        else:
            yield from read_records(input_file, head, field_map)
        return
    if looks_like_html(head):
        yield from _whole(input_file, "html")
        return
    if b"\x00" not in head[:8192] and looks_like_records_table(head, input_file.name):
        yield from read_records(input_file, head, field_map)
        return
    yield from _whole(input_file, "text")


def _gunzipped(input_file: InputFile) -> tuple[InputFile, bytes]:
    """A gzip-compressed member (x.zip!a.jsonl.gz) read through gzip, transparently."""

    def opener():  # type: ignore[no-untyped-def]
        return gzip.GzipFile(fileobj=input_file.open(), mode="rb")

    inner = InputFile(input_file.path, -1, input_file.mtime, input_file.source_key, opener=opener)
    try:
        return inner, inner.head(HEAD_SIZE)
    except (OSError, EOFError):
        return input_file, input_file.head(HEAD_SIZE)


def _whole(input_file: InputFile, kind: str) -> Iterator[Document | SourceError]:
    reader = read_html if kind == "html" else read_text
    try:
        data = input_file.read_bytes(MAX_TEXT_BYTES + 1)
    except (OSError, EOFError) as exc:
        yield SourceError(input_file.path, f"cannot read: {exc}")
        return
    if len(data) > MAX_TEXT_BYTES:
        yield SourceError(
            input_file.path,
            f"{kind} file larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB: refused rather than loaded "
            "(split it, or convert it to JSON Lines records)",
        )
        return
    try:
        yield reader(data, path=input_file.path, source_key=input_file.source_key)
    except DecodeError as exc:
        yield SourceError(input_file.path, str(exc))
    except ValueError as exc:
        yield SourceError(input_file.path, f"cannot read {kind}: {exc}")


def _pdf(input_file: InputFile) -> Iterator[Document | SourceError]:
    source: str | bytes
    if input_file.disk_path is not None:
        source = input_file.disk_path
    else:
        source = input_file.read_bytes(MAX_PDF_BYTES_IN_MEMORY + 1)
        if len(source) > MAX_PDF_BYTES_IN_MEMORY:
            yield SourceError(input_file.path, "PDF inside an archive is too large to read: extract it first")
            return
    try:
        yield read_pdf(source, path=input_file.path, source_key=input_file.source_key)
    except PdfError as exc:
        yield SourceError(input_file.path, str(exc))


def iter_documents(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Document | SourceError]:
    for item in iter_input_files(paths):
        if isinstance(item, SourceError):
            yield item
        else:
            yield from read_input(item, field_map)
