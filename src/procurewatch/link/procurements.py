"""The aggregate row of each procurement, recomputed from its member notices after linking, so that
queries read one row per purchase instead of gathering its notices every time.

A procurement's title, buyer, codes and place are those of its first notice that has them; its spend
is the award or contract value when one is known, else the budget (never a sum of member notices);
`notices` counts its notices without their re-posts. The status rule is defined here once
(`status_sql`) and used also where a notice not linked yet stands for its own procurement
(query/counts.py).
"""

from __future__ import annotations

import duckdb

from procurewatch.store.db import one_thread


# The link tables are in schema.sql; these columns came after the first stores were made.
def status_sql(cancelled: str, notice_type: str, *, over_members: bool) -> str:
    """The status of a procurement as a SQL expression: 'cancelled' when a notice cancels it, else
    'contracted' when one is a contract, else 'awarded' when one is an award, else 'open'.

    `cancelled` (a boolean) and `notice_type` are SQL expressions of one notice; with `over_members`
    they are aggregated over a group of member notices, else they describe a notice that stands alone."""

    def any_notice(condition: str) -> str:
        return f"bool_or({condition})" if over_members else condition

    contract, award = any_notice(f"{notice_type} = 'contract'"), any_notice(f"{notice_type} = 'award'")
    return (
        f"CASE WHEN {any_notice(cancelled)} THEN 'cancelled' WHEN {contract} THEN 'contracted'"
        f" WHEN {award} THEN 'awarded' ELSE 'open' END"
    )


# procurements recomputed per statement, their members read in the same statement: one scan of the
# store's notices for a whole pass (docs/measurements.md)
MEMBERS_READ = 25_000


def _spend(column: str) -> str:
    """`column` of the member notice whose amount is the procurement's spend."""
    key = (
        "{'kind': CASE WHEN amount_kind IN ('award', 'contract') THEN 0 ELSE 1 END, "
        "'day': -date_diff('day', DATE '0001-01-01', coalesce(published, DATE '0001-01-01')), 'id': id}"
    )
    return (
        f"arg_min({column}, {key}) FILTER (WHERE amount_value IS NOT NULL AND amount_currency IS NOT NULL"
        " AND amount_kind IS NOT NULL)"
    )


# the member notices of the touched procurements numbered [$1, $2), with what their aggregate row needs
_MEMBERS = """
SELECT t.i, l.procurement_id AS pid, l.duplicate_of, n.id, n.title, n.buyer, n.project_code, n.ocid,
       n.published, n.notice_type, n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score,
       n.title_match, n.country, n.province, n.city, n.admin_code, k.buyer_key, k.title_key, k.code_key,
       coalesce(k.cancelled, n.notice_type = 'cancellation') AS cancelled, n.role,
       -- the first notice by date, ties broken by a hash of the id, so that the same notices give
       -- the same row (a number: a text key would hold every member's string while aggregating)
       CAST(date_diff('day', DATE '1970-01-01', coalesce(n.published, DATE '9999-12-31')) AS HUGEINT)
           * 18446744073709551616 + hash(n.id) AS sort_day
FROM notice_links l JOIN _touched_all t ON t.procurement_id = l.procurement_id AND t.i >= $1 AND t.i < $2
JOIN notices n ON n.id = l.notice_id
-- the keys of these members only: joined to the whole table, DuckDB would build its hash table on all of it
LEFT JOIN (SELECT * FROM notice_keys WHERE notice_id IN (
    SELECT l.notice_id FROM notice_links l
    JOIN _touched_all t ON t.procurement_id = l.procurement_id AND t.i >= $1 AND t.i < $2)) k
    ON k.notice_id = n.id
"""

_REFRESH = f"""
INSERT INTO procurements (id, title, buyer, project_code, ocid, first_published, last_published, status,
                          notices, spend_value, spend_currency, spend_kind, relevant, score, title_match,
                          country, province, city, admin_code, buyer_key, title_key, code_key, notices_all,
                          spend_notice, role)
WITH m AS ({_MEMBERS}),
agg AS (
    SELECT pid,
           arg_min(title, sort_day) AS title,
           arg_min(buyer, sort_day) FILTER (WHERE buyer IS NOT NULL) AS buyer,
           arg_min(project_code, sort_day) FILTER (WHERE project_code IS NOT NULL) AS project_code,
           arg_min(ocid, sort_day) FILTER (WHERE ocid IS NOT NULL) AS ocid,
           min(published) AS first_published, max(published) AS last_published,
           {status_sql("cancelled", "notice_type", over_members=True)} AS status,
           count(*) FILTER (WHERE duplicate_of IS NULL) AS notices,
           bool_or(relevant) AS relevant, max(score) AS score, bool_or(title_match) AS title_match,
           arg_min(country, sort_day) FILTER (WHERE country IS NOT NULL) AS country,
           arg_min(province, sort_day) FILTER (WHERE province IS NOT NULL) AS province,
           arg_min(city, sort_day) FILTER (WHERE city IS NOT NULL) AS city,
           arg_min(admin_code, sort_day) FILTER (WHERE admin_code IS NOT NULL) AS admin_code,
           arg_min(buyer_key, sort_day) FILTER (WHERE buyer_key IS NOT NULL) AS buyer_key,
           arg_min(title_key, sort_day) AS title_key,
           arg_min(code_key, sort_day) FILTER (WHERE code_key IS NOT NULL) AS code_key,
           count(*) AS notices_all,
           CASE WHEN bool_or(relevant AND role = 'primary') THEN 'primary'
                WHEN bool_or(relevant AND role = 'component') THEN 'component' END AS role,
           -- the spend: of the notice with an award or contract value first, then the latest, then by
           -- id; in the one aggregation (a window over the members would hold them all in memory)
           {_spend("id")} AS spend_notice, {_spend("amount_value")} AS amount_value,
           {_spend("amount_currency")} AS amount_currency, {_spend("amount_kind")} AS amount_kind
    FROM m GROUP BY pid
)
SELECT a.pid, a.title, a.buyer, a.project_code, a.ocid, a.first_published, a.last_published, a.status,
       a.notices, a.amount_value, a.amount_currency, a.amount_kind, a.relevant, a.score, a.title_match,
       a.country, a.province, a.city, a.admin_code, a.buyer_key, a.title_key, a.code_key, a.notices_all,
       a.spend_notice, a.role
FROM agg a
"""


def refresh_procurements(con: duckdb.DuckDBPyConnection, touched_sql: str | None = None) -> None:
    """Recompute the aggregate row of each touched procurement (all of them when touched_sql is None).

    MEMBERS_READ procurements at a time, their members read in one scan of the store: one statement over
    all their members would hold them all."""
    con.execute("DROP TABLE IF EXISTS _touched_all")
    con.execute(
        "CREATE TEMP TABLE _touched_all AS SELECT procurement_id, row_number() OVER () - 1 AS i FROM "
        f"({touched_sql or 'SELECT DISTINCT procurement_id FROM notice_links'})"
    )
    (count,) = con.execute("SELECT count(*) FROM _touched_all").fetchone() or (0,)
    for read in range(0, count, MEMBERS_READ):
        con.execute(
            "DELETE FROM procurements WHERE id IN "
            "(SELECT procurement_id FROM _touched_all WHERE i >= ? AND i < ?)",
            [read, read + MEMBERS_READ],
        )
        # on two threads, the members' scan of the store's notices ran out of the linking step's memory
        # limit (docs/measurements.md)
        with one_thread(con):
            con.execute(_REFRESH, [read, read + MEMBERS_READ])
    con.execute("DROP TABLE IF EXISTS _touched_all")
