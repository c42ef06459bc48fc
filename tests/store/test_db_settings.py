"""Settings the store's steps change for a while and give back."""

from __future__ import annotations

import duckdb
import pytest

from procurewatch.store.db import one_thread


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
