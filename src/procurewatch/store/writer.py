"""Writing batches into the store: one transaction per batch, covering every table of its notices.

A notice whose id is already stored is not written again (nor are its child rows), so re-running
an interrupted ingest completes the batch in flight without duplicates. A batch's rows are Arrow
tables, or Parquet files on this machine's disk (a cluster shard's part files, `PartFile`), which
DuckDB reads itself: the rows never pass through Arrow in this process.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import TypeVar

import duckdb
import pyarrow as pa

from procurewatch.store.arrow_tables import FILES_SCHEMA, SCHEMAS
from procurewatch.store.db import (
    SHORT_OF_MEMORY,
    checkpoint_memory_limit_for,
    limit_memory,
    set_memory_limit,
    short_of_memory,
    still_usable,
    storing_memory_limit_for,
)
from procurewatch.store.tables import CHILD_TABLES, TABLE

T = TypeVar("T")


@dataclass(slots=True)
class FileRow:
    """A `files` row (store/tables.py), but for ingested_at, which the writer fills."""

    path: str
    size: int | None
    mtime: float | None
    status: str  # done | partial | skipped
    notices: int
    errors: int
    error: str | None


# The key of a part file's metadata giving its rows' size as Arrow tables (ingest/shards.py writes it).
ARROW_NBYTES = b"procurewatch:arrow_nbytes"


@dataclass(frozen=True, slots=True)
class PartFile:
    """A Parquet file on this machine holding rows of one store table, in its Arrow schema."""

    path: str
    rows: int
    nbytes: int  # the rows' size as Arrow tables: the checkpoints come after the same bytes as from Arrow

    @classmethod
    def of(cls, path: str) -> PartFile:
        import pyarrow.parquet as pq  # only a cluster client reads part files: ~6 MB a local ingest spares

        meta = pq.read_metadata(path)
        written = (meta.metadata or {}).get(ARROW_NBYTES)
        # A checkpoint's memory follows the rows it writes: counted otherwise (the Parquet's own uncompressed
        # figure is ~3/4 of it), checkpoints came later, and one at 200,000 notices failed under its limit.
        nbytes = int(written) if written is not None else pq.read_table(path).nbytes  # an older part file
        return cls(path, meta.num_rows, nbytes)

    def table(self, name: str) -> pa.Table:
        import pyarrow.parquet as pq

        return pq.read_table(self.path, schema=SCHEMAS[name])


# A run of one table's rows in a batch, written by one INSERT: Arrow rows, or Parquet files read in order.
Rows = pa.Table | tuple[str, ...]


@dataclass
class Batch:
    """Notices (as Arrow tables or Parquet part files) and finished files waiting to be committed together."""

    parts: dict[str, list[pa.Table | PartFile]] = field(
        default_factory=lambda: {name: [] for name in SCHEMAS}
    )
    ids: set[str] = field(default_factory=set)
    files: list[FileRow] = field(default_factory=list)
    whole: list[str] = field(default_factory=list)  # the named pieces added with every notice they hold
    nbytes: int = 0  # the rows' size as Arrow tables (`pa.Table.nbytes`), summed as pieces are added

    @property
    def notices(self) -> int:
        return len(self.ids)

    def add(
        self,
        tables: dict[str, pa.Table],
        ids: list[str],
        name: str | None = None,
        part_files: dict[str, PartFile] | None = None,
        sizes: dict[str, int] | None = None,
    ) -> None:
        """Add a piece's rows: `tables` (each one's `nbytes` in `sizes`, when known), or, given, its
        `part_files` (one a store table) instead."""
        if self.ids.isdisjoint(ids) and len(set(ids)) == len(ids):
            self.ids.update(ids)
            if name is not None:
                self.whole.append(name)
            pieces: dict[str, pa.Table] | dict[str, PartFile] = part_files or tables
        else:  # the same notice twice in one batch (e.g. a file given twice): keep its first copy
            if part_files is not None:
                tables = {table_name: part.table(table_name) for table_name, part in part_files.items()}
            fresh = [i for i in dict.fromkeys(ids) if i not in self.ids]
            self.ids.update(fresh)
            pieces = _only_ids(tables, fresh)
            sizes = None
        for table_name, piece in pieces.items():
            if isinstance(piece, PartFile):
                if piece.rows:
                    self.parts[table_name].append(piece)
                    self.nbytes += piece.nbytes
            elif piece.num_rows:
                self.parts[table_name].append(piece)
                self.nbytes += sizes[table_name] if sizes is not None else piece.nbytes

    def rows(self) -> dict[str, list[Rows]]:
        """Each table's rows in the order they were added: consecutive Arrow tables as one table,
        consecutive part files as one run of paths."""
        out: dict[str, list[Rows]] = {}
        for name, parts in self.parts.items():
            out[name] = []
            for on_disk, group in groupby(parts, lambda part: isinstance(part, PartFile)):
                run = list(group)
                out[name].append(tuple(p.path for p in run) if on_disk else pa.concat_tables(run))  # type: ignore[union-attr, arg-type]
        return out


def _only_ids(tables: dict[str, pa.Table], keep: list[str]) -> dict[str, pa.Table]:
    import pyarrow.compute as pc  # only for a notice given twice: the storing process spares loading it

    keep_set = pa.array(keep, pa.string())
    out: dict[str, pa.Table] = {}
    notices = tables["notices"]
    # duplicates inside one chunk: keep the first row of each id
    first_rows: dict[str, int] = {}
    for i, nid in enumerate(notices.column("id").to_pylist()):
        first_rows.setdefault(nid, i)
    out["notices"] = notices.take(pa.array([first_rows[k] for k in keep], pa.int64()))
    for name in CHILD_TABLES:
        table = tables[name]
        out[name] = table.filter(pc.is_in(table.column("notice_id"), value_set=keep_set))
    return out


# The name of the Arrow table an INSERT reads: a local variable of the method that runs it.
ROWS = "batch_rows"


def _insert(table: str, rows: str, verb: str = "INSERT") -> str:
    """`INSERT INTO table (...) SELECT ... FROM rows`, every column as the store holds it."""
    names = ", ".join(c.name for c in TABLE[table].columns)
    return f"{verb} INTO {table} ({names}) {TABLE[table].stored_sql(rows)}"


# The writer checkpoints (has DuckDB write its log into the store file) after this many bytes of rows.
# DuckDB's own checkpoint, once its small log threshold is passed, rewrote the row groups it had partly
# written before, so checkpoints grew with the store; a checkpoint every CHECKPOINT_AFTER_BYTES writes each
# row once, at a cost that stays flat (docs/measurements.md), and a crash leaves at most that much log,
# which DuckDB replays when the store is next opened. Checkpointing here, outside any transaction, means a
# checkpoint that runs out of memory is retried under DuckDB's own limit without touching the batch
# already committed.
CHECKPOINT_AFTER_BYTES = 256 * 2**20
DUCKDB_CHECKPOINT_THRESHOLD = "4GB"  # DuckDB's own, then only a backstop

# Notices in batches waiting to be written (see BackgroundWriter).
WRITE_AHEAD_NOTICES = 8_000


class StoreWriter:
    """Commits batches to an open store connection, with DuckDB's memory following the store's size.

    Each INSERT reads its Arrow table from a local variable of the method running it (DuckDB's
    replacement scan, `ROWS`): registering the table as a view and dropping it cost more than the
    INSERT of most child tables (docs/measurements.md)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, reopen: Callable[[], duckdb.DuckDBPyConnection] | None = None
    ) -> None:
        self.con = con
        self._reopen = reopen  # opens the store again after DuckDB invalidated `con` (_after_failure)
        _writing_settings(con)
        self._unsaved = 0  # bytes of rows written since the last checkpoint
        self.fresh = True  # no batch so far met a notice already stored
        self.batches_written = 0
        (self.stored,) = con.execute("SELECT count(*) FROM notices").fetchall()[0]
        self._memory_limit = limit_memory(con, self.stored, storing_memory_limit_for)
        self.unlimited = False  # set once a batch needed more than the limit
        if self.stored:
            # rows a crash left in DuckDB's log (up to CHECKPOINT_AFTER_BYTES, replayed as the store
            # opened) are written into the store file first: left for later, they would be checkpointed
            # together with the next CHECKPOINT_AFTER_BYTES of rows, beyond what the checkpoint's memory
            # limit plans for. With no log, the checkpoint has nothing to write.
            self.checkpoint()

    def _fit_memory(self) -> None:
        if not self.unlimited and storing_memory_limit_for(self.stored) > self._memory_limit * 1.1:
            self._memory_limit = limit_memory(self.con, self.stored, storing_memory_limit_for)

    def write(self, batch: Batch) -> int:
        """Commit one batch in one transaction; return how many notices were new.

        A batch that runs out of DuckDB's memory is rolled back and written again under DuckDB's own
        limit (80% of RAM), which then holds for the rest of the run: the limit is an estimate, and a
        store it falls short for is no reason to lose data."""
        rows = batch.rows()
        files = _files_table(batch.files)
        added = self._unless_out_of_memory(lambda: self._write_fresh_or_not(rows, batch.ids, files))
        self._unsaved += batch.nbytes
        if self._unsaved >= CHECKPOINT_AFTER_BYTES:
            self.checkpoint()
        return added

    def checkpoint(self) -> None:
        """Write DuckDB's log into the store file, under the checkpoint's own memory limit (store/db.py);
        a checkpoint that falls short of it is run again under the storing limit (and, for the rest of
        the run, under DuckDB's own if that falls short too)."""
        if not self.unlimited:
            set_memory_limit(self.con, checkpoint_memory_limit_for(self.stored))
            try:
                self.con.execute("CHECKPOINT")
                self._unsaved = 0
                return
            except SHORT_OF_MEMORY as exc:
                if not short_of_memory(exc):
                    raise
            finally:
                with contextlib.suppress(duckdb.FatalException):  # reopened below, under no limit
                    set_memory_limit(self.con, self._memory_limit)
        self._unless_out_of_memory(lambda: self.con.execute("CHECKPOINT"))
        self._unsaved = 0

    def _unless_out_of_memory(self, step: Callable[[], T]) -> T:
        try:
            return step()
        except SHORT_OF_MEMORY as exc:
            if self.unlimited or not short_of_memory(exc):
                raise
            self._after_failure(exc)
            self.unlimited = True
            self.con.execute("RESET memory_limit")
            return step()

    def _after_failure(self, exc: duckdb.Error) -> None:
        """A COMMIT or CHECKPOINT that runs out of memory can leave DuckDB's database invalidated: what
        was committed before is in the store file and DuckDB's log, so the store is opened again (the
        log replayed) and the step done again, without the limit. Without `reopen`, `exc` is raised."""
        if not isinstance(exc, duckdb.FatalException) and still_usable(self.con):
            return
        if self._reopen is None:
            raise exc
        with contextlib.suppress(duckdb.Error):
            self.con.close()
        self.con = self._reopen()
        _writing_settings(self.con)
        (self.stored,) = self.con.execute("SELECT count(*) FROM notices").fetchall()[0]

    def _write_fresh_or_not(self, rows: dict[str, list[Rows]], ids: set[str], files: pa.Table) -> int:
        """A plain INSERT costs less than one skipping the ids already stored, and a new store or a new
        file meets none: the batch is written plainly until a stored id refuses it (a rerun over notices
        stored before), then again, and every later batch, skipping them."""
        if self.fresh:
            try:
                return self._write(rows, ids, files)
            except duckdb.ConstraintException:
                self.fresh = False
        return self._write(rows, ids, files)

    def _write(self, rows: dict[str, list[Rows]], ids: set[str], files: pa.Table) -> int:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            added = self._insert_notices(rows["notices"], ids)
            if added:
                self._insert_children(rows, added, everything_new=len(added) == len(ids))
            self._upsert_files(files)
            con.execute("COMMIT")
        except BaseException:
            # a COMMIT that failed has ended the transaction itself (or invalidated the database): its
            # error is the one to raise
            with contextlib.suppress(duckdb.TransactionException, duckdb.FatalException):
                con.execute("ROLLBACK")
            raise
        self.batches_written += 1
        self.stored += len(added)
        self._fit_memory()
        return len(added)

    def _insert_notices(self, runs: list[Rows], ids: set[str]) -> list[str]:
        """Insert the batch's notices (`ids`); return the ids that went in."""
        if self.fresh:  # every row goes in, or a stored id refuses them all
            for rows in runs:
                self._insert_rows("notices", rows)
            return list(ids)
        added: list[str] = []
        for rows in runs:
            added += [
                r[0] for r in self._insert_rows("notices", rows, " ON CONFLICT DO NOTHING RETURNING id")
            ]
        return added

    def _insert_children(self, runs: dict[str, list[Rows]], added: list[str], everything_new: bool) -> None:
        """Insert the child rows of the notices `added` (of the batch being written)."""
        batch_new = None if everything_new else pa.table({"id": pa.array(added, pa.string())})  # noqa: F841
        where = "" if everything_new else " WHERE notice_id IN (SELECT id FROM batch_new)"
        for name in CHILD_TABLES:
            for rows in runs[name]:
                self._insert_rows(name, rows, where)

    def _insert_rows(self, table: str, rows: Rows, tail: str = "", verb: str = "INSERT") -> list[tuple]:
        """One INSERT of `rows` (Arrow rows, or part files DuckDB reads in their order) into `table`."""
        if isinstance(rows, pa.Table):
            batch_rows = rows  # noqa: F841 (read by the INSERT: ROWS)
            return self.con.execute(_insert(table, ROWS, verb) + tail).fetchall()
        return self.con.execute(_insert(table, _read_parquet(rows), verb) + tail).fetchall()

    def _upsert_files(self, files: pa.Table) -> None:
        if not files.num_rows:
            return
        batch_rows = files  # noqa: F841 (read by the INSERT: ROWS)
        self.con.execute(_insert("files", ROWS, "INSERT OR REPLACE"))


class BackgroundWriter:
    """Commits batches, in order, on a thread of its own while the caller gathers the next ones.

    DuckDB releases the GIL while it inserts and commits, so the worker processes' results keep being
    collected meanwhile. Up to `WRITE_AHEAD_NOTICES` wait behind the batch being written: a checkpoint
    then holds up the writer, not the workers. Once a write
    fails, no later batch is written (a file must never be recorded after notices that are missing);
    `submit` and `wait` raise that error.
    """

    def __init__(self, writer: StoreWriter, batch_size: int) -> None:
        self.writer = writer
        self.added = 0
        self.stored_whole: list[str] = []  # named pieces whose every notice was new to the store
        waiting = max(1, WRITE_AHEAD_NOTICES // batch_size)
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=waiting)
        self._error: BaseException | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="procurewatch-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            try:
                if self._error is None and not self._closing:
                    added = self.writer.write(batch)
                    self.added += added
                    if added == batch.notices:
                        self.stored_whole.extend(batch.whole)
            except BaseException as exc:  # handed to the caller by submit or wait
                self._error = exc
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, batch: Batch) -> None:
        """Queue `batch` behind those waiting (blocking while the queue is full)."""
        self._raise_failure()
        self._queue.put(batch)

    def wait(self) -> None:
        """Block until every batch submitted is committed (or one has failed: its error is raised)."""
        self._queue.join()
        self._raise_failure()

    def close(self) -> None:
        """Finish the batch being written, drop those waiting, and stop the thread, raising nothing
        (after `wait` there is nothing left; otherwise the caller is already leaving on an error)."""
        self._closing = True
        self._queue.put(None)
        self._thread.join()


def _writing_settings(con: duckdb.DuckDBPyConnection) -> None:
    # One batch is a few thousand rows: DuckDB's second thread costs more CPU than it saves time,
    # and the ingest workers have the other cores.
    con.execute("SET threads = 1")
    con.execute("SET python_enable_replacements = true")
    con.execute("SET python_scan_all_frames = true")  # a wrapped connection runs the query a frame down
    con.execute(f"SET checkpoint_threshold = '{DUCKDB_CHECKPOINT_THRESHOLD}'")


def _read_parquet(paths: tuple[str, ...]) -> str:
    return "read_parquet([" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + "])"


def _files_table(rows: list[FileRow]) -> pa.Table:
    # the same path twice in one batch (given twice on the command line): the last word wins
    last = {r.path: r for r in rows}
    return pa.table(
        {name: [getattr(r, name) for r in last.values()] for name in FILES_SCHEMA.names},
        schema=FILES_SCHEMA,
    )


def done_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, float]]:
    """Files fully ingested before, with the size and mtime they had then."""
    rows = con.execute("SELECT path, size, mtime FROM files WHERE status = 'done'").fetchall()
    return {path: (size, mtime) for path, size, mtime in rows}
