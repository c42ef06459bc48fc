"""Vendor, buyer and place pages: the procurements each is part of, counted by the counting rules
(query/profiles.py), above the list of those procurements. A vendor page keeps the procurements it
won (a named supplier) apart from those whose notices only mention it."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from procurewatch.query.filters import NoticeFilters, read_values
from procurewatch.query.procurement_list import NO_REGION, Selection, selection
from procurewatch.query.profiles import profile_of
from procurewatch.web.pages.procurements import PER_PAGE
from procurewatch.web.params import read_filters, read_page
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()
PROFILE_PARAMS = ("page", "scope")
MENTIONED_SHOWN = 20


def profile_page(
    request: Request, kind: str, title: str, f: NoticeFilters, sel: Selection, link_qs: str, page_qs: str
) -> HTMLResponse:
    """`link_qs`: the query string of the procurement list the page's figures open; `page_qs`: the
    page's own (for its pager and scope link)."""
    s = shared(request)
    vendor = f.vendor[0] if kind == "vendor" else None
    cur = s.explorer.analysis_cursor()
    try:
        profile = profile_of(cur, s.lists, sel, vendor)
        listed = s.lists.rows(cur, profile["won"]["selection"] if vendor else sel)
        mentioned = s.lists.rows(cur, profile["mentioned"]["selection"])[:MENTIONED_SHOWN] if vendor else []
    finally:
        cur.close()
    pages = max(1, -(-len(listed) // PER_PAGE))
    number = min(read_page(request), pages)
    rows = [dict(r, title=s.masker(r["title"])) for r in listed[(number - 1) * PER_PAGE : number * PER_PAGE]]
    mentioned_rows = [dict(r, title=s.masker(r["title"])) for r in mentioned]
    scope_all = request.query_params.get("scope") == "all"
    return page(
        request,
        "profile.html",
        kind=kind,
        title=title,
        profile=profile,
        rows=rows,
        mentioned_rows=mentioned_rows,
        total=len(listed),
        page_number=number,
        pages=pages,
        filters=f,
        scope_all=scope_all,
        link_qs=link_qs + ("&scope=all" if scope_all else ""),
        page_qs=page_qs,
        region=request.query_params.get("region") or "",
    )


def _scope(request: Request) -> bool:
    return request.query_params.get("scope") != "all"


@router.get("/vendor/{vendor}", response_class=HTMLResponse, include_in_schema=False)
def vendor_page(request: Request, vendor: str) -> HTMLResponse:
    f = read_filters(request, *PROFILE_PARAMS)
    f.vendor = read_values("vendor", [vendor])[:1]
    sel = selection(f, relevant_only=_scope(request))
    return profile_page(
        request, "vendor", f.vendor[0], f, sel, f.query_string(role="supplier"), f.without("vendor")
    )


@router.get("/buyer", response_class=HTMLResponse, include_in_schema=False)
def buyer_page(request: Request, name: str = "") -> HTMLResponse:
    if not name.strip():
        return page(request, "error.html", 400, message="Give a buyer name: /buyer?name=…")
    f = read_filters(request, *PROFILE_PARAMS, "name")
    f.buyer = name.strip()[:300]
    sel = selection(f, relevant_only=_scope(request))
    page_qs = urlencode([("name", f.buyer), *((k, v) for k, v in f.params() if k != "buyer")])
    return profile_page(request, "buyer", f.buyer, f, sel, f.query_string(), page_qs)


@router.get("/place", response_class=HTMLResponse, include_in_schema=False)
def place_page(request: Request) -> HTMLResponse:
    f = read_filters(request, *PROFILE_PARAMS, "region")
    region = (request.query_params.get("region") or "").strip()[:100]
    if not (f.country or f.province or f.city or region):
        return page(request, "error.html", 400, message="Give a place: /place?country=CN&province=…")
    title = " / ".join(
        [
            *f.country,
            *f.province,
            *([region.replace(NO_REGION, "no region")] if region else []),
            *([f.city] if f.city else []),
        ]
    )
    sel = selection(f, relevant_only=_scope(request), region=region)
    link_qs = f.query_string(region=region)
    return profile_page(request, "place", title, f, sel, link_qs, link_qs)
