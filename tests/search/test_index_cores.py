"""Indexing on more cores (search/cores.py, search/cutting.py): the index built with tantivy threads and
worker processes cutting the texts finds the same notices with the same scores as one built inline."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from pathlib import Path

import pyarrow as pa
import pytest
from tests.corpus import ROWS, Row, build_store

from procurewatch.search import index as search
from procurewatch.search.cores import IndexingPlan, indexing_plan
from procurewatch.search.cutting import CuttingError, TextCutter
from procurewatch.search.index import IndexedSearch, SearchHits, SearchIndex, filter_clauses, parse_user_query

PLACES = ["宜昌市", "武汉市", "襄阳市", "荆州市", "黄石市"]
THINGS = ["人脸识别系统", "视频监控平台", "车辆卡口设备", "声纹采集终端", "门禁一体机"]


def _rows() -> list[Row]:
    """ROWS and 45 more, each with words of its own, so a text given to another notice changes the hits."""
    rows = list(ROWS)
    for i in range(45):
        place, thing = PLACES[i % 5], THINGS[i // 9 % 5]
        body = f"{place}公安局采购{thing}，项目编号LOT{i:03d}，预算{i + 1}0万元。Contract lot{i:03d} camera."
        if i % 7 == 0:
            body += " İSTANBUL İzmir GÖZETİM"  # lower-cased into another length: a pre-tokenized seg text
        rows.append(
            Row(
                f"g-{i:03d}",
                f"{place}{thing}采购项目第{i}号",
                body,
                f"{2015 + i % 6}-0{1 + i % 9}-1{i % 10}",
                buyer=f"{place}公安局",
                categories=["facial_recognition"] if i % 3 == 0 else [],
            )
        )
    return rows


QUERIES = [
    *(f"lot{i:03d}" for i in range(0, 45, 4)),
    *(f"LOT{i:03d}" for i in range(1, 45, 11)),
    *PLACES,
    *THINGS,
    "人脸",
    "卡口",
    '"视频监控"',
    '"公安局采购"',
    "camera",
    "İSTANBUL",
    "izmir",
    "GÖZETİM",
    "2017",
    "采购 -人脸",
]


def _hits(db: Path) -> dict[str, list[tuple[str, float]]]:
    index = SearchIndex(search.index_dir_for(db))
    out = {}
    for query in QUERIES:
        table = index.search(query).table()
        out[query] = _pairs(table)
    clauses = filter_clauses(
        index.schema, values={"category": ["facial_recognition"]}, years=[2016, 2018], day_from=None,
        day_to=None, relevant=False,
    )  # fmt: skip
    filtered = IndexedSearch(index, parse_user_query("公安局"), clauses)
    keys, scores = filtered.top(10, 1000) or ([], [])
    out["filtered"] = _pairs(SearchHits(keys, scores, filtered.parsed, index.keymap).table())
    out["filtered count"] = [(str(filtered.count()), 0.0)]
    return out


def _pairs(table: pa.Table) -> list[tuple[str, float]]:
    """(id, score) of each hit: the order of equal scores is left to the callers (query/notices.py)."""
    return sorted(zip(table.column("id").to_pylist(), table.column("hit_score").to_pylist(), strict=True))


def test_threads_and_cutting_processes_index_what_one_thread_does(tmp_path, monkeypatch):
    rows = _rows()
    inline, parallel = build_store(tmp_path / "a.duckdb", rows), build_store(tmp_path / "b.duckdb", rows)
    monkeypatch.setattr(search, "BATCH", 3)  # 18 batches, spread over both processes
    assert search.rebuild_index(inline, plan=IndexingPlan(1, 0, 0)) == len(rows)
    assert search.rebuild_index(parallel, plan=IndexingPlan(2, 2, 0)) == len(rows)
    expected, got = _hits(inline), _hits(parallel)
    assert all(expected[f"lot{i:03d}"] for i in range(0, 45, 4))  # each of these finds its notice
    assert len(expected["İSTANBUL"]) == 7  # texts pre-tokenized (tokens.lowered_words) were indexed
    assert got == expected
    assert multiprocessing.active_children() == []


def test_the_pool_starts_only_for_enough_notices_and_serves_every_session(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    used = []
    add_notices = search.add_notices

    def recording(con, writer, replace, cutter):
        used.append((cutter.processes, id(cutter)))
        return add_notices(con, writer, replace, cutter)

    monkeypatch.setattr(search, "add_notices", recording)
    search.rebuild_index(db, plan=IndexingPlan(1, 2, len(ROWS) + 1))
    assert [processes for processes, _ in used] == [0]
    used.clear()
    monkeypatch.setattr(search, "INDEX_SESSION", 3)
    search.rebuild_index(db, plan=IndexingPlan(1, 2, len(ROWS)))
    assert len(used) == 3 and {cutter for cutter in used} == {(2, used[0][1])}  # one pool for all sessions
    assert SearchIndex(search.index_dir_for(db)).num_docs == len(ROWS)


class _Dying:
    """Unpickled in a worker, it ends the worker as a crash or an out-of-memory kill would."""

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_dead_worker_is_a_clear_error_and_the_pool_is_shut_down():
    batches = [(0, _Dying())]
    with (
        pytest.raises(CuttingError, match="a process cutting texts for the search index died"),
        TextCutter(1) as cutter,
    ):
        list(cutter.cut_in_order(batches))
    assert multiprocessing.active_children() == []


def test_stopping_early_shuts_the_pool_down():
    texts = pa.array(["宜昌市公安局人脸识别", None, "camera İSTANBUL"])
    with TextCutter(2) as cutter:  # as indexing holds it: the pool goes when the cutter is left
        cut = cutter.cut_in_order((i, texts) for i in range(10))
        item, (segs, bigrams) = next(cut)
        assert item == 0 and segs[1] == "" and bigrams[0].split()[:2] == ["宜昌", "昌市"]
        cut.close()
    assert multiprocessing.active_children() == []


def test_the_plan_follows_the_cores_and_the_heap():
    assert dataclasses.astuple(indexing_plan(128_000_000, cores=2))[:2] == (1, 0)
    assert dataclasses.astuple(indexing_plan(128_000_000, cores=1))[:2] == (1, 0)
    four = indexing_plan(128_000_000, cores=4)
    many = indexing_plan(128_000_000, cores=256)
    assert four.cutting_processes >= 1 and four.tantivy_threads >= 1
    assert many.tantivy_threads <= 128_000_000 // 32_000_000  # each thread keeps a share of the heap
    assert indexing_plan(40_000_000, cores=256).tantivy_threads == 1


def test_ctrl_c_while_indexing_shuts_the_pool_down_and_is_not_hidden(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb", _rows())
    monkeypatch.setattr(search, "BATCH", 3)
    add_batch, batches = search._add_batch, []

    def interrupted(*args):
        batches.append(1)
        if len(batches) == 4:  # workers busy with the batches after it
            raise KeyboardInterrupt
        return add_batch(*args)

    monkeypatch.setattr(search, "_add_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):  # not the store's "open result" error its clean-up would hit
        search.rebuild_index(db, plan=IndexingPlan(2, 2, 0))
    assert multiprocessing.active_children() == []
    monkeypatch.setattr(search, "_add_batch", add_batch)
    assert search.sync_index(db, plan=IndexingPlan(2, 2, 0)) == len(_rows())
