"""Vendor, buyer and place profiles: the procurements a vendor, buyer or place is part of, counted
by the counting rules (query/counts.py): procurements, not notices; spend = award or contract value
else budget, never summed across a procurement's notices; one figure per currency.

A vendor's profile keeps apart the procurements it *won* (a named supplier in one of the notices)
and those whose notices only *mention* it; buyer and place profiles list the vendors that won.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb

from procurewatch.query.filters import NoticeFilters
from procurewatch.query.procurement_list import ProcurementLists, Selection, selection, summary


def profile_of(
    cur: duckdb.DuckDBPyConnection, lists: ProcurementLists, sel: Selection, vendor: str | None = None
) -> dict[str, Any]:
    """The summary of the procurements `sel` selects (query/procurement_list.summary) with the vendors
    that won them; for a `vendor` (one of sel's filters) also `won` and `mentioned` apart."""
    rows = lists.rows(cur, sel)
    out = summary(rows)
    won_by = lists.suppliers(cur, {r["id"] for r in rows})
    out["vendors"] = [{"vendor": v, "procurements": n} for v, n in won_by.most_common(15)]
    if vendor:
        for role, key in (("supplier", "won"), ("mentioned", "mentioned")):
            part = replace(sel, vendor=vendor, role=role)
            out[key] = summary(lists.rows(cur, part)) | {"selection": part}
    return out


def profile(
    cur: duckdb.DuckDBPyConnection, f: NoticeFilters, lists: ProcurementLists | None = None
) -> dict[str, Any]:
    """The profile of what notice filters `f` select (a vendor, a buyer, a place), surveillance
    procurements only."""
    sel = selection(f)
    vendor = f.vendor[0] if len(f.vendor) == 1 else None
    found = profile_of(cur, lists or ProcurementLists(), sel, vendor)
    for key in ("won", "mentioned"):
        if key in found:
            found[key].pop("selection")
    return found
