"""Stored signatures read as a matrix over their Arrow column, and their band hashes made in blocks."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from procurewatch.link.candidates import signature_matrix
from procurewatch.link.keys import band_hashes_many, settings


def _signatures(rows: int, num_perm: int) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 2**32, (rows, num_perm), dtype=np.uint32)


def test_signature_matrix_skips_nulls_and_keeps_the_order():
    sigs = _signatures(5, 4)
    con = duckdb.connect()
    con.execute("CREATE TABLE m (i INTEGER, signature BLOB)")
    con.executemany(
        "INSERT INTO m VALUES (?, ?)",
        [(i, None if i in (0, 3) else sigs[i].tobytes()) for i in range(5)],
    )
    column = con.sql("SELECT signature FROM m ORDER BY i").to_arrow_table().column(0)
    assert np.array_equal(signature_matrix(column, 4), sigs[[1, 2, 4]])
    assert np.array_equal(signature_matrix(column.slice(1, 3), 4), sigs[[1, 2]])
    assert signature_matrix(column.slice(3, 1), 4).shape == (0, 4)


def test_signature_matrix_refuses_a_blob_of_another_length():
    con = duckdb.connect()
    blobs = con.sql("SELECT * FROM (VALUES (from_hex('00000000')), (from_hex('0000'))) t(b)")
    with pytest.raises(ValueError, match="not 4 bytes long"):
        signature_matrix(blobs.to_arrow_table().column(0), 1)


def test_band_hashes_made_in_blocks_are_each_signatures_own():
    s = settings()
    sigs = _signatures(9_000, s.num_perm)
    sigs[5] = 0  # a notice too short to judge: zero minima
    many = band_hashes_many(sigs)
    one_by_one = np.concatenate([band_hashes_many(sigs[i : i + 1]) for i in range(0, 9_000, 997)])
    assert np.array_equal(many[::997], one_by_one)
    assert not many[5].any()
