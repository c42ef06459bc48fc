"""The JSON API under /api/ (and its description at /api): search, procurements, profiles,
dashboard analyses and exports, with the same filters and masking as the pages.

The route signatures name their parameters for the OpenAPI description shown at /api; the values
themselves are read by web/params.py like every page's.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from procurewatch.query import profiles
from procurewatch.query.charts import CHARTS
from procurewatch.query.filters import Filters
from procurewatch.report.export import rows_to_table
from procurewatch.web.pages.search import export_results, search_view
from procurewatch.web.params import read_filters, read_purchase
from procurewatch.web.rendering import answer, download, page
from procurewatch.web.security import safe_url
from procurewatch.web.state import shared

router = APIRouter()


@router.get("/api", response_class=HTMLResponse, include_in_schema=False)
def api_page(request: Request) -> HTMLResponse:
    return page(request, "api.html", spec=request.app.openapi())


@router.get("/api/search", summary="Search notices (same filters as the search page)")
def api_search(
    request: Request,
    q: str = "",
    sort: str = "relevance",
    page: int = 1,
    year: list[str] | None = None,
    category: list[str] | None = None,
    country: list[str] | None = None,
    province: list[str] | None = None,
    buyer_type: list[str] | None = None,
    vendor: list[str] | None = None,
    notice_type: list[str] | None = None,
    language: list[str] | None = None,
    date_from: str = "",
    date_to: str = "",
    buyer: str = "",
    city: str = "",
    relevant: bool = False,
) -> JSONResponse:
    view = search_view(request)
    result = view["result"]
    rows = [
        {
            **{k: v for k, v in r.items() if k not in ("body", "title_segments", "snippet")},
            "published": r["published"].isoformat() if r["published"] else None,
            "snippet": "".join(s.text for s in r["snippet"]),
            "url": safe_url(r["url"]),
        }
        for r in result.rows
    ]
    return answer(
        request,
        {
            "query": view["filters"].q,
            "sort": view["sort"],
            "total": result.total,
            "page": result.page,
            "pages": result.pages,
            "message": result.message,
            "results": rows,
            "facets": {k: [{"value": v, "count": n} for v, n in vals] for k, vals in result.facets.items()},
        },
    )


@router.get("/api/procurements/{pid}", summary="A procurement with its notices, facts and evidence")
def api_procurement(request: Request, pid: str) -> JSONResponse:
    s = shared(request)
    data = s.explorer.procurement(pid)
    if data is None:
        raise HTTPException(404, "no procurement with this id")
    for n in data["notices"]:
        n["url"] = safe_url(n.get("url"))
    return answer(request, data)


@router.get(
    "/api/profile",
    summary="The procurements of a vendor (won and mentioned apart), buyer or place: counts, spend per "
    "currency, by year and category",
)
def api_profile(
    request: Request,
    vendor: list[str] | None = None,
    buyer: str = "",
    country: list[str] | None = None,
    province: list[str] | None = None,
    city: str = "",
) -> JSONResponse:
    s = shared(request)
    f = read_filters(request)
    cur = s.explorer.analysis_cursor()
    try:
        return answer(request, profiles.profile(cur, f, s.lists))
    finally:
        cur.close()


@router.get("/api/dashboard/{chart}", summary="Rows of one dashboard analysis (add format=csv|json|parquet)")
def api_dashboard(request: Request, chart: str, format: str = "json", province_name: str = "") -> Response:
    s = shared(request)
    if chart not in CHARTS:
        raise HTTPException(404, f"unknown chart; one of {', '.join(CHARTS)}")
    f = read_filters(request, "format", "province_name", "scope", "download", "purchase")
    af = Filters.of_notices(
        f, relevant_only=request.query_params.get("scope") != "all", role=read_purchase(request)
    )
    cur = s.explorer.analysis_cursor()
    try:
        rows = s.charts.get(cur, chart, af, province_name or None)
    finally:
        cur.close()
    if format == "json" and "download" not in request.query_params:
        return answer(request, {"chart": chart, "rows": rows})
    return download(request, rows_to_table(rows), format, f"procurewatch-{chart}")


@router.get("/api/export", summary="The full result set of a search as CSV, JSON or Parquet")
def api_export(request: Request, format: str = "csv", q: str = "", sort: str = "date") -> Response:
    return export_results(request, format)
