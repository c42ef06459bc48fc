"""Reading inputs: pick the reader for each file by its content, never by its name alone.

read_input never raises for a problem with one file: it yields a SkippedInput naming the file and the
reason, and the caller moves on to the next file.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from procurewatch.errors import InputError
from procurewatch.model import Document, SkippedInput
from procurewatch.sources import ocds
from procurewatch.sources.attachments import link_attachments, with_attachments
from procurewatch.sources.budget import bounded_document
from procurewatch.sources.decode import DecodeError
from procurewatch.sources.files import GZIP_MAGIC, HEAD_SIZE, ZIP_MAGIC, InputFile, iter_input_files
from procurewatch.sources.html import looks_like_html, looks_like_markup_body, read_html
from procurewatch.sources.images import MAX_IMAGE_BYTES, looks_like_image, read_image
from procurewatch.sources.ocr import ocr_enabled
from procurewatch.sources.office import limits as office_limits
from procurewatch.sources.office import looks_like_office, read_office
from procurewatch.sources.pdf import MAX_PDF_BYTES_IN_MEMORY, PdfError, read_pdf
from procurewatch.sources.rar7z import is_rar_or_7z
from procurewatch.sources.records import looks_like_records_table, read_records
from procurewatch.sources.ted_xml import looks_like_ted, read_ted_xml
from procurewatch.sources.text import read_text

__all__ = ["InputFile", "iter_documents", "iter_input_files", "may_need_ocr", "read_input"]

# HTML and plain text are decoded whole; beyond this they are refused rather than loaded.
MAX_TEXT_BYTES = 50 * 1024 * 1024
PDF_MAGIC = b"%PDF"


def read_input(
    input_file: InputFile, field_map: dict[str, str] | None = None
) -> Iterator[Document | SkippedInput]:
    """Every notice in one input file (OCDS, TED XML, scraped records, HTML, PDF, Word, Excel, RTF, text)."""
    try:
        head = input_file.head(HEAD_SIZE)
    except (OSError, EOFError) as exc:
        yield SkippedInput(input_file.path, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
        return
    if head.startswith(GZIP_MAGIC):
        input_file, head = _gunzipped(input_file)
    if input_file.attachments:
        yield from with_attachments(input_file, _read_guarded(input_file, head, field_map), read_input)
        return
    yield from _read_guarded(input_file, head, field_map)


def _read_guarded(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    try:
        for item in _dispatch(input_file, head, field_map):
            yield item if isinstance(item, SkippedInput) else bounded_document(item)
    except (OSError, EOFError) as exc:  # e.g. a truncated archive member found mid-stream
        yield SkippedInput(input_file.path, f"cannot read: {exc}")
    except Exception as exc:  # a hostile file must not stop the run; the reason names the failure
        yield SkippedInput(input_file.path, f"could not read file: {exc!r}")


ContentKind = Literal[
    "empty",
    "pdf",
    "image",
    "office",
    "nested archive",
    "ocds",
    "json records",
    "ted xml",
    "html",
    "records table",
    "text",
]
BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"  # what may come before a file's first character


def content_kind(head: bytes, name: str) -> ContentKind:
    """Which reader a file takes, from its first bytes (after any gzip layer) and its name. The
    one place this is decided: `read_input` and the slicing of big JSON Lines files both ask here."""
    stripped = head.lstrip(BOM_AND_SPACE)
    if not stripped:
        return "empty"
    if looks_like_office(head, name):  # before the JSON test: RTF starts with "{\\rtf"
        return "office"
    if stripped[:1] in (b"{", b"["):  # before the PDF test: a record may quote "%PDF" in its text
        return "ocds" if ocds.is_ocds(head) else "json records"
    if stripped.startswith(PDF_MAGIC):
        return "pdf"
    if stripped.startswith(ZIP_MAGIC) or is_rar_or_7z(stripped):
        return "nested archive"
    if looks_like_image(head):
        return "image"
    if looks_like_ted(head):  # before HTML: a TED_EXPORT has <TITLE> elements
        return "ted xml"
    if looks_like_html(head):  # before the looser PDF test: a page may mention "%PDF" near its top
        return "html"
    if PDF_MAGIC in head[:1024]:  # a PDF may start with up to 1 KB of something else
        return "pdf"
    if b"\x00" not in head[:8192] and looks_like_records_table(head, name):
        return "records table"
    if looks_like_markup_body(head):
        return "html"
    return "text"


def may_need_ocr(input_file: InputFile) -> bool:
    """A PDF or an image: the reading may run OCR, which belongs in a worker process."""
    try:
        return content_kind(input_file.head(HEAD_SIZE), input_file.name) in ("pdf", "image")
    except (OSError, EOFError):
        return False


def _dispatch(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    path = input_file.path
    match content_kind(head, input_file.name):
        case "empty":
            yield SkippedInput(path, "empty file" if not head else "empty file (only whitespace)")
        case "pdf":
            yield from _pdf(input_file)
        case "image":
            yield from _image(input_file)
        case "office":
            yield from _office(input_file)
        case "nested archive":
            yield SkippedInput(path, "archive inside an archive (or an office document): not supported")
        case "ocds":
            yield from ocds.read_ocds(input_file)
        case "json records" | "records table":
            yield from read_records(input_file, head, field_map)
        case "ted xml":
            yield from _whole(input_file, "ted xml")
        case "html":
            yield from _whole(input_file, "html")
        case "text":
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


def _whole(input_file: InputFile, kind: str) -> Iterator[Document | SkippedInput]:
    reader = {"html": read_html, "ted xml": read_ted_xml}.get(kind, read_text)
    try:
        data = input_file.read_bytes(MAX_TEXT_BYTES + 1)
    except (OSError, EOFError) as exc:
        yield SkippedInput(input_file.path, f"cannot read: {exc}")
        return
    if len(data) > MAX_TEXT_BYTES:
        yield SkippedInput(
            input_file.path,
            f"{kind} file larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB: refused rather than loaded "
            "(split it, or convert it to JSON Lines records)",
        )
        return
    try:
        yield reader(data, path=input_file.path, source_key=input_file.source_key)
    except DecodeError as exc:
        yield SkippedInput(input_file.path, str(exc))
    except ValueError as exc:
        yield SkippedInput(input_file.path, f"cannot read {kind}: {exc}")


def _office(input_file: InputFile) -> Iterator[Document | SkippedInput]:
    limit = office_limits()["max_file_bytes"]
    data = input_file.read_bytes(limit + 1)
    if len(data) > limit:
        yield SkippedInput(
            input_file.path, f"office file larger than {limit // 2**20} MB: refused rather than loaded"
        )
        return
    try:
        yield read_office(data, name=input_file.name, path=input_file.path, source_key=input_file.source_key)
    except InputError as exc:
        yield SkippedInput(input_file.path, str(exc))


def _pdf(input_file: InputFile) -> Iterator[Document | SkippedInput]:
    source: str | bytes
    if input_file.disk_path is not None:
        source = input_file.disk_path
    else:
        source = input_file.read_bytes(MAX_PDF_BYTES_IN_MEMORY + 1)
        if len(source) > MAX_PDF_BYTES_IN_MEMORY:
            yield SkippedInput(
                input_file.path, "PDF inside an archive is too large to read: extract it first"
            )
            return
    try:
        yield read_pdf(source, path=input_file.path, source_key=input_file.source_key)
    except PdfError as exc:
        yield SkippedInput(input_file.path, str(exc))


def _image(input_file: InputFile) -> Iterator[Document | SkippedInput]:
    if not ocr_enabled():
        yield SkippedInput(input_file.path, "image file: reading it needs OCR, which is off (--no-ocr)")
        return
    data = input_file.read_bytes(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        yield SkippedInput(input_file.path, f"image larger than {MAX_IMAGE_BYTES // 2**20} MB: refused")
        return
    try:
        yield read_image(data, path=input_file.path, source_key=input_file.source_key)
    except InputError as exc:
        yield SkippedInput(input_file.path, str(exc))


def iter_documents(
    paths: Iterable[str | Path], field_map: dict[str, str] | None = None
) -> Iterator[Document | SkippedInput]:
    paths = list(paths)
    for item in link_attachments(iter_input_files(paths), paths):
        if isinstance(item, SkippedInput):
            yield item
        else:
            yield from read_input(item, field_map)
