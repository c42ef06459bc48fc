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
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

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
    return env.from_string(TEMPLATE).render(
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
    spend: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
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
        colour = PALETTE[i]
        if len(years) > 1:
            coords = " ".join(f"{x(yr):.1f},{y(points.get(yr, 0)):.1f}" for yr in years)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for yr in years:
            parts.append(
                f'<circle cx="{x(yr):.1f}" cy="{y(points.get(yr, 0)):.1f}" r="{3 if len(years) > 1 else 5}" '
                f'fill="{colour}"><title>{escape(name)} {yr}: {escape(fmt(float(points.get(yr, 0))))}</title></circle>'
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
<meta name="referrer" content="no-referrer">
<title>procurewatch report</title>
<style>
body { font: 14px/1.45 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:target, div:target { background: #fff6d5; }
figure { margin: 1em 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
.methods dt { font-weight: 600; margin-top: .6em; } .methods dd { margin-left: 1.2em; }
.note { color: #555; font-size: 12px; } .flag { color: #b00020; font-weight: 600; }
.proc { border-top: 1px solid #e3e3e3; padding: .4em 0; } mark { background: #ffe08a; }
</style>
</head>
<body>
<h1>Surveillance procurement report</h1>
<p class="note">Generated {{ generated }} by procurewatch. Counts are procurements (linked notices); spend is the award or
contract value when known, else the budget; currencies are never added together. Filters: {{ info.filters | join(", ") }}.
Coverage: {{ info.coverage }}. Every row links to the procurements behind it (<a href="#appendix">appendix</a>);
flagged amounts are listed in <a href="#flagged_amounts">Flagged amounts</a>.</p>

<h2>Trends</h2>
{% for chart in charts %}
<figure><figcaption>{{ chart.title }} <a class="note" href="#by_year_category">(the figures and the procurements behind them)</a></figcaption>{{ chart.svg }}</figure>
{% else %}
<p>No dated procurements to chart.</p>
{% endfor %}

{% for t in tables %}
<h2 id="{{ t.name }}">{{ t.title }}</h2>
<table>
<thead><tr>{% for c in t.columns %}<th>{{ c | replace("_", " ") }}</th>{% endfor %}{% if t.rows[0][1] %}<th>behind it</th>{% endif %}</tr></thead>
<tbody>
{% for row, link in t.rows %}<tr{% if link %} id="row-{{ t.name }}-{{ loop.index0 }}"{% endif %}>{% for c in t.columns %}{% set v = row.get(c) %}<td{% if v is number and c not in ("year", "base", "current") %} class="num"{% endif %}>{{ v | fmt(c) }}</td>{% endfor %}{% if link %}<td><a href="#{{ link }}">procurements</a></td>{% endif %}</tr>
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
<dt>Coverage</dt><dd>{{ info.coverage }}</dd>
<dt>Flagged amounts</dt><dd><ul>{% for k, v in info.amount_checks.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}</ul></dd>
<dt>Detection threshold</dt><dd>a notice is counted as surveillance when its score is at least {{ info.detection_threshold }}</dd>
<dt>Linking thresholds</dt><dd><ul>{% for k, v in info.linking.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}
<li>phase words stripped before comparing titles: {{ info.phase_words_stripped }}</li></ul></dd>
<dt>Data</dt><dd><ul>{% for k, v in info.data.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}</ul></dd>
</dl>

<h2 id="appendix">Appendix: the procurements behind each figure</h2>
{% for fig in figures %}
<div id="{{ fig.anchor }}"><h3>{{ fig.title }} <a class="note" href="#{{ fig.row_anchor }}">(back)</a></h3>
<p>{% for pid in fig.ids %}<a href="#p-{{ pid }}">{{ pid }}</a>{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}
{% if fig.more %} … and {{ fig.more }} more (procurewatch.query.counts.procurements lists them all){% endif %}</p></div>
{% endfor %}

<h2 id="procurements">Procurements</h2>
{% for p in procurements %}
<div class="proc" id="p-{{ p.id }}">
<strong>{{ p.title or "(untitled)" }}</strong> <span class="note">{{ p.id }}</span><br>
{{ p.buyer or "(buyer unknown)" }} · {{ p.first_published or "undated" }} ·
{% if p.spend_value is not none %}{{ p.spend_value | fmt }} {{ p.spend_currency }} ({{ p.spend_kind }}){% else %}no amount{% endif %}
{% if p.amount_flags %} · <span class="flag">flagged: {{ p.amount_flags | join(", ") }}</span> (<a href="#flagged_amounts">why</a>){% endif %}<br>
categories: {{ p.categories | join(", ") or "none" }}{% if p.country %} · {{ p.country }}{% endif %}{% if p.province %} {{ p.province }}{% endif %}{% if p.city %} {{ p.city }}{% endif %}<br>
{% if p.evidence %}evidence ({{ p.evidence.category }}, {{ p.evidence.field }}): “{% if p.evidence.clipped %}…{% endif %}{{ p.evidence.before }}<mark>{{ p.evidence.text }}</mark>{{ p.evidence.after }}…”<br>{% endif %}
{% if p.url %}source: <a href="{{ p.url }}" rel="noopener noreferrer">{{ p.url }}</a>{% else %}source: no web address{% endif %}
{% if p.explorer %} · <a href="{{ p.explorer }}" rel="noopener noreferrer">open in the explorer</a>{% endif %}
</div>
{% endfor %}
</body>
</html>
"""
