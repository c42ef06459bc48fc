"""Security headers on every response, and the access token for non-loopback servers."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from procurewatch import knowledge

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
log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether a server on `host` is reachable from this machine only. An empty host ('') binds every
    interface, as 0.0.0.0 does: not loopback."""
    if host == "localhost":
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
        try:
            response = await self._handle(request, call_next)
        except Exception:
            # answered here, not by the server's outer error handler, so a 500 carries the headers too
            log.exception("error answering %s %s", request.method, request.url.path)
            response = PlainTextResponse("internal error", status_code=500)
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
            set_token_cookie(request, response, self.token)
            return response
        if self._authorised(request):
            return await call_next(request)
        if request.url.path.startswith("/api/") or request.method != "GET":
            return PlainTextResponse("a valid access token is required", status_code=401)
        return RedirectResponse("/login", status_code=303)


def set_token_cookie(request: Request, response: Response, token: str) -> None:
    """The session cookie, Secure when the request came over TLS: to the server itself, or to a proxy
    that says so with X-Forwarded-Proto: https and whose address the server trusts (serve
    --trusted-proxy; uvicorn then gives the request the https scheme)."""
    secure = request.url.scheme in ("https", "wss")
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure)


@dataclass
class _Failures:
    count: int
    first: float
    locked_until: float = 0.0


class LoginThrottle:
    """Failed logins per client, with an exponential lockout (settings: data/web.json)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        rules = knowledge.load_json("web.json")["login_throttle"]
        self.free: int = rules["free_failures"]
        self.window: float = rules["window_seconds"]
        self.first_lockout: float = rules["first_lockout_seconds"]
        self.longest: float = rules["longest_lockout_seconds"]
        self.kept: int = rules["clients_kept"]
        self.clock = clock
        self._clients: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before `client` may try again (0: now)."""
        with self._lock:
            seen = self._clients.get(client)
            return max(0.0, seen.locked_until - self.clock()) if seen else 0.0

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            seen = self._clients.pop(client, None)
            if seen is None or (now - seen.first > self.window and now >= seen.locked_until):
                seen = _Failures(0, now)
            seen.count += 1
            beyond = seen.count - self.free
            if beyond > 0:
                seen.locked_until = now + min(self.longest, self.first_lockout * 2 ** min(beyond - 1, 32))
            self._clients[client] = seen
            while len(self._clients) > self.kept:
                self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)
