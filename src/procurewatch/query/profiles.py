"""Vendor, buyer and place profiles: what the notices a filter selects bought or sold.

A profile is procurements by year × category, the counterparts (buyers, vendors), spend by
currency and the totals, over the notices the filters select (a vendor, a buyer, a place).
"""

from __future__ import annotations

from typing import Any

import duckdb

from procurewatch.query.filters import NoticeFilters
from procurewatch.query.notices import dict_rows, where

_SELECTED = "WITH sel AS (SELECT * FROM pw_selected)"
_SUMMARIES = {
    "by_year_category": f"""{_SELECTED}
        SELECT year(s.published) AS year, coalesce(x.category, '(none)') AS category,
               count(DISTINCT s.pid) AS procurements, count(DISTINCT s.id) AS notices
        FROM sel s LEFT JOIN findings x ON x.notice_id = s.id
        GROUP BY ALL ORDER BY year NULLS LAST, category""",
    "totals": f"""{_SELECTED}
        SELECT count(DISTINCT pid) AS procurements, count(DISTINCT id) AS notices,
               min(published) AS first, max(published) AS last FROM sel""",
    "buyers": f"""{_SELECTED}
        SELECT buyer, count(DISTINCT pid) AS procurements FROM sel WHERE buyer IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15""",
    "vendors": f"""{_SELECTED}
        SELECT v.vendor, count(DISTINCT s.pid) AS procurements
        FROM sel s JOIN pw_vendor_rows v ON v.notice_id = s.id
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15""",
    "notice_spend": f"""{_SELECTED}
        SELECT amount_currency AS currency, sum(amount_value) AS value, count(*) AS notices
        FROM sel WHERE amount_value IS NOT NULL GROUP BY 1 ORDER BY 3 DESC""",
}


def profile(cur: duckdb.DuckDBPyConnection, f: NoticeFilters) -> dict[str, Any]:
    """What a vendor, buyer or place bought or sold: procurements by year × category,
    counterparts, spend and totals."""
    params: list[Any] = []
    conds = " AND ".join(where(f, params))
    # the selected notices are read once; the summaries run over them
    selected = cur.sql(
        f"""SELECT n.id, coalesce(l.procurement_id, n.id) AS pid, n.published, n.buyer,
               n.amount_value, n.amount_currency
        FROM notices n LEFT JOIN notice_links l ON l.notice_id = n.id WHERE {conds}""",
        params=params,
    ).to_arrow_table()
    cur.register("pw_selected", selected)
    found = {name: dict_rows(cur.execute(sql)) for name, sql in _SUMMARIES.items()}
    return {
        "totals": found["totals"][0],
        "by_year_category": found["by_year_category"],
        "buyers": found["buyers"],
        "vendors": found["vendors"],
        "notice_spend": found["notice_spend"],
    }
