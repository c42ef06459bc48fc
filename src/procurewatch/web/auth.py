"""The login form: a browser trades the access token for a cookie (see web/security.py for the rule).
Failed attempts are throttled per client (security.LoginThrottle): 429 with Retry-After while locked out."""

from __future__ import annotations

import hmac
import math
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
    s = shared(request)
    token = s.settings.token
    client = request.client.host if request.client else "unknown"
    wait = s.login_throttle.wait(client)
    if wait > 0:
        response = page(request, "login.html", 429, failed=True, wait=math.ceil(wait))
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    body = (await request.body())[:4096].decode("utf-8", "replace")
    given = (parse_qs(body).get("token") or [""])[0]
    if token and hmac.compare_digest(given.encode(), token.encode()):
        s.login_throttle.succeeded(client)
        response = RedirectResponse("/", status_code=303)
        set_token_cookie(request, response, token)
        return response
    s.login_throttle.failed(client)
    return page(request, "login.html", 401, failed=True)
