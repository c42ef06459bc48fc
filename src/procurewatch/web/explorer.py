"""Read-only queries behind the explorer's pages: search with facets, procurements, profiles.

Search results are notices. The full-text index says which notices match (and how well); the
same filters, exact facet counts, order and pages then come from one of three places, which give
identical answers (tests/web/test_notice_columns.py):
- broad searches by relevance (> BROAD_HITS hits): inside tantivy, from the facet fields indexed
  with each notice (terms aggregations, top hits with ties at the page edge resolved here);
- other searches and browsing: numpy over every notice's columns, read when the server starts
  (notice_columns.py), so paging reaches the last result however many there are;
- until those columns are read (or for one-off CLI use): DuckDB over the hit ids.
Every value from a user is a bound parameter or an index term, never query syntax.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.detect.purchaser import buyer_type_condition, purchaser_patterns
from procurewatch.query import counts as analysis
from procurewatch.query.filters import NoticeFilters, day
from procurewatch.search.index import (
    IndexedSearch,
    InexactCounts,
    SearchError,
    SearchHits,
    SearchIndex,
    filter_clauses,
    index_dir_for,
    parse_user_query,
)
from procurewatch.web.notice_columns import NoticeColumns

log = logging.getLogger("procurewatch.web")

PER_PAGE = 20
# A search matching more notices than this, ranked by relevance, is filtered and counted inside
# the index (fetching every hit into Python costs ~0.3 s per 400k); smaller ones in memory.
BROAD_HITS = 10_000
BROAD_FETCH_LIMIT = 50_000  # deeper pages of a broad search fetch every hit instead
INDEX_FACETS = ("year", "country", "province", "notice_type", "language", "category", "vendor", "buyer_type")
PREPARE_WAIT = 120.0  # seconds a request waits for the in-memory columns before using plain SQL
HIT_CACHE_MAX = 200_000
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
FACET_LIMIT = 12
SORT_SQL = {
    "relevance": "hit_score DESC, n.published DESC NULLS LAST, n.id",
    "date": "n.published DESC NULLS LAST, n.id",
    "date_asc": "n.published ASC NULLS LAST, n.id",
    "amount": "n.amount_value DESC NULLS LAST, n.id",
}
_VENDOR_ROWS = (
    "SELECT notice_id, vendor FROM vendor_mentions "
    "UNION SELECT notice_id, vendor FROM parties WHERE role = 'supplier' AND vendor IS NOT NULL"
)
FACETS: dict[str, str] = {
    "year": "CAST(year(n.published) AS VARCHAR)",
    "country": "n.country",
    "province": "n.province",
    "notice_type": "n.notice_type",
    "language": "n.language",
}
EXPORT_COLUMNS = (
    "id",
    "procurement_id",
    "published",
    "notice_type",
    "title",
    "buyer",
    "amount_value",
    "amount_currency",
    "country",
    "province",
    "city",
    "categories",
    "vendors",
    "url",
)


_NOTICE_COLUMNS = """n.id, n.title, n.notice_type, n.published, n.buyer, n.project_code, n.ocid, n.path,
    n.locator, n.url, n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score"""
_PHASE = """CASE n.notice_type WHEN 'tender' THEN 0 WHEN 'amendment' THEN 1 WHEN 'award' THEN 2
    WHEN 'contract' THEN 3 WHEN 'cancellation' THEN 4 ELSE 5 END"""
# the phases of one procurement in order: tender → amendment → award → contract, then by date
_PROCUREMENT_NOTICES = f"""
SELECT {_NOTICE_COLUMNS}, l.reason, l.score AS link_score, l.duplicate_of
FROM notice_links l JOIN notices n ON n.id = l.notice_id
WHERE l.procurement_id = ?
ORDER BY {_PHASE}, n.published NULLS LAST, n.id"""
_UNLINKED_NOTICE = f"""
SELECT {_NOTICE_COLUMNS}, 'unlinked' AS reason, 1.0 AS link_score, NULL AS duplicate_of
FROM notices n WHERE n.id = ? AND n.id NOT IN (SELECT notice_id FROM notice_links WHERE notice_id = n.id)"""


_PER_NOTICE = {
    "details": """SELECT id AS notice_id, title, body, attachments, country, province, city, district,
                  language, kind, path, locator FROM notices WHERE id IN {ids}""",
    "parties": """SELECT notice_id, role, position, name, vendor FROM parties WHERE notice_id IN {ids}
                  ORDER BY notice_id, role, position""",
    "amounts": """SELECT notice_id, value, currency, kind FROM amounts WHERE notice_id IN {ids}
                  ORDER BY notice_id, position""",
    "findings": """SELECT notice_id, category, score FROM findings WHERE notice_id IN {ids}
                   ORDER BY notice_id, score DESC""",
    "items": """SELECT notice_id, description, scheme, code FROM items WHERE notice_id IN {ids}
                ORDER BY notice_id, position""",
    "evidence": """SELECT notice_id, subject_kind, subject, field, start_offset, end_offset, text FROM evidence
                   WHERE notice_id IN {ids} ORDER BY notice_id, field, start_offset""",
}


@dataclass
class ResultPage:
    total: int
    page: int
    pages: int
    rows: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]
    hits: SearchHits | None = None
    message: str = ""
    terms: list[str] = field(default_factory=list)


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def buyer_types() -> dict[str, list[str]]:
    """Purchaser types and their name patterns; empty when no purchaser lexicon is installed."""
    try:
        return purchaser_patterns()
    except ValueError:
        return {}


def _rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def _in(values: list[str], params: list[Any]) -> str:
    params.extend(values)
    return "(" + ", ".join("?" for _ in values) + ")"


class Explorer:
    """One read-only connection to the store and the opened search index, shared by requests."""

    def __init__(self, db_path: Path, prepare: bool = False) -> None:
        self.db_path = Path(db_path)
        if not self.db_path.exists():
            raise FileNotFoundError(f"no store at {self.db_path}: run 'procurewatch ingest' first")
        self.con = duckdb.connect(str(self.db_path), read_only=True)
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()
        # The store is open read-only and DuckDB's file lock keeps writers out while we run,
        # so search hits and facet counts can be kept for paging through the same result set.
        self._vendors: pa.Table | None = None
        self._hit_cache = LRU(16)
        self._base_cache = LRU(16)
        self._facet_cache = LRU(256)
        self._position_cache = LRU(16)
        self._order_cache = LRU(32)
        # Read once in the background after start (the server answers meanwhile): every notice's
        # filter/facet columns for search, and the analyses' per-procurement tables.
        self._columns: NoticeColumns | None = None
        self._columns_ready = threading.Event()
        self._analysis_ready = threading.Event()
        self.analysis_catalog: str | None = None
        # not a daemon: interpreter exit waits for it rather than tearing DuckDB down mid-query
        self._preparing: threading.Thread | None = None
        if prepare:
            self._preparing = threading.Thread(target=self._prepare, name="explorer-prepare")
            self._preparing.start()
        else:  # one-off use (the CLI): plain SQL, nothing read up front
            self._columns_ready.set()
            self._analysis_ready.set()

    def _prepare(self) -> None:
        try:
            cur = self.cursor()
            try:
                try:
                    keymap = self.index.keymap
                except SearchError:
                    keymap = pa.table({"id": pa.array([], pa.string()), "key": pa.array([], pa.uint64())})
                self._columns = NoticeColumns(cur, keymap)
            finally:
                cur.close()
        except Exception:  # the SQL path still answers; say why it is slower
            log.exception("could not read the notice columns; searching through SQL")
        finally:
            self._columns_ready.set()
        try:
            catalog = f"pw_read_{uuid.uuid4().hex[:12]}"
            cur = self.con.cursor()
            try:
                cur.execute(f"ATTACH ':memory:' AS {catalog} (READ_WRITE)")
                analysis.materialize_base(cur, catalog)
                self.analysis_catalog = catalog
            finally:
                cur.close()
        except Exception:
            log.exception("could not prepare the analysis tables; the dashboard reads the store directly")
        finally:
            self._analysis_ready.set()

    def notice_columns(self) -> NoticeColumns | None:
        self._columns_ready.wait(PREPARE_WAIT)
        return self._columns

    def analysis_cursor(self) -> duckdb.DuckDBPyConnection | analysis.MaterializedBase:
        """A cursor for analysis.py: its common tables read once at start when they are ready."""
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

    # ------------------------------------------------------------ filters

    def _where(self, f: NoticeFilters, params: list[Any], skip: str | None = None) -> list[str]:
        conds = ["TRUE"]
        if f.relevant:
            conds.append("n.relevant")
        if f.date_from:
            conds.append("n.published >= CAST(? AS DATE)")
            params.append(day(f.date_from, end=False))
        if f.date_to:
            conds.append("n.published <= CAST(? AS DATE)")
            params.append(day(f.date_to, end=True))
        if f.buyer:
            conds.append("n.buyer = ?")
            params.append(f.buyer)
        if f.city:
            conds.append("n.city = ?")
            params.append(f.city)
        if f.year and skip != "year":
            conds.append(f"year(n.published) IN {_in([int(y) for y in f.year], params)}")
        for name, column in (
            ("country", "n.country"),
            ("province", "n.province"),
            ("notice_type", "n.notice_type"),
            ("language", "n.language"),
        ):
            values = getattr(f, name)
            if values and skip != name:
                conds.append(f"{column} IN {_in(values, params)}")
        if f.category and skip != "category":
            conds.append(
                f"n.id IN (SELECT notice_id FROM findings WHERE category IN {_in(f.category, params)})"
            )
        if f.vendor and skip != "vendor":
            inner = f"SELECT notice_id FROM pw_vendor_rows WHERE vendor IN {_in(f.vendor, params)}"
            conds.append(f"n.id IN ({inner})")
        types = [t for t in f.buyer_type if t in buyer_types()]
        if types and skip != "buyer_type":
            conds.append(buyer_type_condition(types, params, column="n.buyer"))
        return conds

    def _from(self, cur: duckdb.DuckDBPyConnection, hits: SearchHits | None) -> str:
        if hits is None:
            return "notices n"
        cur.register("pw_hits", hits.table())
        return "notices n JOIN pw_hits h ON h.id = n.id"

    def _base(self, cur: duckdb.DuckDBPyConnection, hits: SearchHits | None, q: str = "") -> str:
        """The matching notices' filter columns, fetched once per query (kept for its next pages
        and facet choices) and used for the count, the order and the facets."""
        if hits is None:
            return "notices n"
        base = self._base_cache.get(q) if q else None
        if base is None:
            base = cur.sql(
                f"SELECT n.id, {', '.join(BASE_COLUMNS)}, h.hit_score FROM {self._from(cur, hits)}"
            ).to_arrow_table()
            if q and base.num_rows <= HIT_CACHE_MAX:
                self._base_cache.put(q, base)
        cur.register("pw_base", base)
        return "pw_base n"

    def _hits(self, f: NoticeFilters) -> SearchHits | None:
        if not f.q:
            return None
        hits = self._hit_cache.get(f.q)
        if hits is None:
            hits = self.index.search(f.q)
            if len(hits.keys) <= HIT_CACHE_MAX:
                self._hit_cache.put(f.q, hits)
        return hits

    # ------------------------------------------------------------ search

    def search(self, f: NoticeFilters, sort: str = "relevance", page: int = 1) -> ResultPage:
        if f.q and sort == "relevance" and self._hit_cache.get(f.q) is None:
            columns = self.notice_columns()
            try:
                index = self.index
                matching = index.count(f.q) if columns is not None and index.facets_current else 0
                if columns is not None and matching > BROAD_HITS:
                    found = self._search_indexed(columns, f, page, matching)
                    if found is not None:
                        return found
            except SearchError as exc:
                return ResultPage(0, 1, 1, [], {}, message=str(exc))
        try:
            hits = self._hits(f)
        except SearchError as exc:
            return ResultPage(0, 1, 1, [], {}, message=str(exc))
        if hits is None and sort == "relevance":
            sort = "date"
        columns = self.notice_columns()
        if columns is not None:
            return self._search_columns(columns, f, hits, sort, page)
        return self._search_sql(f, hits, sort, page)

    def _search_sql(self, f: NoticeFilters, hits: SearchHits | None, sort: str, page: int) -> ResultPage:
        """search() through DuckDB, while the in-memory columns are not (yet) available."""
        cur = self.cursor()
        try:
            source = self._base(cur, hits, f.q)
            params: list[Any] = []
            where = " AND ".join(self._where(f, params))
            total = cur.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchall()[0][0]
            pages = max(1, -(-total // PER_PAGE))
            page = min(max(1, page), pages)
            order = SORT_SQL.get(sort, SORT_SQL["date"])
            ids = [
                r[0]
                for r in cur.execute(
                    f"SELECT n.id FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, PER_PAGE, (page - 1) * PER_PAGE],
                ).fetchall()
            ]
            rows = self.notice_rows(cur, ids)
            key = f.query_string()
            facets = self._facet_cache.get(key)
            if facets is None:
                facets = self.facets(cur, f, source)
                self._facet_cache.put(key, facets)
        finally:
            cur.close()
        return ResultPage(
            total, page, pages, rows, facets, hits=hits, terms=hits.parsed.highlight_terms() if hits else []
        )

    def _search_columns(
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
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        ids = columns.ids_at(ordered[(page - 1) * PER_PAGE : page * PER_PAGE])
        facet_key = f.query_string()
        facets = self._facet_cache.get(facet_key)
        if facets is None:
            facets = columns.facets(rows, conds, FACET_LIMIT)
            self._facet_cache.put(facet_key, facets)
        cur = self.cursor()
        try:
            shown = self.notice_rows(cur, ids)
        finally:
            cur.close()
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
            self.index.schema,
            values={name: items for name, items in values.items() if items},
            years=[int(y) for y in f.year],
            day_from=(date.fromisoformat(day(f.date_from, end=False)) - epoch).days if f.date_from else None,
            day_to=(date.fromisoformat(day(f.date_to, end=True)) - epoch).days if f.date_to else None,
            relevant=f.relevant,
        )

    def _search_indexed(
        self, columns: NoticeColumns, f: NoticeFilters, page: int, matching: int | None = None
    ) -> ResultPage | None:
        """A broad search ranked by relevance: filtered, counted and cut to its page inside the
        index, ties at the page edge broken in memory as SORT_SQL does. None when it cannot be
        answered that way (a deep page, or counts the index could only estimate)."""
        parsed = parse_user_query(f.q)
        clauses = self._index_clauses(f)
        indexed = IndexedSearch(self.index, parsed, clauses)
        # `matching`: the unfiltered count the caller already has
        total = matching if matching is not None and not clauses else indexed.count()
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        top = indexed.top(page * PER_PAGE, BROAD_FETCH_LIMIT) if total else ([], [])
        if top is None:
            return None
        facet_key = f.query_string()
        facets = self._facet_cache.get(facet_key)
        if facets is None:
            try:
                counted = indexed.facet_counts(list(INDEX_FACETS))
            except InexactCounts:
                return None
            facets = {name: _top_values(counted[name]) for name in INDEX_FACETS if name != "buyer_type"}
            known = dict(counted["buyer_type"])
            facets["buyer_type"] = sorted(
                ((t, known[t]) for t in sorted(buyer_types()) if known.get(t)), key=lambda x: -x[1]
            )
            self._facet_cache.put(facet_key, facets)
        positions, scores = columns.positions_of_keys(*top)
        ordered = columns.order(positions, scores, "relevance")
        ids = columns.ids_at(ordered[(page - 1) * PER_PAGE : page * PER_PAGE])
        cur = self.cursor()
        try:
            shown = self.notice_rows(cur, ids)
        finally:
            cur.close()
        return ResultPage(total, page, pages, shown, facets, terms=parsed.highlight_terms())

    def notice_rows(self, cur: duckdb.DuckDBPyConnection, ids: list[str]) -> list[dict[str, Any]]:
        """Display rows for these notices, in the given order."""
        if not ids:
            return []
        params: list[Any] = []
        id_list = _in(ids, params)
        rows = _rows(
            cur.execute(
                f"""WITH cats AS (SELECT notice_id, list(DISTINCT category ORDER BY category) AS categories
                                  FROM findings WHERE notice_id IN {id_list} GROUP BY 1),
                         vends AS (SELECT notice_id, list(DISTINCT vendor ORDER BY vendor) AS vendors
                                   FROM pw_vendor_rows WHERE notice_id IN {id_list} GROUP BY 1),
                         links AS (SELECT notice_id, procurement_id FROM notice_links WHERE notice_id IN {id_list})
                SELECT n.id, n.title, left(n.body, 2000) AS body, n.published, n.notice_type, n.buyer,
                       n.amount_value, n.amount_currency, n.country, n.province, n.city, n.language,
                       n.url, n.relevant, coalesce(l.procurement_id, n.id) AS procurement_id,
                       c.categories, v.vendors
                FROM notices n LEFT JOIN links l ON l.notice_id = n.id
                LEFT JOIN cats c ON c.notice_id = n.id LEFT JOIN vends v ON v.notice_id = n.id
                WHERE n.id IN {id_list}""",
                params * 4,
            )
        )
        order = {nid: i for i, nid in enumerate(ids)}
        return sorted(rows, key=lambda r: order[r["id"]])

    def facets(
        self, cur: duckdb.DuckDBPyConnection, f: NoticeFilters, source: str
    ) -> dict[str, list[tuple[str, int]]]:
        """Counts per facet value; each facet is counted under every filter except its own.
        All value facets run as one statement (one round trip, one plan)."""
        parts: list[str] = []
        params: list[Any] = []
        for name, expr in FACETS.items():
            where = " AND ".join(self._where(f, params, skip=name))
            parts.append(
                f"SELECT * FROM (SELECT '{name}' AS facet, CAST({expr} AS VARCHAR) AS value, count(*) AS n "
                f"FROM {source} WHERE {where} AND {expr} IS NOT NULL "
                f"GROUP BY 2 ORDER BY n DESC, value LIMIT {FACET_LIMIT})"
            )
        for name, table in (("category", "findings"), ("vendor", "pw_vendor_rows")):
            where = " AND ".join(self._where(f, params, skip=name))
            parts.append(
                f"SELECT * FROM (SELECT '{name}' AS facet, x.{name} AS value, count(DISTINCT n.id) AS n "
                f"FROM {source} JOIN {table} x ON x.notice_id = n.id WHERE {where} "
                f"GROUP BY 2 ORDER BY n DESC, value LIMIT {FACET_LIMIT})"
            )
        out: dict[str, list[tuple[str, int]]] = {name: [] for name in (*FACETS, "category", "vendor")}
        for facet, value, n in cur.execute(" UNION ALL ".join(parts), params).fetchall():
            out[facet].append((str(value), int(n)))
        for values in out.values():
            values.sort(key=lambda x: (-x[1], x[0]))
        out["buyer_type"] = self._buyer_type_facet(cur, f, source)
        return out

    @staticmethod
    def _facet_rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple[str, int]]:
        return [(str(v), int(n)) for v, n in cur.execute(sql, params).fetchall()]

    def _buyer_type_facet(
        self, cur: duckdb.DuckDBPyConnection, f: NoticeFilters, source: str
    ) -> list[tuple[str, int]]:
        types = sorted(buyer_types())
        if not types:
            return []
        params: list[Any] = []
        counts = []
        for t in types:
            counts.append(
                f"count(*) FILTER (WHERE {buyer_type_condition([t], params, column='n.buyer')})"
            )
        where_params: list[Any] = []
        where = " AND ".join(self._where(f, where_params, skip="buyer_type"))
        row = cur.execute(f"SELECT {', '.join(counts)} FROM {source} WHERE {where}", params + where_params)
        values = row.fetchall()[0]
        return sorted(((t, int(n)) for t, n in zip(types, values, strict=True) if n), key=lambda x: -x[1])

    # ------------------------------------------------------------ export

    def export_table(self, f: NoticeFilters, sort: str = "date", limit: int | None = None) -> pa.Table:
        hits = self._hits(f)
        if hits is None and sort == "relevance":
            sort = "date"
        cur = self.cursor()
        try:
            source = self._from(cur, hits)
            params: list[Any] = []
            where = " AND ".join(self._where(f, params))
            limit_sql = f"LIMIT {int(limit)}" if limit else ""
            return cur.sql(
                f"""SELECT n.id, coalesce(l.procurement_id, n.id) AS procurement_id, n.published,
                       n.notice_type, n.title, n.buyer, n.amount_value, n.amount_currency, n.country,
                       n.province, n.city,
                       (SELECT string_agg(DISTINCT category, ';' ORDER BY category) FROM findings x
                         WHERE x.notice_id = n.id) AS categories,
                       (SELECT string_agg(DISTINCT vendor, ';' ORDER BY vendor) FROM pw_vendor_rows v
                         WHERE v.notice_id = n.id) AS vendors,
                       n.url
                FROM {source} LEFT JOIN notice_links l ON l.notice_id = n.id
                WHERE {where} ORDER BY {SORT_SQL.get(sort, SORT_SQL["date"])} {limit_sql}""",
                params=params,
            ).to_arrow_table()
        finally:
            cur.close()

    # ------------------------------------------------------------ procurement

    def procurement(self, pid: str) -> dict[str, Any] | None:
        cur = self.cursor()
        try:
            proc = _rows(cur.execute("SELECT * FROM procurements WHERE id = ?", [pid]))
            notices = _rows(cur.execute(_PROCUREMENT_NOTICES, [pid]))
            if not notices:
                notices = _rows(cur.execute(_UNLINKED_NOTICE, [pid]))
            if not notices:
                return None
            ids = [n["id"] for n in notices]
            found = {name: self._per_notice(cur, sql, ids) for name, sql in _PER_NOTICE.items()}
            details = {r["notice_id"]: r for r in found["details"]}
            for n in notices:
                n.update(details.get(n["id"], {}))
                for name in ("parties", "amounts", "findings", "items", "evidence"):
                    n[name] = [r for r in found[name] if r["notice_id"] == n["id"]]
            return {"id": pid, "procurement": proc[0] if proc else None, "notices": notices}
        finally:
            cur.close()

    @staticmethod
    def _per_notice(cur: duckdb.DuckDBPyConnection, sql: str, ids: list[str]) -> list[dict[str, Any]]:
        params: list[Any] = []
        return _rows(cur.execute(sql.format(ids=_in(ids, params)), params))

    def procurement_of(self, notice_id: str) -> str | None:
        cur = self.cursor()
        try:
            row = cur.execute(
                "SELECT coalesce(l.procurement_id, n.id) FROM notices n "
                "LEFT JOIN notice_links l ON l.notice_id = n.id WHERE n.id = ?",
                [notice_id],
            ).fetchall()
            return row[0][0] if row else None
        finally:
            cur.close()

    # ------------------------------------------------------------ profiles

    def profile(self, f: NoticeFilters) -> dict[str, Any]:
        """What a vendor, buyer or place bought or sold: procurements by year × category,
        counterparts, and the procurements themselves."""
        cur = self.cursor()
        try:
            params: list[Any] = []
            where = " AND ".join(self._where(f, params))
            # the selected notices are read once; the five summaries below run over them
            selected = cur.sql(
                f"""SELECT n.id, coalesce(l.procurement_id, n.id) AS pid, n.published, n.buyer,
                       n.amount_value, n.amount_currency
                FROM notices n LEFT JOIN notice_links l ON l.notice_id = n.id WHERE {where}""",
                params=params,
            ).to_arrow_table()
            cur.register("pw_selected", selected)
            params = []
            base = "WITH sel AS (SELECT * FROM pw_selected)"
            by_year_category = _rows(
                cur.execute(
                    f"""{base}
                    SELECT year(s.published) AS year, coalesce(x.category, '(none)') AS category,
                           count(DISTINCT s.pid) AS procurements, count(DISTINCT s.id) AS notices
                    FROM sel s LEFT JOIN findings x ON x.notice_id = s.id
                    GROUP BY ALL ORDER BY year NULLS LAST, category""",
                    params,
                )
            )
            totals = _rows(
                cur.execute(
                    f"""{base}
                    SELECT count(DISTINCT pid) AS procurements, count(DISTINCT id) AS notices,
                           min(published) AS first, max(published) AS last FROM sel""",
                    params,
                )
            )[0]
            buyers = _rows(
                cur.execute(
                    f"""{base}
                    SELECT buyer, count(DISTINCT pid) AS procurements FROM sel WHERE buyer IS NOT NULL
                    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15""",
                    params,
                )
            )
            vendors = _rows(
                cur.execute(
                    f"""{base}
                    SELECT v.vendor, count(DISTINCT s.pid) AS procurements
                    FROM sel s JOIN pw_vendor_rows v ON v.notice_id = s.id
                    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15""",
                    params,
                )
            )
            spend = _rows(
                cur.execute(
                    f"""{base}
                    SELECT amount_currency AS currency, sum(amount_value) AS value, count(*) AS notices
                    FROM sel WHERE amount_value IS NOT NULL GROUP BY 1 ORDER BY 3 DESC""",
                    params,
                )
            )
            return {
                "totals": totals,
                "by_year_category": by_year_category,
                "buyers": buyers,
                "vendors": vendors,
                "notice_spend": spend,
            }
        finally:
            cur.close()


def _top_values(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(pairs, key=lambda x: (-x[1], x[0]))[:FACET_LIMIT]
