"""Answers in the app's forms: pages from the Jinja2 templates, JSON-ready values, file downloads.

Templates autoescape; every value a template prints is masked first (the environment's finalize:
Masker.shown), links go through safe_url. JSON answers (answer) and downloads (download) are masked at
this one point too, unless the server reveals personal data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from procurewatch.privacy import Masker
from procurewatch.report.export import encode, mask_table
from procurewatch.web.palette import palette_json
from procurewatch.web.security import safe_url
from procurewatch.web.state import shared

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_templates(masker: Masker) -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=masker.shown)
    env.filters["mask"] = masker
    env.filters["money"] = money
    env.globals["safe_url"] = safe_url
    # a link's query string is percent-encoded, out of the printed value's masking: mask before encoding
    env.globals["urlencode"] = lambda pairs: urlencode([(k, masker.shown(v)) for k, v in pairs])
    env.globals["list_url"] = lambda base, **changes: list_url(
        base, **{k: masker.shown(v) for k, v in changes.items()}
    )
    env.globals["org_url"] = lambda name: org_url(masker.shown(name))
    env.globals["palette_json"] = palette_json
    return Jinja2Templates(env=env)


def money(value: float | None, currency: str | None = None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f} {currency or ''}".strip()


def org_url(name: str | None) -> str:
    """The page of the organisation a buyer's or supplier's name resolved to."""
    return "/organisation?" + urlencode([("name", name or "")])


def list_url(base: str, **changes: Any) -> str:
    """The procurement list (/procurements) of query string `base` with `changes` set (None or ""
    removes a key); the full-text query and the page are dropped, as the charts' links do."""
    pairs = [(k, v) for k, v in _pairs(base) if k not in changes and k not in ("q", "page")]
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
    return "/procurements?" + urlencode(pairs)


@lru_cache(maxsize=256)
def _pairs(query_string: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(query_string))


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` rendered with `context`."""
    return shared(request).templates.TemplateResponse(request, name, context, status_code=status)


def jsonable(value: Any) -> Any:
    """`value` with dates (anything with isoformat) as ISO strings, tuples as lists."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def answer(request: Request, data: Any, status: int = 200) -> JSONResponse:
    """`data` as a JSON answer, every string masked but the store's identifiers."""
    return JSONResponse(jsonable(shared(request).masker.record(data)), status_code=status)


def download(request: Request, table: Any, fmt: str, stem: str) -> Response:
    """`table` as a file `stem.fmt` to save, every text column masked but identifiers (ExportError for an
    unknown format)."""
    masker = shared(request).masker
    data, media = encode(table if masker.reveal else mask_table(table), fmt)
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )
