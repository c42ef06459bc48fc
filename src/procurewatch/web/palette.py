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

# 16 distinguishable colours (Tableau 20 minus its light tints and greys), then a grey for no category
COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#1f3a93", "#d37295", "#499894", "#86bcb6", "#8cd17d", "#b6992d", "#a0cbe8",
)  # fmt: skip
NONE_COLOUR = "#9aa3ad"


@cache
def palette() -> dict[str, str]:
    """Category id → colour; "(none)" for procurements without a category."""
    out = {cid: COLOURS[i % len(COLOURS)] for i, cid in enumerate(knowledge.categories())}
    out["(none)"] = NONE_COLOUR
    return out


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
