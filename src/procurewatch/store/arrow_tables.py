"""Plain columns (`store/plain_columns.py`, `link/keys.py`) → Arrow tables, one a store table, each
inserted by the writer in one `INSERT ... SELECT`. Their schemas come from `store/tables.py`."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from procurewatch.store.string_buffers import StringBuffers
from procurewatch.store.tables import NOTICE_TABLES, TABLE, PlainColumns, Values

_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "binary": pa.binary(),
    "bool": pa.bool_(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
}


def _schema(table: str) -> pa.Schema:
    return pa.schema([(c.name, _TYPES[c.row_kind]) for c in TABLE[table].row_columns])


# The tables holding each notice's rows (`notices` first), and the files table.
SCHEMAS: dict[str, pa.Schema] = {name: _schema(name) for name in NOTICE_TABLES}
FILES_SCHEMA = _schema("files")


def empty_tables() -> dict[str, pa.Table]:
    return {name: _empty(name) for name in SCHEMAS}


@cache
def _empty(name: str) -> pa.Table:
    """The empty table of `name` (Arrow tables cannot change, so every one can be the same)."""
    return SCHEMAS[name].empty_table()


def to_tables(columns: dict[str, PlainColumns]) -> dict[str, pa.Table]:
    """Arrow tables of these tables' columns."""
    return sized_tables(columns)[0]


def sized_tables(columns: dict[str, PlainColumns]) -> tuple[dict[str, pa.Table], dict[str, int]]:
    """Arrow tables of these tables' columns, and each one's `nbytes`, counted from the buffers as they
    are made: Arrow's own count walks every column again."""
    tables: dict[str, pa.Table] = {}
    sizes: dict[str, int] = {}
    for name, cols in columns.items():
        tables[name], sizes[name] = _sized_table(name, cols)
    return tables, sizes


def _sized_table(name: str, columns: PlainColumns) -> tuple[pa.Table, int]:
    schema = SCHEMAS[name]
    if _length(columns[schema.names[0]]) == 0:  # most chunks have no row of the rarer tables
        return _empty(name), 0
    arrays: list[pa.Array] = []
    nbytes = 0
    for f in schema:
        array, size = _array(columns[f.name], f.type)
        arrays.append(array)
        nbytes += size
    return pa.Table.from_arrays(arrays, schema=schema), nbytes


def _length(values: Values) -> int:
    return values.length if isinstance(values, StringBuffers) else len(values)


def _array(values: Values, kind: pa.DataType) -> tuple[pa.Array, int]:
    """The array of `values`, and the bytes of buffer it references (Arrow's `nbytes`)."""
    if isinstance(values, StringBuffers):
        validity = None if values.validity is None else pa.py_buffer(values.validity)
        buffers = [validity, pa.py_buffer(values.offsets), pa.py_buffer(values.data)]
        array = pa.Array.from_buffers(kind, values.length, buffers, null_count=values.nulls)
        return array, len(values.validity or b"") + _OFFSET_BYTES * values.length + len(values.data)
    if isinstance(values, np.ndarray) and values.ndim == 2:  # one binary value a row
        width = values.shape[1] * values.itemsize
        if (len(values) + 1) * width > _MAX_OFFSET:
            array = _large_binary(values, width).cast(kind)
            return array, array.nbytes
        offsets = np.arange(0, (len(values) + 1) * width, width, dtype=np.int32)
        data = np.ascontiguousarray(values).tobytes()
        array = pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
        return array, _OFFSET_BYTES * len(values) + len(data)
    array = pa.array(values, kind)
    if kind not in _FIXED_WIDTH:
        return array, array.nbytes
    bitmap = -(-len(array) // 8)
    data = bitmap if kind == pa.bool_() else len(array) * kind.byte_width
    return array, data + (bitmap if array.buffers()[0] is not None else 0)


_MAX_OFFSET = 2**31 - 1  # a binary array's offsets are int32
_OFFSET_BYTES = 4  # Arrow counts one offset a value of a string or binary array (not the last one)
_FIXED_WIDTH = {pa.bool_(), pa.int16(), pa.int32(), pa.int64(), pa.float64()}


def _large_binary(values: np.ndarray, width: int) -> pa.Array:
    data = pa.py_buffer(np.ascontiguousarray(values).tobytes())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [None, data])
