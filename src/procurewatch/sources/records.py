"""Scraped records, streamed: a JSON object, a JSON array, a wrapper object holding a list of records
({fetchedAt, source, notices: [...]}), JSON Lines, CSV and TSV. Each record becomes one Document.

Nothing here holds more than one record in memory (plus a small file read whole when under
SMALL_JSON), so a 2 GB array streams in constant memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import ijson

from procurewatch.model import Document, SkippedInput
from procurewatch.sources.attachments import REFS_HINT, file_refs
from procurewatch.sources.decode import DecodeError, detect_head_encoding
from procurewatch.sources.fields import field_data, normalise_key, record_to_document
from procurewatch.sources.files import InputFile

SMALL_JSON = 32 * 1024 * 1024
CSV_SAMPLE_LINES = 20
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read_records(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    """Dispatch on the first bytes: '[' array, '{' object or JSON Lines, anything else CSV/TSV."""
    first = _first_char(head)
    if first == "[":
        yield from _json_array(input_file, head, field_map)
    elif first == "{":
        if input_file.name.lower().endswith((".jsonl", ".ndjson", ".jsonlines")) or looks_like_jsonl(head):
            yield from _jsonl(input_file, head, field_map)
        else:
            yield from _json_object(input_file, head, field_map)
    else:
        yield from _delimited(input_file, head, field_map)


def _first_char(head: bytes) -> str:
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    return chr(text[0]) if text else ""


def looks_like_jsonl(head: bytes) -> bool:
    """True when the first line is a complete JSON object and another object line follows."""
    text = head.lstrip(codecs.BOM_UTF8)
    lines = [line for line in text.split(b"\n")[:3] if line.strip()]
    if len(lines) < 2 or not lines[1].lstrip().startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(lines[0].decode(_json_encoding(head))), dict)
    except ValueError:
        return False


def looks_like_records_table(head: bytes, name: str) -> bool:
    """True for CSV/TSV: a .csv/.tsv name, or a header row of known field names with a steady column count."""
    if name.lower().endswith((".csv", ".tsv")):
        return True
    try:
        text = head.decode(detect_head_encoding(head), errors="ignore")
    except DecodeError:
        return False
    lines = [line for line in text.splitlines()[:CSV_SAMPLE_LINES] if line.strip()]
    if len(lines) < 2:
        return False
    delimiter = _delimiter(text)
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    if len(header) < 2:
        return False
    known = {s for words in field_data().synonyms.values() for s in words}
    if not any(normalise_key(cell) in known for cell in header):
        return False
    counts = {len(row) for row in csv.reader(lines[:-1], delimiter=delimiter)}
    return counts == {len(header)}


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:16384], delimiters=",\t;|").delimiter
    except csv.Error:
        first = text.split("\n", 1)[0]
        return "\t" if first.count("\t") > first.count(",") else ","


def _document(
    input_file: InputFile, record: Any, locator: str, field_map: dict[str, str] | None
) -> Document | SkippedInput:
    refs = bool(input_file.attachments)
    return _record_document(record, input_file.path, input_file.source_key, locator, field_map, refs)


def _record_document(
    record: Any,
    path: str,
    source_key: str,
    locator: str,
    field_map: dict[str, str] | None,
    refs: bool = False,
) -> Document | SkippedInput:
    """`refs`: the records file has files beside it (sources/attachments.py) that a record may name."""
    if not isinstance(record, dict):
        return SkippedInput(path, f"not a record (a JSON {type(record).__name__})", locator)
    doc = record_to_document(record, path=path, locator=locator, source_key=source_key, field_map=field_map)
    if refs and isinstance(doc, Document) and (names := file_refs(record)):
        doc.hints[REFS_HINT] = names
    return doc


def _jsonl(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    encoding = _json_encoding(head)
    with input_file.open() as stream:
        for number, raw in enumerate(stream, start=1):
            made = jsonl_line(
                raw,
                number,
                encoding,
                input_file.path,
                input_file.source_key,
                field_map,
                refs=bool(input_file.attachments),
            )
            if made is not None:
                yield made


def jsonl_line(
    raw: bytes,
    number: int,
    encoding: str,
    path: str,
    source_key: str,
    field_map: dict[str, str] | None,
    *,
    refs: bool = False,
) -> Document | SkippedInput | None:
    """Line `number` of a JSON Lines file of records (None when it is blank). Shared by the whole-file
    reader and sources/lines.py, so a file read in slices gives the same notices."""
    line = raw.strip()
    if not line:
        return None
    locator = str(number)
    try:
        record = json.loads(line if encoding == "utf-8" else line.decode(encoding))
    except UnicodeDecodeError:
        return SkippedInput(path, "line is not valid text in the file's encoding", locator)
    except ValueError as exc:
        return SkippedInput(path, f"broken JSON line: {exc}", locator)
    return _record_document(record, path, source_key, locator, field_map, refs)


def jsonl_encoding(input_file: InputFile, head: bytes) -> str | None:
    """The encoding of a file `read_records` reads as JSON Lines of records, else None."""
    if _first_char(head) != "{":
        return None
    if input_file.name.lower().endswith((".jsonl", ".ndjson", ".jsonlines")) or looks_like_jsonl(head):
        return _json_encoding(head)
    return None


def _json_encoding(head: bytes) -> str:
    try:
        encoding = detect_head_encoding(head)
    except DecodeError:
        return "utf-8"
    return "utf-8" if encoding in ("utf-8", "utf-8-sig", "ascii") else encoding


def _json_stream(input_file: InputFile, head: bytes) -> IO[bytes]:
    """The content as UTF-8 bytes for ijson, transcoding (streamed) when the file is GB18030 or similar."""
    stream = input_file.open()
    encoding = _json_encoding(head)
    if encoding == "utf-8":
        return stream
    return _Transcoded(stream, encoding)  # type: ignore[return-value]


class _Transcoded(io.RawIOBase):
    def __init__(self, inner: IO[bytes], encoding: str) -> None:
        self._inner = inner
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._inner.read(65536)
            self._pending = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._inner.close()
        super().close()


def _json_array(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    yield from _stream_items(input_file, head, "item", field_map)


def _stream_items(
    input_file: InputFile, head: bytes, prefix: str, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    index = 0
    try:
        with _json_stream(input_file, head) as stream:
            for index, record in enumerate(ijson.items(stream, prefix, use_float=True)):
                yield _document(input_file, record, str(index), field_map)
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
        yield SkippedInput(input_file.path, f"broken JSON after record {index}: {exc}", str(index + 1))


def _json_object(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    """A single record, or a wrapper whose one list of objects holds the records."""
    if 0 <= input_file.size <= SMALL_JSON:
        try:
            with _json_stream(input_file, head) as stream:
                value = json.loads(stream.read())
        except (ValueError, UnicodeDecodeError) as exc:
            yield SkippedInput(input_file.path, f"broken JSON: {exc}")
            return
        key = wrapper_list_key(value)
        if key is None:
            yield _document(input_file, value, "", field_map)
            return
        for index, record in enumerate(value[key]):
            yield _document(input_file, record, str(index), field_map)
        return
    try:
        key = _streamed_wrapper_key(input_file, head)
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
        yield SkippedInput(input_file.path, f"broken JSON: {exc}")
        return
    if key is None:
        yield from _stream_items(input_file, head, "", field_map)  # one huge record
    else:
        yield from _stream_items(input_file, head, f"{key}.item", field_map)


def wrapper_list_key(value: Any) -> str | None:
    """The key of the list of records in {meta..., key: [{...}, ...]}, or None for a plain record.

    A wrapper has exactly one list of objects and otherwise only scalar metadata.
    """
    if not isinstance(value, dict):
        return None
    lists = [k for k, v in value.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
    if len(lists) != 1:
        return None
    others = [v for k, v in value.items() if k != lists[0]]
    return lists[0] if all(not isinstance(v, dict | list) for v in others) else None


def _streamed_wrapper_key(input_file: InputFile, head: bytes) -> str | None:
    """For a file too large to load: the first top-level key holding a list of objects, found by
    reading only up to the start of that list."""
    with _json_stream(input_file, head) as stream:
        events = ijson.parse(stream)
        key = None
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                key = value
            elif key is not None and prefix == key and event == "start_array":
                _, first_event, _ = next(events)
                if first_event == "start_map":
                    return key
    return None


def _delimited(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    try:
        encoding = detect_head_encoding(head)
    except DecodeError as exc:
        yield SkippedInput(input_file.path, str(exc))
        return
    sample = head.decode(encoding, errors="ignore")
    delimiter = "\t" if input_file.name.lower().endswith(".tsv") else _delimiter(sample)
    row_number = 0
    with input_file.open() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")  # type: ignore[arg-type]
        try:
            reader = csv.reader(text, delimiter=delimiter)
            header = next(reader, None)
            if not header:
                yield SkippedInput(input_file.path, "empty table: no header row")
                return
            header = [h.strip() for h in header]
            for row_number, row in enumerate(reader, start=1):
                if not any(cell.strip() for cell in row):
                    continue
                record = dict(zip(header, row, strict=False))
                if len(row) > len(header):
                    record["_extra"] = row[len(header) :]
                yield _document(input_file, record, str(row_number), field_map)
        except UnicodeDecodeError:
            yield SkippedInput(
                input_file.path, f"text after row {row_number} is not valid {encoding}", str(row_number + 1)
            )
        except csv.Error as exc:
            yield SkippedInput(input_file.path, f"broken table: {exc}", str(row_number + 1))
