"""String columns sent as Arrow buffers give the very arrays Arrow makes of the lists themselves."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest

from procurewatch.store.arrow_tables import _array
from procurewatch.store.string_buffers import string_buffers

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
