"""Organisations: the /buyers and /suppliers lists, a page per organisation (/org/ID), a name's
organisation (/organisation?name=…, what every supplier and buyer link points to) and the
buyer–supplier network of any selection (/network, its data at /api/network).

Names shown are masked (privacy); everything reaches the page through autoescaped templates or JSON.
"""

from __future__ import annotations

from typing import Any

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from procurewatch import knowledge
from procurewatch.query.filters import FilterError
from procurewatch.query.organisations import (
    PER_PAGE,
    SORTS,
    ListRequest,
    network,
    organisation,
    organisation_list,
    organisation_of_name,
)
from procurewatch.query.procurement_list import selection
from procurewatch.web.params import read_filters, read_page
from procurewatch.web.rendering import answer, page
from procurewatch.web.state import shared

router = APIRouter()
LIST_PARAMS = ("q", "sort", "dir", "page", "category")
ROLES = ("buyer", "supplier")
NOT_BUILT = "This store has no organisations yet: run 'procurewatch ingest' again to build them."


def _list_request(request: Request, role: str, own: tuple[str, ...] = ()) -> ListRequest:
    params = request.query_params
    unknown = set(params) - {*LIST_PARAMS, *own, "token"}
    if unknown:
        name = sorted(unknown)[0]
        raise FilterError(name, params[name], "unknown parameter", list(LIST_PARAMS))
    sort = params.get("sort") or "procurements"
    if sort not in SORTS:
        raise FilterError("sort", sort, "unknown order", list(SORTS))
    category = params.get("category") or ""
    if category and category not in knowledge.categories():
        raise FilterError("category", category, "unknown category", list(knowledge.categories()))
    default_dir = "asc" if sort == "name" else "desc"
    return ListRequest(
        role=role,
        q=(params.get("q") or "")[:200],
        sort=sort,
        descending=(params.get("dir") or default_dir) != "asc",
        page=read_page(request),
        category=category,
    )


def _list_page(request: Request, role: str) -> HTMLResponse:
    req = _list_request(request, role)
    s = shared(request)
    cur = s.explorer.cursor()
    try:
        rows, total = organisation_list(cur, req)
    except duckdb.CatalogException:
        return page(request, "error.html", 503, message=NOT_BUILT)
    finally:
        cur.close()
    pages = max(1, -(-total // PER_PAGE))
    for r in rows:
        r["name"] = s.masker(r["name"])
    return page(
        request,
        "organisations.html",
        role=role,
        req=req,
        rows=rows,
        total=total,
        pages=pages,
        sorts=list(SORTS),
        categories=list(knowledge.categories()),
    )


@router.get("/buyers", response_class=HTMLResponse, include_in_schema=False)
def buyers_page(request: Request) -> HTMLResponse:
    return _list_page(request, "buyer")


@router.get("/suppliers", response_class=HTMLResponse, include_in_schema=False)
def suppliers_page(request: Request) -> HTMLResponse:
    return _list_page(request, "supplier")


@router.get("/organisation", include_in_schema=False)
def organisation_by_name(request: Request, name: str = "") -> Response:
    cur = shared(request).explorer.cursor()
    try:
        oid = organisation_of_name(cur, name.strip()[:500]) if name.strip() else None
    except duckdb.CatalogException:
        return page(request, "error.html", 503, message=NOT_BUILT)
    finally:
        cur.close()
    if oid is None:
        return page(request, "error.html", 404, message="No organisation has this name in the store.")
    return RedirectResponse(f"/org/{oid}", status_code=303)


@router.get("/org/{oid}", response_class=HTMLResponse, include_in_schema=False)
def organisation_page(request: Request, oid: str) -> HTMLResponse:
    s = shared(request)
    cur = s.explorer.cursor()
    try:
        org = organisation(cur, oid[:100])
    except duckdb.CatalogException:
        return page(request, "error.html", 503, message=NOT_BUILT)
    finally:
        cur.close()
    if org is None:
        return page(request, "error.html", 404, message="No organisation has this id.")
    _mask(org, s.masker)
    return page(request, "organisation.html", org=org)


def _mask(org: dict[str, Any], masker: Any) -> None:
    """Every name and notice text the page shows, through the personal-data masker."""
    org["name"] = masker(org["name"])
    for item in [org.get("parent") or {}, *org["children"], *org["names"]]:
        if "name" in item:
            item["name"] = masker(item["name"])
    for role in ("buyer", "supplier"):
        for item in org[role]["counterparts"]:
            item["name"] = masker(item["name"])
        for item in org[role]["latest"]:
            item["title"] = masker(item["title"])
            item["evidence"] = masker(item["evidence"]) if item["evidence"] else None
    for item in org["candidate"]:
        item["title"] = masker(item["title"])


@router.get(
    "/api/organisations",
    summary="One page of buyers or suppliers (role=buyer|supplier; q, sort, dir, page, category as on "
    "/buyers and /suppliers)",
)
def api_organisations(request: Request, role: str = "supplier") -> JSONResponse:
    if role not in ROLES:
        raise FilterError("role", role, "unknown role", list(ROLES))
    req = _list_request(request, role, own=("role",))
    cur = shared(request).explorer.cursor()
    try:
        rows, total = organisation_list(cur, req)
    except duckdb.CatalogException:
        return answer(request, {"detail": NOT_BUILT}, 503)
    finally:
        cur.close()
    data = {
        "role": role,
        "total": total,
        "page": req.page,
        "pages": max(1, -(-total // PER_PAGE)),
        "per_page": PER_PAGE,
        "organisations": rows,
    }
    return answer(request, data)


@router.get(
    "/api/org/{oid}", summary="An organisation: what it bought or won, counterparts, spellings, evidence"
)
def api_organisation(request: Request, oid: str) -> JSONResponse:
    cur = shared(request).explorer.cursor()
    try:
        org = organisation(cur, oid[:100])
    except duckdb.CatalogException:
        return answer(request, {"detail": NOT_BUILT}, 503)
    finally:
        cur.close()
    if org is None:
        return answer(request, {"detail": "no organisation with this id"}, 404)
    return answer(request, org)


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network_page(request: Request) -> HTMLResponse:
    f = read_filters(request, "scope")
    return page(request, "network.html", filters=f, data_qs=f.query_string())


@router.get("/api/network", include_in_schema=False)
def network_data(request: Request) -> JSONResponse:
    """Buyer–supplier edges of the procurements the filters select (surveillance only unless scope=all)."""
    f = read_filters(request, "scope")
    s = shared(request)
    relevant_only = request.query_params.get("scope") != "all"
    ids = None  # no filter: the whole store, without listing its procurements first
    if f.params():
        cur = s.explorer.analysis_cursor()
        try:
            ids = [r["id"] for r in s.lists.rows(cur, selection(f, relevant_only=relevant_only))]
        finally:
            cur.close()
    plain = s.explorer.cursor()
    try:
        graph = network(plain, ids, relevant_only=relevant_only and ids is None)
    except duckdb.CatalogException:
        graph = {"nodes": [], "edges": [], "message": NOT_BUILT}
    finally:
        plain.close()
    for node in graph["nodes"]:
        node["name"] = s.masker(node["name"])
    return JSONResponse(graph)
