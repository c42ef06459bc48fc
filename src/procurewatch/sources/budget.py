"""What one input may cost: bytes per line or record, characters per field, JSON nesting depth, text
per notice. The figures are policy, in data/limits.json; the checks here run while a file streams, so
an input over budget is refused before it has cost more than the budget.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import IO, Any

import numpy as np

from procurewatch.errors import InputError
from procurewatch.knowledge import load_json
from procurewatch.model import Document

READ_AHEAD = 1 << 20  # what a parser may read beyond the record it is on before the budget counts it
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


@dataclass(frozen=True, slots=True)
class Limits:
    max_line_bytes: int  # one JSON Lines line, one CSV row
    max_record_bytes: int  # one JSON record (a file holding one record, an element of an array)
    max_field_chars: int  # one CSV field
    max_json_depth: int  # nesting of arrays and objects
    max_title_chars: int  # a notice's title beyond this is cut
    max_text_chars: int  # a notice's body and attachments beyond this are cut


@cache
def limits() -> Limits:
    data = load_json("limits.json")
    return Limits(**{name: int(data[name]) for name in Limits.__slots__})  # type: ignore[attr-defined]


class BudgetError(InputError):
    """An input (or a part of it) is over one of the budgets in data/limits.json."""


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


# ----------------------------------------------------------------------------- nesting


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in JSON `data` (brackets inside strings do not count)."""
    return _bracket_depth(_JSON_STRING.sub(b"", data))


def _bracket_depth(data: bytes) -> int:
    """The deepest nesting of the brackets in `data` relative to its start, strings not told apart."""
    steps = data.translate(_BRACKET_STEP, _NOT_BRACKET)
    if not steps:
        return 0
    return int(np.frombuffer(steps, dtype=np.int8).cumsum(dtype=np.int64).max())


def nests_deep_within(chunk: bytes, limit: int) -> bool:
    """True when a chunk of a JSON stream opens more levels than the budget within itself: how a deeply
    nested value shows in a stream too long to measure whole. Ordinary chunks cost a count of their
    opening brackets; strings are told apart only when the brackets alone say too deep."""
    if _openers(chunk) <= limit:
        return False
    return _bracket_depth(chunk) > limit and json_depth(chunk) > limit


def _openers(chunk: bytes) -> int:
    """How many '[' and '{' a chunk holds (numpy counts a long chunk in half the time of two counts)."""
    if len(chunk) < 4096:
        return chunk.count(b"[") + chunk.count(b"{")
    codes = np.frombuffer(chunk, dtype=np.uint8)
    return int(np.count_nonzero((codes == 0x5B) | (codes == 0x7B)))


def too_deep(data: bytes, limit: int | None = None) -> bool:
    """True when JSON `data` nests deeper than the budget."""
    return nests_deep_within(data, limits().max_json_depth if limit is None else limit)


def depth_reason() -> str:
    return f"JSON nested deeper than {limits().max_json_depth} levels (limits.json max_json_depth)"


# ----------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class LongLine:
    """A line over max_line_bytes, read past without being kept."""

    size: int

    @property
    def reason(self) -> str:
        return (
            f"line of {megabytes(self.size)}, longer than the {megabytes(limits().max_line_bytes)} a line "
            "may have (limits.json max_line_bytes)"
        )


def buffered(stream: IO[bytes]) -> IO[bytes]:
    """A stream whose readline reads blocks, not single bytes."""
    if isinstance(stream, io.RawIOBase):
        return io.BufferedReader(stream, buffer_size=READ_AHEAD)  # type: ignore[return-value]
    return stream


def bounded_lines(stream: IO[bytes], max_bytes: int | None = None) -> Iterator[bytes | LongLine]:
    """The lines of `stream` (with their line break); a line over the budget comes as LongLine, having
    been read through block by block, so no more than the budget is ever held."""
    max_bytes = limits().max_line_bytes if max_bytes is None else max_bytes
    parts: list[bytes] = []  # the start of the line being read
    held = 0  # bytes in parts
    over = 0  # bytes of a line over the budget, read past
    while block := stream.read(READ_AHEAD):
        start = 0
        while (newline := block.find(b"\n", start)) >= 0:
            end = newline + 1
            if over:
                yield LongLine(over + end - start)
                over = 0
            elif held + end - start > max_bytes:
                yield LongLine(held + end - start)
            else:
                yield b"".join((*parts, block[start:end])) if parts else block[start:end]
            parts, held, start = [], 0, end
        rest = len(block) - start
        if over:
            over += rest
        elif held + rest > max_bytes:
            over, parts, held = held + rest, [], 0
        elif rest:
            parts.append(block[start:])
            held += rest
    if over:
        yield LongLine(over)
    elif parts:
        yield b"".join(parts)


# ----------------------------------------------------------------------------- streamed records


class RecordBudget(io.RawIOBase):
    """A stream that refuses to give more than max_record_bytes (plus the parser's read-ahead) between two
    calls of `next_record`: what a streaming JSON parser may build up for one record is bounded."""

    def __init__(self, inner: IO[bytes] | None = None, max_bytes: int | None = None) -> None:
        self._inner: IO[bytes] = inner if inner is not None else io.BytesIO()
        self._max = limits().max_record_bytes if max_bytes is None else max_bytes
        self._read = 0
        self._record_start = 0
        self._depth = limits().max_json_depth

    def readable(self) -> bool:
        return True

    def next_record(self) -> None:
        self._record_start = self._read

    def stop_counting(self) -> None:
        self._max = 2**62

    def wrap(self, inner: IO[bytes]) -> RecordBudget:
        self._inner = inner
        return self

    def reason(self) -> str:
        return (
            f"a record larger than {megabytes(self._max)} (limits.json max_record_bytes): "
            "refused rather than loaded"
        )

    def readinto(self, buffer: Any) -> int:
        if self._read - self._record_start > self._max + READ_AHEAD:
            raise BudgetError(self.reason())
        data = self._inner.read(len(buffer))
        if self._max < 2**62 and nests_deep_within(data, self._depth):
            raise BudgetError(depth_reason())
        buffer[: len(data)] = data
        self._read += len(data)
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


# ----------------------------------------------------------------------------- notices


def bounded_document(doc: Document) -> Document:
    """The document with its title and text cut to the budget (understanding costs more than linear time
    in the length of a text); the cut is noted in its hints."""
    budget = limits()
    title_over = len(doc.title) > budget.max_title_chars
    text_over = len(doc.body) + len(doc.attachments) > budget.max_text_chars
    if not title_over and not text_over:
        return doc
    body = doc.body[: budget.max_text_chars]
    attachments = doc.attachments[: max(0, budget.max_text_chars - len(body))]
    note = (
        f"text cut to the first {budget.max_text_chars:,} characters "
        f"(of {len(doc.body) + len(doc.attachments):,}; limits.json max_text_chars)"
        if text_over
        else f"title cut to {budget.max_title_chars:,} characters (limits.json max_title_chars)"
    )
    hints = dict(doc.hints)
    hints["validation"] = f"{hints['validation']}; {note}" if hints.get("validation") else note
    return replace(
        doc, title=doc.title[: budget.max_title_chars], body=body, attachments=attachments, hints=hints
    )
