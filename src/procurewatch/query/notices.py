"""Notices through SQL: the filters as a WHERE clause, the rows a result list shows, the export table.

Every reader of notices (search pages, profiles, exports, the CLI's `search` and `export`) renders
NoticeFilters to SQL here, so a filter means the same everywhere. Statements run on a cursor
that has the (notice_id, vendor) table registered as `pw_vendor_rows` (query/reader.py), with
`n` as the notices' alias. Every value from a user is a bound parameter, never SQL.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from procurewatch.detect.purchaser import buyer_type_condition, purchaser_patterns
from procurewatch.query.filters import NoticeFilters, day
from procurewatch.search.index import SearchHits

SORT_SQL = {
    "relevance": "hit_score DESC, n.published DESC NULLS LAST, n.id",
    "date": "n.published DESC NULLS LAST, n.id",
    "date_asc": "n.published ASC NULLS LAST, n.id",
    "amount": "n.amount_value DESC NULLS LAST, n.id",
}


def buyer_types() -> dict[str, list[str]]:
    """Purchaser types and their name patterns; empty when no purchaser lexicon is installed."""
    try:
        return purchaser_patterns()
    except ValueError:
        return {}


def dict_rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed statement as dicts by column name."""
    names = [d[0] for d in result.description]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def in_list(values: list[Any], params: list[Any]) -> str:
    """`(?, ?, …)` for `values`, which are appended to `params`."""
    params.extend(values)
    return "(" + ", ".join("?" for _ in values) + ")"


def where(f: NoticeFilters, params: list[Any], skip: str | None = None) -> list[str]:
    """The conditions `f` puts on notices `n` (AND them), leaving out the filter named `skip`
    (a facet is counted under every filter but its own); their values are appended to `params`."""
    conds = ["TRUE"]
    if f.relevant:
        conds.append("n.relevant")
    for value, op, end in ((f.date_from, ">=", False), (f.date_to, "<=", True)):
        if value:  # a year or month reaches its first or last day
            conds.append(f"n.published {op} CAST(? AS DATE)")
            params.append(day(value, end=end))
    if f.buyer:
        conds.append("n.buyer = ?")
        params.append(f.buyer)
    if f.city:
        conds.append("n.city = ?")
        params.append(f.city)
    if f.year and skip != "year":
        conds.append(f"year(n.published) IN {in_list([int(y) for y in f.year], params)}")
    for name, column in (
        ("country", "n.country"),
        ("province", "n.province"),
        ("notice_type", "n.notice_type"),
        ("language", "n.language"),
    ):
        values = getattr(f, name)
        if values and skip != name:
            conds.append(f"{column} IN {in_list(values, params)}")
    if f.category and skip != "category":
        conds.append(
            f"n.id IN (SELECT notice_id FROM findings WHERE category IN {in_list(f.category, params)})"
        )
    if f.vendor and skip != "vendor":
        inner = f"SELECT notice_id FROM pw_vendor_rows WHERE vendor IN {in_list(f.vendor, params)}"
        conds.append(f"n.id IN ({inner})")
    types = [t for t in f.buyer_type if t in buyer_types()]
    if types and skip != "buyer_type":
        conds.append(buyer_type_condition(types, params, column="n.buyer"))
    return conds


def hits_source(cur: duckdb.DuckDBPyConnection, hits: SearchHits | None) -> str:
    """The FROM clause for notices `n`: all of them, or joined with a search's hits (`hit_score`)."""
    if hits is None:
        return "notices n"
    cur.register("pw_hits", hits.table())
    return "notices n JOIN pw_hits h ON h.id = n.id"


def notice_rows(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> list[dict[str, Any]]:
    """Display rows for these notices, in the given order."""
    if not ids:
        return []
    params: list[Any] = []
    id_list = in_list(ids, params)
    rows = dict_rows(
        cur.execute(
            f"""WITH cats AS (SELECT notice_id, list(DISTINCT category ORDER BY category) AS categories
                              FROM findings WHERE notice_id IN {id_list} GROUP BY 1),
                     vends AS (SELECT notice_id, list(DISTINCT vendor ORDER BY vendor) AS vendors
                               FROM pw_vendor_rows WHERE notice_id IN {id_list} GROUP BY 1),
                     links AS (SELECT notice_id, procurement_id FROM notice_links
                               WHERE notice_id IN {id_list}),
                     sups AS (SELECT notice_id, list(name ORDER BY position) AS suppliers FROM parties
                              WHERE role = 'supplier' AND notice_id IN {id_list} GROUP BY 1)
            SELECT n.id, n.title, left(n.body, 2000) AS body, n.published, n.notice_type, n.buyer,
                   n.amount_value, n.amount_currency, n.country, n.province, n.city, n.language,
                   n.url, n.relevant, coalesce(l.procurement_id, n.id) AS procurement_id,
                   c.categories, v.vendors, s.suppliers
            FROM notices n LEFT JOIN links l ON l.notice_id = n.id
            LEFT JOIN cats c ON c.notice_id = n.id LEFT JOIN vends v ON v.notice_id = n.id
            LEFT JOIN sups s ON s.notice_id = n.id
            WHERE n.id IN {id_list}""",
            params * 5,
        )
    )
    order = {nid: i for i, nid in enumerate(ids)}
    return sorted(rows, key=lambda r: order[r["id"]])


def ranked_ids(cur: duckdb.DuckDBPyConnection, hits: SearchHits, limit: int) -> list[str]:
    """The `limit` best hits in the explorer's relevance order: by score, equal scores by date and id,
    so the order never depends on how the index happens to be laid out in segments."""
    source = hits_source(cur, hits)
    rows = cur.execute(
        f"SELECT n.id FROM {source} ORDER BY {SORT_SQL['relevance']} LIMIT {int(limit)}"
    ).fetchall()
    return [notice_id for (notice_id,) in rows]


def notice_ids(cur: duckdb.DuckDBPyConnection, f: NoticeFilters, hits: SearchHits | None) -> pa.Array:
    """The ids of every notice `f` (and the search's `hits`, if any) selects, in no particular order: what
    the hand-off exports start from, without the export table's columns."""
    source = hits_source(cur, hits)
    params: list[Any] = []
    conds = " AND ".join(where(f, params))
    table = cur.sql(f"SELECT n.id FROM {source} WHERE {conds}", params=params).to_arrow_table()
    return table.column("id").combine_chunks()


def export_table(
    cur: duckdb.DuckDBPyConnection,
    f: NoticeFilters,
    hits: SearchHits | None,
    sort: str = "date",
    limit: int | None = None,
) -> pa.Table:
    """Every notice `f` (and the search's `hits`, if any) selects, one row each, in `sort` order."""
    if hits is None and sort == "relevance":
        sort = "date"
    source = hits_source(cur, hits)
    params: list[Any] = []
    conds = " AND ".join(where(f, params))
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
        WHERE {conds} ORDER BY {SORT_SQL.get(sort, SORT_SQL["date"])} {limit_sql}""",
        params=params,
    ).to_arrow_table()
