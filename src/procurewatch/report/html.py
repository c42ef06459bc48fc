"""The report as one self-contained HTML page: tables, inline SVG trend charts, an appendix of the
procurements behind every figure, and a methods section.

No script, no external resource: the page opens offline and can be mailed to an editor. Every figure's
row links (in-page anchor) to the list of procurements behind it in the appendix, and each procurement
there shows its amount, flags, categories, the evidence sentence (personal data masked) and its source
URL (http/https only), with `explorer_url` also a link into the explorer. Every string that comes from
notices is escaped by Jinja2's autoescape (and by markupsafe inside the SVG)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from procurewatch import knowledge
from procurewatch.report.columns import columns_for, fmt

PALETTE = ["#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#c47f3a"]
APPENDIX_LIMIT = 500  # procurements listed under one figure; the rest are counted


def compact(value: float) -> str:
    """7218699258 → '7.2 bn', 18699258 → '18.7 m', 4500 → '4.5 k': axis labels that always fit."""
    v = abs(value)
    for size, unit in ((1e12, " tn"), (1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if v >= size:
            text = f"{value / size:.1f}".removesuffix(".0")
            return text + unit
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _safe_url(url: str | None) -> str | None:
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def render_html(
    sections: dict[str, list[dict[str, Any]]],
    info: dict[str, Any],
    titles: dict[str, str],
    appendix: dict[str, Any] | None = None,
    explorer_url: str | None = None,
) -> str:
    env = Environment(autoescape=True)
    env.filters["fmt"] = fmt
    appendix = appendix or {"figures": {}, "procurements": {}}
    explorer = _safe_url(explorer_url)
    charts = trend_charts(sections.get("by_year_category", []))
    tables = []
    figures = []
    for name, rows in sections.items():
        if not rows:
            continue
        links = []
        for i, row in enumerate(rows):
            ids = appendix["figures"].get((name, i))
            if ids is None:
                links.append(None)
                continue
            anchor = f"fig-{name}-{i}"
            links.append(anchor)
            label = ", ".join(
                f"{k}={fmt(row.get(k), k)}"
                for k in columns_for(name, rows)[:3]
                if k not in ("procurements", "notices", "procurements_flagged")
            )
            figures.append(
                {
                    "anchor": anchor,
                    "row_anchor": f"row-{name}-{i}",
                    "title": f"{titles.get(name, name)}: {label}",
                    "ids": ids[:APPENDIX_LIMIT],
                    "more": max(0, len(ids) - APPENDIX_LIMIT),
                }
            )
        tables.append(
            {
                "name": name,
                "title": titles.get(name, name),
                "columns": columns_for(name, rows),
                "rows": list(zip(rows, links, strict=True)),
            }
        )
    procs = []
    for p in appendix["procurements"].values():
        procs.append(
            {
                **p,
                "url": _safe_url(p.get("url")),
                "explorer": f"{explorer.rstrip('/')}/procurement/{p['id']}" if explorer else None,
            }
        )
    return env.from_string(_template()).render(
        tables=tables,
        charts=charts,
        info=info,
        figures=figures,
        procurements=procs,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def trend_charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Procurements per year by category, and spend per year for each currency (one chart per currency,
    flagged amounts left out). Rows are one per year × category with `spend_<CUR>` columns."""
    by_category: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    spend: dict[str, dict[str, dict[int, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for r in rows:
        if r.get("year") is None:
            continue
        by_category[r.get("category") or "(none)"][r["year"]] += r.get("procurements") or 0
        for col, value in r.items():
            if col.startswith("spend_") and col.endswith("_excl_flagged") and value:
                spend[col[6:-13]][r.get("category") or "(none)"][r["year"]] += value
    partial = {r["year"] for r in rows if r.get("partial") and r.get("year") is not None}
    note = (
        " (* partial year: the store does not cover it whole, see Coverage)"
        if partial & {y for points in by_category.values() for y in points}
        else ""
    )
    charts = []
    if by_category:
        charts.append(
            {
                "title": "Procurements per year, by category" + note,
                "svg": line_chart(by_category, "procurements", partial=partial),
            }
        )
    for currency, series in sorted(spend.items()):
        charts.append(
            {
                "title": f"Spend per year in {currency}, by category (award/contract value, else budget; "
                "flagged amounts left out)" + note,
                "svg": line_chart(series, currency, partial=partial),
            }
        )
    return charts


def line_chart(
    series: dict[str, dict[int, float]],
    unit: str,
    width: int = 760,
    height: int = 300,
    partial: set[int] | frozenset[int] = frozenset(),
) -> Markup:
    """An SVG chart: one line per series over a continuous year axis (years without data are 0); a
    single year is drawn as dots, never as a line. Labels are escaped and numbers compact (7.2 bn)."""
    present = sorted({y for points in series.values() for y in points})
    years = list(range(present[0], present[-1] + 1)) if present else []
    top = max((v for points in series.values() for v in points.values()), default=0) or 1
    left, right, upper, lower = 70, 180, 20, 40
    plot_w, plot_h = width - left - right, height - upper - lower
    step = max(1, len(years) // 12)

    def x(year: int) -> float:
        return left + (plot_w * (years.index(year) / (len(years) - 1)) if len(years) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return upper + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(unit)} per year">',
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{upper}" x2="{left}" y2="{upper + plot_h}" stroke="#888"/>',
    ]
    for frac in (0, 0.5, 1):
        parts.append(
            f'<text x="{left - 6}" y="{y(top * frac) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(compact(top * frac))}</text>"
        )
    for i, year in enumerate(years):
        if i % step == 0 or year == years[-1]:
            parts.append(
                f'<text x="{x(year):.1f}" y="{height - lower + 16}" text-anchor="middle" font-size="11">'
                f"{year}{'*' if year in partial else ''}</text>"
            )
    ranked = sorted(series.items(), key=lambda kv: -sum(kv[1].values()))
    for i, (name, points) in enumerate(ranked[: len(PALETTE)]):
        # a category's colour is the one it has on every page; other series take the report's own
        colour = knowledge.category_colours().get(name, PALETTE[i])
        if len(years) > 1:
            coords = " ".join(f"{x(yr):.1f},{y(points.get(yr, 0)):.1f}" for yr in years)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for yr in years:
            parts.append(
                f'<circle cx="{x(yr):.1f}" cy="{y(points.get(yr, 0)):.1f}" r="{3 if len(years) > 1 else 5}" '
                f'fill="{colour}"><title>{escape(name)} {yr}: '
                f"{escape(fmt(float(points.get(yr, 0))))}</title></circle>"
            )
        ly = upper + 14 + i * 16
        parts.append(f'<rect x="{width - right + 12}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 26}" y="{ly}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# Kept in the module (not a package data file) so the page renders from any install.


def _template() -> str:
    """The page, a Jinja2 template kept as package data (report/templates/report.html)."""
    return resources.files("procurewatch.report").joinpath("templates", "report.html").read_text("utf-8")
