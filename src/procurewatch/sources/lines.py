"""Big JSON Lines files read in slices of whole lines, so that several processes share one file.

line_plan(input_file) -> LinePlan | None
    whether a file can be read in slices, and how: a file on disk (not an archive member) holding
    JSON Lines of scraped records or of OCDS, in an encoding whose newline byte is always a line
    break. The kind of content is `base.content_kind`'s, which `read_input` follows too.
iter_slices(input_file, plan, max_lines, max_bytes) -> Iterator[LineSlice]
    cuts the file into slices of whole lines (byte offsets and the number of the first line).
read_slice(line_slice, field_map) -> Iterator[Document | SkippedInput]
    the Documents and errors that reading the whole file gives for those lines: the per-line
    functions are the whole-file readers' own (records.jsonl_line, ocds_stream.json_line_units).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import ocds, records
from procurewatch.sources.base import BOM_AND_SPACE, content_kind
from procurewatch.sources.budget import LongLine, bounded_document, limits
from procurewatch.sources.files import GZIP_MAGIC, HEAD_SIZE, InputFile
from procurewatch.sources.ocds_stream import json_line_units, json_lines_encoding, utf8_line

LineKind = Literal["records", "ocds"]
BLOCK = 1 << 22
# Encodings in which byte 0x0A only ever stands for a line break (never inside a multi-byte character)
NEWLINE_SAFE = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8", "ascii", "gb18030", "gbk", "gb2312", "big5", "shift_jis", "euc-jp", "euc-kr",
        "latin-1", "iso8859-2", "iso8859-5", "iso8859-15", "cp1250", "cp1251", "cp1252", "koi8-r", "koi8-u",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LinePlan:
    kind: LineKind
    encoding: str
    start: int  # byte offset of line 1 (after a byte-order mark the reader skips)


@dataclass(frozen=True, slots=True)
class LineSlice:
    """Lines first_line, first_line + 1, ... of a file: bytes [start, end)."""

    path: str
    source_key: str
    kind: LineKind
    encoding: str
    start: int
    end: int
    first_line: int
    lines: int
    fs_path: str = ""  # the name to open when `path` had to be escaped (files.shown)


def line_plan(input_file: InputFile) -> LinePlan | None:
    if input_file.disk_path is None:
        return None
    try:
        head = input_file.head(HEAD_SIZE)
    except OSError:
        return None
    if head.startswith(GZIP_MAGIC):
        return None
    kind = content_kind(head, input_file.name)
    if kind not in ("ocds", "json records") or not head.lstrip(BOM_AND_SPACE).startswith(b"{"):
        return None  # JSON Lines are objects; an array is read whole, as a stream
    if kind == "ocds":
        found = json_lines_encoding(head)
        if found is None:
            return None
        encoding, skip = found
        plan = LinePlan("ocds", encoding, skip)
    else:
        encoding = records.jsonl_encoding(input_file, head)
        if encoding is None:
            return None
        plan = LinePlan("records", encoding, 0)
    return plan if codecs.lookup(plan.encoding).name in NEWLINE_SAFE else None


def iter_slices(input_file: InputFile, plan: LinePlan, max_lines: int, max_bytes: int) -> Iterator[LineSlice]:
    """Slices of at most `max_lines` lines and, but for a single longer line, `max_bytes` bytes. A line
    over the line budget (budget.py) is a slice of its own, which `read_slice` refuses without reading.

    Raises OSError when the file cannot be read."""

    def cut(start: int, end: int, first: int, lines: int) -> LineSlice:
        return LineSlice(
            input_file.path, input_file.source_key, plan.kind, plan.encoding, start, end, first, lines, disk
        )

    longest = limits().max_line_bytes
    disk = input_file.disk_path or input_file.path
    with open(disk, "rb") as stream:
        stream.seek(plan.start)
        start = offset = plan.start  # the slice being cut begins at start; offset is where block begins
        first_line, lines = 1, 0
        line_start = start
        unended = False  # the file's last line has no line break
        while block := stream.read(BLOCK):
            unended = not block.endswith(b"\n")
            at = 0
            while (newline := block.find(b"\n", at)) >= 0:
                at = newline + 1
                lines += 1
                overlong = offset + at - line_start > longest
                if overlong and lines > 1:  # the lines before it go first
                    yield cut(start, line_start, first_line, lines - 1)
                    start, first_line, lines = line_start, first_line + lines - 1, 1
                line_start = offset + at
                if overlong or lines >= max_lines or offset + at - start >= max_bytes:
                    yield cut(start, offset + at, first_line, lines)
                    start, first_line, lines = offset + at, first_line + lines, 0
            offset += len(block)
        if offset > start:
            if unended and offset - line_start > longest and line_start > start:
                yield cut(start, line_start, first_line, lines)
                start, first_line, lines = line_start, first_line + lines, 0
            yield cut(start, offset, first_line, lines + unended)


def read_slice(line_slice: LineSlice, field_map: dict[str, str] | None) -> Iterator[Document | SkippedInput]:
    s = line_slice
    if s.lines == 1 and s.end - s.start > limits().max_line_bytes:
        yield SkippedInput(s.path, LongLine(s.end - s.start).reason, str(s.first_line))
        return
    try:
        with open(s.fs_path or s.path, "rb") as stream:
            stream.seek(s.start)
            data = stream.read(s.end - s.start)
    except OSError as exc:
        yield SkippedInput(s.path, f"cannot read: {exc.strerror or exc}")
        return
    if len(data) != s.end - s.start:
        yield SkippedInput(s.path, f"the file changed while it was read (line {s.first_line} on)")
        return
    lines = data.split(b"\n")
    broken_off = lines.pop()  # b"" when the slice ends with a line break, else the file's unended last line
    if s.kind == "records":
        if broken_off:
            lines.append(broken_off)
        for number, raw in enumerate(lines, start=s.first_line):
            made = records.jsonl_line(raw, number, s.encoding, s.path, s.source_key, field_map)
            if made is not None:
                yield made if isinstance(made, SkippedInput) else bounded_document(made)
        return
    # whole-file reading gives each line with its line break, which JSON error messages can show
    ended = [raw + b"\n" for raw in lines] + ([broken_off] if broken_off else [])
    units = (
        unit
        for number, raw in enumerate(ended, start=s.first_line)
        for unit in json_line_units(utf8_line(raw, s.encoding), number, s.path)
    )
    for made in ocds.documents_of(units, s.path, s.source_key):
        yield made if isinstance(made, SkippedInput) else bounded_document(made)
