"""The sizes `sized_tables` counts as it makes the tables are Arrow's own `nbytes` (the writer checkpoints
after so many bytes of rows)."""

from __future__ import annotations

import json
import pickle
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from procurewatch.ingest.chunks import build_chunk
from procurewatch.sources import InputFile
from procurewatch.store.arrow_tables import _array, sized_tables
from procurewatch.store.string_buffers import string_buffers
from procurewatch.store.writer import Batch

EXAMPLES = Path(str(resources.files("procurewatch").joinpath("examples")))


def _example_columns() -> tuple[dict, list[str]]:
    files = []
    for path in sorted((EXAMPLES / "records").iterdir()):
        stat = path.stat()
        files.append(InputFile(str(path), stat.st_size, stat.st_mtime, str(path.resolve())))
    result = pickle.loads(pickle.dumps(build_chunk([], files)))  # as a worker sends it
    return result.columns, result.ids


def test_each_table_s_size_is_arrow_s_nbytes():
    columns, ids = _example_columns()
    tables, sizes = sized_tables(columns)
    assert len(ids) >= 10
    assert any(table.num_rows for table in tables.values())
    assert sizes == {name: table.nbytes for name, table in tables.items()}


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([None] * 9, pa.float64()),
        ([1.5, None, 2.0], pa.float64()),
        ([True] * 17, pa.bool_()),
        ([True, None, False] * 5, pa.bool_()),
        ([1, 2, 3], pa.int16()),
        ([None, 2**40], pa.int64()),
        ([7] * 33, pa.int32()),
        (string_buffers(["杭州", None, "", "📷"] * 5), pa.string()),
        (string_buffers([None] * 17 + ["x"]), pa.string()),
        (string_buffers(["a"] * 9), pa.string()),
        (["ok", None], pa.string()),  # a list string_buffers refused goes to Arrow as it is
        (np.arange(24, dtype=np.uint32).reshape(3, 8), pa.binary()),
        ([b"x", None], pa.binary()),
    ],
)
def test_a_column_s_size_is_arrow_s_nbytes(values, kind):
    array, size = _array(values, kind)
    assert size == array.nbytes


def test_a_batch_counts_the_sizes_it_is_given_and_arrow_s_otherwise():
    columns, ids = _example_columns()
    tables, sizes = sized_tables(columns)
    counted, measured = Batch(), Batch()
    counted.add(tables, ids, sizes=sizes)
    measured.add(tables, ids)
    assert counted.nbytes == measured.nbytes == sum(t.nbytes for t in tables.values())
    again = Batch()
    again.add(tables, ids, sizes=sizes)
    again.add(tables, ids, sizes=sizes)  # every notice twice: none added the second time
    assert again.nbytes == counted.nbytes
    assert json.dumps(sorted(again.ids)) == json.dumps(sorted(ids))
