"""The selection as one OCDS 1.1 release package: one release per procurement, our findings in the
`procurewatch` extension (data/ocds_extension/, documented in its README)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from procurewatch import knowledge
from procurewatch.errors import ExportError
from procurewatch.report.handoff import Part, Selection, settings

OCDS_VERSION = "1.1"
_TAGS = {
    "tender": "tender",
    "amendment": "tenderAmendment",
    "award": "award",
    "contract": "contract",
    "cancellation": "tenderCancellation",
}
_AWARDED = ("award", "contract")


@cache
def _currencies() -> frozenset[str]:
    schema = knowledge.load_json("ocds_schema", "release-schema.json")
    return frozenset(c for c in schema["definitions"]["Value"]["properties"]["currency"]["enum"] if c)


def _value(amount: float | None, currency: str | None) -> dict[str, Any] | None:
    if amount is None or not currency or currency.upper() not in _currencies():
        return None
    return {"amount": amount, "currency": currency.upper()}


def _datetime(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


def _parties(selection: Part, notices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parties: dict[str, dict[str, Any]] = {}
    for notice in notices:
        for party in selection.rows.parties.get(notice["id"], []):
            entry = parties.setdefault(
                selection.organisation_id(party["name"]),
                {"id": selection.organisation_id(party["name"]), "name": party["name"], "roles": []},
            )
            if party["role"] not in entry["roles"]:
                entry["roles"].append(party["role"])
    return list(parties.values())


def _first(notices: list[dict[str, Any]], kinds: tuple[str, ...]) -> dict[str, Any] | None:
    return next((n for n in notices if n["amount_value"] is not None and n["amount_kind"] in kinds), None)


def _findings(selection: Part, pid: str, notices: list[dict[str, Any]]) -> dict[str, Any]:
    proc = selection.rows.procurements[pid]
    return {
        "relevant": bool(proc["relevant"]),
        "score": proc["score"],
        "role": proc["role"],
        "titleMatch": proc["title_match"],
        "categories": list(proc["categories"] or []),
        "evidence": [
            {
                "noticeId": n["id"],
                "subjectKind": e["subject_kind"],
                "subject": e["subject"],
                "field": e["field"],
                "start": e["start_offset"],
                "end": e["end_offset"],
                "text": e["text"],
            }
            for n in notices
            for e in selection.rows.evidence.get(n["id"], [])
        ],
        "flags": selection.rows.flags.get(pid, []),
        "notices": [
            {
                "id": n["id"],
                "noticeType": n["notice_type"],
                "published": n["published"].isoformat() if n["published"] else None,
                "url": n["url"],
                "sourceOcid": n["ocid"],
            }
            for n in notices
        ],
    }


def release(selection: Part, pid: str, notices: list[dict[str, Any]], now: str) -> dict[str, Any]:
    """The release of one procurement from its selected notices."""
    proc = selection.rows.procurements[pid]
    phases = {n["notice_type"] for n in notices}
    parties = _parties(selection, notices)
    buyers = [p for p in parties if "buyer" in p["roles"]]
    suppliers = [{"id": p["id"], "name": p["name"]} for p in parties if "supplier" in p["roles"]]
    dates = [n["published"] for n in notices if n["published"]]
    out: dict[str, Any] = {
        "ocid": settings()["ocid_prefix"] + pid,
        "id": hashlib.sha1(" ".join(sorted(n["id"] for n in notices)).encode()).hexdigest()[:16],
        "date": _datetime(max(dates)) if dates else now,
        "tag": [tag for phase, tag in _TAGS.items() if phase in phases] or ["tender"],
        "initiationType": "tender",
        "parties": parties,
    }
    language = next((n["language"] for n in notices if n["language"]), None)
    if language:
        out["language"] = language
    if buyers:
        out["buyer"] = {"id": buyers[0]["id"], "name": buyers[0]["name"]}
    tender: dict[str, Any] = {"id": pid, "title": proc["title"] or notices[0]["title"] or pid}
    if "cancellation" in phases or proc["status"] == "cancelled":
        tender["status"] = "cancelled"
    budget = _first(notices, ("budget",))
    if budget and (value := _value(budget["amount_value"], budget["amount_currency"])):
        tender["value"] = value
    out["tender"] = tender
    awarded = _first(notices, _AWARDED)
    if suppliers or awarded or phases & set(_AWARDED):
        award: dict[str, Any] = {"id": f"{pid}-award"}
        if suppliers:
            award["suppliers"] = suppliers
        if awarded and (value := _value(awarded["amount_value"], awarded["amount_currency"])):
            award["value"] = value
        award_dates = [n["published"] for n in notices if n["published"] and n["notice_type"] in _AWARDED]
        if award_dates:
            award["date"] = _datetime(min(award_dates))
        out["awards"] = [award]
        contracted = _first(notices, ("contract",))
        if "contract" in phases or contracted:
            contract: dict[str, Any] = {"id": f"{pid}-contract", "awardID": award["id"]}
            if contracted and (value := _value(contracted["amount_value"], contracted["amount_currency"])):
                contract["value"] = value
            out["contracts"] = [contract]
    out["procurewatch"] = _findings(selection, pid, notices)
    return out


def write(selection: Selection, out: Path) -> dict[str, int]:
    """Write the release package, one release at a time (the package is never held whole)."""
    if not selection.notice_count:
        raise ExportError("the filters select no notice, and an OCDS release package needs a release")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = selection.digest()
    header: dict[str, Any] = {
        "uri": settings()["package_uri_prefix"] + digest,
        "version": OCDS_VERSION,
        "publishedDate": now,
        "publisher": settings()["publisher"],
    }
    if settings()["ocds_extension_url"]:
        header["extensions"] = [settings()["ocds_extension_url"]]
    releases = awards = notices_written = 0
    with out.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "releases": [\n')
        for part in selection.parts():
            for pid, notices in part.notices_by_procurement().items():
                item = release(part, pid, notices, now)
                fh.write((",\n" if releases else "") + json.dumps(item, ensure_ascii=False))
                releases += 1
                awards += len(item.get("awards", []))
            notices_written += len(part.notices)
        fh.write("\n]}\n")
    return {"releases": releases, "awards": awards, "notices": notices_written}
