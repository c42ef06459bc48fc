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
    return {name: to_table(name, cols) for name, cols in columns.items()}


def to_table(name: str, columns: PlainColumns) -> pa.Table:
    schema = SCHEMAS[name]
    if _length(columns[schema.names[0]]) == 0:  # most chunks have no row of the rarer tables
        return _empty(name)
    return pa.Table.from_arrays([_array(columns[f.name], f.type) for f in schema], schema=schema)


def _length(values: Values) -> int:
    return values.length if isinstance(values, StringBuffers) else len(values)


def _array(values: Values, kind: pa.DataType) -> pa.Array:
    if isinstance(values, StringBuffers):
        validity = None if values.validity is None else pa.py_buffer(values.validity)
        buffers = [validity, pa.py_buffer(values.offsets), pa.py_buffer(values.data)]
        return pa.Array.from_buffers(kind, values.length, buffers, null_count=values.nulls)
    if isinstance(values, np.ndarray) and values.ndim == 2:  # one binary value a row
        width = values.shape[1] * values.itemsize
        if (len(values) + 1) * width > _MAX_OFFSET:
            return _large_binary(values, width).cast(kind)
        offsets = np.arange(0, (len(values) + 1) * width, width, dtype=np.int32)
        data = np.ascontiguousarray(values).tobytes()
        return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pa.array(values, kind)


_MAX_OFFSET = 2**31 - 1  # a binary array's offsets are int32


def _large_binary(values: np.ndarray, width: int) -> pa.Array:
    data = pa.py_buffer(np.ascontiguousarray(values).tobytes())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [None, data])
