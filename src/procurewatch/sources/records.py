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
from collections import deque
from collections.abc import Iterable, Iterator
from typing import IO, Any

import ijson

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import json_decode
from procurewatch.sources.attachments import REFS_HINT, file_refs
from procurewatch.sources.budget import (
    READ_AHEAD,
    BudgetError,
    LongLine,
    RecordBudget,
    bounded_lines,
    buffered,
    depth_reason,
    limits,
    too_deep,
)
from procurewatch.sources.decode import DecodeError, detect_head_encoding
from procurewatch.sources.fields import field_data, normalise_key, record_to_document
from procurewatch.sources.files import InputFile

SMALL_JSON = 32 * 1024 * 1024
WRAPPER_TOP = 1024 * 1024  # a wrapper's metadata before its list of records
CSV_SAMPLE_LINES = 20


def _csv_reader(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    """csv.reader under the field budget. The csv module's limit is one setting for the whole process,
    which libraries change when imported (followthemoney sets 30 MB): it is set again for every reader."""
    csv.field_size_limit(limits().max_field_chars)
    return csv.reader(lines, delimiter=delimiter)


def read_records(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    """Dispatch on the first bytes: '[' array, '{' object or JSON Lines, anything else CSV/TSV."""
    first = _first_char(head)
    whole_json = first == "[" or (first == "{" and not _is_jsonl(input_file, head))
    if whole_json and too_deep(head):  # a streaming parser's cost grows with the square of the depth
        yield SkippedInput(input_file.path, depth_reason())
        return
    if first == "[":
        yield from _json_array(input_file, head, field_map)
    elif first == "{":
        if _is_jsonl(input_file, head):
            yield from _jsonl(input_file, head, field_map)
        else:
            yield from _json_object(input_file, head, field_map)
    else:
        yield from _delimited(input_file, head, field_map)


def _is_jsonl(input_file: InputFile, head: bytes) -> bool:
    return input_file.name.lower().endswith((".jsonl", ".ndjson", ".jsonlines")) or looks_like_jsonl(head)


def _first_char(head: bytes) -> str:
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    return chr(text[0]) if text else ""


def looks_like_jsonl(head: bytes) -> bool:
    """True when the first line is a complete JSON object and another object line follows."""
    text = head.lstrip(codecs.BOM_UTF8)
    lines = [line for line in text.split(b"\n")[:3] if line.strip()]
    if len(lines) < 2 or not lines[1].lstrip().startswith(b"{"):
        return False
    first = lines[0] if not too_deep(lines[0]) else lines[1]  # a line nested too deep is skipped later
    try:
        return isinstance(json.loads(first.decode(_json_encoding(head))), dict)
    except (ValueError, RecursionError):
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
    header = next(_csv_reader([lines[0]], delimiter))
    if len(header) < 2:
        return False
    known = {s for words in field_data().synonyms.values() for s in words}
    if not any(normalise_key(cell) in known for cell in header):
        return False
    counts = {len(row) for row in _csv_reader(lines[:-1], delimiter)}
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
        for number, raw in enumerate(bounded_lines(stream), start=1):
            if isinstance(raw, LongLine):
                yield SkippedInput(input_file.path, raw.reason, str(number))
                continue
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
    if len(line) > limits().max_line_bytes:
        return SkippedInput(path, LongLine(len(line)).reason, locator)
    if too_deep(line):
        return SkippedInput(path, depth_reason(), locator)
    try:
        record = json_decode.loads(line if encoding == "utf-8" else line.decode(encoding))
    except UnicodeDecodeError:
        return SkippedInput(path, "line is not valid text in the file's encoding", locator)
    except ValueError as exc:
        return SkippedInput(path, f"broken JSON line: {exc}", locator)
    except RecursionError:  # deeper than the brackets outside its strings showed
        return SkippedInput(path, depth_reason(), locator)
    return _record_document(record, path, source_key, locator, field_map, refs)


def jsonl_encoding(input_file: InputFile, head: bytes) -> str | None:
    """The encoding of a file `read_records` reads as JSON Lines of records, else None."""
    if _first_char(head) != "{":
        return None
    if _is_jsonl(input_file, head):
        return _json_encoding(head)
    return None


def _json_encoding(head: bytes) -> str:
    try:
        encoding = detect_head_encoding(head)
    except DecodeError:
        return "utf-8"
    return "utf-8" if encoding in ("utf-8", "utf-8-sig", "ascii") else encoding


def _json_stream(input_file: InputFile, head: bytes, budget: RecordBudget | None = None) -> IO[bytes]:
    """The content as UTF-8 bytes for ijson, transcoding (streamed) when the file is GB18030 or similar;
    through `budget` when one is given."""
    stream: IO[bytes] = input_file.open()
    if budget is not None:
        stream = budget.wrap(stream)
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
    budget = RecordBudget()
    try:
        with _json_stream(input_file, head, budget) as stream:
            for index, record in enumerate(ijson.items(stream, prefix, use_float=True, buf_size=READ_AHEAD)):
                budget.next_record()
                yield _document(input_file, record, str(index), field_map)
    except BudgetError as exc:
        yield SkippedInput(input_file.path, f"after record {index}: {exc}", str(index + 1))
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
        yield SkippedInput(input_file.path, f"broken JSON after record {index}: {exc}", str(index + 1))


def _json_object(
    input_file: InputFile, head: bytes, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    """A single record, or a wrapper whose one list of objects holds the records."""
    if 0 <= input_file.size <= SMALL_JSON:
        try:
            with _json_stream(input_file, head) as stream:
                data = stream.read()
            if too_deep(data):
                yield SkippedInput(input_file.path, depth_reason())
                return
            value = json.loads(data)
        except RecursionError:
            yield SkippedInput(input_file.path, depth_reason())
            return
        except (ValueError, UnicodeDecodeError) as exc:
            yield SkippedInput(input_file.path, f"broken JSON: {exc}")
            return
        key = wrapper_list_key(value)
        if key is None:
            if len(data) > limits().max_record_bytes:
                yield SkippedInput(input_file.path, RecordBudget().reason())
                return
            yield _document(input_file, value, "", field_map)
            return
        for index, record in enumerate(value[key]):
            yield _document(input_file, record, str(index), field_map)
        return
    try:
        key = _streamed_wrapper_key(input_file, head)
    except BudgetError:
        if input_file.size > limits().max_record_bytes:  # no list of records near the top: one record
            yield SkippedInput(input_file.path, RecordBudget().reason())
            return
        key = None  # a stream of unknown length: the record is measured while it is read
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
    reading only up to the start of that list, which a wrapper holds near its top (BudgetError when
    it is not within WRAPPER_TOP bytes)."""
    with _json_stream(input_file, head, RecordBudget(max_bytes=WRAPPER_TOP)) as stream:
        events = ijson.parse(stream, buf_size=READ_AHEAD)
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
    with input_file.open() as raw:
        text = io.TextIOWrapper(buffered(raw), encoding=encoding, newline="", errors="strict")  # type: ignore[arg-type]
        rows = _TableRows(text, delimiter)
        try:
            yield from _table_documents(input_file, rows, field_map)
        except UnicodeDecodeError:
            yield SkippedInput(
                input_file.path,
                f"text after line {rows.line} is not valid {encoding}",
                f"line {rows.line + 1}",
            )


def _table_documents(
    input_file: InputFile, rows: _TableRows, field_map: dict[str, str] | None
) -> Iterator[Document | SkippedInput]:
    header: list[str] | None = None
    row_number = 0
    for row in rows:
        if isinstance(row, SkippedInput):
            yield SkippedInput(input_file.path, row.reason, row.locator)
            continue
        if header is None:
            if not row:
                yield SkippedInput(input_file.path, "empty table: no header row")
                return
            header = [h.strip() for h in row]
            rows.width = len(header)
            continue
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        record = dict(zip(header, row, strict=False))
        if len(row) > len(header):
            record["_extra"] = row[len(header) :]
        yield _document(input_file, record, str(row_number), field_map)
    if header is None:
        yield SkippedInput(input_file.path, "empty table: no header row")


class _TableRows:
    """The rows of a CSV/TSV text, each within the budgets: a line over max_line_bytes or a field over
    max_field_chars is reported and skipped. A row that an unterminated quote stretched over several
    lines with the wrong number of fields is reported by its first line, and the lines after it are read
    again as rows; until a row with the header's number of fields comes, rows without it are what the
    quote swallowed, and are reported together."""

    def __init__(self, text: io.TextIOWrapper, delimiter: str) -> None:
        self._text = text
        self._delimiter = delimiter
        self._reader = _csv_reader(self._feed(), delimiter)
        self._pending: deque[tuple[int, str]] = deque()  # lines to read again
        self._row_lines: list[int] = []  # the numbers of the lines of the row being read
        self._lines: list[str] = []  # and the lines themselves
        self._problems: list[SkippedInput] = []
        self._stray: list[int] = []  # lines of rows a broken quote left without the header's fields
        self._read = 0
        self.line = 0  # the last line read
        self.width = 0  # fields in the header, once read

    def _feed(self) -> Iterator[str]:
        longest = limits().max_line_bytes
        while True:
            if self._pending:
                number, line = self._pending.popleft()
            else:
                line = self._text.readline(longest + 1)
                if not line:
                    return
                self._read += 1
                number = self._read
                if len(line) > longest and not line.endswith(("\n", "\r")):
                    size = len(line)
                    while line and not line.endswith(("\n", "\r")):
                        line = self._text.readline(READ_AHEAD)
                        size += len(line)
                    self._problems.append(SkippedInput("", LongLine(size).reason, f"line {number}"))
                    continue
            self.line = number
            self._row_lines.append(number)
            self._lines.append(line)
            yield line

    def __iter__(self) -> Iterator[list[str] | SkippedInput]:
        while True:
            self._row_lines, self._lines = [], []
            try:
                row = next(self._reader)
            except StopIteration:
                yield from self._flush()
                yield from self._end_stray()
                return
            except csv.Error as exc:
                yield from self._flush()
                yield from self._reread(f"broken table: {exc}")
                continue
            yield from self._flush()
            if not self.width or len(row) == self.width:
                yield from self._end_stray()
                yield row
            elif len(self._row_lines) > 1:
                yield from self._reread(
                    f"unterminated quote: the row runs over {len(self._row_lines)} lines with {len(row)} "
                    f"field(s) where the header has {self.width}"
                )
            elif self._stray:
                self._stray.append(self._row_lines[0])
            else:
                yield row  # a ragged row: fields missing or extra, kept as the table has them

    def _flush(self) -> Iterator[SkippedInput]:
        yield from self._problems
        self._problems = []

    def _reread(self, reason: str) -> Iterator[SkippedInput]:
        """Report the row's first line and read the lines after it again."""
        if not self._row_lines:
            return
        first = self._row_lines[0]
        yield SkippedInput(
            "", f"{reason}; line {first} skipped, the lines after it read again", f"line {first}"
        )
        self._pending.extendleft(reversed(list(zip(self._row_lines[1:], self._lines[1:], strict=True))))
        self._reader = _csv_reader(self._feed(), self._delimiter)  # the last may have met the end
        self._stray.append(first)

    def _end_stray(self) -> Iterator[SkippedInput]:
        if len(self._stray) > 1:
            lines = self._stray[1:]
            yield SkippedInput(
                "",
                f"{len(lines):,} line(s) after the unterminated quote on line {self._stray[0]} do not have "
                f"the header's {self.width} fields (text the quote swallowed): skipped",
                f"lines {lines[0]}-{lines[-1]}",
            )
        self._stray = []
