"""Indexing from a spool (ingest writes the index while linking holds the store): the same index as
`sync_index`, and a run stopped midway is finished by the next one without a notice twice."""

from __future__ import annotations

import duckdb
import pytest
from tests.corpus import ROWS, build_store

from procurewatch.search import index as search
from procurewatch.search.index import (
    SearchIndex,
    index_dir_for,
    index_spool,
    rebuild_index,
    search_ids,
    spool_index,
    sync_index,
)

QUERIES = ("人脸", "声纹", "supraveghere", "camera", "监控", "2019")


def _results(db) -> dict[str, dict[str, float]]:
    """Each query's hits with their scores (tied hits come in the order of the index's segments)."""
    results = {}
    for query in QUERIES:
        table = search_ids(db, query).table()
        results[query] = dict(zip(table["id"].to_pylist(), table["hit_score"].to_pylist(), strict=True))
    return results


def _indexed_ids(db) -> list[tuple[str, int]]:
    ids_file = index_dir_for(db) / search.IDS_FILE
    return duckdb.sql(f"SELECT id, key FROM read_parquet('{ids_file}') ORDER BY key").fetchall()


def test_a_spooled_index_is_the_index_sync_makes(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    rebuild_index(db)
    expected, ids = _results(db), _indexed_ids(db)
    search.shutil.rmtree(index_dir_for(db))
    monkeypatch.setattr(search, "INDEX_SESSION", 2)  # several sessions
    folder = spool_index(db)
    assert folder is not None and folder.is_dir()
    assert index_spool(db) == len(ROWS)
    assert not folder.exists()
    assert _results(db) == expected and _indexed_ids(db) == ids
    assert spool_index(db) is None  # nothing missing: nothing spooled
    assert sync_index(db) == 0


def test_a_spool_stopped_midway_is_finished_by_the_next_run(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    rebuild_index(db)
    expected = _results(db)
    search.shutil.rmtree(index_dir_for(db))
    monkeypatch.setattr(search, "INDEX_SESSION", 2)
    add_batches = search.add_batches
    calls = []

    def stopping_in_the_second_session(batches, writer, replace):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return add_batches(batches, writer, replace)

    monkeypatch.setattr(search, "add_batches", stopping_in_the_second_session)
    spool_index(db)
    with pytest.raises(KeyboardInterrupt):
        index_spool(db)
    assert SearchIndex(index_dir_for(db)).num_docs == 2
    monkeypatch.setattr(search, "add_batches", add_batches)
    assert spool_index(db) is not None  # the stopped run's spool is thrown away, the plan made again
    assert index_spool(db) == len(ROWS)
    ids = _indexed_ids(db)
    assert len({i for i, _ in ids}) == len(ids) == len(ROWS)
    assert SearchIndex(index_dir_for(db)).num_docs == len(ROWS)
    assert _results(db) == expected
