"""Indexing under a DuckDB memory limit: the limit and one thread hold only while indexing, the
process's other connections get their settings back, and a store the limit does not fit is
indexed all the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from tests.corpus import ROWS, Row, build_store
from tests.search.answers import search_answers

from procurewatch.search import index as search
from procurewatch.search.cores import IndexingPlan
from procurewatch.search.index import SearchIndex, index_dir_for, rebuild_index, search_ids, sync_index


def settings(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    return con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0]


def test_the_limit_holds_while_indexing_and_a_shared_instance_gets_its_settings_back(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    holder = duckdb.connect(str(db))  # the process already holds the store: indexing shares it
    holder.execute("SET memory_limit = '300MiB'")
    holder.execute("SET threads = 2")
    seen = []
    add_notices = search.add_notices

    def recording(con, writer, replace, *rest):
        seen.append(settings(con))
        return add_notices(con, writer, replace, *rest)

    monkeypatch.setattr(search, "add_notices", recording)
    monkeypatch.setattr(search, "BATCH", 2)  # several batches
    try:
        assert sync_index(db) == len(ROWS)
        assert settings(holder) == ("300.0 MiB", 2)
    finally:
        holder.close()
    [(limit, threads)] = seen
    value, unit = limit.split()
    assert unit == "MiB" and float(value) == pytest.approx(
        search.index_memory_limit(len(ROWS)) / 2**20, abs=0.1
    )
    assert threads == 1
    assert set(search_ids(db, "声纹").ids) == {"n-voice-1"}


def test_a_store_the_limit_does_not_fit_is_indexed_again_without_it(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    queries = ("人脸", "声纹", "supraveghere")
    rebuild_index(db)
    expected = {q: set(search_ids(db, q).ids) for q in queries}
    add_notices = search.add_notices
    calls = []

    def out_of_memory_once(con, writer, replace, *rest):
        calls.append(settings(con))
        added = add_notices(con, writer, replace, *rest)
        if len(calls) == 1:  # as the Arrow reader reports it, after some documents were added
            raise OSError("Out of Memory Error: failed to allocate data of size 1.0 MiB")
        return added

    monkeypatch.setattr(search, "add_notices", out_of_memory_once)
    shutil.rmtree(index_dir_for(db))
    notes: list[str] = []
    assert sync_index(db, notes) == len(ROWS)
    assert notes == [search.RETRY_NOTE]
    limited, unlimited = calls
    assert limited[1] == 1 and unlimited != limited  # the second run under DuckDB's own settings
    assert SearchIndex(index_dir_for(db)).num_docs == len(ROWS)  # the first run's documents rolled back
    assert {q: set(search_ids(db, q).ids) for q in queries} == expected


def test_other_errors_are_not_retried(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")

    def failing(con, writer, replace, *rest):
        raise OSError("disk full")

    monkeypatch.setattr(search, "add_notices", failing)
    with pytest.raises(OSError, match="disk full"):
        sync_index(Path(db))


def _indexed_ids(db: Path) -> list[tuple[str, int]]:
    ids_file = index_dir_for(db) / search.IDS_FILE
    return duckdb.sql(f"SELECT id, key FROM read_parquet('{ids_file}') ORDER BY key").fetchall()


def test_sessions_of_a_few_notices_index_what_one_session_does(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    queries = ("人脸", "声纹", "supraveghere", "camera")
    rebuild_index(db)
    expected = {q: set(search_ids(db, q).ids) for q in queries}
    monkeypatch.setattr(search, "INDEX_SESSION", 2)
    sessions = []
    add_notices = search.add_notices

    def counting(con, writer, replace, *rest):
        sessions.append(con.execute("SELECT count(*) FROM pw_session").fetchall()[0][0])
        return add_notices(con, writer, replace, *rest)

    monkeypatch.setattr(search, "add_notices", counting)
    assert rebuild_index(db) == len(ROWS)
    assert sessions == [2] * (len(ROWS) // 2) + ([1] if len(ROWS) % 2 else [])
    assert SearchIndex(index_dir_for(db)).num_docs == len(ROWS)
    assert {q: set(search_ids(db, q).ids) for q in queries} == expected
    assert [key for _, key in _indexed_ids(db)] == list(range(len(ROWS)))


def test_a_run_stopped_between_sessions_resumes_without_indexing_a_notice_twice(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    monkeypatch.setattr(search, "INDEX_SESSION", 2)
    add_notices = search.add_notices
    calls = []

    def stopping_in_the_second_session(con, writer, replace, *rest):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return add_notices(con, writer, replace, *rest)

    monkeypatch.setattr(search, "add_notices", stopping_in_the_second_session)
    with pytest.raises(KeyboardInterrupt):
        sync_index(db)
    assert SearchIndex(index_dir_for(db)).num_docs == 2  # the first session's, not yet in the ids file

    monkeypatch.setattr(search, "add_notices", add_notices)
    assert sync_index(db) == len(ROWS)
    ids = _indexed_ids(db)
    assert len({i for i, _ in ids}) == len(ids) == len(ROWS)
    assert SearchIndex(index_dir_for(db)).num_docs == len(ROWS)
    assert set(search_ids(db, "声纹").ids) == {"n-voice-1"}


def test_a_session_beside_many_stored_findings_is_indexed_under_the_limit(tmp_path, monkeypatch):
    """What a document takes from parties, findings and vendor_mentions is gathered for the session's
    notices only: aggregated over whole tables, the rows of every other stored notice (here 300,000
    findings and 150,000 suppliers and vendors) outgrew the limit, and indexing went on without it."""
    db = build_store(tmp_path / "s.duckdb")
    con = duckdb.connect(str(db))
    other = "'other-' || lpad((i // 2)::VARCHAR, 14, '0')"  # ids as long as the store's
    con.execute(
        f"INSERT INTO findings (notice_id, category, score) SELECT {other}, "
        "['facial_recognition', 'video_surveillance', 'voiceprint'][i % 3 + 1], 0.5 FROM range(300000) t(i)"
    )
    con.execute(
        f"INSERT INTO parties SELECT {other}, 'supplier', 0, '供应商' || i || '有限公司', 'hikvision' "
        "FROM range(0, 300000, 2) t(i)"
    )
    con.execute(f"INSERT INTO vendor_mentions SELECT {other}, 'hikvision' FROM range(0, 300000, 2) t(i)")
    con.close()
    monkeypatch.setattr(search, "index_memory_limit", lambda stored: 20 * 2**20)
    notes: list[str] = []
    assert sync_index(db, notes) == len(ROWS)
    assert notes == []
    assert set(search_ids(db, "声纹").ids) == {"n-voice-1"}
    assert set(search_ids(db, "股份").ids) == {"n-voice-1"}  # in its supplier's name only


def _long_rows() -> list[Row]:
    """Notices of 600 to 3,000 characters, and one of 8,000: longer than a slice."""
    rows = []
    for i in range(13):
        words = f"第{i}号监控点位人脸识别摄像机采购安装调试。Lot{i:02d} camera {i}. "
        body = words * ((8000 if i == 6 else 600 * (i % 5 + 1)) // len(words))
        rows.append(Row(f"long-{i:02d}", f"宜昌市第{i}号视频监控项目", body, f"2020-0{1 + i % 9}-1{i % 10}"))
    return rows


def test_batches_of_long_texts_are_cut_in_slices_of_at_most_batch_chars(tmp_path, monkeypatch):
    rows = _long_rows()
    whole, sliced = build_store(tmp_path / "a.duckdb", rows), build_store(tmp_path / "b.duckdb", rows)
    in_a_process = build_store(tmp_path / "c.duckdb", rows)
    queries = ["人脸识别", "camera", "lot06", "宜昌市", "第6号"]
    monkeypatch.setattr(search, "BATCH", 4)
    added = []
    add_batch = search._add_batch

    def recording(writer, batch, segs, bigrams, replace):
        added.append((batch.column(1).to_pylist(), sum(len(t) for t in batch.column(3).to_pylist())))
        return add_batch(writer, batch, segs, bigrams, replace)

    monkeypatch.setattr(search, "_add_batch", recording)
    assert rebuild_index(whole) == len(rows)
    in_batches = [keys for keys, _ in added]
    assert max(chars for _, chars in added) > 5000  # batches of 4 notices hold more than one slice
    added.clear()
    monkeypatch.setattr(search, "BATCH_CHARS", 5000)
    assert rebuild_index(sliced) == len(rows)
    assert all(chars <= 5000 or len(keys) == 1 for keys, chars in added)
    assert any(len(keys) > 1 for keys, _ in added) and any(chars > 5000 for _, chars in added)
    # the same documents under the same keys, added in the same order, answer the same
    assert [k for keys, _ in added for k in keys] == [k for keys in in_batches for k in keys]
    assert search_answers(sliced, queries) == search_answers(whole, queries)
    assert rebuild_index(in_a_process, plan=IndexingPlan(1, 1, 0)) == len(rows)  # slices cut by a worker
    assert search_answers(in_a_process, queries) == search_answers(whole, queries)
    assert search_answers(whole, ["lot06"])["lot06"]
