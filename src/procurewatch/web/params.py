"""Reading a request's query string: the filters, the sort order and the page number.

Filters are read by the one vocabulary of query/filters.py; a parameter that is neither a filter
nor one the route names itself is refused (FilterError, answered 422).
"""

from __future__ import annotations

from fastapi import Request

from procurewatch.query.filters import SORTS, FilterError, NoticeFilters, read_value

# procurement counts cover primary purchases unless the page asks for component ones (or any)
PURCHASE_DEFAULT = "primary"


def read_filters(request: Request, *allowed: str) -> NoticeFilters:
    """The request's filters, read by the one vocabulary; any other parameter than the route's own
    (`allowed`) and the access token is refused (FilterError, answered 422)."""
    return NoticeFilters.from_pairs(request.query_params.multi_items(), allowed=(*allowed, "token"))


def read_sort(request: Request, default: str) -> str:
    sort = request.query_params.get("sort") or default
    if sort not in SORTS:
        raise FilterError("sort", sort, "unknown order", list(SORTS))
    return sort


def read_purchase(request: Request) -> str:
    """The `purchase` parameter (primary, component or any), primary when absent."""
    value = request.query_params.get("purchase")
    return read_value("purchase", value) if value else PURCHASE_DEFAULT


def read_page(request: Request) -> int:
    """The `page` parameter, 1 when absent or not a number."""
    value = request.query_params.get("page")
    try:
        return max(1, min(int(value or 1), 10**9))
    except ValueError:
        return 1
