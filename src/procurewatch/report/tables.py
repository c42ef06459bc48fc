"""The report: analysis.py sections as Rich tables, CSV or JSON, or a self-contained HTML page.

print_report(db_path, format="table"|"csv"|"json", filters=None, growth=None, limit=20, html=None)
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from procurewatch.privacy import mask_record
from procurewatch.query import counts as a
from procurewatch.query.amount_checks import describe as describe_checks
from procurewatch.query.amount_checks import settings as figure_settings
from procurewatch.query.filters import Filters
from procurewatch.report.columns import columns_for, fmt
from procurewatch.report.export import formula_safe

SECTION_TITLES = {
    "coverage": "Coverage: sources",
    "coverage_years": "Coverage: notices per year",
    "totals": "Totals (per currency; with and without flagged amounts)",
    "totals_component": "Component purchases, not in the figures above: surveillance named as one part of "
    "a larger purchase (spend is the whole purchase's)",
    "by_year": "Procurements and spend by year",
    "by_year_category": "Procurements and spend by year × category",
    "growth": "Growth between two years",
    "flagged_amounts": "Flagged amounts (check before publishing)",
    "by_province": "By province (China)",
    "by_prefecture": "By prefecture (China)",
    "by_country": "By country",
    "by_region": "Outside China: by country and region",
    "top_buyers": "Top buyers",
    "top_vendors_awards": "Top vendors by procurements won",
    "top_vendors_mentions": "Top vendors by procurements mentioning them",
    "top_suppliers": "Top winning suppliers (name as written)",
    "categories_by_vendor": "Categories by vendor",
}

# The row keys of each entity section (one row per entity, spend per currency in columns).
ENTITY_KEYS = {
    "by_year": ["year"],
    "by_year_category": ["year", "category"],
    "by_province": ["province"],
    "by_prefecture": ["province", "city"],
    "by_country": ["country"],
    "by_region": ["country", "region"],
    "top_buyers": ["buyer"],
    "top_vendors_awards": ["vendor"],
    "top_vendors_mentions": ["vendor"],
    "top_suppliers": ["supplier"],
}


def build_report(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    growth: tuple[int, int] | None = None,
    limit: int = 20,
    min_base: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    cover = a.coverage(con)
    long: dict[str, list[dict[str, Any]]] = {
        "by_year": a.by_year(con, f),
        "by_year_category": a.by_year_category(con, f),
    }
    sections: dict[str, list[dict[str, Any]]] = {
        "coverage": cover["sources"],
        "coverage_years": cover["years"],
        "totals": a.totals(con, f),
    }
    if f.role == "primary" and f.relevant_only:
        sections["totals_component"] = a.totals(con, replace(f, role="component"))
    span = growth or _year_span(long["by_year_category"])
    sections["by_year"] = []
    sections["by_year_category"] = []
    sections["growth"] = []
    if span:
        g = a.growth(con, f, span[0], span[1], min_base=min_base)
        spend = g.pop("spend")
        sections["growth"] = [g] + [
            {
                "base": g["base"],
                "current": g["current"],
                "category": None,
                "spend_currency": s["currency"],
                "base_count": s["base_count"],
                "current_count": s["current_count"],
                "base_spend": s["base_value"],
                "current_spend": s["current_value"],
                "base_spend_excl_flagged": s["base_value_excl_flagged"],
                "current_spend_excl_flagged": s["current_value_excl_flagged"],
                "change_pct": s["change_pct"],
                "min_base": g["min_base"],
                "note": s["note"],
            }
            for s in spend
        ]
        categories = sorted({r["category"] for r in long["by_year_category"] if r["category"]})
        for category in categories:
            gc = a.growth(con, f, span[0], span[1], category=category, min_base=min_base)
            gc.pop("spend")
            sections["growth"].append(gc)
    # every flagged amount of the scope, component purchases included: an editor checks them all
    sections["flagged_amounts"] = a.flagged_amounts(con, replace(f, role=None))
    long["by_province"] = a.by_province(con, f)
    long["by_prefecture"] = a.by_prefecture(con, f)
    long["by_country"] = a.by_country(con, f)
    long["by_region"] = a.by_region(con, f)
    long["top_buyers"] = a.top_buyers(con, f, limit=limit)
    long["top_vendors_awards"] = a.top_vendors(con, f, limit=limit, by="awards")
    long["top_vendors_mentions"] = a.top_vendors(con, f, limit=limit, by="mentions")
    long["top_suppliers"] = a.top_suppliers(con, f, limit=limit)
    for name, rows in long.items():
        sections[name] = a.per_entity(rows, ENTITY_KEYS[name])
    sections["categories_by_vendor"] = a.categories_by_vendor(con, f)
    order = list(SECTION_TITLES)
    return {name: sections[name] for name in order if name in sections}


def _year_span(rows: list[dict[str, Any]]) -> tuple[int, int] | None:
    years = sorted({r["year"] for r in rows if r["year"] is not None})
    return (years[0], years[-1]) if len(years) >= 2 else None


def methods(
    con: duckdb.DuckDBPyConnection, f: Filters, growth: tuple[int, int] | None, min_base: int | None = None
) -> dict[str, Any]:
    """What was counted and how: generated from the settings used, for the METHODS section."""
    from procurewatch.link.keys import settings

    link = settings().raw
    return {
        "unit": "procurement: notices linked by ocid, exact re-post (content fingerprint), project code, "
        "near-duplicate text (MinHash/LSH) or buyer + title similarity within a date window; "
        "'notices' counts distinct notices (re-posts once)",
        "spend": "award or contract value of the procurement when known (latest award/contract notice), "
        "else its budget (latest budget); never both, member notices never summed",
        "currencies": a.fx_note(f.convert_to)
        if f.convert_to
        else "never summed together; one row per currency",
        "year": "year of the procurement's first notice",
        "categories": "a procurement carries every category found in any of its notices; "
        "category rows overlap and must not be added up",
        "filters": f.describe() or ["none"],
        "growth": (f"{growth[0]} → {growth[1]}" if growth else "earliest to latest year in the data")
        + "; a percentage needs at least "
        f"{min_base or figure_settings().growth_min_base} procurements in the "
        "base year (else none, with a note); years the store does not cover whole are marked partial",
        "amount_checks": describe_checks(),
        "coverage": _coverage_line(con),
        "linking": {k: v for k, v in link.items() if not k.startswith("_") and k not in ("phase_words",)},
        "phase_words_stripped": len(link["phase_words"]),
        "detection_threshold": _detection_threshold(),
        "data": {k: str(v) if isinstance(v, date | datetime) else v for k, v in a.data_vintage(con).items()},
    }


def _coverage_line(con: duckdb.DuckDBPyConnection) -> str:
    first, last = a.store_range(con)
    partial = a.partial_years(con)
    text = f"notices published {first} to {last}" if first else "no dated notices"
    if partial:
        text += "; partial years: " + ", ".join(f"{y} ({v})" for y, v in sorted(partial.items()))
    return text


def _detection_threshold() -> float | None:
    try:
        text = resources.files("procurewatch").joinpath("data/taxonomy/scoring.json").read_text("utf-8")
        return json.loads(text).get("threshold")
    except (FileNotFoundError, ValueError):
        return None


def print_report(
    db_path: Path,
    format: str = "table",
    filters: Filters | None = None,
    growth: tuple[int, int] | None = None,
    limit: int = 20,
    html: Path | None = None,
    min_base: int | None = None,
    explorer_url: str | None = None,
) -> None:
    f = filters or Filters()
    con = a.connect(db_path)
    try:
        # one masking point for every format: buyers, suppliers, titles, evidence, URLs, paths
        raw = build_report(con, f, growth=growth, limit=limit, min_base=min_base)
        sections = mask_record(raw)
        info = mask_record(methods(con, f, growth, min_base))
        if html is not None:
            from procurewatch.report.appendix import build_appendix
            from procurewatch.report.html import render_html

            appendix = build_appendix(con, f, raw)
            appendix["procurements"] = mask_record(appendix["procurements"])
            html.write_text(
                render_html(sections, info, SECTION_TITLES, appendix=appendix, explorer_url=explorer_url),
                encoding="utf-8",
            )
    finally:
        con.close()
    if format == "json":
        json.dump(
            {"methods": info, "sections": sections}, sys.stdout, ensure_ascii=False, indent=1, default=_plain
        )
        sys.stdout.write("\n")
    elif format == "csv":
        sys.stdout.write(to_csv(sections))
    elif format == "table":
        print_tables(sections, info)
    else:
        raise ValueError(f"format {format!r}: expected table, csv or json")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return list(value)
    return str(value)


def to_csv(sections: dict[str, list[dict[str, Any]]]) -> str:
    """One long table: a `section` column, then the union of every section's columns."""
    columns: list[str] = ["section"]
    for rows in sections.values():
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for name, rows in sections.items():
        for row in rows:
            writer.writerow({"section": name, **{k: _cell(v) for k, v in row.items()}})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, list | tuple):
        return formula_safe("; ".join(map(str, value)))
    if isinstance(value, str):
        return formula_safe(value)
    return value


def print_tables(sections: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
    console = Console()
    for name, rows in sections.items():
        if not rows:
            continue
        columns = columns_for(name, rows)
        table = Table(title=SECTION_TITLES.get(name, name), title_justify="left")
        for col in columns:
            numeric = col in ("procurements", "notices", "base_count", "current_count") or "spend_" in col
            table.add_column(
                col.replace("_", " "), justify="right" if numeric and col != "spend_currency" else "left"
            )
        for row in rows:
            table.add_row(*(Text(fmt(row.get(c), c)) for c in columns))  # notice text is never markup
        console.print(table)
    console.print(
        "[dim]Counts are procurements (linked notices); "
        "spend = award/contract value when known, else budget; "
        f"currencies never summed. Filters: {', '.join(info['filters'])}.[/dim]",
        highlight=False,
    )
