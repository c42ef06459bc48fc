"""Which columns each report section shows, and how a cell is written."""

from __future__ import annotations

from typing import Any

_ENTITY_MEASURES = ["procurements", "notices", "procurements_flagged"]

# what a totals row shows of its spend; the component totals show the same, without the spend kinds
_TOTALS = [
    "spend_currency",
    "procurements",
    "notices",
    "spend_value",
    "spend_value_excl_flagged",
    "procurements_flagged",
]

SHOWN_COLUMNS = {
    "coverage": ["source", "kind", "notices", "stored_notices", "first", "last"],
    "coverage_years": ["year", "partial", "covered", "notices", "stored_notices"],
    "totals": [*_TOTALS, "spend_award_value", "spend_budget_value", "spend_note"],
    "totals_component": _TOTALS,
    "by_year": ["year", "partial", *_ENTITY_MEASURES],
    "by_year_category": ["year", "partial", "category", *_ENTITY_MEASURES],
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
        "base_spend_excl_flagged",
        "current_spend_excl_flagged",
        "note",
    ],
    "flagged_amounts": [
        "procurement_id",
        "title",
        "buyer",
        "spend_value",
        "spend_currency",
        "spend_kind",
        "rule",
        "evidence",
    ],
    "by_province": ["province", "admin_code", *_ENTITY_MEASURES],
    "by_prefecture": ["province", "city", "admin_code", *_ENTITY_MEASURES],
    "by_country": ["country", *_ENTITY_MEASURES],
    "by_region": ["country", "region", *_ENTITY_MEASURES],
    "top_buyers": ["buyer", *_ENTITY_MEASURES],
    "top_vendors_awards": ["vendor", *_ENTITY_MEASURES],
    "top_vendors_mentions": ["vendor", *_ENTITY_MEASURES],
    "top_suppliers": ["supplier", *_ENTITY_MEASURES],
    "categories_by_vendor": ["vendor", "category", "procurements"],
}


def columns_for(name: str, rows: list[dict[str, Any]]) -> list[str]:
    """The columns a section shows: its fixed ones, then for entity sections one spend column per
    currency (most procurements first) and, where some amount in that currency is flagged, the spend
    without flagged amounts; conversion notes last."""
    fixed = SHOWN_COLUMNS.get(name) or (list(rows[0]) if rows else [])
    if not any(c.startswith("spend_") and c.endswith("_excl_flagged") for r in rows for c in r) or (
        "spend_currency" in fixed
    ):
        return fixed
    weight: dict[str, int] = {}
    for row in rows:
        for col in row:
            if col.startswith("spend_") and not col.endswith("_excl_flagged") and col != "spend_notes":
                weight[col[6:]] = weight.get(col[6:], 0) + (row.get("procurements") or 0)
    cols = list(fixed)
    for cur in sorted(weight, key=lambda c: (-weight[c], c)):
        cols.append(f"spend_{cur}")
        if any(r.get(f"spend_{cur}_excl_flagged") != r.get(f"spend_{cur}") for r in rows):
            cols.append(f"spend_{cur}_excl_flagged")
    if any(r.get("spend_notes") for r in rows):
        cols.append("spend_notes")
    return cols


def fmt(value: Any, column: str = "") -> str:
    if value is None:
        return "—"
    if column == "change_pct":
        return f"{value:+,.1f}%"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}"
    if isinstance(value, int) and column != "year" and column not in ("base", "current"):
        return f"{value:,}"
    return str(value)
