"""Explorer: the read-only queries behind the web explorer and the CLI's `search` and `export`, in one place.

A thin facade: the store and index held by StoreReader (query/reader.py), search through
NoticeSearch (query/notice_search.py), and each other query (query/notices.py,
query/procurement.py, query/profiles.py) run on a cursor of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.query import counts as analysis
from procurewatch.query import notices, procurement, profiles
from procurewatch.query.columns import NoticeColumns
from procurewatch.query.filters import NoticeFilters
from procurewatch.query.notice_search import NoticeSearch, ResultPage
from procurewatch.query.reader import StoreReader
from procurewatch.search.index import SearchHits, SearchIndex


class Explorer:
    """One read-only connection to the store and the opened search index, shared by requests.
    `prepare`: read the search columns and analysis tables in the background (a server); `writable`:
    hold the store read-write, for reviewers' decisions (query/reader.py)."""

    def __init__(self, db_path: Path, prepare: bool = False, writable: bool = False) -> None:
        self.reader = StoreReader(db_path, prepare=prepare, writable=writable)
        self.searcher = NoticeSearch(self.reader)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.reader.con

    @property
    def index(self) -> SearchIndex:
        return self.reader.index

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.reader.cursor()

    def notice_columns(self) -> NoticeColumns | None:
        return self.reader.notice_columns()

    def analysis_cursor(self) -> duckdb.DuckDBPyConnection | analysis.MaterializedBase:
        return self.reader.analysis_cursor()

    def close(self) -> None:
        self.reader.close()

    def search(self, f: NoticeFilters, sort: str = "relevance", page: int = 1) -> ResultPage:
        return self.searcher.search(f, sort=sort, page=page)

    def notice_rows(self, ids: list[str]) -> list[dict[str, Any]]:
        """Display rows for these notices, in the given order."""
        with self.cursor() as cur:
            return notices.notice_rows(cur, ids)

    def ranked_ids(self, hits: SearchHits, limit: int) -> list[str]:
        """The `limit` best of a search's hits in relevance order (query/notices.ranked_ids)."""
        with self.cursor() as cur:
            return notices.ranked_ids(cur, hits, limit)

    def export_table(self, f: NoticeFilters, sort: str = "date", limit: int | None = None) -> pa.Table:
        """Every notice `f` selects as one table (query/notices.export_table)."""
        hits = self.searcher.hits(f)
        with self.cursor() as cur:
            return notices.export_table(cur, f, hits, sort=sort, limit=limit)

    def notice_ids(self, f: NoticeFilters) -> pa.Array:
        """The ids of every notice `f` selects (query/notices.notice_ids)."""
        hits = self.searcher.hits(f)
        with self.cursor() as cur:
            return notices.notice_ids(cur, f, hits)

    def procurement(self, pid: str) -> dict[str, Any] | None:
        with self.cursor() as cur:
            return procurement.procurement(cur, pid)

    def procurement_of(self, notice_id: str) -> str | None:
        with self.cursor() as cur:
            return procurement.procurement_of(cur, notice_id)

    def profile(self, f: NoticeFilters) -> dict[str, Any]:
        with self.cursor() as cur:
            return profiles.profile(cur, f)
