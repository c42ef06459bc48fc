"""Which columns each report section shows, and how a cell is written."""

from __future__ import annotations

from typing import Any

SHOWN_COLUMNS = {
    "totals": [
        "procurements",
        "notices",
        "spend_currency",
        "spend_value",
        "spend_award_value",
        "spend_budget_value",
    ],
    "by_year_category": [
        "year",
        "category",
        "procurements",
        "notices",
        "spend_currency",
        "spend_value",
        "spend_award_value",
        "spend_budget_value",
    ],
    "growth": [
        "category",
        "base",
        "current",
        "base_count",
        "current_count",
        "change_pct",
        "spend_currency",
        "base_spend",
        "current_spend",
    ],
    "by_province": ["province", "admin_code", "procurements", "notices", "spend_currency", "spend_value"],
    "by_prefecture": [
        "province",
        "city",
        "admin_code",
        "procurements",
        "notices",
        "spend_currency",
        "spend_value",
    ],
    "by_country": ["country", "procurements", "notices", "spend_currency", "spend_value"],
    "top_buyers": ["buyer", "procurements", "notices", "spend_currency", "spend_value"],
    "top_vendors_awards": ["vendor", "procurements", "notices", "spend_currency", "spend_value"],
    "top_vendors_mentions": ["vendor", "procurements", "notices", "spend_currency", "spend_value"],
    "top_suppliers": ["supplier", "procurements", "notices", "spend_currency", "spend_value"],
    "categories_by_vendor": ["vendor", "category", "procurements"],
}


def fmt(value: Any, column: str = "") -> str:
    if value is None:
        return "—"
    if column == "change_pct":
        return f"{value:+,.1f}%"
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int) and column != "year" and column not in ("base", "current"):
        return f"{value:,}"
    return str(value)
