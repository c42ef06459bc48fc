"""Amounts a reader should not take on trust: flagged with their evidence and the rule that flagged them.

Three rules, settings in data/figures.json ("amount_checks"), every one computed over the whole store
(not the filtered rows, so a flag does not come and go with the filters):

- `disagreement`: the headline amounts of a procurement's own notices, in one currency, differ by
  `factor` or more (a 万元/元 slip differs by 10,000): the procurement's spend is one of them.
- `outlier`: the spend is above `k_median` × the median spend of the procurements sharing its category
  and currency (its highest-median category when it has several), when that group has at least
  `min_group` procurements (else all procurements in that currency, if they are enough), and above
  `floor_usd` converted at the currency's latest rate.
- `unit_slip`: a notice of another procurement of the same buyer, in the same currency and within
  `window_days`, states the same figure scaled by 10,000 or 100,000,000 (元 written for 万元/亿元).
- `rejected`: a notice of the procurement writes a figure too large to be an amount (above
  `amount_limits.ceiling`): it was not taken as a number, so the spend may miss it (`notices.amount_notes`).

Flags never change a figure silently: totals give spend with and without flagged amounts
(query/counts.py), the report lists every flagged amount, and `procurements(...)` rows carry them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from procurewatch import knowledge

RULES = ("disagreement", "outlier", "unit_slip", "rejected")


@dataclass(frozen=True)
class Settings:
    disagreement_factor: float
    k_median: float
    min_group: int
    floor_usd: float
    slip_factors: tuple[float, ...]
    slip_tolerance: float
    slip_window_days: int
    growth_min_base: int


@cache
def settings() -> Settings:
    raw = knowledge.load_json("figures.json")
    checks = raw["amount_checks"]
    return Settings(
        disagreement_factor=float(checks["disagreement"]["factor"]),
        k_median=float(checks["outlier"]["k_median"]),
        min_group=int(checks["outlier"]["min_group"]),
        floor_usd=float(checks["outlier"]["floor_usd"]),
        slip_factors=tuple(float(x) for x in checks["unit_slip"]["factors"]),
        slip_tolerance=float(checks["unit_slip"]["tolerance"]),
        slip_window_days=int(checks["unit_slip"]["window_days"]),
        growth_min_base=int(raw["growth"]["min_base"]),
    )


def floors(s: Settings) -> dict[str, float]:
    """The outlier floor in each currency that has a rate (its latest year in fx_rates.csv)."""
    latest: dict[str, tuple[int, float]] = {}
    for year, currency, per_usd in knowledge.fx_rows():
        if currency not in latest or year > latest[currency][0]:
            latest[currency] = (year, per_usd)
    return {cur: s.floor_usd * per_usd for cur, (_, per_usd) in sorted(latest.items())}


def _num(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(f"setting {x!r} is not a finite number")
    return repr(float(x))


def flag_ctes(s: Settings | None = None) -> str:
    """CTEs ending in `amount_flags(pid, rule, currency, value, ratio, grp, group_size, group_median,
    threshold, notices)`: one row per flagged procurement and rule. They read `procs_raw` (id, buyer,
    spend_value, spend_currency), `members`, `proc_categories` and the store's `notices`."""
    s = s or settings()
    for factor in s.slip_factors:
        if factor <= 0 or abs(math.log10(factor) - round(math.log10(factor))) > 1e-9:
            raise ValueError(f"unit_slip factor {factor}: expected a power of ten (10000, 100000000)")
    floor_rows = ", ".join(
        f"('{cur}', {_num(v)})" for cur, v in floors(s).items() if re.fullmatch(r"[A-Z]{3}", cur)
    )
    floor_sql = (
        f"SELECT * FROM (VALUES {floor_rows}) t(currency, floor)"
        if floor_rows
        else ("SELECT NULL::VARCHAR AS currency, NULL::DOUBLE AS floor WHERE FALSE")
    )
    slip = (
        " OR ".join(
            f"abs(n1.amount_value / n2.amount_value / {_num(f)} - 1) <= {_num(s.slip_tolerance)} OR "
            f"abs(n2.amount_value / n1.amount_value / {_num(f)} - 1) <= {_num(s.slip_tolerance)}"
            for f in s.slip_factors
        )
        or "FALSE"
    )
    notice_struct = (
        "{'notice_id': n.id, 'title': n.title, 'value': n.amount_value, 'currency': n.amount_currency, "
        "'kind': n.amount_kind, 'published': n.published, 'url': n.url, 'notes': n.amount_notes}"
    )
    return f"""
amount_keys AS (
    -- notices with a positive amount and a buyer, keyed by their first significant digits so that figures
    -- differing by a power of ten meet in an equi-join (no pairing of every notice of a large buyer)
    SELECT n.id, n.buyer, n.amount_currency, n.amount_value, n.published,
           round(n.amount_value / pow(10, floor(log10(n.amount_value))), 3) AS digits
    FROM notices n WHERE n.amount_value > 0 AND n.buyer IS NOT NULL AND n.amount_currency IS NOT NULL
),
spend_notices AS (
    SELECT m.procurement_id AS pid, list({notice_struct} ORDER BY n.published NULLS LAST, n.id) AS notices
    FROM procs_raw p JOIN members m ON m.procurement_id = p.id JOIN notices n ON n.id = m.notice_id
    WHERE n.amount_value = p.spend_value AND n.amount_currency = p.spend_currency
    GROUP BY ALL
),
spend_groups AS (
    SELECT c.category AS grp, p.spend_currency AS currency, count(*) AS n, median(p.spend_value) AS med
    FROM procs_raw p JOIN proc_categories c ON c.pid = p.id
    WHERE p.spend_value > 0 AND p.spend_currency IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT '(all categories)', p.spend_currency, count(*), median(p.spend_value)
    FROM procs_raw p WHERE p.spend_value > 0 AND p.spend_currency IS NOT NULL GROUP BY ALL
),
proc_group AS (
    SELECT p.id AS pid, arg_max(g.grp, g.med) AS grp, arg_max(g.n, g.med) AS n, max(g.med) AS med
    FROM procs_raw p JOIN proc_categories c ON c.pid = p.id
    JOIN spend_groups g ON g.grp = c.category AND g.currency = p.spend_currency
    WHERE p.spend_value > 0 AND g.n >= {int(s.min_group)} GROUP BY ALL
),
amount_floors AS ({floor_sql}),
amount_flags AS (
    SELECT m.procurement_id AS pid, 'disagreement' AS rule, n.amount_currency AS currency,
           NULL::DOUBLE AS value, max(n.amount_value) / min(n.amount_value) AS ratio,
           NULL::VARCHAR AS grp, NULL::BIGINT AS group_size, NULL::DOUBLE AS group_median,
           NULL::DOUBLE AS threshold,
           list({notice_struct} ORDER BY n.amount_value, n.id) AS notices
    FROM members m JOIN notices n ON n.id = m.notice_id
    WHERE n.amount_value > 0 AND n.amount_currency IS NOT NULL
    GROUP BY m.procurement_id, n.amount_currency
    HAVING max(n.amount_value) >= {_num(s.disagreement_factor)} * min(n.amount_value)
    UNION ALL
    SELECT p.id, 'outlier', p.spend_currency, p.spend_value, p.spend_value / coalesce(pg.med, g.med),
           coalesce(pg.grp, g.grp), coalesce(pg.n, g.n), coalesce(pg.med, g.med),
           greatest({_num(s.k_median)} * coalesce(pg.med, g.med), coalesce(fl.floor, 0)), sn.notices
    FROM procs_raw p
    LEFT JOIN proc_group pg ON pg.pid = p.id
    LEFT JOIN spend_groups g ON g.grp = '(all categories)' AND g.currency = p.spend_currency
    LEFT JOIN amount_floors fl ON fl.currency = upper(p.spend_currency)
    LEFT JOIN spend_notices sn ON sn.pid = p.id
    WHERE p.spend_value > 0 AND (pg.pid IS NOT NULL OR g.n >= {int(s.min_group)})
      AND p.spend_value > {_num(s.k_median)} * coalesce(pg.med, g.med)
      AND p.spend_value > coalesce(fl.floor, 0)
    UNION ALL
    SELECT p.id, 'unit_slip', p.spend_currency, p.spend_value, max(n1.amount_value / n2.amount_value),
           NULL, NULL, NULL, NULL,
           list(DISTINCT {notice_struct.replace("n.", "n2.")})
    FROM procs_raw p
    JOIN members m1 ON m1.procurement_id = p.id JOIN amount_keys k1 ON k1.id = m1.notice_id
    JOIN amount_keys k2 ON k2.buyer = k1.buyer AND k2.amount_currency = k1.amount_currency
                       AND k2.digits = k1.digits AND k2.id <> k1.id
    JOIN members m2 ON m2.notice_id = k2.id AND m2.procurement_id <> p.id
    JOIN notices n1 ON n1.id = k1.id JOIN notices n2 ON n2.id = k2.id
    WHERE k1.amount_value = p.spend_value AND k1.amount_currency = p.spend_currency
      AND abs(date_diff('day', k1.published, k2.published)) <= {int(s.slip_window_days)}
      AND ({slip})
    GROUP BY ALL
    UNION ALL
    SELECT m.procurement_id, 'rejected', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           list({notice_struct} ORDER BY n.published NULLS LAST, n.id)
    FROM members m JOIN notices n ON n.id = m.notice_id
    WHERE n.amount_notes IS NOT NULL
    GROUP BY m.procurement_id
)"""


def describe(s: Settings | None = None) -> dict[str, str]:
    """The rules as written in the report's methods."""
    s = s or settings()
    return {
        "disagreement": f"the headline amounts of the procurement's own notices in one currency differ by a "
        f"factor of {s.disagreement_factor:,.0f} or more (a 万元/元 slip is 10,000)",
        "outlier": f"the spend is above {s.k_median:,.0f} × the median spend of the procurements sharing its "
        f"category and currency (its highest-median category), when that group has at least {s.min_group} "
        f"procurements (else all procurements in the currency, if at least {s.min_group}), and above "
        f"{s.floor_usd:,.0f} USD at the currency's latest rate in fx_rates.csv",
        "unit_slip": "a notice of another procurement of the same buyer, in the same currency and within "
        f"{s.slip_window_days} days, states the same figure × "
        + " or × ".join(f"{f:,.0f}" for f in s.slip_factors)
        + " (or divided by it): one of them wrote 元 for 万元/亿元 or the reverse",
        "rejected": "a notice of the procurement writes a figure too large to be any purchase's amount "
        "(above amount_limits.ceiling in figures.json): it is not counted, so the spend may miss a figure",
        "effect": "flagged amounts stay in the figures; every total also gives spend without them "
        "(spend_value_excl_flagged) and the report lists each one with its evidence",
    }


def explain(row: dict[str, Any]) -> str:
    """One sentence of evidence for an amount_flags row."""
    notices = row.get("notices") or []
    if row["rule"] == "rejected":
        return "a figure was rejected: " + "; ".join(
            f"notice {n['notice_id']}: {n.get('notes')}" for n in notices
        )
    values = "; ".join(
        f"notice {n['notice_id']} ({n.get('kind') or 'amount'}, {n.get('published') or 'undated'}): "
        f"{n['value']:,.2f} {n.get('currency') or ''}".rstrip()
        for n in notices
    )
    if row["rule"] == "disagreement":
        return f"its notices state amounts {row['ratio']:,.0f}× apart: {values}"
    if row["rule"] == "outlier":
        return (
            f"{row['value']:,.2f} {row['currency']} is {row['ratio']:,.0f}× the median "
            f"({row['group_median']:,.2f}) of {row['group_size']} procurements in {row['grp']} / "
            f"{row['currency']}; threshold {row['threshold']:,.2f}" + (f"; from {values}" if values else "")
        )
    return f"{row['value']:,.2f} {row['currency']} appears scaled by ×{row['ratio']:,.4g} in {values}"
