"""The selection as FollowTheMoney entities, one JSON object a line (what `ftm` and Aleph/OpenAleph
load): buyers as PublicBody (or Organization), suppliers as Company, one Contract a procurement with a
ContractAward for each supplier; our categories, role, evidence and amount flags in their text fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy

from procurewatch.detect.purchaser import buyer_types
from procurewatch.report.handoff import Part, Selection, settings

_CONTRACT_AMOUNT_KINDS = ("award", "contract")
_MAX_EVIDENCE = 20  # evidence snippets per contract: enough to show why, short enough to read


def _entity(schema: str, *id_parts: str) -> EntityProxy:
    proxy = model.make_entity(schema)
    proxy.id = "-".join((settings()["ftm_id_prefix"], *id_parts))
    proxy.add("publisher", settings()["ftm_publisher"])
    return proxy


def _org_schema(name: str, roles: set[str]) -> str:
    if roles == {"supplier"}:
        return "Company"
    if roles == {"buyer"} and buyer_types(name):
        return "PublicBody"
    return "Organization"  # a buyer of no known public type, or a name seen as buyer and supplier


def _organisations(selection: Selection) -> Iterator[EntityProxy]:
    for oid, org in selection.organisations().items():
        proxy = _entity(_org_schema(org["name"], org["roles"]), oid)
        proxy.add("name", org["name"])
        proxy.add("country", sorted(org["countries"]))
        proxy.add("keywords", sorted(org["roles"]))
        proxy.add(
            "description", f"named as {' and '.join(sorted(org['roles']))} in {org['notices']} notice(s)"
        )
        yield proxy


def _evidence_notes(selection: Part, notices: list[dict[str, Any]]) -> list[str]:
    notes = []
    for notice in notices:
        for item in selection.rows.evidence.get(notice["id"], []):
            notes.append(
                f"{item['subject_kind']} {item['subject']}: “{item['text']}” "
                f"(notice {notice['id']}, {item['field']} {item['start_offset']}–{item['end_offset']})"
            )
    return notes[:_MAX_EVIDENCE]


def _contract(selection: Part, pid: str, notices: list[dict[str, Any]]) -> EntityProxy:
    proc = selection.rows.procurements[pid]
    contract = _entity("Contract", "contract", pid)
    title = proc["title"] or notices[0]["title"] or pid
    contract.add("title", title)
    contract.add("name", title)
    contract.add("status", proc["status"])
    contract.add("country", proc["country"].lower() if proc["country"] else None)
    contract.add("language", sorted({n["language"] for n in notices if n["language"]}))
    contract.add("procedureNumber", sorted({n["project_code"] for n in notices if n["project_code"]}))
    contract.add("noticeId", [n["id"] for n in notices])
    contract.add("sourceUrl", sorted({n["url"] for n in notices if n["url"]}))
    dates = [n["published"] for n in notices if n["published"] and n["notice_type"] in _CONTRACT_AMOUNT_KINDS]
    contract.add("contractDate", min(dates) if dates else proc["first_published"])
    if proc["spend_value"] is not None and proc["spend_kind"] in _CONTRACT_AMOUNT_KINDS:
        contract.add("amount", proc["spend_value"])
        contract.add("currency", proc["spend_currency"])
    for notice in notices:
        for party in selection.rows.parties.get(notice["id"], []):
            if party["role"] == "buyer":
                contract.add(
                    "authority", f"{settings()['ftm_id_prefix']}-{selection.organisation_id(party['name'])}"
                )
    categories = proc["categories"] or []
    contract.add("keywords", categories)
    if proc["role"]:
        contract.add("keywords", proc["role"])
    contract.add("description", _description(proc))
    contract.add("notes", _evidence_notes(selection, notices))
    contract.add("summary", [f["evidence"] for f in selection.rows.flags.get(pid, [])])
    return contract


def _description(proc: dict[str, Any]) -> str:
    if not proc["relevant"]:
        return "procurewatch: not detected as a surveillance purchase"
    parts = [f"procurewatch: surveillance purchase ({proc['role'] or 'role unknown'})"]
    if proc["categories"]:
        parts.append("categories " + ", ".join(proc["categories"]))
    if proc["spend_value"] is not None:
        parts.append(
            f"{proc['spend_kind']} {proc['spend_value']:,.2f} {proc['spend_currency'] or ''}".rstrip()
        )
    if proc["amount_flags"]:
        parts.append("amount flagged: " + ", ".join(proc["amount_flags"]))
    return "; ".join(parts)


def _awards(selection: Part, pid: str, notices: list[dict[str, Any]]) -> list[EntityProxy]:
    proc = selection.rows.procurements[pid]
    named: dict[str, dict[str, Any]] = {}
    for notice in notices:
        for party in selection.rows.parties.get(notice["id"], []):
            if party["role"] == "supplier":
                named.setdefault(selection.organisation_id(party["name"]), notice)
    awards = []
    for oid, notice in named.items():
        award = _entity("ContractAward", "award", pid, oid)
        award.add("contract", f"{settings()['ftm_id_prefix']}-contract-{pid}")
        award.add("supplier", f"{settings()['ftm_id_prefix']}-{oid}")
        award.add("date", notice["published"])
        award.add("sourceUrl", notice["url"])
        award.add("documentNumber", notice["id"])
        award.add("status", proc["status"])
        award.add("summary", _description(proc))
        one_supplier = len(named) == 1
        if (
            one_supplier
            and notice["amount_value"] is not None
            and notice["amount_kind"] in _CONTRACT_AMOUNT_KINDS
        ):
            award.add("amount", notice["amount_value"])
            award.add("currency", notice["amount_currency"])
        awards.append(award)
    return awards


def entities(selection: Selection) -> Iterator[EntityProxy]:
    """Every entity of the selection: organisations first, then each procurement's contract and awards."""
    yield from _organisations(selection)
    for part in selection.parts():
        for pid, notices in part.notices_by_procurement().items():
            yield _contract(part, pid, notices)
            yield from _awards(part, pid, notices)


def write(selection: Selection, out: Path) -> dict[str, int]:
    counts: dict[str, int] = {"entities": 0}
    with out.open("w", encoding="utf-8") as fh:
        for proxy in entities(selection):
            fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            counts[proxy.schema.name] = counts.get(proxy.schema.name, 0) + 1
            counts["entities"] += 1
    return counts
