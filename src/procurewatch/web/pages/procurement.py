"""The procurement page: a procurement's notices in phase order, their texts with the evidence marked.

/notice/{id} and a notice id given as /procurement/{id} lead to the notice within its procurement.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from procurewatch.privacy import Masker
from procurewatch.web.highlight import Span, segments
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()


@router.get("/procurement/{pid}", response_class=HTMLResponse, include_in_schema=False)
def procurement_page(request: Request, pid: str) -> HTMLResponse:
    s = shared(request)
    data = s.explorer.procurement(pid)
    if data is None:
        target = s.explorer.procurement_of(pid)
        if target and target != pid:
            return RedirectResponse(f"/procurement/{target}#n-{pid}", status_code=303)
        return page(request, "error.html", 404, message="No procurement or notice with this id.")
    for notice in data["notices"]:
        notice["texts"] = evidence_texts(notice, s.masker)
    return page(request, "procurement.html", data=data)


@router.get("/notice/{nid}", include_in_schema=False)
def notice_page(request: Request, nid: str) -> Response:
    target = shared(request).explorer.procurement_of(nid)
    if target is None:
        raise HTTPException(404, "no such notice")
    return RedirectResponse(f"/procurement/{target}#n-{nid}", status_code=303)


def evidence_texts(notice: dict[str, Any], masker: Masker) -> list[dict[str, Any]]:
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
