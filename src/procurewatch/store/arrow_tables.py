"""Plain columns (store/rows.py) → one Arrow table per store table, for `INSERT ... SELECT` in one statement each."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from procurewatch.model import Notice
from procurewatch.store.notice_rows import COLUMNS, TableColumns, notice_columns

_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "binary": pa.binary(),
    "bool": pa.bool_(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
}

SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema([(column, _TYPES[kind]) for column, kind in spec]) for name, spec in COLUMNS.items()
}

CHILD_TABLES: tuple[str, ...] = tuple(name for name in SCHEMAS if name != "notices")


def empty_tables() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in SCHEMAS.items()}


def to_tables(columns: dict[str, TableColumns]) -> dict[str, pa.Table]:
    """Arrow tables of these tables' columns."""
    return {name: to_table(name, cols) for name, cols in columns.items()}


def to_table(name: str, columns: TableColumns) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_arrays([_array(columns[f.name], f.type) for f in schema], schema=schema)


def notices_to_tables(notices: Sequence[Notice]) -> dict[str, pa.Table]:
    """Arrow tables for every store table holding these notices' rows."""
    return to_tables(notice_columns(notices))


def _array(values: list | np.ndarray, kind: pa.DataType) -> pa.Array:
    if isinstance(values, np.ndarray) and values.ndim == 2:  # one binary value a row
        width = values.shape[1] * values.itemsize
        data = pa.py_buffer(np.ascontiguousarray(values).tobytes())
        return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [None, data]).cast(kind)
    return pa.array(values, kind)
