"""Notice search: which notices match a query and filters, in what order, on which page, with facets.

The full-text index says which notices match (and how well); the same filters, exact facet
counts, order and pages then come from one of three places, which give identical answers
(tests/query/test_columns.py):
- broad searches by relevance (> BROAD_HITS hits): inside tantivy, from the facet fields indexed
  with each notice (terms aggregations, top hits with ties at the page edge resolved here);
- other searches and browsing: numpy over every notice's columns, read when the server starts
  (query/columns.py), so paging reaches the last result however many there are;
- until those columns are read (or for one-off CLI use): DuckDB over the hit ids.
Every value from a user is a bound parameter or an index term, never query syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from procurewatch.query.cache import LRU
from procurewatch.query.columns import NoticeColumns
from procurewatch.query.facets import FACET_LIMIT, Facets, index_facets, sql_facets
from procurewatch.query.filters import NoticeFilters, day
from procurewatch.query.notices import SORT_SQL, buyer_types, hits_source, notice_rows, where
from procurewatch.query.reader import StoreReader
from procurewatch.search.index import (
    IndexedSearch,
    InexactCounts,
    SearchError,
    SearchHits,
    filter_clauses,
    parse_user_query,
)

PER_PAGE = 20
# A search matching more notices than this, ranked by relevance, is filtered and counted inside
# the index rather than by fetching every hit into Python; smaller ones in memory.
BROAD_HITS = 10_000
BROAD_FETCH_LIMIT = 50_000  # deeper pages of a broad search fetch every hit instead
HIT_CACHE_MAX = 200_000  # searches with more hits than this are not kept
BASE_COLUMNS = tuple(
    f"n.{c}"
    for c in (
        "published",
        "relevant",
        "buyer",
        "city",
        "country",
        "province",
        "notice_type",
        "language",
        "amount_value",
    )
)


@dataclass
class ResultPage:
    total: int
    page: int
    pages: int
    rows: list[dict[str, Any]]
    facets: Facets
    hits: SearchHits | None = None
    message: str = ""
    terms: list[str] = field(default_factory=list)


def _page_of(total: int, page: int) -> tuple[int, int]:
    """(pages, the page asked for, kept within them)."""
    pages = max(1, -(-total // PER_PAGE))
    return pages, min(max(1, page), pages)


class NoticeSearch:
    """Searches over one store, keeping each query's hits, positions, orders and facet counts
    for the next pages and facet choices of the same search."""

    def __init__(self, reader: StoreReader) -> None:
        self.reader = reader
        self._hit_cache = LRU(16)
        self._base_cache = LRU(16)
        self._facet_cache = LRU(256)
        self._position_cache = LRU(16)
        self._order_cache = LRU(32)

    def hits(self, f: NoticeFilters) -> SearchHits | None:
        """The notices matching the full-text query of `f` (None without one); SearchError when
        the query cannot be run."""
        if not f.q:
            return None
        hits = self._hit_cache.get(f.q)
        if hits is None:
            hits = self.reader.index.search(f.q)
            if len(hits.keys) <= HIT_CACHE_MAX:
                self._hit_cache.put(f.q, hits)
        return hits

    def search(self, f: NoticeFilters, sort: str = "relevance", page: int = 1) -> ResultPage:
        """One page of the notices `f` selects, in `sort` order, with the facets."""
        if f.q and sort == "relevance" and self._hit_cache.get(f.q) is None:
            columns = self.reader.notice_columns()
            try:
                index = self.reader.index
                matching = index.count(f.q) if columns is not None and index.facets_current else 0
                if columns is not None and matching > BROAD_HITS:
                    found = self.search_indexed(columns, f, page, matching)
                    if found is not None:
                        return found
            except SearchError as exc:
                return ResultPage(0, 1, 1, [], {}, message=str(exc))
        try:
            hits = self.hits(f)
        except SearchError as exc:
            return ResultPage(0, 1, 1, [], {}, message=str(exc))
        if hits is None and sort == "relevance":
            sort = "date"
        columns = self.reader.notice_columns()
        if columns is not None:
            return self.search_columns(columns, f, hits, sort, page)
        return self.search_sql(f, hits, sort, page)

    def _base(self, cur: duckdb.DuckDBPyConnection, hits: SearchHits | None, q: str = "") -> str:
        """The matching notices' filter columns, fetched once per query (kept for its next pages
        and facet choices) and used for the count, the order and the facets."""
        if hits is None:
            return "notices n"
        base = self._base_cache.get(q) if q else None
        if base is None:
            base = cur.sql(
                f"SELECT n.id, {', '.join(BASE_COLUMNS)}, h.hit_score FROM {hits_source(cur, hits)}"
            ).to_arrow_table()
            if q and base.num_rows <= HIT_CACHE_MAX:
                self._base_cache.put(q, base)
        cur.register("pw_base", base)
        return "pw_base n"

    def search_sql(self, f: NoticeFilters, hits: SearchHits | None, sort: str, page: int) -> ResultPage:
        """search() through DuckDB, while the in-memory columns are not (yet) available."""
        with self.reader.cursor() as cur:
            source = self._base(cur, hits, f.q)
            params: list[Any] = []
            conds = " AND ".join(where(f, params))
            total = cur.execute(f"SELECT count(*) FROM {source} WHERE {conds}", params).fetchall()[0][0]
            pages, page = _page_of(total, page)
            order = SORT_SQL.get(sort, SORT_SQL["date"])
            ids = [
                r[0]
                for r in cur.execute(
                    f"SELECT n.id FROM {source} WHERE {conds} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, PER_PAGE, (page - 1) * PER_PAGE],
                ).fetchall()
            ]
            rows = notice_rows(cur, ids)
            key = f.query_string()
            facets = self._facet_cache.get(key)
            if facets is None:
                facets = sql_facets(cur, f, source)
                self._facet_cache.put(key, facets)
        return ResultPage(
            total, page, pages, rows, facets, hits=hits, terms=hits.parsed.highlight_terms() if hits else []
        )

    def search_columns(
        self, columns: NoticeColumns, f: NoticeFilters, hits: SearchHits | None, sort: str, page: int
    ) -> ResultPage:
        """search() over the in-memory columns: same filters, counts, order and pages."""
        if hits is None:
            rows, scores = columns.all_rows, None
        else:
            found = self._position_cache.get(f.q)
            if found is None:
                found = columns.positions_of_keys(hits.keys, hits.scores)
                self._position_cache.put(f.q, found)
            rows, scores = found
        conds = columns.conditions(f, rows)
        key = f.query_string(sort=sort)
        ordered = self._order_cache.get(key)
        if ordered is None:
            mask = columns.combined(conds, len(rows))
            ordered = columns.order(rows[mask], scores[mask] if scores is not None else None, sort)
            self._order_cache.put(key, ordered)
        total = len(ordered)
        pages, page = _page_of(total, page)
        ids = columns.ids_at(ordered[(page - 1) * PER_PAGE : page * PER_PAGE])
        facet_key = f.query_string()
        facets = self._facet_cache.get(facet_key)
        if facets is None:
            facets = columns.facets(rows, conds, FACET_LIMIT)
            self._facet_cache.put(facet_key, facets)
        with self.reader.cursor() as cur:
            shown = notice_rows(cur, ids)
        return ResultPage(
            total, page, pages, shown, facets, hits=hits, terms=hits.parsed.highlight_terms() if hits else []
        )

    def _index_clauses(self, f: NoticeFilters) -> dict[str, Any]:
        values = {name: list(getattr(f, name)) for name in ("country", "province", "notice_type", "language")}
        values |= {"category": list(f.category), "vendor": list(f.vendor)}
        values["buyer_type"] = [t for t in f.buyer_type if t in buyer_types()]
        values |= {"buyer": [f.buyer] if f.buyer else [], "city": [f.city] if f.city else []}
        epoch = date(1970, 1, 1)
        return filter_clauses(
            self.reader.index.schema,
            values={name: items for name, items in values.items() if items},
            years=[int(y) for y in f.year],
            day_from=(date.fromisoformat(day(f.date_from, end=False)) - epoch).days if f.date_from else None,
            day_to=(date.fromisoformat(day(f.date_to, end=True)) - epoch).days if f.date_to else None,
            relevant=f.relevant,
        )

    def search_indexed(
        self, columns: NoticeColumns, f: NoticeFilters, page: int, matching: int | None = None
    ) -> ResultPage | None:
        """A broad search ranked by relevance: filtered, counted and cut to its page inside the
        index, ties at the page edge broken in memory as SORT_SQL does. None when it cannot be
        answered that way (a deep page, or counts the index could only estimate)."""
        parsed = parse_user_query(f.q)
        clauses = self._index_clauses(f)
        indexed = IndexedSearch(self.reader.index, parsed, clauses)
        # `matching`: the unfiltered count the caller already has
        total = matching if matching is not None and not clauses else indexed.count()
        pages, page = _page_of(total, page)
        top = indexed.top(page * PER_PAGE, BROAD_FETCH_LIMIT) if total else ([], [])
        if top is None:
            return None
        facet_key = f.query_string()
        facets = self._facet_cache.get(facet_key)
        if facets is None:
            try:
                facets = index_facets(indexed)
            except InexactCounts:
                return None
            self._facet_cache.put(facet_key, facets)
        positions, scores = columns.positions_of_keys(*top)
        ordered = columns.order(positions, scores, "relevance")
        ids = columns.ids_at(ordered[(page - 1) * PER_PAGE : page * PER_PAGE])
        with self.reader.cursor() as cur:
            shown = notice_rows(cur, ids)
        return ResultPage(total, page, pages, shown, facets, terms=parsed.highlight_terms())
