"""String columns → the three buffers of an Arrow string array (validity bits, offsets, UTF-8 bytes), made
with NumPy where the rows are made (the ingest workers, which load no Arrow).

Sent between processes, a column of buffers pickles as a few byte strings instead of one object per
value, and the writing process wraps them into an Arrow array (`store/arrow_tables.py`) without
reading a value: both ends spend less than on a list of `str`.
"""

from __future__ import annotations

from itertools import repeat
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
