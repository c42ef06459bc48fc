"""The store's lookup indexes: created by sync_index (ingest and `procurewatch index` call it),
idempotent, kept by DuckDB through later writes, and used by the procurement page's lookups."""

from __future__ import annotations

import duckdb
from tests.corpus import Row, build_store

from procurewatch.search.index import sync_index
from procurewatch.store.read_indexes import READ_INDEXES, ensure_read_indexes, missing_read_indexes


def test_sync_creates_the_lookup_indexes_once_and_lookups_use_them(tmp_path):
    db = build_store(tmp_path / "s.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    assert missing_read_indexes(con) == [name for name, _, _ in READ_INDEXES]
    con.close()
    sync_index(db)
    con = duckdb.connect(str(db))
    try:
        assert missing_read_indexes(con) == []
        assert ensure_read_indexes(con) == []  # nothing left to create
        con.execute("INSERT INTO parties VALUES ('n-new', 'supplier', 0, '某公司', NULL)")
        plan = con.execute(
            "EXPLAIN ANALYZE SELECT * FROM parties WHERE notice_id IN ('n-new', 'n-tender-1')"
        ).fetchall()[0][1]
        assert "Index Scan" in plan
        plan = con.execute(
            "EXPLAIN ANALYZE SELECT * FROM notice_links WHERE procurement_id = 'p-1'"
        ).fetchall()[0][1]
        assert "Index Scan" in plan
        assert con.execute("SELECT count(*) FROM parties WHERE notice_id = 'n-new'").fetchall() == [(1,)]
    finally:
        con.close()


def test_sync_leaves_a_store_held_by_a_reader_alone(tmp_path):
    db = build_store(tmp_path / "s.duckdb", [Row("only", "卡口设备", "车辆卡口", "2020-01-01")])
    reader = duckdb.connect(str(db), read_only=True)  # e.g. a running server in this process
    try:
        assert sync_index(db) == 1  # indexed all the same, through a read-only connection
        assert missing_read_indexes(reader)  # created next time the store can be written
    finally:
        reader.close()
    sync_index(db)
    con = duckdb.connect(str(db), read_only=True)
    assert missing_read_indexes(con) == []
    con.close()
