"""The report: analysis.py sections as Rich tables, CSV or JSON, or a self-contained HTML page.

print_report(db_path, format="table"|"csv"|"json", filters=None, growth=None, limit=20, html=None)
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from procurewatch.query import counts as a
from procurewatch.query.filters import Filters
from procurewatch.report.columns import SHOWN_COLUMNS, fmt

SECTION_TITLES = {
    "totals": "Totals",
    "by_year_category": "Procurements and spend by year × category",
    "growth": "Growth between two years",
    "by_province": "By province",
    "by_prefecture": "By prefecture",
    "by_country": "By country",
    "top_buyers": "Top buyers",
    "top_vendors_awards": "Top vendors by procurements won",
    "top_vendors_mentions": "Top vendors by procurements mentioning them",
    "top_suppliers": "Top winning suppliers (name as written)",
    "categories_by_vendor": "Categories by vendor",
}


def build_report(
    con: duckdb.DuckDBPyConnection, f: Filters, growth: tuple[int, int] | None = None, limit: int = 20
) -> dict[str, list[dict[str, Any]]]:
    sections: dict[str, list[dict[str, Any]]] = {
        "totals": a.totals(con, f),
        "by_year_category": a.by_year_category(con, f),
    }
    span = growth or _year_span(sections["by_year_category"])
    sections["growth"] = []
    if span:
        g = a.growth(con, f, span[0], span[1])
        spend = g.pop("spend")
        sections["growth"] = [g] + [
            {
                "base": g["base"],
                "current": g["current"],
                "category": None,
                "spend_currency": s["currency"],
                "base_spend": s["base_value"],
                "current_spend": s["current_value"],
                "change_pct": s["change_pct"],
            }
            for s in spend
        ]
        categories = sorted({r["category"] for r in sections["by_year_category"] if r["category"]})
        for category in categories:
            gc = a.growth(con, f, span[0], span[1], category=category)
            gc.pop("spend")
            sections["growth"].append(gc)
    sections["by_province"] = a.by_province(con, f)
    sections["by_prefecture"] = a.by_prefecture(con, f)
    sections["by_country"] = a.by_country(con, f)
    sections["top_buyers"] = a.top_buyers(con, f, limit=limit)
    sections["top_vendors_awards"] = a.top_vendors(con, f, limit=limit, by="awards")
    sections["top_vendors_mentions"] = a.top_vendors(con, f, limit=limit, by="mentions")
    sections["top_suppliers"] = a.top_suppliers(con, f, limit=limit)
    sections["categories_by_vendor"] = a.categories_by_vendor(con, f)
    return sections


def _year_span(rows: list[dict[str, Any]]) -> tuple[int, int] | None:
    years = sorted({r["year"] for r in rows if r["year"] is not None})
    return (years[0], years[-1]) if len(years) >= 2 else None


def methods(con: duckdb.DuckDBPyConnection, f: Filters, growth: tuple[int, int] | None) -> dict[str, Any]:
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
        "growth": f"{growth[0]} → {growth[1]}" if growth else "earliest to latest year in the data",
        "linking": {k: v for k, v in link.items() if not k.startswith("_") and k not in ("phase_words",)},
        "phase_words_stripped": len(link["phase_words"]),
        "detection_threshold": _detection_threshold(),
        "data": {k: str(v) if isinstance(v, date | datetime) else v for k, v in a.data_vintage(con).items()},
    }


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
) -> None:
    f = filters or Filters()
    con = a.connect(db_path)
    try:
        sections = build_report(con, f, growth=growth, limit=limit)
        info = methods(con, f, growth)
        if html is not None:
            from procurewatch.report.html import render_html

            html.write_text(render_html(sections, info, SECTION_TITLES), encoding="utf-8")
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
        return "; ".join(map(str, value))
    return value


def print_tables(sections: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
    console = Console()
    for name, rows in sections.items():
        if not rows:
            continue
        columns = SHOWN_COLUMNS.get(name) or list(rows[0])
        table = Table(title=SECTION_TITLES.get(name, name), title_justify="left")
        for col in columns:
            numeric = col in ("procurements", "notices", "base_count", "current_count") or "spend" in col
            table.add_column(
                col.replace("_", " "), justify="right" if numeric and col != "spend_currency" else "left"
            )
        for row in rows:
            table.add_row(*(Text(fmt(row.get(c), c)) for c in columns))  # notice text is never markup
        console.print(table)
    console.print(
        "[dim]Counts are procurements (linked notices); spend = award/contract value when known, else budget; "
        f"currencies never summed. Filters: {', '.join(info['filters'])}.[/dim]",
        highlight=False,
    )
