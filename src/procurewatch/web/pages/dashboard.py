"""The dashboard page: the analyses' tables for the filters set; its charts are drawn by
static/dashboard.js from /api/dashboard/{chart} (web/api.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from procurewatch.query import counts as analysis
from procurewatch.query.charts import TABLE_CHARTS
from procurewatch.query.filters import Filters
from procurewatch.web.params import read_filters
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request) -> HTMLResponse:
    s = shared(request)
    f = read_filters(request, "scope")
    scope_all = request.query_params.get("scope") == "all"
    af = Filters.of_notices(f, relevant_only=not scope_all)
    cur = s.explorer.analysis_cursor()
    try:
        tables = {name: s.charts.get(cur, name, af, None) for name in TABLE_CHARTS}
        vintage = analysis.data_vintage(cur)
    finally:
        cur.close()
    qs = f.query_string(scope="all" if scope_all else "")
    return page(
        request, "dashboard.html", filters=f, tables=tables, qs=qs, scope_all=scope_all, vintage=vintage
    )
