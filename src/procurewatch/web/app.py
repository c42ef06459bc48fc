"""The explorer: server-rendered pages, a JSON API under /api/, exports. Read-only.

Pages work without JavaScript; charts and maps are drawn by static/dashboard.js from the
JSON API. Every notice string reaches the browser through autoescaped templates or JSON.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from procurewatch.errors import UsageError
from procurewatch.privacy import Masker
from procurewatch.query import charts as dashboard
from procurewatch.query import counts as analysis
from procurewatch.query.explorer import Explorer
from procurewatch.query.facets import FACETS
from procurewatch.query.filters import MULTI, SORTS, FilterError, Filters, NoticeFilters
from procurewatch.query.notice_search import PER_PAGE
from procurewatch.report.export import encode, mask_columns, rows_to_table
from procurewatch.web.highlight import Span, segments, snippet
from procurewatch.web.security import SecurityMiddleware, safe_url, set_token_cookie

HERE = Path(__file__).resolve().parent
log = logging.getLogger("procurewatch.web")
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


@dataclass
class Settings:
    db_path: Path
    token: str | None = None
    reveal_personal_data: bool = False


def _templates(masker: Masker) -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["mask"] = masker
    env.filters["money"] = _money
    env.globals["safe_url"] = safe_url
    env.globals["urlencode"] = lambda pairs: urlencode(pairs)
    return Jinja2Templates(env=env)


def _money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f} {currency or ''}".strip()


def read_filters(request: Request, *allowed: str) -> NoticeFilters:
    """The request's filters, read by the one vocabulary; any other parameter than the route's own
    (`allowed`) and the access token is refused (FilterError, answered 422)."""
    return NoticeFilters.from_pairs(request.query_params.multi_items(), allowed=(*allowed, "token"))


def read_sort(request: Request, default: str) -> str:
    sort = request.query_params.get("sort") or default
    if sort not in SORTS:
        raise FilterError("sort", sort, "unknown order", list(SORTS))
    return sort


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, min(int(value or default), 10**9))
    except ValueError:
        return default


def create_app(settings: Settings) -> FastAPI:
    explorer = Explorer(settings.db_path, prepare=True)
    masker = Masker(reveal=settings.reveal_personal_data)
    templates = _templates(masker)
    app = FastAPI(
        title="procurewatch explorer",
        description="Read-only API over a procurewatch store: search, procurements, profiles, analyses.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.explorer = explorer
    charts = dashboard.ChartCache()
    app.add_middleware(SecurityMiddleware, token=settings.token)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def search_view(request: Request) -> dict[str, Any]:
        f = read_filters(request, "page", "sort")
        sort = read_sort(request, "relevance" if f.q else "date")
        result = explorer.search(f, sort=sort, page=_int(request.query_params.get("page")))
        for row in result.rows:
            row["title_segments"] = snippet(masker(row["title"]), result.terms, width=300)
            row["snippet"] = snippet(masker(row["body"]), result.terms)
        return {"filters": f, "sort": sort, "result": result}

    # ------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
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

    @app.get("/procurement/{pid}", response_class=HTMLResponse, include_in_schema=False)
    def procurement_page(request: Request, pid: str) -> HTMLResponse:
        data = explorer.procurement(pid)
        if data is None:
            target = explorer.procurement_of(pid)
            if target and target != pid:
                return RedirectResponse(f"/procurement/{target}#n-{pid}", status_code=303)
            return page(request, "error.html", 404, message="No procurement or notice with this id.")
        for notice in data["notices"]:
            notice["texts"] = _evidence_texts(notice, masker)
        return page(request, "procurement.html", data=data)

    @app.get("/notice/{nid}", include_in_schema=False)
    def notice_page(nid: str) -> Response:
        target = explorer.procurement_of(nid)
        if target is None:
            raise HTTPException(404, "no such notice")
        return RedirectResponse(f"/procurement/{target}#n-{nid}", status_code=303)

    def profile_page(request: Request, kind: str, title: str, f: NoticeFilters, base_qs: str) -> HTMLResponse:
        profile = explorer.profile(f)
        result = explorer.search(f, sort="date", page=_int(request.query_params.get("page")))
        for row in result.rows:
            row["title_segments"] = snippet(masker(row["title"]), [], width=300)
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

    @app.get("/vendor/{vendor}", response_class=HTMLResponse, include_in_schema=False)
    def vendor_page(request: Request, vendor: str) -> HTMLResponse:
        f = read_filters(request, "page")
        f.vendor = [vendor]
        return profile_page(request, "vendor", vendor, f, f.without("vendor"))

    @app.get("/buyer", response_class=HTMLResponse, include_in_schema=False)
    def buyer_page(request: Request, name: str = "") -> HTMLResponse:
        if not name.strip():
            return page(request, "error.html", 400, message="Give a buyer name: /buyer?name=…")
        f = read_filters(request, "page", "name")
        f.buyer = name.strip()[:300]
        return profile_page(request, "buyer", f.buyer, f, urlencode([("name", f.buyer)]))

    @app.get("/place", response_class=HTMLResponse, include_in_schema=False)
    def place_page(request: Request) -> HTMLResponse:
        f = read_filters(request, "page")
        if not (f.country or f.province or f.city):
            return page(request, "error.html", 400, message="Give a place: /place?country=CN&province=…")
        title = " / ".join([*f.country, *f.province, *([f.city] if f.city else [])])
        return profile_page(request, "place", title, f, f.query_string())

    @app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    def dashboard_page(request: Request) -> HTMLResponse:
        f = read_filters(request, "scope")
        scope_all = request.query_params.get("scope") == "all"
        af = Filters.of_notices(f, relevant_only=not scope_all)
        cur = explorer.analysis_cursor()
        try:
            tables = {name: charts.get(cur, name, af, None) for name in dashboard.TABLE_CHARTS}
            vintage = analysis.data_vintage(cur)
        finally:
            cur.close()
        qs = f.query_string(scope="all" if scope_all else "")
        return page(
            request, "dashboard.html", filters=f, tables=tables, qs=qs, scope_all=scope_all, vintage=vintage
        )

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, "login.html", failed=False)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        body = (await request.body())[:4096].decode("utf-8", "replace")
        given = (parse_qs(body).get("token") or [""])[0]
        if settings.token and hmac.compare_digest(given.encode(), settings.token.encode()):
            response = RedirectResponse("/", status_code=303)
            set_token_cookie(response, settings.token)
            return response
        return page(request, "login.html", 401, failed=True)

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_page(request: Request) -> HTMLResponse:
        return page(request, "api.html", spec=app.openapi())

    @app.get("/export", include_in_schema=False)
    def export_page(request: Request, format: str = "csv") -> Response:
        return export_results(request, format)

    # ------------------------------------------------------------ API

    @app.get("/api/search", summary="Search notices (same filters as the search page)")
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
                "title": masker(r["title"]),
                "published": r["published"].isoformat() if r["published"] else None,
                "snippet": "".join(s.text for s in r["snippet"]),
                "url": safe_url(r["url"]),
            }
            for r in result.rows
        ]
        return JSONResponse(
            {
                "query": view["filters"].q,
                "sort": view["sort"],
                "total": result.total,
                "page": result.page,
                "pages": result.pages,
                "message": result.message,
                "results": rows,
                "facets": {
                    k: [{"value": v, "count": n} for v, n in vals] for k, vals in result.facets.items()
                },
            }
        )

    @app.get("/api/procurements/{pid}", summary="A procurement with its notices, facts and evidence")
    def api_procurement(pid: str) -> JSONResponse:
        data = explorer.procurement(pid)
        if data is None:
            raise HTTPException(404, "no procurement with this id")
        for n in data["notices"]:
            for fieldname in ("title", "body", "attachments"):
                n[fieldname] = masker(n.get(fieldname))
            n["url"] = safe_url(n.get("url"))
            for ev in n["evidence"]:
                ev["text"] = masker(ev["text"])
        return JSONResponse(_jsonable(data))

    @app.get("/api/profile", summary="What a vendor, buyer or place bought or sold, by year and category")
    def api_profile(
        request: Request,
        vendor: list[str] | None = None,
        buyer: str = "",
        country: list[str] | None = None,
        province: list[str] | None = None,
        city: str = "",
    ) -> JSONResponse:
        f = read_filters(request)
        return JSONResponse(_jsonable(explorer.profile(f)))

    @app.get("/api/dashboard/{chart}", summary="Rows of one dashboard analysis (add format=csv|json|parquet)")
    def api_dashboard(
        request: Request, chart: str, format: str = "json", province_name: str = ""
    ) -> Response:
        if chart not in dashboard.CHARTS:
            raise HTTPException(404, f"unknown chart; one of {', '.join(dashboard.CHARTS)}")
        f = read_filters(request, "format", "province_name", "scope", "download")
        af = Filters.of_notices(f, relevant_only=request.query_params.get("scope") != "all")
        cur = explorer.analysis_cursor()
        try:
            rows = charts.get(cur, chart, af, province_name or None)
        finally:
            cur.close()
        if format == "json" and "download" not in request.query_params:
            return JSONResponse(_jsonable({"chart": chart, "rows": rows}))
        return _download(rows_to_table(rows), format, f"procurewatch-{chart}")

    @app.get("/api/export", summary="The full result set of a search as CSV, JSON or Parquet")
    def api_export(request: Request, format: str = "csv", q: str = "", sort: str = "date") -> Response:
        return export_results(request, format)

    def export_results(request: Request, fmt: str) -> Response:
        f = read_filters(request, "format", "sort")
        table = explorer.export_table(f, sort=read_sort(request, "date"), limit=EXPORT_LIMIT)
        table = mask_columns(table, ("title",), masker)
        return _download(table, fmt, "procurewatch-results")

    @app.exception_handler(UsageError)
    async def usage_error(request: Request, exc: UsageError) -> Response:
        """A filter, query or format the app does not understand: 422 with the reason, as JSON for
        the API and exports, as a page otherwise."""
        if request.url.path.startswith(("/api/", "/export")):
            body: dict[str, Any] = {"error": str(exc)}
            if isinstance(exc, FilterError):
                body.update(parameter=exc.name, value=exc.value, valid=exc.valid)
            return JSONResponse(body, status_code=422)
        return page(request, "error.html", 422, message=str(exc))

    return app


def _download(table: Any, fmt: str, stem: str) -> Response:
    data, media = encode(table, fmt)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _evidence_texts(notice: dict[str, Any], masker: Masker) -> list[dict[str, Any]]:
    """Each text field of a notice, masked, cut into segments at its evidence offsets."""
    out = []
    for fieldname in ("title", "body", "attachments"):
        text = notice.get(fieldname) or ""
        if not text:
            continue
        evidence = [e for e in notice["evidence"] if e["field"] == fieldname]
        placed = [e for e in evidence if text[e["start_offset"] : e["end_offset"]] == e["text"]]
        misplaced = [e for e in evidence if e not in placed]
        spans = [Span(e["start_offset"], e["end_offset"], e["subject"]) for e in placed]
        out.append(
            {
                "field": fieldname,
                "segments": segments(masker(text), spans),
                "evidence": len(evidence),
                "misplaced": misplaced,
            }
        )
    return out


__all__ = ["FACETS", "MULTI", "Settings", "create_app"]
