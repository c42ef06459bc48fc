"""The dashboard's analyses by name: the query/counts.py call behind each, and their rows kept per filter set.

The dashboard page and /api/dashboard/{chart} both read charts through here, so a chart has one
name and one meaning in both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from procurewatch.query import counts as analysis
from procurewatch.query.cache import LRU
from procurewatch.query.filters import Filters

Chart = Callable[[duckdb.DuckDBPyConnection, Filters, str | None], list[dict[str, Any]]]

CHARTS: dict[str, Chart] = {
    "year_category": lambda con, f, _: analysis.by_year_category(con, f),
    "province": lambda con, f, _: analysis.by_province(con, f),
    "prefecture": lambda con, f, province: analysis.by_prefecture(con, f, province=province),
    "country": lambda con, f, _: analysis.by_country(con, f),
    "buyers": lambda con, f, _: analysis.top_buyers(con, f, limit=20),
    "vendors": lambda con, f, _: analysis.top_vendors(con, f, limit=20),
    "totals": lambda con, f, _: analysis.totals(con, f),
}
TABLE_CHARTS = ("totals", "year_category", "province", "country", "buyers", "vendors")


class ChartCache:
    """Chart rows by (chart, filters, province). The server holds the store, so DuckDB's file lock
    keeps other writers out; a server that takes review decisions replaces this cache after each."""

    def __init__(self, size: int = 512) -> None:
        self._rows = LRU(size)

    def get(
        self, con: duckdb.DuckDBPyConnection, chart: str, f: Filters, province: str | None
    ) -> list[dict[str, Any]]:
        key = repr((chart, f, province))
        rows = self._rows.get(key)
        if rows is None:
            rows = chart_rows(con, chart, f, province)
            self._rows.put(key, rows)
        return rows


def chart_rows(
    con: duckdb.DuckDBPyConnection, chart: str, f: Filters, province: str | None
) -> list[dict[str, Any]]:
    return CHARTS[chart](con, f, province)
