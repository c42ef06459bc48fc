"""Facet counts of a notice search: how many notices each value of each facet would select.

Each facet is counted under every filter except its own, its top FACET_LIMIT values by count
then value. The counts come from SQL here, from the index's aggregations for broad searches
(index_facets), or from the in-memory columns (query/columns.py); all three agree
(tests/query/test_columns.py).
"""

from __future__ import annotations

from typing import Any

import duckdb

from procurewatch.detect.purchaser import buyer_type_condition
from procurewatch.query.filters import NoticeFilters
from procurewatch.query.notices import buyer_types, where
from procurewatch.search.index import IndexedSearch

Facets = dict[str, list[tuple[str, int]]]

FACET_LIMIT = 12
# facets that are a column of `notices n`, by their SQL
FACETS: dict[str, str] = {
    "year": "CAST(year(n.published) AS VARCHAR)",
    "country": "n.country",
    "province": "n.province",
    "notice_type": "n.notice_type",
    "language": "n.language",
}
INDEX_FACETS = ("year", "country", "province", "notice_type", "language", "category", "vendor", "buyer_type")


def top_values(pairs: list[tuple[str, int]], limit: int = FACET_LIMIT) -> list[tuple[str, int]]:
    """The `limit` most frequent (value, count) pairs, ties by value."""
    return sorted(pairs, key=lambda x: (-x[1], x[0]))[:limit]


def sql_facets(cur: duckdb.DuckDBPyConnection, f: NoticeFilters, source: str) -> Facets:
    """Counts per facet value over the notices `n` of `source` (a FROM clause).
    All value facets run as one statement (one round trip, one plan)."""
    parts: list[str] = []
    params: list[Any] = []
    for name, expr in FACETS.items():
        conds = " AND ".join(where(f, params, skip=name))
        parts.append(
            f"SELECT * FROM (SELECT '{name}' AS facet, CAST({expr} AS VARCHAR) AS value, count(*) AS n "
            f"FROM {source} WHERE {conds} AND {expr} IS NOT NULL "
            f"GROUP BY 2 ORDER BY n DESC, value LIMIT {FACET_LIMIT})"
        )
    for name, table in (("category", "findings"), ("vendor", "pw_vendor_rows")):
        conds = " AND ".join(where(f, params, skip=name))
        parts.append(
            f"SELECT * FROM (SELECT '{name}' AS facet, x.{name} AS value, count(DISTINCT n.id) AS n "
            f"FROM {source} JOIN {table} x ON x.notice_id = n.id WHERE {conds} "
            f"GROUP BY 2 ORDER BY n DESC, value LIMIT {FACET_LIMIT})"
        )
    out: Facets = {name: [] for name in (*FACETS, "category", "vendor")}
    for facet, value, n in cur.execute(" UNION ALL ".join(parts), params).fetchall():
        out[facet].append((str(value), int(n)))
    for values in out.values():
        values.sort(key=lambda x: (-x[1], x[0]))
    out["buyer_type"] = _buyer_type_facet(cur, f, source)
    return out


def _buyer_type_facet(cur: duckdb.DuckDBPyConnection, f: NoticeFilters, source: str) -> list[tuple[str, int]]:
    types = sorted(buyer_types())
    if not types:
        return []
    params: list[Any] = []
    counts = [f"count(*) FILTER (WHERE {buyer_type_condition([t], params, column='n.buyer')})" for t in types]
    where_params: list[Any] = []
    conds = " AND ".join(where(f, where_params, skip="buyer_type"))
    row = cur.execute(f"SELECT {', '.join(counts)} FROM {source} WHERE {conds}", params + where_params)
    values = row.fetchall()[0]
    return sorted(((t, int(n)) for t, n in zip(types, values, strict=True) if n), key=lambda x: -x[1])


def index_facets(indexed: IndexedSearch) -> Facets:
    """The facets of a search filtered inside the index, from its terms aggregations
    (InexactCounts when the index could only estimate them)."""
    counted = indexed.facet_counts(list(INDEX_FACETS))
    facets = {name: top_values(counted[name]) for name in INDEX_FACETS if name != "buyer_type"}
    known = dict(counted["buyer_type"])
    facets["buyer_type"] = sorted(
        ((t, known[t]) for t in sorted(buyer_types()) if known.get(t)), key=lambda x: -x[1]
    )
    return facets
