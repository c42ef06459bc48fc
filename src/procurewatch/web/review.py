"""Reviewers' decisions from the procurement page and the API. Off unless the server has an access token.

- A server started without a token is read-only: the page shows the decisions but no form, and every
  decision sent to it is answered 403.
- A server started with a token holds the store read-write (one connection, query/reader.py: DuckDB
  would refuse a writable connection beside a read-only one in the same process) and accepts a
  decision only from a request that carries the token (cookie, header; web/security.py refuses any
  other non-GET request with 401), and
  - from the form: with the app's form secret in its hidden field (pages of this app carry it, a form
    on another site cannot know it) and, when the browser names the form's origin, from this server;
  - through the API: as a JSON body (another site's page cannot send one without a CORS preflight,
    which this app does not answer).
Decisions are written one at a time; the chart rows and procurement lists kept so far are dropped after
each, as a decision changes the figures. A refused decision answers 422 with the reason (the page again,
with what was entered), an unknown procurement 404.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from procurewatch.errors import UsageError
from procurewatch.review import decisions
from procurewatch.review.decisions import Decision, UnknownProcurement
from procurewatch.web.pages.procurement import render
from procurewatch.web.rendering import jsonable, page
from procurewatch.web.state import Shared, shared

router = APIRouter()

MAX_BODY = 16_384
MAX_NOTE = 2_000
READ_ONLY = "this server is read-only: start it with an access token (--token) to accept decisions"


@router.post("/procurement/{pid}/review", include_in_schema=False)
async def review_form(request: Request, pid: str) -> Response:
    s = shared(request)
    if not s.writes:
        return page(request, "error.html", 403, message=READ_ONLY)
    body = (await request.body())[:MAX_BODY].decode("utf-8", "replace")
    form = parse_qs(body, keep_blank_values=True)
    secret = (form.get("secret") or [""])[0]
    if not hmac.compare_digest(secret.encode(), s.form_secret.encode()) or not _same_origin(request):
        return page(request, "error.html", 403, message="This form did not come from this server's page.")
    entered = {
        "decision": _one(form, "decision"),
        "categories": [c for c in form.get("category", []) if c],
        "role": _one(form, "role"),
        "note": _one(form, "note"),
        "reviewer": _one(form, "reviewer"),
    }
    try:
        decision = record(s, pid, entered)
    except UnknownProcurement as exc:
        return page(request, "error.html", 404, message=str(exc))
    except UsageError as exc:
        return render(request, pid, 422, message=str(exc), entered=entered)
    return RedirectResponse(f"/procurement/{quote(decision.decided_on, safe='')}#reviews", status_code=303)


@router.post(
    "/api/procurements/{pid}/review",
    summary="Record a reviewer's decision (JSON: decision confirmed|rejected, categories, role, note, "
    "reviewer); only on a server started with an access token",
    status_code=201,
)
async def review_api(request: Request, pid: str) -> Response:
    s = shared(request)
    if not s.writes:
        return JSONResponse({"error": READ_ONLY}, status_code=403)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return JSONResponse({"error": "send the decision as JSON (Content-Type: application/json)"}, 415)
    try:
        body = json.loads((await request.body())[:MAX_BODY])
    except ValueError:
        return JSONResponse({"error": "the body is not JSON"}, status_code=422)
    if not isinstance(body, dict):
        return JSONResponse({"error": "expected a JSON object"}, status_code=422)
    try:
        decision = record(s, pid, body)
    except UnknownProcurement as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    except UsageError as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    return JSONResponse(jsonable(decision.as_dict()), status_code=201)


def record(s: Shared, pid: str, entered: dict[str, Any]) -> Decision:
    """Record what a reviewer entered (decision, categories, role, note, reviewer) on `pid`; UsageError
    when it is not a decision."""
    categories = entered.get("categories") or []
    if isinstance(categories, str) or not all(isinstance(c, str) for c in categories):
        raise UsageError("categories: expected a list of category ids")
    texts = {k: entered.get(k) for k in ("decision", "role", "note", "reviewer")}
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{name}: expected text")
    reviewer = (texts["reviewer"] or "").strip()
    if not reviewer:
        raise UsageError("name the reviewer: who decides is kept with the decision")
    note = (texts["note"] or "").strip()
    if len(note) > MAX_NOTE or len(reviewer) > 200:
        raise UsageError(f"the note is limited to {MAX_NOTE} characters, the reviewer's name to 200")
    with s.write_lock:
        cur = s.explorer.con.cursor()
        try:
            decision = decisions.record(
                cur,
                pid,
                (texts["decision"] or "").strip(),
                categories=categories,
                role=(texts["role"] or "").strip() or None,
                note=note or None,
                reviewer=reviewer,
            )
        finally:
            cur.close()
        s.decided()
    return decision


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin than this server."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)
