"""Writing batches into the store: one transaction per batch, covering every table of its notices.

A notice whose id is already stored is not written again (nor are its child rows), so re-running
an interrupted ingest completes the batch in flight without duplicates.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from procurewatch.store.arrow_tables import FILES_SCHEMA, SCHEMAS, empty_tables
from procurewatch.store.db import limit_memory, memory_limit_for
from procurewatch.store.tables import CHILD_TABLES, TABLE


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


@dataclass
class Batch:
    """Notices (as Arrow tables) and finished files waiting to be committed together."""

    parts: dict[str, list[pa.Table]] = field(default_factory=lambda: {name: [] for name in SCHEMAS})
    ids: set[str] = field(default_factory=set)
    files: list[FileRow] = field(default_factory=list)

    @property
    def notices(self) -> int:
        return len(self.ids)

    def add(self, tables: dict[str, pa.Table], ids: list[str]) -> None:
        if self.ids.isdisjoint(ids) and len(set(ids)) == len(ids):
            self.ids.update(ids)
        else:  # the same notice twice in one batch (e.g. a file given twice): keep its first copy
            fresh = [i for i in dict.fromkeys(ids) if i not in self.ids]
            self.ids.update(fresh)
            tables = _only_ids(tables, fresh)
        for name, table in tables.items():
            if table.num_rows:
                self.parts[name].append(table)

    def tables(self) -> dict[str, pa.Table]:
        out = empty_tables()
        for name, parts in self.parts.items():
            if parts:
                out[name] = pa.concat_tables(parts)
        return out


def _only_ids(tables: dict[str, pa.Table], keep: list[str]) -> dict[str, pa.Table]:
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


def _insert(table: str, rows: str, verb: str = "INSERT") -> str:
    """`INSERT INTO table (...) SELECT ... FROM rows`, with every column of the table: those the rows
    do not carry as the writer fills them, and those of another kind in the rows cast."""
    columns = TABLE[table].columns
    names = ", ".join(c.name for c in columns)
    values = ", ".join(c.value_sql for c in columns)
    return f"{verb} INTO {table} ({names}) SELECT {values} FROM {rows}"


class StoreWriter:
    """Commits batches to an open store connection, with DuckDB's memory following the store's size."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        # One batch is a few thousand rows: DuckDB's second thread costs more CPU than it saves time,
        # and the ingest workers have the other cores.
        con.execute("SET threads = 1")
        self.fresh = True  # no batch so far met a notice already stored
        self.batches_written = 0
        (self.stored,) = con.execute("SELECT count(*) FROM notices").fetchall()[0]
        self._memory_limit = limit_memory(con, self.stored)
        self.unlimited = False  # set once a batch needed more than the limit

    def _fit_memory(self) -> None:
        if not self.unlimited and memory_limit_for(self.stored) > self._memory_limit * 1.1:
            self._memory_limit = limit_memory(self.con, self.stored)

    def write(self, batch: Batch) -> int:
        """Commit one batch in one transaction; return how many notices were new.

        A batch that runs out of DuckDB's memory is rolled back and written again under DuckDB's own
        limit (80% of RAM), which then holds for the rest of the run: the limit is an estimate, and a
        store it falls short for is no reason to lose data."""
        tables = batch.tables()
        files = _files_table(batch.files)
        try:
            return self._write_fresh_or_not(tables, files)
        except duckdb.OutOfMemoryException:
            if self.unlimited:
                raise
            self.unlimited = True
            self.con.execute("RESET memory_limit")
            return self._write_fresh_or_not(tables, files)

    def _write_fresh_or_not(self, tables: dict[str, pa.Table], files: pa.Table) -> int:
        """A plain INSERT costs less than one skipping the ids already stored, and a new store or a new
        file meets none: the batch is written plainly until a stored id refuses it (a rerun over notices
        stored before), then again, and every later batch, skipping them."""
        if self.fresh:
            try:
                return self._write(tables, files)
            except duckdb.ConstraintException:
                self.fresh = False
        return self._write(tables, files)

    def _write(self, tables: dict[str, pa.Table], files: pa.Table) -> int:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            added = self._insert_notices(tables["notices"])
            if added:
                self._insert_children(tables, added)
            self._upsert_files(files)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("batch_notices", "batch_new", "batch_files", *(f"batch_{t}" for t in CHILD_TABLES)):
                con.unregister(name)
        self.batches_written += 1
        self.stored += len(added)
        self._fit_memory()
        return len(added)

    def _insert_notices(self, notices: pa.Table) -> list[str]:
        if not notices.num_rows:
            return []
        self.con.register("batch_notices", notices)
        skip_stored = "" if self.fresh else " ON CONFLICT DO NOTHING"
        rows = self.con.execute(f"{_insert('notices', 'batch_notices')}{skip_stored} RETURNING id").fetchall()
        return [r[0] for r in rows]

    def _insert_children(self, tables: dict[str, pa.Table], added: list[str]) -> None:
        everything_new = len(added) == tables["notices"].num_rows
        if not everything_new:
            self.con.register("batch_new", pa.table({"id": pa.array(added, pa.string())}))
        for name in CHILD_TABLES:
            table = tables[name]
            if not table.num_rows:
                continue
            view = f"batch_{name}"
            self.con.register(view, table)
            where = "" if everything_new else " WHERE notice_id IN (SELECT id FROM batch_new)"
            self.con.execute(_insert(name, view) + where)

    def _upsert_files(self, files: pa.Table) -> None:
        if not files.num_rows:
            return
        self.con.register("batch_files", files)
        self.con.execute(_insert("files", "batch_files", "INSERT OR REPLACE"))


class BackgroundWriter:
    """Commits batches on a thread of its own while the caller gathers the next one.

    DuckDB releases the GIL while it inserts and commits, so the worker processes' results keep being
    collected meanwhile. One batch at most is being written: `submit` first waits for the one before,
    and re-raises what it failed with.
    """

    def __init__(self, writer: StoreWriter) -> None:
        self.writer = writer
        self.added = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="procurewatch-writer")
        self._pending: Future[int] | None = None

    def submit(self, batch: Batch) -> None:
        self.wait()
        self._pending = self._thread.submit(self.writer.write, batch)

    def wait(self) -> None:
        """Block until the batch being written is committed (or has failed: its error is raised)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self.added += pending.result()

    def close(self) -> None:
        """Wait for the last write without raising (the caller is already leaving), then stop the thread."""
        try:
            if self._pending is not None:
                self._pending.exception()
        finally:
            self._thread.shutdown(wait=True)


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
