"""The CPU half of ingest: small files, slices of big JSON Lines files and Documents → Notices → the
plain columns of every table holding each notice's rows: the notice's own (store/plain_columns.py)
and what linking compares of it (link/keys.py), made here so that linking never reads bodies back.

Runs in worker processes (or inline). Pure apart from reading the small files it is handed and
the package data the parser and detector load once per process; importable by name so a `spawn`
pool can pickle a reference to `build_chunk`. The understanding (parser, detector, link keys) is
imported where a chunk is built: the storing process imports this module to read `ChunkResult`s
back, and with workers it never builds a chunk itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from procurewatch.ingest.reading import FileEnd, read_documents
from procurewatch.model import Document, Notice, SkippedInput
from procurewatch.sources import InputFile
from procurewatch.sources.lines import LineSlice, read_slice
from procurewatch.store.string_buffers import string_buffers_many
from procurewatch.store.tables import TABLE, PlainColumns

# documents understood before their notices are detected together (pipeline.notices_or_errors)
_BATCH_DOCS = 200
_BATCH_CHARS = 1_000_000


@dataclass(slots=True)
class ChunkResult:
    columns: dict[str, PlainColumns]  # the rows of every notice table (Arrow is made by the writer)
    ids: list[str]
    per_path: Counter[str] = field(default_factory=Counter)  # notices made, per file
    errors: list[SkippedInput] = field(default_factory=list)  # notices that could not be understood
    file_ends: list[FileEnd] = field(default_factory=list)  # the whole files read here


def build_chunk(
    docs: list[Document],
    files: list[InputFile] | None = None,
    field_map: dict[str, str] | None = None,
    slices: list[LineSlice] | None = None,
) -> ChunkResult:
    from procurewatch.pipeline import notices_or_errors

    notices: list[Notice] = []
    errors: list[SkippedInput] = []
    per_path: Counter[str] = Counter()
    file_ends: list[FileEnd] = []
    # what was read, in order (documents, and errors of lines that gave none), built a batch at a time
    pending: list[Document | SkippedInput] = []
    pending_chars = 0

    def build_pending() -> None:
        nonlocal pending_chars
        made = iter(notices_or_errors([item for item in pending if isinstance(item, Document)]))
        for item in pending:
            if isinstance(item, SkippedInput):
                errors.append(item)
                continue
            result = next(made)
            if isinstance(result, SkippedInput):
                errors.append(result)
            else:
                notices.append(result)
                per_path[item.path] += 1
        pending.clear()
        pending_chars = 0

    def build(item: Document | SkippedInput) -> None:
        nonlocal pending_chars
        pending.append(item)
        if isinstance(item, Document):
            pending_chars += len(item.body) + len(item.attachments)
        if len(pending) >= _BATCH_DOCS or pending_chars >= _BATCH_CHARS:
            build_pending()

    for item in files or []:
        read_errors: list[SkippedInput] = []
        for doc in read_documents(item, field_map, read_errors):
            build(doc)
        file_ends.append(FileEnd(item.path, item.size, item.mtime, read_errors))
    for line_slice in slices or []:
        for made in read_slice(line_slice, field_map):
            build(made)  # an error is counted against the file, which the reading process closes
    for doc in docs:
        build(doc)
    build_pending()
    return ChunkResult(
        columns=_strings_as_buffers(notice_tables(notices)),
        ids=[n.id for n in notices],
        per_path=per_path,
        errors=errors,
        file_ends=file_ends,
    )


def notice_tables(notices: list[Notice]) -> dict[str, PlainColumns]:
    """The columns of every table of `store.tables.NOTICE_TABLES`, with these notices' rows."""
    from procurewatch.link.keys import link_rows
    from procurewatch.store.plain_columns import plain_columns

    own = plain_columns(notices)
    linked = own["notices"]
    keys = link_rows(*(linked[c] for c in ("id", "title", "body", "buyer", "project_code", "notice_type")))
    return own | keys.columns


def _strings_as_buffers(tables: dict[str, PlainColumns]) -> dict[str, PlainColumns]:
    """The string columns as Arrow buffers (store/string_buffers.py): cheaper to send to the writing
    process, and to make Arrow arrays of there, than lists of `str`. All the tables' made together, and
    a list that is the column of several tables (the notices' ids) once."""
    places = [
        (columns, column)
        for name, columns in tables.items()
        for column in _string_columns(name)
        if isinstance(columns[column], list)
    ]
    lists = list({id(c[n]): c[n] for c, n in places}.values())
    packed = dict(zip(map(id, lists), string_buffers_many(lists), strict=True))
    for columns, name in places:
        made = packed[id(columns[name])]
        if made is not None:
            columns[name] = made
    return tables


@cache
def _string_columns(table: str) -> tuple[str, ...]:
    return tuple(column.name for column in TABLE[table].row_columns if column.row_kind == "string")
