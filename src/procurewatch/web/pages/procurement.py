"""The procurement page: what an editor must check (role, categories and their roles, flagged amounts
with each notice's amount), the reviewers' decisions and, on a server that accepts them, the form to
decide (web/review.py); then the notices in phase order, their texts with the evidence marked.

/notice/{id} and a notice id given as /procurement/{id} lead to the notice within its procurement.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from procurewatch import knowledge
from procurewatch.privacy import Masker
from procurewatch.review.decisions import ROLES
from procurewatch.sources.attachment_text import section_of
from procurewatch.web.highlight import Span, segments
from procurewatch.web.rendering import page
from procurewatch.web.state import shared

router = APIRouter()


@router.get("/procurement/{pid}", response_class=HTMLResponse, include_in_schema=False)
def procurement_page(request: Request, pid: str) -> Response:
    return render(request, pid)


def render(
    request: Request, pid: str, status: int = 200, message: str | None = None, entered: dict | None = None
) -> Response:
    """The page of procurement `pid`; after a refused decision, with `message` and what was `entered`."""
    s = shared(request)
    data = s.explorer.procurement(pid)
    if data is None:
        target = s.explorer.procurement_of(pid)
        if target and target != pid:
            return RedirectResponse(f"/procurement/{target}#n-{pid}", status_code=303)
        return page(request, "error.html", 404, message="No procurement or notice with this id.")
    for notice in data["notices"]:
        notice["texts"] = evidence_texts(notice, s.masker)
        name_attached_files(notice)
    form = None
    if s.writes:
        form = {
            "secret": s.form_secret,
            "categories": list(knowledge.categories()),
            "roles": ROLES,
            "entered": entered or {},
        }
    return page(
        request,
        "procurement.html",
        status,
        data=data,
        check=to_check(data, s.amount_flags(data["id"])),
        form=form,
        message=message,
    )


def to_check(data: dict[str, Any], flags: list[dict[str, Any]]) -> dict[str, Any]:
    """What an editor checks first: the procurement's role, each category with the roles its findings
    give it, the flagged amounts, and every notice's amount (flagged ones marked) when any is flagged."""
    proc = data["procurement"]
    notices = data["notices"]
    categories: dict[str, dict[str, Any]] = {}
    for n in notices:
        for x in n["findings"]:
            c = categories.setdefault(
                x["category"], {"category": x["category"], "roles": set(), "score": 0.0}
            )
            if x.get("role"):
                c["roles"].add(x["role"])
            c["score"] = max(c["score"], x["score"] or 0.0)
    flagged = {nid for f in flags for nid in f["notices"]}
    amounts = [
        {
            "id": n["id"],
            "notice_type": n["notice_type"],
            "published": n["published"],
            "value": n["amount_value"],
            "currency": n["amount_currency"],
            "kind": n["amount_kind"],
            "flagged": n["id"] in flagged,
        }
        for n in notices
        if n["amount_value"] is not None
    ]
    return {
        "role": proc["role"] if proc else notices[0].get("role"),
        "categories": [
            {**c, "roles": sorted(c["roles"])} for c in sorted(categories.values(), key=lambda c: -c["score"])
        ],
        "flags": flags,
        "amounts": amounts if flags else [],
    }


@router.get("/notice/{nid}", include_in_schema=False)
def notice_page(request: Request, nid: str) -> Response:
    target = shared(request).explorer.procurement_of(nid)
    if target is None:
        raise HTTPException(404, "no such notice")
    return RedirectResponse(f"/procurement/{target}#n-{nid}", status_code=303)


def name_attached_files(notice: dict[str, Any]) -> None:
    """Each evidence span in the `attachments` field gets the name of the attached file it lies in."""
    attached = notice.get("attachments") or ""
    for e in notice["evidence"]:
        if e["field"] == "attachments":
            e["file"] = section_of(attached, e["start_offset"])


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
