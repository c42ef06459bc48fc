"""Vendor, buyer and place pages: a profile (what was bought or sold, by year and category, with
whom) above the list of the notices it counts."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from procurewatch.query.filters import NoticeFilters
from procurewatch.web.highlight import snippet
from procurewatch.web.params import read_filters, read_page
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()


def profile_page(request: Request, kind: str, title: str, f: NoticeFilters, base_qs: str) -> HTMLResponse:
    s = shared(request)
    profile = s.explorer.profile(f)
    result = s.explorer.search(f, sort="date", page=read_page(request))
    for row in result.rows:
        row["title_segments"] = snippet(s.masker(row["title"]), [], width=300)
    return page(
        request,
        "profile.html",
        kind=kind,
        title=title,
        profile=profile,
        result=result,
        filters=f,
        base_qs=base_qs,
    )


@router.get("/vendor/{vendor}", response_class=HTMLResponse, include_in_schema=False)
def vendor_page(request: Request, vendor: str) -> HTMLResponse:
    f = read_filters(request, "page")
    f.vendor = [vendor]
    return profile_page(request, "vendor", vendor, f, f.without("vendor"))


@router.get("/buyer", response_class=HTMLResponse, include_in_schema=False)
def buyer_page(request: Request, name: str = "") -> HTMLResponse:
    if not name.strip():
        return page(request, "error.html", 400, message="Give a buyer name: /buyer?name=…")
    f = read_filters(request, "page", "name")
    f.buyer = name.strip()[:300]
    return profile_page(request, "buyer", f.buyer, f, urlencode([("name", f.buyer)]))


@router.get("/place", response_class=HTMLResponse, include_in_schema=False)
def place_page(request: Request) -> HTMLResponse:
    f = read_filters(request, "page")
    if not (f.country or f.province or f.city):
        return page(request, "error.html", 400, message="Give a place: /place?country=CN&province=…")
    title = " / ".join([*f.country, *f.province, *([f.city] if f.city else [])])
    return profile_page(request, "place", title, f, f.query_string())
