"""The procurement list (/procurements, /api/procurements): the procurements behind a chart element.

Every bar, point and map region of the dashboard links here with the dashboard's own filters and
the element's keys, and the list is read with the same Filters through counts.procurements, so
the total at the top is the figure that was clicked. Parameters besides the filter vocabulary:
`scope=all` (every procurement, not only surveillance), `region` (a province or region as
written, for places outside the Chinese gazetteer), `role=supplier|mentioned` (with one vendor:
procurements it won / where it is only mentioned), `uncategorised=1`, `currency` (a per-currency row;
`none`: no amount), `purchase` (primary, component or any), `page`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from procurewatch.query.filters import FilterError, NoticeFilters
from procurewatch.query.procurement_list import Selection, selection
from procurewatch.web.params import read_filters, read_page, read_purchase
from procurewatch.web.rendering import answer, page
from procurewatch.web.state import shared

PER_PAGE = 50
LIST_PARAMS = ("page", "scope", "region", "role", "uncategorised", "currency", "purchase")
ROLES = ("supplier", "mentioned")

router = APIRouter()


def read_selection(request: Request, f: NoticeFilters) -> Selection:
    """The procurements a request selects (query/procurement_list.selection)."""
    params = request.query_params
    role = params.get("role") or None
    if role is not None and role not in ROLES:
        raise FilterError("role", role, "unknown role", list(ROLES))
    currency: tuple[str | None] | tuple[()] = ()
    if "currency" in params:  # a per-currency row: "none" for procurements without an amount
        value = params["currency"].strip()
        currency = (None if value.lower() in ("", "none") else value.upper()[:3],)
    return selection(
        f,
        relevant_only=params.get("scope") != "all",
        region=(params.get("region") or "").strip()[:100],
        vendor_role=role,  # type: ignore[arg-type]
        uncategorised=params.get("uncategorised") in ("1", "true"),
        currency=currency,
        purchase=read_purchase(request),
    )


def list_view(request: Request) -> dict[str, Any]:
    s = shared(request)
    f = read_filters(request, *LIST_PARAMS)
    sel = read_selection(request, f)
    cur = s.explorer.analysis_cursor()
    try:
        rows = s.lists.rows(cur, sel)
    finally:
        cur.close()
    total = len(rows)
    pages = max(1, -(-total // PER_PAGE))
    number = min(read_page(request), pages)
    shown = rows[(number - 1) * PER_PAGE : number * PER_PAGE]
    for r in shown:
        r["title"] = s.masker(r["title"])
    extra = {k: v for k, v in request.query_params.items() if k in LIST_PARAMS and k != "page"}
    return {
        "filters": f,
        "selection": sel,
        "total": total,
        "page": number,
        "pages": pages,
        "rows": shown,
        "qs": f.query_string(**extra),
        "extra": extra,
    }


@router.get("/procurements", response_class=HTMLResponse, include_in_schema=False)
def procurements_page(request: Request) -> HTMLResponse:
    return page(request, "procurements.html", **list_view(request))


@router.get(
    "/api/procurements", summary="The procurements behind a chart element (same parameters as the page)"
)
def api_procurements(
    request: Request,
    page: int = 1,
    scope: str = "",
    region: str = "",
    role: str = "",
    uncategorised: bool = False,
    currency: str = "",
) -> JSONResponse:
    view = list_view(request)
    return answer(request, {k: view[k] for k in ("total", "page", "pages")} | {"procurements": view["rows"]})
