"""The explorer: server-rendered pages, a JSON API under /api/, exports. Read-only, except that a
server started with an access token accepts reviewers' decisions (web/review.py).

create_app only wires the app: the shared state (web/state.py), the security middleware, the
static files, the routers (web/pages/*, web/auth.py, web/api.py) and the answer to a request
the app does not understand. Pages work without JavaScript; charts and maps are drawn by
static/dashboard.js from the JSON API. Every notice string reaches the browser through
autoescaped templates or JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from procurewatch.errors import UsageError
from procurewatch.privacy import Masker
from procurewatch.query.charts import ChartCache
from procurewatch.query.explorer import Explorer
from procurewatch.query.filters import FilterError
from procurewatch.query.procurement_list import ProcurementLists
from procurewatch.web import api, auth, palette, review
from procurewatch.web.pages import dashboard, organisations, procurement, procurements, profiles, search
from procurewatch.web.rendering import make_templates, page
from procurewatch.web.security import SecurityMiddleware
from procurewatch.web.state import Settings, Shared

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = (search, procurement, procurements, profiles, organisations, dashboard, auth, api, review, palette)


def create_app(settings: Settings) -> FastAPI:
    masker = Masker(reveal=settings.reveal_personal_data)
    app = FastAPI(
        title="procurewatch explorer",
        description="API over a procurewatch store: search, procurements, profiles, analyses; reviewers' "
        "decisions only on a server started with an access token.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.shared = Shared(
        settings=settings,
        explorer=Explorer(settings.db_path, prepare=True, writable=bool(settings.token)),
        masker=masker,
        templates=make_templates(masker),
        charts=ChartCache(),
        lists=ProcurementLists(),
    )
    app.add_middleware(SecurityMiddleware, token=settings.token)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    app.add_exception_handler(UsageError, usage_error)
    return app


async def usage_error(request: Request, exc: Exception) -> Response:
    """A filter, query or format the app does not understand: 422 with the reason, as JSON for
    the API and exports, as a page otherwise."""
    if request.url.path.startswith(("/api/", "/export")):
        body: dict[str, Any] = {"error": str(exc)}
        if isinstance(exc, FilterError):
            body.update(parameter=exc.name, value=exc.value, valid=exc.valid)
        return JSONResponse(body, status_code=422)
    return page(request, "error.html", 422, message=str(exc))


__all__ = ["Settings", "create_app"]
