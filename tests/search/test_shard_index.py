"""Search index segments built apart (as a cluster's workers build them) and adopted into a store's index
answer every search as the index the store builds itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import fsspec
import pytest
from rich.console import Console

from ingest.corpus import many_records, write_jsonl
from procurewatch.ingest.runner import run_ingest
from procurewatch.search.index import (
    SearchIndex,
    index_dir_for,
    sync_index,
)
from procurewatch.search.shard_index import (
    INDEXED_TABLES,
    KEY_STRIDE,
    SegmentBuilder,
    adopt_segments,
    first_segment_key,
    segment_folder,
)
from procurewatch.store.tables import TABLE
from search.answers import search_answers

QUERIES = ["视频监控", "人脸识别", "公安局", "采购 -监控", '"监控设备"', "hikvision"]


def answers(db: Path) -> dict[str, object]:
    return search_answers(db, QUERIES)


@pytest.fixture()
def stores(tmp_path: Path) -> tuple[Path, Path]:
    """A store indexed by itself, and a copy of its notices without an index."""
    (tmp_path / "corpus").mkdir()
    corpus = tmp_path / "corpus" / "notices.jsonl"
    write_jsonl(corpus, many_records(120))
    reference = tmp_path / "reference.duckdb"
    run_ingest([corpus], reference, workers=1, console=Console(quiet=True))
    bare = tmp_path / "bare.duckdb"
    shutil.copy(reference, bare)
    return reference, bare


def build_segments(
    db: Path, dataset: str, shards: int, first: int | None = None, prefix: str = "shard", skip: int = 0
) -> list[str]:
    """The store's notices (but the first `skip`) cut into `shards` segments under `dataset`, as workers
    build them, keyed from `first` on (by default, as a run would key them)."""
    fs, root = fsspec.core.url_to_fs(dataset)
    first = first_segment_key(db) if first is None else first
    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM notices ORDER BY id").fetchall()][skip:]
        names = []
        for number in range(shards):
            part = ids[number::shards]
            name = f"{prefix}{number}"
            tables = {}
            for table in INDEXED_TABLES:
                key = "id" if table == "notices" else "notice_id"
                columns = ", ".join(TABLE[table].row_names)
                query = f"SELECT {columns} FROM {table} WHERE {key} IN (SELECT unnest(?))"
                tables[table] = con.sql(query, params=[part]).to_arrow_table()
            with segment_folder(fs, f"{root}/{name}", "procurewatch-test-") as folder:
                assert folder is not None
                builder = SegmentBuilder(folder, first + number * KEY_STRIDE)
                builder.add(tables)
                assert builder.finish() == len(part)
            names.append(name)
    return names


@pytest.mark.parametrize("dataset", ["local", "memory://segments"])
def test_adopted_segments_search_as_the_index_the_store_builds(
    stores: tuple[Path, Path], dataset: str
) -> None:
    reference, bare = stores
    where = str(bare.parent / "segments") if dataset == "local" else dataset
    shards = build_segments(bare, where, 3)
    with duckdb.connect(str(bare)) as con:
        adopted = adopt_segments(con, bare, where, shards)
    assert (adopted.shards, adopted.refused) == (3, 0)
    assert sync_index(bare) == 0  # nothing left to index
    got, expected = answers(bare), answers(reference)
    assert expected["documents"] == 120 and expected["视频监控"]
    assert got == expected


def test_a_segment_holding_notices_the_index_has_is_refused(stores: tuple[Path, Path]) -> None:
    _, bare = stores
    sync_index(bare)  # every notice indexed from the store
    shards = build_segments(bare, str(bare.parent / "segments"), 2)
    with duckdb.connect(str(bare)) as con:
        adopted = adopt_segments(con, bare, str(bare.parent / "segments"), shards)
    assert (adopted.shards, adopted.refused) == (0, 2)
    assert SearchIndex(index_dir_for(bare)).num_docs == 120  # no notice twice


def test_segments_keyed_below_the_index_are_refused(stores: tuple[Path, Path]) -> None:
    _, bare = stores
    segments = str(bare.parent / "segments")
    late = build_segments(bare, segments, 1, first=0, prefix="late", skip=5)  # keys of an older plan
    with duckdb.connect(str(bare), read_only=True) as con:
        first_five = [r[0] for r in con.execute("SELECT id FROM notices ORDER BY id LIMIT 5").fetchall()]
    assert first_five
    early = build_segments(bare, segments, 1, first=KEY_STRIDE, prefix="early")  # every notice
    with duckdb.connect(str(bare)) as con:
        assert adopt_segments(con, bare, segments, early).shards == 1
        adopted = adopt_segments(con, bare, segments, late)
    assert (adopted.shards, adopted.refused) == (0, 1)
    assert SearchIndex(index_dir_for(bare)).num_docs == 120


def test_segments_whose_keys_overlap_are_refused(stores: tuple[Path, Path]) -> None:
    _, bare = stores
    segments = str(bare.parent / "segments")
    even, _odd = build_segments(bare, segments, 2, first=KEY_STRIDE, prefix="a")
    _even, odd = build_segments(bare, segments, 2, first=0, prefix="b")  # odd notices keyed as `even`
    with duckdb.connect(str(bare)) as con:
        adopted = adopt_segments(con, bare, segments, [even, odd])
    assert (adopted.shards, adopted.refused) == (0, 2)
    assert sync_index(bare) == 120  # every notice indexed from the store instead
