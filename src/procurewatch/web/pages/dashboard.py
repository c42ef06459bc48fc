"""The dashboard page: the analyses' tables for the filters set; its charts are drawn by
static/dashboard.js from /api/dashboard/{chart} (web/api.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from procurewatch.query import counts as analysis
from procurewatch.query.charts import TABLE_CHARTS
from procurewatch.query.filters import Filters
from procurewatch.web.params import PURCHASE_DEFAULT, read_filters, read_purchase
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()
# notice filters the procurement counts (Filters.of_notices) cannot apply: the page says so
NOT_APPLIED = ("q", "buyer", "city")


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request) -> HTMLResponse:
    s = shared(request)
    f = read_filters(request, "scope", "purchase")
    scope_all = request.query_params.get("scope") == "all"
    purchase = read_purchase(request)
    af = Filters.of_notices(f, relevant_only=not scope_all, role=purchase)
    cur = s.explorer.analysis_cursor()
    try:
        tables = {name: s.charts.get(cur, name, af, None) for name in TABLE_CHARTS}
        vintage = s.vintage(cur)
    finally:
        cur.close()
    scope = "all" if scope_all else ""
    # the purchase role travels only when it is not the default, so default links stay short
    role_pair = [("purchase", purchase)] if purchase != PURCHASE_DEFAULT else []
    qs = f.query_string(scope=scope, purchase=role_pair[0][1] if role_pair else "")
    # the procurement lists a chart element opens: the same filters, without those the counts
    # cannot apply (the page says so)
    kept = [(k, v) for k, v in f.params() if k not in NOT_APPLIED]
    link_qs = urlencode(kept + ([("scope", scope)] if scope else []) + role_pair)
    chinese, elsewhere = split_places(tables["province"])
    entities = {
        "chinese": by_entity(chinese, ("province",)),
        "elsewhere": by_entity(elsewhere, ("country", "province")),
        "country": by_entity([r for r in tables["country"] if r.get("country")], ("country",)),
        "buyers": by_entity(tables["buyers"], ("buyer",)),
        "vendors": by_entity(tables["vendors"], ("vendor",)),
    }
    return page(
        request,
        "dashboard.html",
        filters=f,
        tables=tables,
        entities=entities,
        qs=qs,
        link_qs=link_qs,
        scope_all=scope_all,
        vintage=vintage,
        chinese=chinese,
        elsewhere=elsewhere,
        not_applied=[(name, getattr(f, name)) for name in NOT_APPLIED if getattr(f, name)],
        applied_qs=urlencode(kept + ([("scope", scope)] if scope else []) + role_pair),
        purchase=purchase,
    )


def split_places(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Province rows of the Chinese gazetteer (a province-level admin code), and every other place
    by country and region as written (OCDS regions such as UKM72 are not Chinese provinces)."""
    chinese = [r for r in rows if r["country"] == "CN" and r.get("admin_code") and r["province"]]
    elsewhere = [r for r in rows if r not in chinese and (r["province"] or r["country"])]
    return chinese, sorted(elsewhere, key=lambda r: (r["country"] or "", r["province"] or ""))


def by_entity(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per entity (counts.per_entity: procurements added up, spend per currency never added
    together), with its spend as (value, currency) pairs for the page."""
    currencies = list(dict.fromkeys(r["spend_currency"] for r in rows if r.get("spend_currency")))
    return [
        {
            **{k: entity[k] for k in keys},
            "procurements": entity["procurements"],
            "spend": [(entity[f"spend_{c}"], c) for c in currencies if entity.get(f"spend_{c}") is not None],
        }
        for entity in analysis.per_entity(rows, list(keys))
    ]
