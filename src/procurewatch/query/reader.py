"""The explorer's hold on a store: one read-only connection, the search index, and what is read up front.

Requests share one read-only DuckDB connection (a cursor each) and the search index, opened on
first use. A server (`prepare=True`) reads two things once in the background after start, and
answers meanwhile through plain SQL: every notice's filter/facet columns for search
(query/columns.py), and the analyses' per-procurement tables (query/counts.py). One-off use
(the CLI) reads nothing up front.

`writable=True` (a server that accepts reviewers' decisions, web/review.py) opens the one connection
read-write instead: DuckDB lets one process write, and a read-only connection in this process would
refuse a second, writable one. Only the review tables change under such a server; the tables read
up front do not depend on them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from procurewatch.query import counts as analysis
from procurewatch.query.columns import NoticeColumns
from procurewatch.search.index import SearchError, SearchIndex, index_dir_for
from procurewatch.store.db import open_store

log = logging.getLogger("procurewatch.query")

PREPARE_WAIT = 120.0  # seconds a request waits for what is read up front before using plain SQL
_VENDOR_ROWS = (
    "SELECT notice_id, vendor FROM vendor_mentions "
    "UNION SELECT notice_id, vendor FROM parties WHERE role = 'supplier' AND vendor IS NOT NULL"
)


class StoreReader:
    """One read-only connection to the store and the opened search index, shared by requests."""

    def __init__(self, db_path: Path, prepare: bool = False, writable: bool = False) -> None:
        self.db_path = Path(db_path)
        if not self.db_path.exists():
            raise FileNotFoundError(f"no store at {self.db_path}: run 'procurewatch ingest' first")
        self.writable = writable
        self.con = open_store(self.db_path) if writable else duckdb.connect(str(self.db_path), read_only=True)
        self._index: SearchIndex | None = None
        self._vendors: pa.Table | None = None
        self._lock = threading.Lock()
        self._columns: NoticeColumns | None = None
        self._columns_ready = threading.Event()
        self._analysis_ready = threading.Event()
        self.analysis_catalog: str | None = None
        # not a daemon: interpreter exit waits for it rather than tearing DuckDB down mid-query
        self._preparing: threading.Thread | None = None
        if prepare:
            self._preparing = threading.Thread(target=self._prepare, name="explorer-prepare")
            self._preparing.start()
        else:
            self._columns_ready.set()
            self._analysis_ready.set()

    def _prepare(self) -> None:
        try:
            with self.cursor() as cur:
                try:
                    keymap = self.index.keymap
                except SearchError:
                    keymap = pa.table({"id": pa.array([], pa.string()), "key": pa.array([], pa.uint64())})
                self._columns = NoticeColumns(cur, keymap)
        except Exception:  # the SQL path still answers; say why it is slower
            log.exception("could not read the notice columns; searching through SQL")
        finally:
            self._columns_ready.set()
        try:
            catalog = f"pw_read_{uuid.uuid4().hex[:12]}"
            with self.con.cursor() as cur:
                cur.execute(f"ATTACH ':memory:' AS {catalog} (READ_WRITE)")
                analysis.materialize_base(cur, catalog)
                self.analysis_catalog = catalog
        except Exception:
            log.exception("could not prepare the analysis tables; the dashboard reads the store directly")
        finally:
            self._analysis_ready.set()

    def notice_columns(self) -> NoticeColumns | None:
        """Every notice's search columns, once read (None when they could not be, or for one-off use)."""
        self._columns_ready.wait(PREPARE_WAIT)
        return self._columns

    def analysis_cursor(self) -> duckdb.DuckDBPyConnection | analysis.MaterializedBase:
        """A cursor for query/counts.py: its common tables read once at start when they are ready."""
        self._analysis_ready.wait(PREPARE_WAIT)
        cur = self.cursor()
        return analysis.MaterializedBase(cur, self.analysis_catalog) if self.analysis_catalog else cur

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for one request, with the (small) vendor rows table registered."""
        cur = self.con.cursor()
        cur.register("pw_vendor_rows", self._vendor_rows())
        return cur

    def _vendor_rows(self) -> pa.Table:
        # (notice_id, vendor) as supplier or mentioned: read once, the store does not change under us
        with self._lock:
            if self._vendors is None:
                self._vendors = self.con.cursor().sql(_VENDOR_ROWS).to_arrow_table()
            return self._vendors

    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex(index_dir_for(self.db_path))
            return self._index

    def close(self) -> None:
        if self._preparing is not None:
            self._preparing.join()
        self.con.close()
