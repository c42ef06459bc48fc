"""The report as one self-contained HTML page: tables, inline SVG trend charts, and a methods section.

No script, no external URL: the page opens offline and can be mailed to an editor. Every string that
comes from notices is escaped by Jinja2's autoescape (and by markupsafe inside the SVG)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from procurewatch.report.columns import SHOWN_COLUMNS, fmt

PALETTE = ["#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#c47f3a"]


def render_html(
    sections: dict[str, list[dict[str, Any]]], info: dict[str, Any], titles: dict[str, str]
) -> str:
    env = Environment(autoescape=True)
    env.filters["fmt"] = fmt
    charts = trend_charts(sections.get("by_year_category", []))
    tables = [
        {
            "name": name,
            "title": titles.get(name, name),
            "columns": SHOWN_COLUMNS.get(name) or list(rows[0]),
            "rows": rows,
        }
        for name, rows in sections.items()
        if rows
    ]
    return env.from_string(TEMPLATE).render(
        tables=tables, charts=charts, info=info, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def trend_charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Procurements per year by category, and spend per year for each currency (one chart per currency)."""
    by_category: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    spend: dict[str, dict[str, dict[int, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for r in rows:
        if r["year"] is None:
            continue
        by_category[r["category"] or "(none)"][r["year"]] += r["procurements"]
        if r["spend_currency"] and r["spend_value"]:
            spend[r["spend_currency"]][r["category"] or "(none)"][r["year"]] += r["spend_value"]
    charts = []
    if by_category:
        charts.append(
            {"title": "Procurements per year, by category", "svg": line_chart(by_category, "procurements")}
        )
    for currency, series in sorted(spend.items()):
        charts.append(
            {
                "title": f"Spend per year in {currency}, by category (award/contract value, else budget)",
                "svg": line_chart(series, currency),
            }
        )
    return charts


def line_chart(series: dict[str, dict[int, float]], unit: str, width: int = 760, height: int = 300) -> Markup:
    """An SVG line chart: one line per series, years on x. Labels are escaped."""
    years = sorted({y for points in series.values() for y in points})
    top = max((v for points in series.values() for v in points.values()), default=0) or 1
    left, right, upper, lower = 70, 180, 20, 40
    plot_w, plot_h = width - left - right, height - upper - lower

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
            f"{escape(fmt(top * frac))}</text>"
        )
    for year in years:
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - lower + 16}" text-anchor="middle" font-size="11">{year}</text>'
        )
    ranked = sorted(series.items(), key=lambda kv: -sum(kv[1].values()))
    for i, (name, points) in enumerate(ranked[: len(PALETTE)]):
        colour = PALETTE[i]
        coords = " ".join(f"{x(yr):.1f},{y(points.get(yr, 0)):.1f}" for yr in years)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for yr in years:
            parts.append(
                f'<circle cx="{x(yr):.1f}" cy="{y(points.get(yr, 0)):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {yr}: {escape(fmt(points.get(yr, 0)))}</title></circle>"
            )
        ly = upper + 14 + i * 16
        parts.append(f'<rect x="{width - right + 12}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{width - right + 26}" y="{ly}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# Kept in the module (not a package data file) so the page renders from any install.
TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>procurewatch report</title>
<style>
body { font: 14px/1.45 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
.methods dt { font-weight: 600; margin-top: .6em; } .methods dd { margin-left: 1.2em; }
.note { color: #555; font-size: 12px; }
</style>
</head>
<body>
<h1>Surveillance procurement report</h1>
<p class="note">Generated {{ generated }} by procurewatch. Counts are procurements (linked notices); spend is the award or
contract value when known, else the budget; currencies are never added together. Filters: {{ info.filters | join(", ") }}.</p>

<h2>Trends</h2>
{% for chart in charts %}
<figure><figcaption>{{ chart.title }}</figcaption>{{ chart.svg }}</figure>
{% else %}
<p>No dated procurements to chart.</p>
{% endfor %}

{% for t in tables %}
<h2 id="{{ t.name }}">{{ t.title }}</h2>
<table>
<thead><tr>{% for c in t.columns %}<th>{{ c | replace("_", " ") }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}<tr>{% for c in t.columns %}{% set v = row.get(c) %}<td{% if v is number and c not in ("year", "base", "current") %} class="num"{% endif %}>{{ v | fmt(c) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% endfor %}

<h2 id="methods">Methods</h2>
<dl class="methods">
<dt>What was counted</dt><dd>{{ info.unit }}</dd>
<dt>Spend</dt><dd>{{ info.spend }}</dd>
<dt>Currencies</dt><dd>{{ info.currencies }}</dd>
<dt>Year</dt><dd>{{ info.year }}</dd>
<dt>Categories</dt><dd>{{ info.categories }}</dd>
<dt>Filters</dt><dd>{{ info.filters | join(", ") }}</dd>
<dt>Growth</dt><dd>{{ info.growth }}; the base counts are shown beside every percentage.</dd>
<dt>Detection threshold</dt><dd>a notice is counted as surveillance when its score is at least {{ info.detection_threshold }}</dd>
<dt>Linking thresholds</dt><dd><ul>{% for k, v in info.linking.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}
<li>phase words stripped before comparing titles: {{ info.phase_words_stripped }}</li></ul></dd>
<dt>Data</dt><dd><ul>{% for k, v in info.data.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}</ul></dd>
</dl>
</body>
</html>
"""
