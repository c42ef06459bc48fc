"""Opening the DuckDB store, with every table of `store/tables.py` in place, and its memory limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb

from procurewatch import knowledge
from procurewatch.errors import StoreError
from procurewatch.store.tables import TABLES, schema_sql

T = TypeVar("T")


def open_store(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the store at `db_path` with every table and column of `store/tables.py` in place.

    Raises StoreError with a readable reason when the file cannot be used.
    """
    db_path = Path(db_path)
    if db_path.is_dir():
        raise StoreError(f"{db_path} is a folder, not a store file")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {db_path}: {exc.strerror}") from exc
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as exc:
        if is_locked(exc):
            raise in_use(db_path, exc) from exc
        raise StoreError(f"cannot open {db_path} as a DuckDB store: {_first_line(exc)}") from exc
    try:
        con.execute("SET enable_progress_bar = false")  # for queries over 2 s DuckDB would draw over ours
        add_missing_tables_and_columns(con)
        drop_implausible_amounts(con)
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot write the schema into {db_path}: {_first_line(exc)}") from exc
    return con


def drop_implausible_amounts(con: duckdb.DuckDBPyConnection) -> None:
    """Amounts an older version stored as inf (a 400-digit figure, an OCDS 1e308) or above today's ceiling
    (data/figures.json "amount_limits") become no amount, so every sum can be taken again: opening the
    store for writing (the next `ingest`) repairs it."""
    ceiling = float(knowledge.load_json("figures.json")["amount_limits"]["ceiling"])
    implausible = "{0} IS NOT NULL AND (isinf({0}) OR isnan({0}) OR abs({0}) > ?)"
    for table, column in (("notices", "amount_value"), ("procurements", "spend_value")):
        con.execute(f"UPDATE {table} SET {column} = NULL WHERE {implausible.format(column)}", [ceiling])
    con.execute(f"DELETE FROM amounts WHERE {implausible.format('value')}", [ceiling])


def is_locked(exc: BaseException) -> bool:
    """Whether DuckDB refused the store because another process holds its lock."""
    return isinstance(exc, duckdb.Error) and "lock" in str(exc).lower()


def in_use(db_path: Path, exc: BaseException) -> StoreError:
    """The one message for a store another process holds (ingest, serve and the review commands give it)."""
    return StoreError(
        f"{db_path} is in use by another process (a running 'procurewatch ingest' or 'serve'?): "
        f"wait for it or stop it, or choose another --db. ({_first_line(exc)})"
    )


def add_missing_tables_and_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables the store lacks, and add to the older tables of an older store the columns
    added to them since (at the end, as the spec has them; nullable, as the stored rows have no value)."""
    con.execute(schema_sql())
    present = set(
        con.execute(
            """SELECT table_name, column_name FROM duckdb_columns()
               WHERE database_name = current_database() AND schema_name = current_schema()"""
        ).fetchall()
    )
    for table in TABLES:
        for column in table.columns:
            if (table.name, column.name) not in present:
                con.execute(f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {column.name} {column.type}")


# DuckDB keeps what it reads and writes cached up to its memory limit (80% of RAM by default), so
# memory would grow with the corpus. While ingesting, the limit follows the store instead: what must
# stay in memory grows with the notices stored (the key indexes, MEMORY_PER_NOTICE a notice), and
# MEMORY_BASE holds each linking pass's temporary tables and hash tables; DuckDB evicts cached blocks
# beyond the limit. A step that still runs out goes on under DuckDB's own limit (ingest/steps.py).
MEMORY_BASE = 96 * 10**6
MEMORY_PER_NOTICE = 100
# Storing runs no linking pass: beside the key index it holds only the blocks being appended, which
# DuckDB writes out to its temporary file past the limit (docs/measurements.md).
STORING_MEMORY_BASE = 48 * 10**6
# A checkpoint reads back the rows DuckDB wrote out to its temporary file while storing and writes them
# into the store a block at a time: under the storing limit it filled that limit with them while the
# workers ran (the storing step's peak). Beside the key index it needs only the blocks it is writing
# (docs/measurements.md).
CHECKPOINT_MEMORY_BASE = 16 * 10**6


# What DuckDB raises when a statement, a COMMIT or a CHECKPOINT runs short of its memory limit: a COMMIT
# that cannot allocate fails as a TransactionException, and may invalidate the database (FatalException).
SHORT_OF_MEMORY = (duckdb.OutOfMemoryException, duckdb.TransactionException, duckdb.FatalException)
_MEMORY_WORDS = ("out of memory", "could not allocate", "failed to pin")


def short_of_memory(exc: BaseException) -> bool:
    """Whether `exc`, or the error it was raised while handling, is DuckDB running short of memory; an
    invalidated database counts, whatever invalidated it: opened again, it is worth one more try."""
    if isinstance(exc, duckdb.FatalException):
        return True
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, duckdb.OutOfMemoryException) or any(
            word in str(seen).lower() for word in _MEMORY_WORDS
        ):
            return True
        seen = seen.__context__
    return False


def within_memory_limit(con: duckdb.DuckDBPyConnection, limit: int, step: Callable[[], T]) -> T:
    """`step` under DuckDB's memory limit `limit` (spilling beyond it where DuckDB can), then the limit the
    connection had restored; a step that runs short of it is done again under that limit. The step must be
    one that can be done again (a read, or a transaction it rolls back when it fails)."""
    try:
        with memory_limited(con, limit):
            return step()
    except SHORT_OF_MEMORY as exc:
        if not short_of_memory(exc) or not still_usable(con):
            raise
    return step()


def still_usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether DuckDB still answers on `con` (it has not invalidated the database)."""
    try:
        con.execute("SELECT 1").fetchall()
        return True
    except duckdb.Error:  # invalidated (FatalException), or closed
        return False


def over_limit_note(step: str) -> str:
    """What the ingest summary says when `step` ran out of memory under the limit and went on without it."""
    return f"{step} needed more memory than planned; it went on without DuckDB's limit"


def memory_limit_for(notices: int) -> int:
    """DuckDB's memory limit while ingesting into a store of this many notices, in bytes."""
    return MEMORY_BASE + MEMORY_PER_NOTICE * notices


def storing_memory_limit_for(notices: int) -> int:
    """DuckDB's memory limit while storing notices into a store of this many, in bytes."""
    return STORING_MEMORY_BASE + MEMORY_PER_NOTICE * notices


def checkpoint_memory_limit_for(notices: int) -> int:
    """DuckDB's memory limit while checkpointing a store of this many notices during storing, in bytes."""
    return CHECKPOINT_MEMORY_BASE + MEMORY_PER_NOTICE * notices


def limit_memory(
    con: duckdb.DuckDBPyConnection, notices: int, limit_for: Callable[[int], int] = memory_limit_for
) -> int:
    """Apply `limit_for(notices)` (by default `memory_limit_for`) to the connection; return it."""
    limit = limit_for(notices)
    set_memory_limit(con, limit)
    return limit


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection holds an open transaction. Asked without trying BEGIN: with this DuckDB a
    BEGIN inside a transaction fails and aborts that transaction. Outside one, each statement is a
    transaction of its own, so two in a row get different ids; inside, both get the transaction's."""
    query = "SELECT txid_current()"
    first = con.execute(query).fetchall()
    return first == con.execute(query).fetchall()


def set_memory_limit(con: duckdb.DuckDBPyConnection, limit: int) -> None:
    """DuckDB's memory limit for this connection, in bytes."""
    con.execute(f"SET memory_limit = '{limit}B'")


@contextmanager
def memory_limited(con: duckdb.DuckDBPyConnection, limit: int) -> Iterator[None]:
    """Run DuckDB under `limit` bytes, then restore the limit the connection had (it belongs to the
    database instance, which the process's other connections to the store may share)."""
    [(before,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    con.execute(f"SET memory_limit = '{limit}B'")
    with _restored(con, f"SET memory_limit = '{before}'"):
        yield


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run DuckDB's statements on one thread, then restore the setting (it belongs to the database
    instance): each thread of a join pins blocks of its own under the same memory limit."""
    [(threads,)] = con.execute("SELECT current_setting('threads')").fetchall()
    con.execute("SET threads = 1")
    with _restored(con, f"SET threads = {int(threads)}"):
        yield


@contextmanager
def _restored(con: duckdb.DuckDBPyConnection, restore: str) -> Iterator[None]:
    """Run `restore` after the block. When the block failed inside a transaction, the transaction is
    aborted and refuses every statement until rolled back: the setting then stays as the block had it,
    and the block's own error (an out-of-memory the caller retries, say) is raised, not the refusal."""
    try:
        yield
    except BaseException:
        with suppress(duckdb.TransactionException):
            con.execute(restore)
        raise
    con.execute(restore)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
