"""Trends and rankings computed from the store, under one set of counting rules.

Counting rules (applied by every function here):
- The unit is the procurement (linked notices, see link/run.py); `notices` is a secondary count of
  distinct notices: a re-post, or the same content stored again under another path (same
  `notices.fingerprint`), counts once. Until linking has run, every notice is its own procurement
  (copies of one content together).
- Amounts a reader should not take on trust are flagged (query/amount_checks.py, over the whole store):
  every row gives spend with and without them (`spend_value`, `spend_value_excl_flagged`).
- Spend of a procurement = its award or contract value when known, else its budget (`spend_kind`
  says which); never both, and member notices are never summed.
- Currencies are never summed together: every row carries one currency (several rows when several
  currencies; currency None = no amount known). Conversion happens only when `Filters.convert_to`
  is set, with the dated annual rates of data/fx_rates.csv, and the rows say so (`spend_note`).
- A procurement's year is the year of its first notice; its categories are those found in any of
  its notices (a procurement in two categories counts once in each; do not add categories up).
- Every aggregate row can be opened with `procurements(con, f, **cell)`, and each procurement with
  `procurement_notices` / `notice_evidence`.
- Every measure is computed over `fp` (the procurements the filters keep, `_where`), so a headline
  restricted to one kind of procurement (e.g. a future `role` column: primary/component) is one more
  condition there; the measures themselves need no change.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from procurewatch import knowledge
from procurewatch.detect.purchaser import buyer_type_condition
from procurewatch.link.procurements import status_sql
from procurewatch.query.amount_checks import explain, flag_ctes
from procurewatch.query.filters import Filters, day
from procurewatch.review.decisions import condition as review_condition
from procurewatch.review.decisions import role_condition

FX_FILE = "data/fx_rates.csv"

_LONE_STATUS = status_sql("n.notice_type = 'cancellation'", "n.notice_type", over_members=False)
# Every notice belongs to one procurement; notices not yet linked stand alone, except that an unlinked
# notice stored twice (same fingerprint under another path) is one notice of one procurement.
# `notices` of a procurement counts distinct contents: a re-post (duplicate_of set) or the same content
# stored again (same fingerprint, e.g. the same OCDS release under another file name) counts once.
_BASE_TEMPLATE = """
unlinked AS (
    SELECT n.id,
           first_value(n.id) OVER (PARTITION BY n.fingerprint ORDER BY n.published NULLS LAST, n.id) AS pid
    FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id
),
members AS (
    SELECT notice_id, procurement_id, reason, score AS link_score, duplicate_of FROM notice_links
    UNION ALL
    SELECT u.id, u.pid, 'unlinked', 1.0, CASE WHEN u.id <> u.pid THEN u.pid END FROM unlinked u
),
proc_notice_counts AS (
    SELECT m.procurement_id AS pid,
           count(DISTINCT n.fingerprint) FILTER (WHERE m.duplicate_of IS NULL) AS notices
    FROM members m JOIN notices n ON n.id = m.notice_id GROUP BY ALL
),
procs_raw AS (
    SELECT p.id, p.title, p.buyer, p.first_published, p.last_published, p.status,
           coalesce(c.notices, p.notices) AS notices, p.spend_value,
           p.spend_currency, p.spend_kind, p.relevant, p.score, p.title_match, p.country, p.province, p.city,
           p.admin_code, p.role
    FROM procurements p LEFT JOIN proc_notice_counts c ON c.pid = p.id
    UNION ALL
    SELECT n.id, n.title, n.buyer, n.published, n.published,
           {lone_status},
           1, n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score, n.title_match,
           n.country, n.province, n.city, n.admin_code, n.role
    FROM notices n JOIN unlinked u ON u.id = n.id AND u.pid = n.id
),
proc_categories AS (
    SELECT DISTINCT m.procurement_id AS pid, f.category
    FROM members m JOIN findings f ON f.notice_id = m.notice_id
),
proc_suppliers AS (
    SELECT DISTINCT m.procurement_id AS pid, p.vendor
    FROM members m JOIN parties p ON p.notice_id = m.notice_id
    WHERE p.role = 'supplier' AND p.vendor IS NOT NULL
),
proc_mentions AS (
    SELECT DISTINCT m.procurement_id AS pid, v.vendor
    FROM members m JOIN vendor_mentions v ON v.notice_id = m.notice_id
),
{flags},
procs AS (
    SELECT p.*, coalesce(f.rules, []) AS amount_flags, f.rules IS NOT NULL AS amount_flagged
    FROM procs_raw p
    LEFT JOIN (SELECT pid, list(DISTINCT rule ORDER BY rule) AS rules FROM amount_flags GROUP BY pid) f
           ON f.pid = p.id
)"""


def _base() -> str:
    return _BASE_TEMPLATE.replace("{flags}", flag_ctes().strip()).replace("{lone_status}", _LONE_STATUS)


BASE_TABLES = ("members", "procs", "proc_categories", "proc_suppliers", "proc_mentions", "amount_flags")


class MaterializedBase:
    """A connection whose common CTEs (members, procs, proc_categories, ...) read tables computed
    once by `materialize_base` instead of being recomputed from the store by every query.

    Only for a store that cannot change while the tables are used (a read-only server holding
    DuckDB's file lock); everything else about the connection is passed through."""

    def __init__(self, con: duckdb.DuckDBPyConnection, catalog: str) -> None:
        self._con = con
        self.pw_base_catalog = catalog

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def materialize_base(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """Write the common CTEs as tables of `catalog` (e.g. an attached in-memory database)."""
    for name in BASE_TABLES:
        # procurements in date order: date filters then skip whole row groups (zone maps)
        order = " ORDER BY relevant, first_published" if name == "procs" else ""
        con.execute(f"CREATE OR REPLACE TABLE {catalog}.{name} AS WITH {_base()} SELECT * FROM {name}{order}")


def _base_sql(con: Any) -> str:
    catalog = getattr(con, "pw_base_catalog", None)
    if catalog is None:
        return _base()
    return ",\n".join(f"{name} AS (SELECT * FROM {catalog}.{name})" for name in BASE_TABLES)


def base_ctes(con: Any) -> str:
    """The common CTEs (members, procs, proc_categories, amount_flags ...) for a query of another module."""
    return _base_sql(con)


def connect(db_path: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"no store at {path}: run 'procurewatch ingest' first")
    return duckdb.connect(str(path), read_only=read_only)


# ---------------------------------------------------------------- filters → SQL


def _in(values: list[str], params: list[Any]) -> str:
    params.extend(values)
    return "(" + ", ".join("?" for _ in values) + ")"


def _where(f: Filters, params: list[Any]) -> str:
    conds = ["TRUE"]
    if f.relevant_only or f.reviewed:  # a reviewer's decision overrides the detector's
        conds.append(review_condition(f.relevant_only, f.reviewed))
    if f.role and (f.relevant_only or f.reviewed):  # a role is a kind of surveillance purchase
        conds.append(role_condition())
        params.append(f.role)
    if f.date_from:
        conds.append("p.first_published >= CAST(? AS DATE)")
        params.append(day(f.date_from, end=False))
    if f.date_to:
        conds.append("p.first_published <= CAST(? AS DATE)")
        params.append(day(f.date_to, end=True))
    if f.categories:
        conds.append(
            f"p.id IN (SELECT pid FROM proc_categories WHERE category IN {_in(f.categories, params)})"
        )
    if f.countries:
        conds.append(f"upper(p.country) IN {_in([c.upper() for c in f.countries], params)}")
    if f.provinces:
        conds.append(f"p.province IN {_in(f.provinces, params)}")
    if f.buyer_types:
        conds.append(buyer_type_condition(f.buyer_types, params))
    if f.vendors:
        vendors_a = _in(f.vendors, params)
        vendors_b = _in(f.vendors, params)
        conds.append(
            f"p.id IN (SELECT pid FROM proc_suppliers WHERE vendor IN {vendors_a} "
            f"UNION SELECT pid FROM proc_mentions WHERE vendor IN {vendors_b})"
        )
    if f.languages:
        conds.append(
            "p.id IN (SELECT m.procurement_id FROM members m JOIN notices n ON n.id = m.notice_id "
            f"WHERE n.language IN {_in(f.languages, params)})"
        )
    if f.notice_types:
        conds.append(
            "p.id IN (SELECT m.procurement_id FROM members m JOIN notices n ON n.id = m.notice_id "
            f"WHERE n.notice_type IN {_in(f.notice_types, params)})"
        )
    if f.title_only:
        conds.append("p.title_match")
    if f.min_score is not None:
        conds.append("p.score >= ?")
        params.append(f.min_score)
    if isinstance(f.query, str) and f.query.strip():
        conds.append(
            "p.id IN (SELECT m.procurement_id FROM members m JOIN notices n ON n.id = m.notice_id "
            "WHERE contains(n.title, ?) OR contains(n.body, ?))"
        )
        params.extend([f.query.strip()] * 2)
    elif isinstance(f.query, list):
        ids = f.query or [""]
        conds.append(f"p.id IN (SELECT procurement_id FROM members WHERE notice_id IN {_in(ids, params)})")
    return " AND ".join(conds)


@cache
def fx_table() -> pa.Table:
    text = resources.files("procurewatch").joinpath(FX_FILE).read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return pa.table(
        {
            "year": [int(r["year"]) for r in rows],
            "currency": [r["currency"].upper() for r in rows],
            "per_usd": [float(r["units_per_usd"]) for r in rows],
        }
    )


def fx_note(target: str) -> str:
    years = fx_table().column("year").to_pylist()
    return (
        f"converted to {target.upper()} at annual average rates for the procurement's year "
        f"(data/fx_rates.csv, {min(years)}–{max(years)}, approximate; the latest year is a year-to-date "
        "estimate); amounts without a rate for their year stay in their own currency and say so "
        '("not converted: no rate for YEAR")'
    )


def _query(
    con: duckdb.DuckDBPyConnection | MaterializedBase, f: Filters, body: str, params: list[Any]
) -> list[dict[str, Any]]:
    """Run `body` (which selects FROM fp, the filtered procurements) with the common CTEs."""
    where_params: list[Any] = []
    where = _where(f, where_params)
    if f.convert_to:
        con.register("_fx", fx_table())
        target = f.convert_to.upper()
        spend = f"""
        SELECT p.* REPLACE (
                   CASE WHEN t.per_usd IS NOT NULL AND s.per_usd IS NOT NULL
                        THEN p.spend_value / s.per_usd * t.per_usd ELSE p.spend_value END AS spend_value,
                   CASE WHEN t.per_usd IS NOT NULL AND s.per_usd IS NOT NULL
                        THEN '{target}' ELSE p.spend_currency END AS spend_currency),
               (t.per_usd IS NOT NULL AND s.per_usd IS NOT NULL) AS converted
        FROM procs p
        LEFT JOIN _fx s ON s.currency = upper(p.spend_currency) AND s.year = year(p.first_published)
        LEFT JOIN _fx t ON t.currency = '{target}' AND t.year = year(p.first_published)"""
        if not re.fullmatch(r"[A-Z]{3}", target):
            raise ValueError(f"currency {f.convert_to!r}: expected an ISO 4217 code such as USD")
    else:
        spend = "SELECT p.*, FALSE AS converted FROM procs p"
    sql = (
        f"WITH {_base_sql(con)},\nspent AS ({spend}),\nfp AS (SELECT p.* FROM spent p WHERE {where})\n{body}"
    )
    result = con.execute(sql, where_params + params)
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    for row in rows:
        missing = row.pop("unconverted_years", None)
        if f.convert_to and "spend_currency" in row:
            row["spend_note"] = _conversion_note(f.convert_to, row.get("spend_currency"), missing)
    return rows


def _conversion_note(target: str, currency: str | None, missing: list[str] | None) -> str:
    """What happened to a row's spend under --convert-to: converted, or why not."""
    if currency is None:
        return "no amount"
    if missing and currency.upper() != target.upper():
        years = ", ".join(sorted(y if y != "undated" else "undated procurements" for y in missing))
        return f"not converted: no {currency}/{target.upper()} rate for {years} (data/fx_rates.csv)"
    return fx_note(target)


# g holds each (procurement, key) once (see _grouped), so count(*) counts procurements, as
# sum(g.notices) already relies on; count(DISTINCT id) would cost 3-4x the time on large groups.
# Amounts are summed as exact decimals (cents): float sums depend on row order, and a figure must not
# change because the same notices were read in another order.
_MONEY = "CAST(sum(CAST({} AS DECIMAL(38, 2))){} AS DOUBLE)"
_MEASURES = f"""
    count(*) AS procurements,
    sum(g.notices) AS notices,
    {_MONEY.format("g.spend_value", "")} AS spend_value,
    g.spend_currency AS spend_currency,
    {_MONEY.format("g.spend_value", " FILTER (WHERE g.spend_kind IN ('award', 'contract'))")}
        AS spend_award_value,
    {_MONEY.format("g.spend_value", " FILTER (WHERE g.spend_kind = 'budget')")} AS spend_budget_value,
    count(*) FILTER (WHERE g.spend_kind IN ('award', 'contract')) AS procurements_with_award,
    count(*) FILTER (WHERE g.spend_kind = 'budget') AS procurements_with_budget_only,
    {_MONEY.format("g.spend_value", " FILTER (WHERE NOT g.amount_flagged)")} AS spend_value_excl_flagged,
    {_MONEY.format("g.spend_value", " FILTER (WHERE g.amount_flagged)")} AS spend_flagged_value,
    count(*) FILTER (WHERE g.amount_flagged AND g.spend_value IS NOT NULL) AS procurements_flagged,
    list(DISTINCT coalesce(CAST(year(g.first_published) AS VARCHAR), 'undated'))
        FILTER (WHERE NOT g.converted AND g.spend_value IS NOT NULL) AS unconverted_years"""


def _grouped(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    keys: dict[str, str],
    join: str = "",
    where: str = "TRUE",
    params: list[Any] | None = None,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    """Procurements, notices and spend per key and currency. `join` may add rows per procurement
    (one per category or vendor); it must yield each (procurement, key) once."""
    params = list(params or [])
    key_select = ", ".join(f"{expr} AS {alias}" for alias, expr in keys.items())
    names = ", ".join(keys)
    ranked = ""
    ranked_join = ""
    if limit is not None:
        on = " AND ".join(f"r.{k} IS NOT DISTINCT FROM g.{k}" for k in keys)
        ranked = f""",
        ranked AS (
            SELECT {names}, count(*) AS total FROM g GROUP BY ALL
            ORDER BY total DESC, {names} LIMIT {int(limit)}
        )"""
        ranked_join = f"JOIN ranked r ON {on}"
    total = ", max(r.total) AS total_procurements" if limit is not None else ""
    if limit is not None:
        order = f"total_procurements DESC, {names}"
    body = f"""
    , g AS (SELECT {key_select}, fp.* FROM fp {join} WHERE {where}){ranked}
    SELECT {", ".join(f"g.{k}" for k in keys)}, {_MEASURES}{total}
    FROM g {ranked_join}
    GROUP BY {", ".join(f"g.{k}" for k in keys)}, g.spend_currency
    ORDER BY {order or names}, procurements DESC, spend_currency NULLS LAST"""
    return _query(con, f, body, params)


# ---------------------------------------------------------------- the analyses


def _category_join(f: Filters, params: list[Any]) -> str:
    only = f" AND c.category IN {_in(f.categories, params)}" if f.categories else ""
    return f"LEFT JOIN proc_categories c ON c.pid = fp.id{only}"


def by_year_category(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """{year, category, procurements, notices, spend_value, spend_currency, ...} per currency."""
    params: list[Any] = []
    join = _category_join(f, params)
    rows = _grouped(
        con,
        f,
        {"year": "year(fp.first_published)", "category": "c.category"},
        join=join,
        params=params,
        order="year NULLS LAST, category NULLS LAST",
    )
    return mark_partial(con, rows)


def by_year(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """Procurements per year (all categories together, each procurement once)."""
    return mark_partial(con, _grouped(con, f, {"year": "year(fp.first_published)"}, order="year NULLS LAST"))


def growth(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    year_from: int,
    year_to: int,
    category: str | None = None,
    min_base: int | None = None,
) -> dict[str, Any]:
    """Change in procurements between two years, with the base counts so a reader can judge it.

    A percentage needs at least `min_base` procurements in the base year (data/figures.json, default
    10): below it `change_pct` is None and `note` says why. A year the store's notices do not cover
    whole is marked partial (`base_partial`, `current_partial`) and the note says so."""
    from procurewatch.query.amount_checks import settings

    min_base = settings().growth_min_base if min_base is None else int(min_base)
    params: list[Any] = []
    where = "TRUE"
    join = ""
    if category:
        join = "JOIN proc_categories c ON c.pid = fp.id"
        where = "c.category = ?"
        params.append(category)
    rows = _grouped(con, f, {"year": "year(fp.first_published)"}, join=join, where=where, params=params)
    counts = {year_from: 0, year_to: 0}
    notices = {year_from: 0, year_to: 0}
    spend: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        if row["year"] in counts:
            counts[row["year"]] += row["procurements"]
            notices[row["year"]] += row["notices"] or 0
            if row["spend_currency"]:
                spend.setdefault(row["spend_currency"], {})[row["year"]] = [
                    row["spend_value"] or 0.0,
                    row["procurements"],
                    row["spend_value_excl_flagged"] or 0.0,
                ]
    base, current = counts[year_from], counts[year_to]
    partial = partial_years(con)
    notes = _growth_notes(base, min_base, partial, year_from, year_to)
    out = {
        "base": year_from,
        "current": year_to,
        "category": category,
        "base_count": base,
        "current_count": current,
        "change_pct": _pct(base, current) if base >= min_base else None,
        "min_base": min_base,
        "base_partial": year_from in partial,
        "current_partial": year_to in partial,
        "note": "; ".join(notes) or None,
        "base_notices": notices[year_from],
        "current_notices": notices[year_to],
        "spend": [],
    }
    for cur, v in sorted(spend.items()):
        b, c = v.get(year_from, [0.0, 0, 0.0]), v.get(year_to, [0.0, 0, 0.0])
        cur_notes = _growth_notes(b[1], min_base, partial, year_from, year_to)
        out["spend"].append(
            {
                "currency": cur,
                "base_value": b[0],
                "current_value": c[0],
                "base_value_excl_flagged": b[2],
                "current_value_excl_flagged": c[2],
                "base_count": b[1],
                "current_count": c[1],
                "change_pct": _pct(b[0], c[0]) if b[1] >= min_base else None,
                "note": "; ".join(cur_notes) or None,
            }
        )
    return out


def _growth_notes(base: int, min_base: int, partial: dict[int, str], *years: int) -> list[str]:
    notes = []
    if base < min_base:
        notes.append(f"base below {min_base} procurements ({base}): no percentage")
    notes.extend(f"{y} is partial ({partial[y]})" for y in years if y in partial)
    return notes


def _pct(base: float, current: float) -> float | None:
    return None if not base else round((current - base) / base * 100, 1)


def store_range(con: duckdb.DuckDBPyConnection) -> tuple[Any, Any]:
    """First and last publication date of the store's notices."""
    (row,) = con.execute("SELECT min(published), max(published) FROM notices").fetchall()
    return row[0], row[1]


def partial_years(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Years the store's notices do not cover whole: the first year when its first notice is after
    1 January, the last when its last notice is before 31 December. Year → what is covered."""
    first, last = store_range(con)
    out: dict[int, str] = {}
    if first is None or last is None:
        return out
    if (first.month, first.day) != (1, 1):
        out[first.year] = f"notices from {first.isoformat()}"
    if (last.month, last.day) != (12, 31):
        covered = f"notices to {last.isoformat()}"
        out[last.year] = f"{out[last.year]} {covered}" if last.year in out else covered
    return out


def mark_partial(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `partial` (True/False) on rows with a `year`."""
    partial = partial_years(con)
    for row in rows:
        if "year" in row:
            row["partial"] = row["year"] in partial if row["year"] is not None else None
    return rows


def by_province(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """{province, admin_code, procurements, notices, spend_value, spend_currency}; admin_code is the
    province-level code (first two digits of the procurement's code + 0000)."""
    params: list[Any] = []
    rows = _grouped(
        con,
        f,
        {"province": "fp.province", "country": "fp.country"},
        where=_chinese_province(params),
        params=params,
        order="province NULLS LAST",
    )
    codes = _codes(con, f, "fp.province", 2)
    for row in rows:
        row["admin_code"] = codes.get(row["province"])
    return rows


def _chinese_province(params: list[Any]) -> str:
    """Only provinces of the gazetteer, in China: places elsewhere are counted by country (by_region)."""
    names = [name for _, name, _ in knowledge.provinces()]
    return f"fp.province IN {_in(names, params)} AND coalesce(upper(fp.country), 'CN') = 'CN'"


def by_region(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """{country, region, ...}: places outside China by country and the region (province, state, NUTS
    code ...) as the source wrote it; never listed as Chinese provinces."""
    return _grouped(
        con,
        f,
        {"country": "fp.country", "region": "fp.province"},
        where="coalesce(upper(fp.country), 'CN') <> 'CN' AND fp.province IS NOT NULL",
        order="country NULLS LAST, region",
    )


def by_prefecture(
    con: duckdb.DuckDBPyConnection, f: Filters, province: str | None = None
) -> list[dict[str, Any]]:
    """{province, city, admin_code, ...}; admin_code is the prefecture-level code (4 digits + 00)."""
    params: list[Any] = []
    where = "TRUE"
    if province:
        where = "fp.province = ?"
        params.append(province)
    rows = _grouped(
        con,
        f,
        {"province": "fp.province", "city": "fp.city"},
        where=where,
        params=params,
        order="province NULLS LAST, city NULLS LAST",
    )
    codes = _codes(con, f, "fp.province || '/' || fp.city", 4)
    for row in rows:
        row["admin_code"] = codes.get(f"{row['province']}/{row['city']}")
    return rows


def _codes(con: duckdb.DuckDBPyConnection, f: Filters, key: str, digits: int) -> dict[str, str]:
    body = f"""SELECT {key} AS key, min(left(fp.admin_code, {digits}) || repeat('0', {6 - digits})) AS code
               FROM fp WHERE fp.admin_code IS NOT NULL AND length(fp.admin_code) = 6 GROUP BY ALL"""
    return {r["key"]: r["code"] for r in _query(con, f, body, []) if r["key"] is not None}


def by_country(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    return _grouped(con, f, {"country": "fp.country"}, order="country NULLS LAST")


def top_buyers(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 20) -> list[dict[str, Any]]:
    return _grouped(
        con,
        f,
        {"buyer": "fp.buyer"},
        where="fp.buyer IS NOT NULL",
        limit=limit,
    )


def top_vendors(
    con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 20, by: Literal["awards", "mentions"] = "awards"
) -> list[dict[str, Any]]:
    """Vendors by procurements won (as a named supplier) or by procurements whose notices mention them.
    Spend is the spend of those procurements (not a vendor's share of it)."""
    if by not in ("awards", "mentions"):
        raise ValueError(f"by={by!r}: expected 'awards' or 'mentions'")
    table = "proc_suppliers" if by == "awards" else "proc_mentions"
    return _grouped(
        con,
        f,
        {"vendor": "v.vendor"},
        join=f"JOIN {table} v ON v.pid = fp.id",
        limit=limit,
    )


def top_suppliers(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """Winning suppliers by name as written (integrators rarely resolve to a known vendor id)."""
    join = """JOIN (SELECT DISTINCT m.procurement_id AS pid, p.name FROM members m
                    JOIN parties p ON p.notice_id = m.notice_id WHERE p.role = 'supplier') s
              ON s.pid = fp.id"""
    return _grouped(
        con,
        f,
        {"supplier": "s.name"},
        join=join,
        limit=limit,
    )


def categories_by_vendor(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """{vendor, category, procurements}: vendors as supplier or mentioned, by the categories bought."""
    params: list[Any] = []
    only = f" AND c.category IN {_in(f.categories, params)}" if f.categories else ""
    body = f"""
    SELECT v.vendor, c.category, count(DISTINCT fp.id) AS procurements
    FROM fp
    JOIN (SELECT pid, vendor FROM proc_suppliers UNION SELECT pid, vendor FROM proc_mentions) v
      ON v.pid = fp.id
    JOIN proc_categories c ON c.pid = fp.id{only}
    GROUP BY ALL ORDER BY v.vendor, procurements DESC, c.category"""
    return _query(con, f, body, params)


_CELL = {
    "year": "year(fp.first_published) IS NOT DISTINCT FROM ?",
    "category": "fp.id IN (SELECT pid FROM proc_categories WHERE category = ?)",
    "province": "fp.province IS NOT DISTINCT FROM ?",
    "city": "fp.city IS NOT DISTINCT FROM ?",
    "country": "fp.country IS NOT DISTINCT FROM ?",
    "buyer": "fp.buyer IS NOT DISTINCT FROM ?",
    "vendor": "fp.id IN (SELECT pid FROM proc_suppliers WHERE vendor = ? "
    "UNION SELECT pid FROM proc_mentions WHERE vendor = ?)",
    "supplier": "fp.id IN (SELECT m.procurement_id FROM members m "
    "JOIN parties p ON p.notice_id = m.notice_id WHERE p.role = 'supplier' AND p.name = ?)",
    "spend_currency": "fp.spend_currency IS NOT DISTINCT FROM ?",
    "region": "fp.province IS NOT DISTINCT FROM ?",
    "amount_flagged": "fp.amount_flagged = ?",
}


def procurements(
    con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 100, offset: int = 0, **cell: Any
) -> list[dict[str, Any]]:
    """The procurements behind any aggregate row: pass the row's keys (year, category, province, city,
    country, region, buyer, vendor, supplier, spend_currency, amount_flagged). Each row carries its
    `amount_flags` (rules of query/amount_checks.py; `flagged_amounts` gives the evidence)."""
    conds, params = ["TRUE"], []
    for key, value in cell.items():
        if key not in _CELL:
            raise ValueError(f"unknown cell key {key!r}; expected one of {', '.join(_CELL)}")
        conds.append(_CELL[key])
        params.extend([value] * _CELL[key].count("?"))
    body = f"""
    SELECT fp.id, fp.title, fp.buyer, fp.first_published, fp.last_published, fp.status, fp.notices,
           fp.spend_value, fp.spend_currency, fp.spend_kind, fp.country, fp.province, fp.city, fp.admin_code,
           fp.relevant, fp.score, fp.title_match,
           (SELECT list(category ORDER BY category) FROM proc_categories c WHERE c.pid = fp.id) AS categories,
           fp.amount_flags, fp.amount_flagged
    FROM fp WHERE {" AND ".join(conds)}
    ORDER BY fp.first_published NULLS LAST, fp.id LIMIT {int(limit)} OFFSET {int(offset)}"""
    return _query(con, f, body, params)


_PHASE_ORDER = (
    "CASE n.notice_type WHEN 'tender' THEN 0 WHEN 'amendment' THEN 1 WHEN 'award' THEN 2 "
    "WHEN 'contract' THEN 3 WHEN 'cancellation' THEN 4 ELSE 5 END"
)


def procurement_notices(con: duckdb.DuckDBPyConnection, procurement_id: str) -> list[dict[str, Any]]:
    """The notices linked into a procurement, in date and phase order, with the link reason."""
    body = f"""
    SELECT n.id, n.title, n.notice_type, n.published, n.buyer, n.project_code, n.ocid, n.path, n.locator,
           n.url,
           n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score,
           m.reason, m.link_score, m.duplicate_of
    FROM members m JOIN notices n ON n.id = m.notice_id
    WHERE m.procurement_id = ?
    ORDER BY n.published NULLS LAST, {_PHASE_ORDER}, n.id"""
    return _query(con, Filters(relevant_only=False), body, [procurement_id])


def notice_evidence(con: duckdb.DuckDBPyConnection, notice_id: str) -> list[dict[str, Any]]:
    """The evidence (field, offsets, text) behind a notice's categories and vendors."""
    rows = con.execute(
        """SELECT subject_kind, subject, field, start_offset, end_offset, text FROM evidence
           WHERE notice_id = ? ORDER BY field, start_offset""",
        [notice_id],
    )
    names = [d[0] for d in rows.description]
    return [dict(zip(names, r, strict=True)) for r in rows.fetchall()]


def totals(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """Procurements, notices and spend over everything the filters keep, per currency."""
    return _grouped(con, f, {"total": "'all'"})


def data_vintage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the store holds: distinct notices (the same content stored twice counts once; `stored_notices`
    counts rows), notice dates and when it was ingested."""
    row = con.execute(
        """SELECT count(DISTINCT fingerprint), min(published), max(published), min(ingested_at),
                  max(ingested_at),
                  count(*) FROM notices"""
    ).fetchall()[0]
    (procs,) = con.execute("SELECT count(*) FROM procurements").fetchall()[0]
    (linked,) = con.execute("SELECT count(*) FROM notice_links").fetchall()[0]
    keys = ("notices", "published_from", "published_to", "ingested_from", "ingested_to")
    out = dict(zip(keys, (row or (0, None, None, None, None))[:5], strict=True))
    out["stored_notices"] = row[5] if row else 0
    out["procurements"] = procs
    out["linked_notices"] = linked
    return out


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """What the store covers: `sources` (input folders two levels below the inputs' common folder, with
    their kinds, distinct and stored notices and dates) and `years` (distinct notices per year, partial
    years marked)."""
    rows = con.execute(
        """SELECT regexp_replace(split_part(path, '!', 1), '/[^/]*$', '') AS folder, kind,
                  count(DISTINCT fingerprint) AS notices, count(*) AS stored, min(published), max(published)
           FROM notices GROUP BY ALL ORDER BY folder, kind"""
    ).fetchall()
    folders = [r[0].split("/") for r in rows]
    common = 0
    if folders:
        first = folders[0]
        while common < len(first) and all(len(f) > common and f[common] == first[common] for f in folders):
            common += 1
        common = min(common, min(len(f) for f in folders))
    sources: dict[tuple[str, str], dict[str, Any]] = {}
    for (folder, kind, notices, stored, first_day, last_day), parts in zip(rows, folders, strict=True):
        name = "/".join(parts[: common + 2]) or folder or "."
        src = sources.setdefault(
            (name, kind),
            {"source": name, "kind": kind, "notices": 0, "stored_notices": 0, "first": None, "last": None},
        )
        src["notices"] += notices
        src["stored_notices"] += stored
        if first_day and (src["first"] is None or first_day < src["first"]):
            src["first"] = first_day
        if last_day and (src["last"] is None or last_day > src["last"]):
            src["last"] = last_day
    partial = partial_years(con)
    years = [
        {
            "year": y,
            "notices": n,
            "stored_notices": st,
            "partial": (y in partial) if y is not None else None,
            "covered": partial.get(y) if y is not None else "undated",
        }
        for y, n, st in con.execute(
            """SELECT year(published), count(DISTINCT fingerprint), count(*) FROM notices
               GROUP BY ALL ORDER BY 1 NULLS LAST"""
        ).fetchall()
    ]
    return {"sources": list(sources.values()), "years": years}


def per_entity(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    """One row per entity (the `keys`) from rows per entity and currency: procurements and notices added
    up (each procurement has one currency, so the currency rows are disjoint), spend per currency in
    columns `spend_<CUR>` and `spend_<CUR>_excl_flagged`; no row for "no currency"."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        entity = out.get(key)
        if entity is None:
            entity = out[key] = {k: row.get(k) for k in keys}
            for extra in ("partial", "admin_code", "total_procurements"):
                if extra in row:
                    entity[extra] = row[extra]
            entity.update(procurements=0, notices=0, procurements_flagged=0)
        entity["procurements"] += row.get("procurements") or 0
        entity["notices"] += row.get("notices") or 0
        entity["procurements_flagged"] += row.get("procurements_flagged") or 0
        cur = row.get("spend_currency")
        if cur:
            entity[f"spend_{cur}"] = row.get("spend_value")
            entity[f"spend_{cur}_excl_flagged"] = row.get("spend_value_excl_flagged")
            if (row.get("spend_note") or "").startswith("not converted"):  # the rest is said in methods
                entity.setdefault("spend_notes", []).append(f"{cur}: {row['spend_note']}")
    result = list(out.values())
    for entity in result:
        if "spend_notes" in entity:
            entity["spend_notes"] = "; ".join(entity["spend_notes"])
    return result


def flagged_amounts(con: duckdb.DuckDBPyConnection, f: Filters) -> list[dict[str, Any]]:
    """Every flagged amount among the procurements the filters keep: procurement id, title, buyer, spend,
    currency, rule, evidence (a sentence) and the notices with their values."""
    body = """
    SELECT fp.id AS procurement_id, fp.title, fp.buyer, fp.first_published, fp.spend_value, fp.spend_currency,
           fp.spend_kind, af.rule, af.currency AS flag_currency, af.value AS flag_value, af.ratio, af.grp,
           af.group_size, af.group_median, af.threshold, af.notices
    FROM fp JOIN amount_flags af ON af.pid = fp.id
    ORDER BY fp.spend_value DESC NULLS LAST, fp.id, af.rule"""
    out = []
    for row in _query(con, f, body, []):
        flag = {
            "rule": row["rule"],
            "currency": row["flag_currency"],
            "value": row["flag_value"],
            "ratio": row["ratio"],
            "grp": row["grp"],
            "group_size": row["group_size"],
            "group_median": row["group_median"],
            "threshold": row["threshold"],
            "notices": row["notices"],
        }
        out.append(
            {
                "procurement_id": row["procurement_id"],
                "title": row["title"],
                "buyer": row["buyer"],
                "first_published": row["first_published"],
                "spend_value": row["spend_value"],
                "spend_currency": row["spend_currency"],
                "spend_kind": row["spend_kind"],
                "rule": row["rule"],
                "evidence": explain(flag),
                "notices": [n["notice_id"] for n in row["notices"] or []],
            }
        )
    return out
