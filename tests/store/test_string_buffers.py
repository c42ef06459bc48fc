"""String columns sent as Arrow buffers give the very arrays Arrow makes of the lists themselves."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest

from procurewatch.store.arrow_tables import _array
from procurewatch.store.string_buffers import repeated_string_buffers, string_buffers, string_buffers_many

COLUMNS = [
    ["n-1", "n-2", "n-3"],  # ASCII only
    ["杭州市公安局", None, "", "视频监控 CCTV", "emoji 📷 and ü", None],  # 1 to 4 bytes a character
    [None, None],
    [],
    [""] * 9,
    [None] * 17 + ["十七"],  # validity bits beyond the first byte
]


@pytest.mark.parametrize("values", COLUMNS)
def test_buffers_make_the_array_arrow_makes_of_the_list(values):
    packed = pickle.loads(pickle.dumps(string_buffers(values)))  # as a worker sends them
    made, _ = _array(packed, pa.string())
    made.validate(full=True)
    assert made.equals(pa.array(values, pa.string()))
    assert made.null_count == values.count(None)


@pytest.mark.parametrize("values", [["ok", "\ud800"], ["ok", 3], ("a", "b"), np.array(["a"])])
def test_values_that_are_not_utf8_text_in_a_list_stay_as_they_are(values):
    assert string_buffers(values) is None


def test_signatures_become_one_binary_value_a_row():
    sigs = np.arange(12, dtype=np.uint32).reshape(3, 4)
    made, _ = _array(sigs, pa.binary())
    assert made.type == pa.binary()
    assert made.to_pylist() == [row.tobytes() for row in sigs]


def test_columns_made_together_are_each_columns_own():
    assert string_buffers_many(COLUMNS) == [string_buffers(values) for values in COLUMNS]
    assert string_buffers_many([["a", "b"], ["c"]]) == [string_buffers(["a", "b"]), string_buffers(["c"])]
    assert string_buffers_many([]) == []


@pytest.mark.parametrize("odd", [["a\x00b", "c"], ["ok", "\ud800"], ["ok", 3], [None, "x"]])
def test_a_column_with_an_odd_value_among_others_is_still_each_columns_own(odd):
    columns = [*COLUMNS, odd, ["after", None]]
    assert string_buffers_many(columns) == [string_buffers(values) for values in columns]


@pytest.mark.parametrize("values", [["n-1", "n-2", "n-3"], ["id-1", "id-22", "视频"], [], ["only"]])
def test_repeated_values_are_the_buffers_of_the_repeated_list(values):
    repeated = [v for v in values for _ in range(3)]
    assert repeated_string_buffers(values, 3) == string_buffers(repeated)


def test_repeated_values_with_none_or_odd_values_are_left_as_a_list():
    assert repeated_string_buffers(["a", None], 2) is None
    assert repeated_string_buffers(["a", "\ud800"], 2) is None
