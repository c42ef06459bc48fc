"""Settings the store's steps change for a while and give back."""

from __future__ import annotations

import duckdb
import pytest

from procurewatch.store.db import memory_limited, one_thread, set_memory_limit


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchone()[0])


def test_one_thread_runs_on_one_thread_and_gives_the_count_back_even_after_an_error():
    con = duckdb.connect()
    con.execute("SET threads = 3")
    with one_thread(con):
        assert _threads(con) == 1
        assert con.execute("SELECT count(*) FROM range(1000)").fetchone()[0] == 1000
    assert _threads(con) == 3
    with pytest.raises(duckdb.Error), one_thread(con):
        con.execute("SELECT * FROM no_such_table")
    assert _threads(con) == 3


def _limit_in_bytes(con: duckdb.DuckDBPyConnection) -> float:
    value, unit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0].split()
    return float(value) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[unit]


@pytest.mark.parametrize("limit", [300 * 2**20, 134_000_000, 5 * 2**30])
def test_memory_limits_are_set_in_the_bytes_asked_for(limit):
    # DuckDB reads "MB" as 10**6 bytes: a limit written in MiB counts under the unit "MB" fell 4.6% short
    con = duckdb.connect()
    set_memory_limit(con, limit)
    assert _limit_in_bytes(con) == pytest.approx(limit, rel=1e-3)
    con.execute("SET memory_limit = '1GiB'")
    with memory_limited(con, limit):
        assert _limit_in_bytes(con) == pytest.approx(limit, rel=1e-3)
    assert _limit_in_bytes(con) == 2**30
