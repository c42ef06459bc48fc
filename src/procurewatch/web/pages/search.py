"""The search page (/) and its download (/export): notices matching a query and filters, with facets.

search_view is also the body of /api/search (web/api.py), so the page and the API answer alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from procurewatch.query.notice_search import PER_PAGE
from procurewatch.web.highlight import snippet
from procurewatch.web.params import read_filters, read_page, read_sort
from procurewatch.web.rendering import download, page
from procurewatch.web.state import shared

FACET_TITLES = {
    "year": "Year",
    "category": "Category",
    "country": "Country",
    "province": "Province",
    "buyer_type": "Buyer type",
    "vendor": "Vendor",
    "notice_type": "Notice type",
    "language": "Language",
}
FACET_ORDER = ("year", "category", "country", "province", "buyer_type", "vendor", "notice_type", "language")
EXPORT_LIMIT = 1_000_000

router = APIRouter()


def search_view(request: Request) -> dict[str, Any]:
    """The filters, sort and result page of a search request, titles and snippets masked and cut
    into highlighted segments."""
    s = shared(request)
    f = read_filters(request, "page", "sort")
    sort = read_sort(request, "relevance" if f.q else "date")
    result = s.explorer.search(f, sort=sort, page=read_page(request))
    for row in result.rows:
        row["title_segments"] = snippet(s.masker(row["title"]), result.terms, width=300)
        row["snippet"] = snippet(s.masker(row["body"]), result.terms)
    return {"filters": f, "sort": sort, "result": result}


def export_results(request: Request, fmt: str) -> Response:
    """Every notice of a search as a file in `fmt`, masked (rendering.download)."""
    s = shared(request)
    f = read_filters(request, "format", "sort")
    table = s.explorer.export_table(f, sort=read_sort(request, "date"), limit=EXPORT_LIMIT)
    return download(request, table, fmt, "procurewatch-results")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request) -> HTMLResponse:
    view = search_view(request)
    return page(
        request,
        "search.html",
        facet_order=FACET_ORDER,
        facet_titles=FACET_TITLES,
        per_page=PER_PAGE,
        **view,
    )


@router.get("/export", include_in_schema=False)
def export_page(request: Request, format: str = "csv") -> Response:
    return export_results(request, format)
