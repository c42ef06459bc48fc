"""One OCDS release (or a record's compiled release) → the title, body and hints of a Document.

The hints are normalised so the parse stage can use them as they are (see model.Document).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from procurewatch import knowledge
from procurewatch.sources import ocds_data

DATE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
TEXT_KEY_RE = re.compile(r"^(title|description|name)(_[A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?)?$")
NOTICE_DOCUMENT_TYPES = ("tenderNotice", "awardNotice", "contractNotice", "contractSigned", "planningNotice")
EMPTY_SECTION_KEYS = frozenset({"id", "status", "statusDetails"})
LANGUAGE_SEPARATOR_RE = re.compile(r"[-_]")


@dataclass(slots=True)
class Mapped:
    title: str
    body: str
    url: str | None
    hints: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- small helpers


def text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # a tuple: faster than int | float
        return str(value)
    return ""


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []  # as_list's, without a comprehension over it


def _variant(obj: dict[str, Any], key: str) -> str:
    """obj[key], else a language variant such as key_en / key_fr (English first)."""
    value = text(obj.get(key))
    if value:
        return value
    variants = sorted(k for k in obj if k.startswith(key + "_") and text(obj[k]))
    variants.sort(key=lambda k: not k.endswith("_en"))
    return text(obj[variants[0]]) if variants else ""


def org_name(org: Any, parties: dict[str, dict[str, Any]] | None = None) -> str:
    """Name of an organisation reference: its name, its party's name, or its identifier's legal name."""
    if not isinstance(org, dict):
        return text(org)
    name = _variant(org, "name")
    if not name and parties is not None:
        party = parties.get(text(org.get("id")))
        if party is not None and party is not org:
            name = org_name(party)
    if not name:
        identifier = org.get("identifier")
        if isinstance(identifier, dict):
            name = _variant(identifier, "legalName")
    return name


def unique(values: Iterable[str]) -> list[str]:
    """The non-empty values, each once, in first-seen order."""
    return list(dict.fromkeys(filter(None, values)))


def has_facts(value: Any, ignore: frozenset[str] = EMPTY_SECTION_KEYS) -> bool:
    """True when a section holds anything beyond ids and statuses."""
    # loops, not any() over a generator: a generator made at every level cost more than the walk
    if isinstance(value, dict):
        for key, member in value.items():  # noqa: SIM110
            if key not in ignore and has_facts(member, _NOTHING_IGNORED):
                return True
        return False
    if isinstance(value, list):
        for member in value:  # noqa: SIM110
            if has_facts(member, ignore):
                return True
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and not isinstance(value, bool)


_NOTHING_IGNORED: frozenset[str] = frozenset()


_AMOUNT_CEILING = float(knowledge.load_json("figures.json")["amount_limits"]["ceiling"])


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.replace(",", "").strip())
        except ValueError:
            return None
    else:
        try:
            result = float(value)  # Decimal
        except (TypeError, ValueError):
            return None
    return result if math.isfinite(result) else None


# ----------------------------------------------------------------------------- early non-standard shape


def normalise_shape(release: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring known non-standard shapes closer to OCDS 1.1; returns notes on what was changed."""
    notes: list[str] = []
    awards = release.get("awards")
    if isinstance(awards, dict):  # early Taiwanese data: one award object with suppliers per item
        release = dict(release)
        award = dict(awards)
        suppliers = [s for item in dicts(award.get("items")) for s in dicts(item.get("suppliers"))]
        if suppliers and "suppliers" not in award:
            award["suppliers"] = suppliers
        if "value" not in award and isinstance(award.get("totalAwardValue"), dict):
            award["value"] = award["totalAwardValue"]
        release["awards"] = [award]
        notes.append("awards is an object, not an array (early non-standard shape)")
    if isinstance(release.get("planning"), list):  # Armenia publishes planning as an array
        release = dict(release)
        plans = dicts(release["planning"])
        release["planning"] = plans[0] if len(plans) == 1 else {"budget": {}, "_plans": plans}
        notes.append("planning is an array, not an object")
    return release, notes


# ----------------------------------------------------------------------------- field mapping


@dataclass(slots=True)
class Sections:
    """The parts of a release every mapping step reads, looked up once (a missing or odd part is empty)."""

    tender: dict[str, Any]
    planning: dict[str, Any]
    budget: dict[str, Any]
    awards: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    parties: list[dict[str, Any]]


def sections(release: dict[str, Any]) -> Sections:
    tender = release.get("tender")
    planning = release.get("planning")
    if not isinstance(planning, dict):
        planning = {}
    budget = planning.get("budget")
    return Sections(
        tender=tender if isinstance(tender, dict) else {},
        planning=planning,
        budget=budget if isinstance(budget, dict) else {},
        awards=dicts(release.get("awards")),
        contracts=dicts(release.get("contracts")),
        parties=dicts(release.get("parties")),
    )


def parties_index(parties: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for party in parties:
        key = text(party.get("id"))
        if key:
            index[key] = party
    return index


BUYER_ROLES = frozenset({"buyer"})
ENTITY_ROLES = frozenset({"procuringentity"})
BUYING_ROLES = BUYER_ROLES | ENTITY_ROLES
SUPPLIER_ROLES = frozenset({"supplier"})


def parties_with_role(parties: list[dict[str, Any]], wanted: frozenset[str]) -> list[dict[str, Any]]:
    """The parties with one of the `wanted` roles (casefolded)."""
    found: list[dict[str, Any]] = []
    for party in parties:
        roles = party.get("roles")
        if isinstance(roles, list):  # a lone role object (as_list's dict case) is never a role name
            for role in roles:
                if isinstance(role, str) and role.casefold() in wanted:
                    found.append(party)
                    break
    return found


def buyer_party(
    release: dict[str, Any], found: Sections, parties: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The buying organisation: buyer, else a party with role buyer/procuringEntity, else
    tender.procuringEntity.
    """
    buyer = release.get("buyer")
    if isinstance(buyer, dict) and org_name(buyer, parties):
        party = parties.get(text(buyer.get("id")))
        return {**(party or {}), **buyer} if party else buyer
    for roles in (BUYER_ROLES, ENTITY_ROLES):
        with_role = parties_with_role(found.parties, roles)
        if with_role and org_name(with_role[0]):
            return with_role[0]
    entity = found.tender.get("procuringEntity")
    if isinstance(entity, dict):
        party = parties.get(text(entity.get("id")))
        return {**(party or {}), **entity}
    return None


def supplier_names(found: Sections, parties: dict[str, dict[str, Any]]) -> list[str]:
    """Award suppliers (the eval convention: the winners an award names)."""
    return unique(org_name(s, parties) for a in found.awards for s in dicts(a.get("suppliers")))


def other_supplier_names(found: Sections, parties: dict[str, dict[str, Any]]) -> list[str]:
    """Suppliers named outside awards: parties with role supplier, contracts[].suppliers (extension)."""
    names = [org_name(p) for p in parties_with_role(found.parties, SUPPLIER_ROLES)]
    names += [org_name(s, parties) for c in found.contracts for s in dicts(c.get("suppliers"))]
    return unique(names)


def buyer_name(found: Sections, buyer: dict[str, Any] | None, parties: dict[str, dict[str, Any]]) -> str:
    """The buyer's name; a data republisher named as buyer is replaced by the public body the notice names."""
    name = org_name(buyer, parties) if buyer else ""
    if name and ocds_data.is_republisher(name):
        tender = found.tender
        for source in (tender.get("title"), tender.get("description")):
            found = ocds_data.public_body_in(text(source))
            if found:
                return found
    return name


ValueGroup = tuple[str, str, list[tuple[float, str | None]]]  # (kind, field, [(amount, currency)])


def _value_groups(found: Sections) -> tuple[list[ValueGroup], list[str]]:
    """Every plausible figure by field, headline first: contracts › awards › tender.value › planning budget;
    and notes on the values left out for their size (above amount_limits.ceiling)."""
    places = (
        ("contract", "contracts.value", found.contracts, "value"),
        ("award", "awards.value", found.awards, "value"),
        ("budget", "tender.value", (found.tender,), "value"),
        ("budget", "planning.budget.amount", (found.budget,), "amount"),
    )
    groups: list[ValueGroup] = []
    notes: list[str] = []
    for kind, field_name, objects, key in places:
        entries: list[tuple[float, str | None]] = []
        for o in objects:
            value = o.get(key)
            if not isinstance(value, dict):
                continue
            amount = number(value.get("amount"))
            if amount is None:
                continue
            if abs(amount) > _AMOUNT_CEILING:  # 1e308 would overflow the sum of a release's values
                notes.append(
                    f"{field_name} {amount:.6g}: above the largest plausible amount "
                    f"({_AMOUNT_CEILING:.0E}), not taken as a number"
                )
                continue
            entries.append((amount, text(value.get("currency")).upper() or None))
        groups.append((kind, field_name, entries))
    return groups, notes


def _sum_by_currency(entries: Iterable[tuple[float, str | None]]) -> list[tuple[float, str | None]]:
    totals: dict[str | None, list[float]] = {}
    for amount, currency in entries:
        totals.setdefault(currency, []).append(amount)
    return [(round(math.fsum(values), 6), currency) for currency, values in totals.items()]


def _amounts_of(groups: list[ValueGroup]) -> list[dict[str, Any]]:
    currencies = {currency for _, _, entries in groups for _, currency in entries if currency}
    only = next(iter(currencies)) if len(currencies) == 1 else None
    out: list[dict[str, Any]] = []
    for kind, field_name, raw_entries in groups:
        if not raw_entries:
            continue
        # a value without currency takes the release's only currency
        entries = [(amount, currency or only) for amount, currency in raw_entries]
        for amount, currency in _sum_by_currency(entries):
            out.append({"value": amount, "currency": currency, "kind": kind, "field": field_name})
    return out


def amounts(release: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure, headline first: contracts (summed) › awards (summed) › tender.value › planning budget."""
    return _amounts_of(_value_groups(sections(release))[0])


def rejected_amounts(release: dict[str, Any]) -> list[str]:
    """Notes on the values left out of `amounts` for their size (above amount_limits.ceiling)."""
    return _value_groups(sections(release))[1]


def notice_type(release: dict[str, Any]) -> str:
    """Type from `tag`; a tag whose section holds no facts falls back to the latest stage present below it."""
    table = ocds_data.notice_types()
    rank = _type_rank()

    def present() -> list[str]:
        return [kind for section, kind in table["sections_when_untagged"] if has_facts(release.get(section))]

    raw_tags = release.get("tag")
    tags = [raw_tags] if isinstance(raw_tags, str) else [t for t in as_list(raw_tags) if isinstance(t, str)]
    candidates: list[str] = []
    for tag in tags:
        row = table["tags"].get(tag)
        if row is None or row["type"] is None:
            continue
        if row["section"] is None or has_facts(release.get(row["section"])):
            candidates.append(row["type"])
        else:
            lower = [kind for kind in present() if rank[kind] < rank[row["type"]]]
            candidates.append(lower[0] if lower else "other")
    if candidates:
        return max(candidates, key=lambda c: rank[c])
    stages = present()
    return stages[0] if stages else "other"


@cache
def _type_rank() -> dict[str, int]:
    return {name: i for i, name in enumerate(ocds_data.notice_types()["rank"])}


def published(release: dict[str, Any], package: dict[str, Any]) -> str | None:
    for raw in (release.get("date"), package.get("publishedDate")):
        match = DATE_RE.match(raw) if isinstance(raw, str) else None
        if match:
            return match.group(1)
    return None


def _address(org: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(org, dict):
        return {}
    address = org.get("address")
    return address if isinstance(address, dict) else {}


def country(found: Sections, buyer: dict[str, Any] | None, ocid: str, package: dict[str, Any]) -> str | None:
    """Buyer's address country, else the ocid prefix, else the publisher's country."""
    code = ocds_data.country_from_name(_address(buyer).get("countryName"))
    if code:
        return code
    for party in parties_with_role(found.parties, BUYING_ROLES):
        code = ocds_data.country_from_name(_address(party).get("countryName"))
        if code:
            return code
    return ocds_data.country_from_ocid(ocid) or ocds_data.country_from_publisher(package.get("publisher"))


def region(buyer: dict[str, Any] | None) -> str | None:
    address = _address(buyer)
    for key in ("region", "locality"):
        value = text(address.get(key))
        if value:
            return value
    return None


def language(release: dict[str, Any]) -> str | None:
    raw = text(release.get("language")).lower()
    if not raw:
        return None
    primary = LANGUAGE_SEPARATOR_RE.split(raw, maxsplit=1)[0]
    return ocds_data.language_aliases().get(primary, primary)


def _classifications(item: dict[str, Any]) -> list[dict[str, Any]]:
    return dicts(item.get("classification")) + dicts(item.get("additionalClassifications"))


def all_items(found: Sections) -> list[dict[str, Any]]:
    found_items = dicts(found.tender.get("items"))
    for entry in found.awards:
        found_items += dicts(entry.get("items"))
    for entry in found.contracts:
        found_items += dicts(entry.get("items"))
    return found_items


def items(found: Sections) -> tuple[list[dict[str, Any]], list[str]]:
    """(item hints, body lines `<SCHEME> <id> <description>`)."""
    hints: list[dict[str, Any]] = []
    lines: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for item in all_items(found):
        raw = item.get("description")
        description = raw.strip() if type(raw) is str else text(raw)  # text(), without a call for a str
        classes = _classifications(item)
        if not classes:
            if description:
                lines.append(f"Item: {description}")
            continue
        for cls in classes:
            scheme, code, raw = cls.get("scheme"), cls.get("id"), cls.get("description")
            scheme = scheme.strip() if type(scheme) is str else text(scheme)
            code = code.strip() if type(code) is str else text(code)
            class_description = raw.strip() if type(raw) is str else text(raw)
            shown = description or class_description
            key = (scheme, code, shown)
            if key in seen:
                continue
            seen.add(key)
            hints.append({"description": shown, "scheme": scheme, "id": code})
            extra = f" — {class_description}" if class_description and class_description != shown else ""
            lines.append(" ".join([part for part in key if part]) + extra)
    return hints, lines


class _TextKeys(dict[str, bool]):
    """key → whether it is a title/description (or a language variant such as title_fr), bounded."""

    def __missing__(self, key: str) -> bool:
        is_text = key != "name" and TEXT_KEY_RE.match(key) is not None
        if len(self) < 4096:
            self[key] = is_text
        return is_text


_TEXT_KEYS = _TextKeys()


def _texts(obj: Any) -> list[str]:
    """title/description fields (and their language variants such as title_fr) of one object."""
    if not isinstance(obj, dict):
        return []
    keys = _TEXT_KEYS
    return [v.strip() for k, v in obj.items() if isinstance(v, str) and keys[k]]


def _documents(obj: Any) -> list[dict[str, Any]]:
    return dicts(obj.get("documents")) if isinstance(obj, dict) else []


def body_lines(
    release: dict[str, Any],
    found: Sections,
    buyer: str,
    suppliers: list[str],
    item_lines: list[str],
    title: str,
    documents: list[dict[str, Any]],
) -> list[str]:
    tender, planning, budget = found.tender, found.planning, found.budget
    lines: list[str] = [text(release.get("title"))]
    if not title:
        lines.append(text(release.get("name")))
    lines.append(text(release.get("description")))
    lines += _texts(tender)
    lines += [text(planning.get("rationale")), text(budget.get("description")), text(budget.get("project"))]
    for lot in dicts(tender.get("lots")):
        lines += _texts(lot)
    lines += item_lines
    for entry in found.awards:
        lines += _texts(entry)
    for entry in found.contracts:
        lines += _texts(entry)
    if buyer:
        lines.append(f"Buyer: {buyer}")
    entity = tender.get("procuringEntity")
    entity_name = org_name(entity) if isinstance(entity, dict) else ""
    if entity_name and entity_name != buyer:
        lines.append(f"Procuring entity: {entity_name}")
    lines += [f"Supplier: {name}" for name in suppliers]
    tenderers = unique(org_name(t) for t in dicts(tender.get("tenderers")))
    lines += [f"Tenderer: {name}" for name in tenderers if name not in suppliers]
    for doc in documents:
        raw = doc.get("title")
        title_text = raw.strip() if type(raw) is str else text(raw)
        if title_text:
            lines.append(f"Document: {title_text}")
    kept = dict.fromkeys(filter(None, lines))  # each line once, in first-seen order (unique's)
    kept.pop(title, None)
    return list(kept)


def _all_documents(release: dict[str, Any], found: Sections) -> list[dict[str, Any]]:
    documents = _documents(release.get("planning"))
    documents += _documents(release.get("tender"))
    for entry in found.awards:
        documents += _documents(entry)
    for entry in found.contracts:
        documents += _documents(entry)
    documents += _documents(release)
    return documents


def title(release: dict[str, Any], found: Sections) -> str:
    value = text(found.tender.get("title"))
    if value:
        return value
    for entry in found.awards:
        value = text(entry.get("title"))
        if value:
            return value
    for entry in found.contracts:
        value = text(entry.get("title"))
        if value:
            return value
    for candidate in (found.budget.get("project"), release.get("title"), release.get("name")):
        value = text(candidate)
        if value:
            return value
    return ""


def url(documents: list[dict[str, Any]]) -> str | None:
    """The first web address of a notice document, else the first of any document."""
    first = None
    for document in documents:
        raw = document.get("url")
        link = raw.strip() if type(raw) is str else text(raw)
        if link.startswith(("http://", "https://")):
            if document.get("documentType") in NOTICE_DOCUMENT_TYPES:
                return link
            if first is None:
                first = link
    return first


def validation_notes(release: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    for key in ("ocid", "id", "date"):
        if not text(release.get(key)):
            notes.append(f"missing {key}")
    tag = release.get("tag")
    if tag is not None and not isinstance(tag, list):
        notes.append("tag is not an array")
    for section in ("contracts", "parties"):
        if section in release and not isinstance(release[section], list):
            notes.append(f"{section} is not an array")
    return notes


def map_release(release: dict[str, Any], package: dict[str, Any]) -> Mapped:
    """Title, body, url and normalised hints of one (compiled) release."""
    notes = validation_notes(release)
    release, shape_notes = normalise_shape(release)
    found = sections(release)
    parties = parties_index(found.parties)
    buyer = buyer_party(release, found, parties)
    buyer_text = buyer_name(found, buyer, parties)
    suppliers = supplier_names(found, parties)
    others = [name for name in other_supplier_names(found, parties) if name not in suppliers]
    item_hints, item_lines = items(found)
    head = title(release, found)
    ocid = text(release.get("ocid"))
    value_groups, amount_notes = _value_groups(found)
    hints: dict[str, Any] = {
        "suppliers": suppliers,
        "amounts": _amounts_of(value_groups),
        "notice_type": notice_type(release),
        "items": item_hints,
    }
    optional = {
        "buyer": buyer_text,
        "other_suppliers": others,
        "published": published(release, package),
        "ocid": ocid,
        "country": country(found, buyer, ocid, package),
        "region": region(buyer),
        "language": language(release),
        "amount_notes": amount_notes,
    }
    hints.update({k: v for k, v in optional.items() if v})
    if notes or shape_notes:
        hints["validation"] = "; ".join(notes + shape_notes)
    documents = _all_documents(release, found)
    body = "\n".join(body_lines(release, found, buyer_text, suppliers + others, item_lines, head, documents))
    return Mapped(title=head, body=body, url=url(documents), hints=hints)
