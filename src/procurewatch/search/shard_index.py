"""Search index segments built apart from the store (on a cluster's workers) and adopted into its index.

A worker indexes the notices of its shard as `sync_index` would (search/index.py's `add_notices`, its
SQL run over the shard's own tables) into a small tantivy index of its own, with keys from a range the
client gave the shard (`SegmentBuilder`). Once the shard's notices are stored, the client moves the
segment files into the store's index and lists them in its meta.json (`adopt_segments`). BM25 counts
documents and terms over every segment of an index, so a search over adopted segments scores as one
over an index built in one piece (tests/ingest/test_cluster.py compares them); tantivy merges the small
segments on the commit that follows, as it merges the segments of any indexing session.

A segment must hold exactly notices the store holds and the index lacks, under keys no other document
has. The client adopts only the shards whose every notice this run's writer inserted (none was stored
before, none came twice), whose keys lie above every key the index lists and overlap no other adopted
shard's, and none of whose ids the index lists (an index left from another store); and only into an
index that holds exactly the documents its id list names. The notices of any other shard are indexed from the
store afterwards, as without a cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from procurewatch.search.index import (
    IDS_FILE,
    PURCHASERS_FILE,
    WRITER_HEAP,
    add_notices,
    index_dir_for,
    open_index,
    purchasers_fingerprint,
)
from procurewatch.store.tables import TABLE

SEGMENT_DIR = "index"  # a shard's segment, beside its part files
SEGMENT_IDS = "ids.parquet"  # (id, key) of the notices it holds
SEGMENT_HEAP = 32_000_000  # a shard's writer: a shard is a few thousand notices (tantivy's floor is 15 MB)
KEY_STRIDE = 2**32  # keys given to each shard: more than any shard holds notices
INDEXED_TABLES = ("notices", "parties", "findings", "vendor_mentions")  # what add_notices's SQL reads
_META, _MANAGED = "meta.json", ".managed.json"


@contextmanager
def segment_folder(fs: fsspec.AbstractFileSystem, folder: str, prefix: str) -> Iterator[Path]:
    """Where a segment is written for the dataset folder `folder`: `folder`/SEGMENT_DIR itself on a local
    dataset (what a killed run left there removed first), else a temporary folder, copied there once
    written, when anything was (tantivy writes to local files only)."""
    if isinstance(fs, LocalFileSystem):
        in_place = Path(folder) / SEGMENT_DIR
        shutil.rmtree(in_place, ignore_errors=True)
        yield in_place
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        written = Path(tmp) / SEGMENT_DIR
        yield written
        if written.is_dir() and any(written.iterdir()):
            if fs.exists(f"{folder}/{SEGMENT_DIR}"):  # what a killed run left
                fs.rm(f"{folder}/{SEGMENT_DIR}", recursive=True)
            fs.put(str(written), f"{folder}/{SEGMENT_DIR}", recursive=True)


class SegmentBuilder:
    """One shard's notices indexed chunk by chunk into `folder`, keyed from `key_base` on."""

    def __init__(self, folder: Path, key_base: int) -> None:
        self.folder = folder
        self.index = open_index(folder, create=True)
        self.writer = self.index.writer(heap_size=SEGMENT_HEAP, num_threads=1)
        self.con = duckdb.connect()
        self.con.execute("SET threads = 1")  # a worker process runs one task at a time on one core
        self.next_key = key_base
        self.ids: list[pa.Array] = []
        self.keys: list[pa.Array] = []

    def add(self, tables: dict[str, pa.Table]) -> None:
        notices = tables["notices"]
        if not notices.num_rows:
            return
        ids = notices.column("id").combine_chunks()
        keys = pa.array(range(self.next_key, self.next_key + len(ids)), pa.uint64())
        self.next_key += len(ids)
        for name in INDEXED_TABLES:  # the rows as the store holds them (dates as dates, …)
            self.con.register(f"_rows_{name}", tables[name])
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {name} AS {TABLE[name].stored_sql(f'_rows_{name}')}"
            )
        self.con.register("pw_session", pa.table({"id": ids, "key": keys}))
        add_notices(self.con, self.writer, replace=False)
        self.ids.append(ids)
        self.keys.append(keys)

    def finish(self) -> int:
        """Commit the segment and write its ids; return how many notices it holds."""
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.con.close()
        ids = pa.table(
            {
                "id": pa.concat_arrays(self.ids) if self.ids else pa.array([], pa.string()),
                "key": pa.concat_arrays(self.keys) if self.keys else pa.array([], pa.uint64()),
            }
        )
        pq.write_table(ids, self.folder / SEGMENT_IDS)
        return ids.num_rows


def first_segment_key(db_path: Path) -> int:
    """The first key of a run's first shard, above every key the index lists now; the run's shards
    follow KEY_STRIDE apart. A run that resumes finds the same keys (its shards' segments are reused)
    unless the index changed meanwhile: adopt_segments then refuses the segments below its keys."""
    ids_file = index_dir_for(db_path) / IDS_FILE
    top = -1
    if ids_file.exists():
        with duckdb.connect() as con:  # the file's statistics: no key is read into memory
            [(found,)] = con.execute(f"SELECT max(key) FROM read_parquet('{_sql_path(ids_file)}')").fetchall()
        top = -1 if found is None else int(found)
    return top + 1 + KEY_STRIDE


@dataclass(slots=True)
class Adopted:
    shards: int = 0
    notices: int = 0
    refused: int = 0  # shards with segments that could not be adopted (their notices are indexed later)
    seconds: float = 0.0  # checking and moving the segments
    merging: float = 0.0  # tantivy merging them


def adopt_segments(con: duckdb.DuckDBPyConnection, db_path: Path, dataset: str, shards: list[str]) -> Adopted:
    """Move the segments of `shards` (built under `dataset`, their notices stored whole by this run)
    into the store's index. `con` is the store, open for writing: no other process indexes meanwhile."""
    started = time.perf_counter()
    fs, root = fsspec.core.url_to_fs(dataset)
    built = [s for s in shards if fs.exists(f"{root.rstrip('/')}/{s}/{SEGMENT_DIR}/{SEGMENT_IDS}")]
    outcome = Adopted(refused=len(shards) - len(built))
    if not built:
        return outcome
    index_dir = index_dir_for(db_path)
    index = open_index(index_dir, create=True)
    ids_file = index_dir / IDS_FILE
    listed = (
        f"SELECT id, key FROM read_parquet('{_sql_path(ids_file)}')"
        if ids_file.exists()
        else "SELECT NULL::VARCHAR AS id, NULL::UBIGINT AS key WHERE false"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _indexed AS {listed}")
    (indexed, top) = con.execute("SELECT count(*), coalesce(max(key), -1) FROM _indexed").fetchall()[0]
    if index.searcher().num_docs != indexed:  # documents the id list does not name: a sync was cut short
        outcome.refused += len(built)
        return outcome
    con.execute("CREATE OR REPLACE TEMP TABLE _segment_ids (shard VARCHAR, id VARCHAR, key UBIGINT)")
    for shard in built:
        with fs.open(f"{root.rstrip('/')}/{shard}/{SEGMENT_DIR}/{SEGMENT_IDS}", "rb") as stream:
            con.register("_segment_rows", pq.read_table(stream))
        con.execute("INSERT INTO _segment_ids SELECT ?, id, key FROM _segment_rows", [shard])
        con.unregister("_segment_rows")
    # Stored whole by this run, the shards cannot share a notice. Their keys can overlap: a run that
    # resumes over changed input reuses shards keyed by another plan.
    refused = {
        shard
        for (shard,) in con.execute(
            """WITH spans AS (
                   SELECT shard, min(key) AS low, max(key) AS high FROM _segment_ids GROUP BY shard)
               SELECT shard FROM spans WHERE low <= ?
               UNION SELECT a.shard FROM spans a JOIN spans b
                     ON a.shard <> b.shard AND a.low <= b.high AND b.low <= a.high
               UNION SELECT DISTINCT shard FROM _segment_ids WHERE id IN (SELECT id FROM _indexed)""",
            [top],
        ).fetchall()
    }
    adopted = [s for s in built if s not in refused]
    outcome.refused += len(refused)
    if adopted:
        _move_segments(fs, root, adopted, index_dir)
        con.execute("DELETE FROM _segment_ids WHERE shard IN (SELECT unnest(?))", [sorted(refused)])
        tmp = index_dir / f"{IDS_FILE}.tmp"
        con.execute(
            f"COPY (SELECT id, key FROM _indexed UNION ALL SELECT id, key FROM _segment_ids ORDER BY key) "
            f"TO '{_sql_path(tmp)}' (FORMAT parquet)"
        )
        os.replace(tmp, ids_file)
        if not (index_dir / PURCHASERS_FILE).exists():
            (index_dir / PURCHASERS_FILE).write_text(purchasers_fingerprint())
        (outcome.notices,) = con.execute("SELECT count(*) FROM _segment_ids").fetchall()[0]
        outcome.shards = len(adopted)
        outcome.seconds = time.perf_counter() - started
        _merge(index_dir)
        outcome.merging = time.perf_counter() - started - outcome.seconds
    con.execute("DROP TABLE IF EXISTS _segment_ids")
    con.execute("DROP VIEW IF EXISTS _indexed")
    return outcome


def _move_segments(fs: fsspec.AbstractFileSystem, root: str, shards: list[str], index_dir: Path) -> None:
    """The segments' files into `index_dir`, then listed: first among tantivy's managed files (a file it
    manages and no meta.json names is deleted by its next commit), then in meta.json, replaced whole."""
    meta = json.loads((index_dir / _META).read_text())
    managed = (
        set(json.loads((index_dir / _MANAGED).read_text())) if (index_dir / _MANAGED).exists() else set()
    )
    gathered = gather_segments(fs, root, shards, index_dir, shutil.move)
    managed.update(gathered.files)
    meta["segments"].extend(gathered.meta["segments"] if gathered.meta else [])
    _replace_json(index_dir / _MANAGED, sorted(managed))
    _replace_json(index_dir / _META, meta)


@dataclass(slots=True)
class Gathered:
    meta: dict | None = None  # the first folder's meta.json, listing every folder's segments (or None)
    files: set[str] = field(default_factory=set)  # the files placed


def gather_segments(
    fs: fsspec.AbstractFileSystem,
    root: str,
    folders: list[str],
    target: Path,
    place: Callable[[str, Path], object],
) -> Gathered:
    """The segments of `folders` (each `root/<folder>/SEGMENT_DIR`) gathered into `target`: every file
    tantivy manages there but meta.json placed by `place(source, destination)` on a local dataset (moved,
    or linked), copied from another filesystem; and their meta.json's in one, the first's with every
    folder's segments and the highest opstamp."""
    gathered = Gathered()
    local = isinstance(fs, LocalFileSystem)
    for name in folders:
        source = f"{root.rstrip('/')}/{name}/{SEGMENT_DIR}"
        with fs.open(f"{source}/{_META}", "r") as stream:
            meta = json.load(stream)
        with fs.open(f"{source}/{_MANAGED}", "r") as stream:
            files = [file for file in json.load(stream) if file != _META]
        for file in files:
            if local:
                place(f"{source}/{file}", target / file)
            else:
                fs.get(f"{source}/{file}", str(target / file))
        gathered.files.update(files)
        if gathered.meta is None:
            gathered.meta = meta
        else:
            gathered.meta["segments"].extend(meta["segments"])
            gathered.meta["opstamp"] = max(gathered.meta["opstamp"], meta["opstamp"])
    return gathered


def _merge(index_dir: Path) -> None:
    """Commit nothing: tantivy then merges the small segments, as after any indexing session (on its
    merge threads: the writer indexes nothing, so one indexing thread)."""
    writer = open_index(index_dir).writer(heap_size=WRITER_HEAP, num_threads=1)
    writer.commit()
    writer.wait_merging_threads()


def _replace_json(path: Path, value: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
