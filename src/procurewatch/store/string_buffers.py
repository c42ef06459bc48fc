"""String columns → the three buffers of an Arrow string array (validity bits, offsets, UTF-8 bytes), made
with NumPy where the rows are made (the ingest workers, which load no Arrow).

Sent between processes, a column of buffers pickles as a few byte strings instead of one object per
value, and the writing process wraps them into an Arrow array (`store/arrow_tables.py`) without
reading a value: both ends spend less than on a list of `str`.
"""

from __future__ import annotations

from itertools import chain, pairwise, repeat
from operator import is_not
from typing import Any, NamedTuple

import numpy as np

_MAX_OFFSET = 2**31 - 1  # an Arrow string array's offsets are int32


class StringBuffers(NamedTuple):
    """The buffers of an Arrow string array of `length` values, `nulls` of them null."""

    length: int
    nulls: int
    validity: bytes | None  # one bit a value, least significant first; None when no value is null
    offsets: bytes  # int32, length + 1 of them
    data: bytes  # the values' UTF-8, end to end


def string_buffers(values: list[Any]) -> StringBuffers | None:
    """The buffers of these values (str or None), or None when a value is neither or cannot be UTF-8
    (a lone surrogate): the list then goes to Arrow as it is, which says what is wrong with it."""
    if not isinstance(values, list):
        return None
    nulls = values.count(None)
    texts = ["" if v is None else v for v in values] if nulls else values
    try:
        joined = "".join(texts)
    except TypeError:
        return None
    if joined.isascii():  # one byte a character
        data = joined.encode()
        lengths = np.fromiter(map(len, texts), dtype=np.int32, count=len(texts))
    else:
        try:
            encoded = [t.encode() for t in texts]
        except UnicodeEncodeError:
            return None
        data = b"".join(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int32, count=len(encoded))
    if len(data) > _MAX_OFFSET:
        return None
    offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    validity = None
    if nulls:
        present = np.fromiter(map(is_not, values, repeat(None)), dtype=bool, count=len(values))
        validity = np.packbits(present, bitorder="little").tobytes()
    return StringBuffers(len(values), nulls, validity, offsets.tobytes(), data)


_SEPARATOR = "\x00"  # one byte in UTF-8, and no byte of another character's UTF-8 is 0


def string_buffers_many(columns: list[list[Any]]) -> list[StringBuffers | None]:
    """`string_buffers` of each of these columns (lists of str or None), made together: all their values
    joined by a separator and encoded once, and each value's end found where its separator stands in
    the UTF-8 (no value encoded on its own, no fixed costs a column but the slicing). Where a value is
    neither str nor None, holds the separator or cannot be UTF-8, each column is made on its own."""
    values = list(chain.from_iterable(columns))
    has_none = False
    try:
        joined = _SEPARATOR.join(values)
    except TypeError:  # None among them (or a value of another type: refused below)
        try:
            joined = _SEPARATOR.join(["" if v is None else v for v in values])
        except TypeError:
            return [string_buffers(column) for column in columns]
        has_none = True  # which values: found below, among the empty ones
    try:
        data = joined.encode()
    except UnicodeEncodeError:
        return [string_buffers(column) for column in columns]
    separators = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
    if len(separators) != max(len(values) - 1, 0):  # a value holds the separator
        return [string_buffers(column) for column in columns]
    # where each value starts in the values' UTF-8 end to end (the separators taken out), and where
    # the last ends
    starts = np.empty(len(values) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:-1] = separators + 1 - np.arange(1, len(values))
    starts[-1] = len(data) - len(separators)
    data = data.replace(_SEPARATOR.encode(), b"")
    present: np.ndarray | None = None
    if has_none:  # each None was joined as an empty value
        empty = np.flatnonzero(starts[1:] == starts[:-1]).tolist()
        present = np.ones(len(values), dtype=bool)
        present[[i for i in empty if values[i] is None]] = False
    # each column's offsets, from 0 at its first value: its values' starts and the end of its last
    sizes = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
    lows = np.cumsum(sizes) - sizes
    at = np.arange(len(values) + len(columns)) - np.repeat(np.arange(len(columns)), sizes + 1)
    offsets = starts[at] - np.repeat(starts[lows], sizes + 1)
    fits = offsets <= _MAX_OFFSET
    offsets = offsets.astype(np.int32)
    out: list[StringBuffers | None] = []
    low = place = 0
    for size in sizes.tolist():
        high = low + size
        end = place + size + 1
        if not fits[end - 1]:
            out.append(None)
        else:
            nulls = 0
            validity = None
            if present is not None:
                column_present = present[low:high]
                nulls = size - int(np.count_nonzero(column_present))
                if nulls:
                    validity = np.packbits(column_present, bitorder="little").tobytes()
            first = int(starts[low])
            data_end = first + int(offsets[end - 1])
            out.append(
                StringBuffers(size, nulls, validity, offsets[place:end].tobytes(), data[first:data_end])
            )
        low, place = high, end
    return out


def repeated_string_buffers(values: list[Any], times: int) -> StringBuffers | None:
    """`string_buffers` of each value `times` times in a row ([a, a, b, b] for [a, b] twice), or None
    where a value is not str or cannot be UTF-8."""
    try:
        joined = "".join(values)
        data = joined.encode()
    except (TypeError, UnicodeEncodeError):
        return None
    if len(data) * times > _MAX_OFFSET:
        return None
    if joined.isascii():  # one byte a character
        lengths = np.fromiter(map(len, values), dtype=np.int32, count=len(values))
    else:
        lengths = np.fromiter((len(v.encode()) for v in values), dtype=np.int32, count=len(values))
    offsets = np.zeros(len(values) * times + 1, dtype=np.int32)
    np.cumsum(np.repeat(lengths, times), out=offsets[1:])
    if len(values) and (lengths == lengths[0]).all():  # values of one length: rows of a byte matrix
        rows = np.frombuffer(data, dtype=np.uint8).reshape(len(values), 1, int(lengths[0]))
        repeated = np.broadcast_to(rows, (len(values), times, int(lengths[0]))).tobytes()
    else:
        ends = np.cumsum(lengths).tolist()
        repeated = b"".join(data[a:b] * times for a, b in pairwise([0, *ends]))
    return StringBuffers(len(values) * times, 0, None, offsets.tobytes(), repeated)
