"""One colour per surveillance category, the same on every page and chart.

The mapping follows the taxonomy's fixed order (knowledge.categories()), so a category keeps its
colour whatever a page shows. base.html hands it to the scripts as a data attribute (no inline
script under the CSP); /api/palette serves it as JSON and /palette.css colours the category tags
of every page (a stylesheet from the app itself, which the CSP allows, unlike inline styles).
"""

from __future__ import annotations

import json
from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from procurewatch import knowledge
from procurewatch.web.params import read_filters

router = APIRouter()


def palette() -> dict[str, str]:
    """Category id → colour; "(none)" for procurements without a category."""
    return knowledge.category_colours()


@cache
def palette_json() -> str:
    return json.dumps(palette(), separators=(",", ":"))


@cache
def palette_css() -> str:
    return "".join(
        f'.tag[data-category="{cid}"],.swatch[data-category="{cid}"]{{border-left:.6em solid {colour}}}\n'
        for cid, colour in palette().items()
    )


@router.get("/api/palette", summary="The colour of each category, the same on every chart")
def api_palette(request: Request) -> JSONResponse:
    read_filters(request)  # unknown parameters are refused, as on every route
    return JSONResponse(palette())


@router.get("/palette.css", include_in_schema=False)
def palette_stylesheet(request: Request) -> Response:
    read_filters(request)
    return Response(palette_css(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})
