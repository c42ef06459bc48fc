"""The procurements behind a chart element or an entity page, and what they add up to.

Every list starts from `counts.procurements` (the one reading of the counting rules: one row per
procurement, its spend = award/contract value else budget, never summed across its notices) with
the same `Filters` as the chart it opens, plus the element's own keys (`cell`: year, city, buyer,
province as written …). Two restrictions counts.py does not offer are applied here to those rows:
a vendor's role (a named supplier, or only mentioned in the notices) and procurements without a
category. Summaries (`summary`) add procurements up per currency, never across currencies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from procurewatch.query import counts
from procurewatch.query.cache import LRU
from procurewatch.query.filters import FilterError, NoticeFilters

NO_REGION = "(none)"  # region=(none): places with a country but no province or region
ALL = 10**9  # no limit: a list is read whole once, then paged and summed here
KEEP_ROWS = 20_000  # longer lists are not kept between requests (memory)
Role = Literal["supplier", "mentioned"]

# a procurement's notices: linked ones by notice_links, a notice not yet linked stands alone
_MEMBERS = """(SELECT notice_id, procurement_id FROM notice_links
    UNION ALL SELECT n.id, n.id FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id)"""
_ROLE_SQL = {
    "supplier": f"""SELECT DISTINCT m.procurement_id, p.vendor FROM {_MEMBERS} m
        JOIN parties p ON p.notice_id = m.notice_id WHERE p.role = 'supplier' AND p.vendor IS NOT NULL""",
    "mentioned": f"""SELECT DISTINCT m.procurement_id, v.vendor FROM {_MEMBERS} m
        JOIN vendor_mentions v ON v.notice_id = m.notice_id""",
}


@dataclass(frozen=True)
class Selection:
    """Which procurements a list holds: chart filters, element keys and the restrictions above."""

    filters: counts.Filters
    cell: tuple[tuple[str, Any], ...] = ()
    vendor: str | None = None  # with role: the vendor id whose role restricts the list
    role: Role | None = None  # supplier: won; mentioned: mentioned and not a named supplier
    uncategorised: bool = False


def selection(
    f: NoticeFilters,
    relevant_only: bool = True,
    region: str = "",
    vendor_role: Role | None = None,
    uncategorised: bool = False,
    currency: tuple[str | None] | tuple[()] = (),
    purchase: str = "primary",
) -> Selection:
    """The procurements notice filters `f` select, read as the dashboard reads them
    (Filters.of_notices), with the keys counts.procurements takes for what Filters cannot say: one
    year, the city, the buyer, a region as written, one currency (`(None,)`: no amount)."""
    cell: dict[str, Any] = {}
    if len(f.year) == 1:
        cell["year"] = int(f.year[0])
    if f.city:
        cell["city"] = f.city
    if f.buyer:
        cell["buyer"] = f.buyer
    if region:
        cell["province"] = None if region == NO_REGION else region
    if currency:
        cell["spend_currency"] = currency[0]
    if vendor_role and len(f.vendor) != 1:
        raise FilterError("role", vendor_role, "a role needs exactly one vendor")
    return Selection(
        filters=counts.Filters.of_notices(f, relevant_only=relevant_only, role=purchase),
        cell=tuple(cell.items()),
        vendor=f.vendor[0] if vendor_role else None,
        role=vendor_role,
        uncategorised=uncategorised,
    )


class ProcurementLists:
    """Procurement rows per Selection, kept (the server's store cannot change while it runs)."""

    def __init__(self, size: int = 32) -> None:
        self._rows = LRU(size)
        self._vendors = LRU(4)

    def rows(self, cur: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
        key = repr(sel)
        found = self._rows.get(key)
        if found is None:
            found = counts.procurements(cur, sel.filters, limit=ALL, **dict(sel.cell))
            if sel.uncategorised:
                found = [r for r in found if not r["categories"]]
            if sel.vendor and sel.role:
                won = self.vendor_procurements(cur, "supplier").get(sel.vendor, set())
                if sel.role == "supplier":
                    found = [r for r in found if r["id"] in won]
                else:
                    mentioned = self.vendor_procurements(cur, "mentioned").get(sel.vendor, set())
                    found = [r for r in found if r["id"] in mentioned and r["id"] not in won]
            if len(found) <= KEEP_ROWS:
                self._rows.put(key, found)
        return found

    def vendor_procurements(self, cur: duckdb.DuckDBPyConnection, role: Role) -> dict[str, set[str]]:
        """vendor id → the procurements in which it is a named supplier (or which mention it)."""
        found = self._vendors.get(role)
        if found is None:
            found = defaultdict(set)
            for pid, vendor in cur.execute(_ROLE_SQL[role]).fetchall():
                found[vendor].add(pid)
            found = dict(found)
            self._vendors.put(role, found)
        return found

    def suppliers(self, cur: duckdb.DuckDBPyConnection, pids: set[str]) -> Counter[str]:
        """Procurements won per vendor among `pids`."""
        return Counter(
            {v: len(won & pids) for v, won in self.vendor_procurements(cur, "supplier").items() if won & pids}
        )


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Procurements, notices, first and last date, spend per currency (award/contract and budget
    apart, as counts.py reports them) and procurements by year × category, of a list."""
    spend: dict[str | None, dict[str, Any]] = {}
    cells: Counter[tuple[int | None, str | None]] = Counter()
    buyers: Counter[str] = Counter()
    for r in rows:
        cur = r["spend_currency"] if r["spend_value"] is not None else None
        s = spend.setdefault(cur, {"currency": cur, "procurements": 0, "value": 0.0, "award": 0, "budget": 0})
        s["procurements"] += 1
        if cur is not None:
            s["value"] += r["spend_value"]
            s["award" if r["spend_kind"] in ("award", "contract") else "budget"] += 1
        year = r["first_published"].year if r["first_published"] else None
        for category in r["categories"] or [None]:
            cells[(year, category)] += 1
        if r["buyer"]:
            buyers[r["buyer"]] += 1
    dates = [r["first_published"] for r in rows if r["first_published"]]
    return {
        "procurements": len(rows),
        "notices": sum(r["notices"] or 0 for r in rows),
        "first": min(dates) if dates else None,
        "last": max(dates) if dates else None,
        "spend": sorted(spend.values(), key=lambda s: (s["currency"] is None, -s["procurements"])),
        "by_year_category": [
            {"year": y, "category": c, "procurements": n}
            for (y, c), n in sorted(
                cells.items(), key=lambda x: (x[0][0] is None, x[0][0] or 0, x[0][1] or "")
            )
        ],
        "buyers": [{"buyer": b, "procurements": n} for b, n in buyers.most_common(15)],
    }
