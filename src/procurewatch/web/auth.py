"""The login form: a browser trades the access token for a cookie (see web/security.py for the rule)."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from procurewatch.web.rendering import page
from procurewatch.web.security import set_token_cookie
from procurewatch.web.state import shared

router = APIRouter()


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", failed=False)


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    token = shared(request).settings.token
    body = (await request.body())[:4096].decode("utf-8", "replace")
    given = (parse_qs(body).get("token") or [""])[0]
    if token and hmac.compare_digest(given.encode(), token.encode()):
        response = RedirectResponse("/", status_code=303)
        set_token_cookie(response, token)
        return response
    return page(request, "login.html", 401, failed=True)
