"""Security headers on every response, and the access token for non-loopback servers."""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import parse_qsl, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
COOKIE = "procurewatch_token"
TOKEN_ENV = "PROCUREWATCH_TOKEN"
OPEN_PATHS = ("/login", "/static/style.css")


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else None (javascript:, data:, relative …)."""
    if not url:
        return None
    from urllib.parse import urlsplit

    url = url.strip()
    if any(ord(c) < 33 or c in '"<>\\`' for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


class SecurityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, token: str | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app)
        self.token = token

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        offered = [
            request.cookies.get(COOKIE, ""),
            request.headers.get("x-procurewatch-token", ""),
            request.headers.get("authorization", "").removeprefix("Bearer ").strip(),
        ]
        return any(o and hmac.compare_digest(o.encode(), self.token.encode()) for o in offered)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._handle(request, call_next)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def _handle(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not self.token or request.url.path in OPEN_PATHS:
            return await call_next(request)
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            rest = urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "token"])
            response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
            set_token_cookie(response, self.token)
            return response
        if self._authorised(request):
            return await call_next(request)
        if request.url.path.startswith("/api/") or request.method != "GET":
            return PlainTextResponse("a valid access token is required", status_code=401)
        return RedirectResponse("/login", status_code=303)


def set_token_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
