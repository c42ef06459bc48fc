"""understand(doc) -> Notice: the fields of one notice, from its hints first, then its text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procurewatch.model import Amount, Document, Notice, Party, Place, content_fingerprint, notice_id
from procurewatch.parse._data import load_json
from procurewatch.parse.amounts import FoundAmount, find_amounts, kind_from_name, parse_money
from procurewatch.parse.codes import project_code
from procurewatch.parse.dates import parse_date, published_in_text
from procurewatch.parse.language import detect_language
from procurewatch.parse.notice_type import PHASES, notice_phase
from procurewatch.parse.parties import (
    addressee,
    buyer_from_text,
    buyer_from_title,
    clean_name,
    is_operator,
    names_operator,
    operator_in,
    split_consortium,
    suppliers_from_text,
)
from procurewatch.parse.places import find_place

_KINDS = ("budget", "award", "contract")
_BODY_OPENING = 300
_SCOPE = 40_000  # labels (采购人, 预算金额 …) sit on the first pages of long tender documents
_SINGLE_SOURCE = "单一来源"
_OPENING_FOR_ADDRESSEE = 5000
_PLACEHOLDER = Decimal(str(load_json("labels.json")["placeholder_amount_at_most"]))


def understand(doc: Document) -> Notice:
    hints: dict[str, Any] = doc.hints or {}
    fp = content_fingerprint(doc.title, doc.body, doc.attachments)
    text = f"{doc.body}\n{doc.attachments}" if doc.attachments else doc.body
    text = text[:_SCOPE]
    language = detect_language(doc.title, doc.body, _str(hints.get("language")))
    chinese = language == "zh"
    phase = _phase(doc, hints)
    buyer = _buyer(doc.title, text, hints)
    suppliers = _suppliers(text, hints, phase)
    amounts = _amounts(text, hints, phase, chinese, ocds=doc.kind == "ocds")
    return Notice(
        id=notice_id(doc.source_key or doc.path, doc.locator, fp),
        fingerprint=fp,
        path=doc.path,
        locator=doc.locator,
        kind=doc.kind,
        title=doc.title,
        body=doc.body,
        attachments=doc.attachments,
        url=doc.url,
        notice_type=phase,  # type: ignore[arg-type]
        published=_published(doc.title, text, hints),
        project_code=_str(hints.get("project_code")) or project_code(doc.title, text),
        buyer=Party(buyer) if buyer else None,
        suppliers=[Party(name) for name in suppliers],
        amount=_headline(amounts, ocds=doc.kind == "ocds"),
        amounts=[_to_amount(a) for a in amounts],
        place=_place(doc, hints, buyer, text, chinese),
        language=language,
        ocid=_str(hints.get("ocid")),
        items=list(hints.get("items") or []),
    )


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _phase(doc: Document, hints: dict[str, Any]) -> str:
    hint = hints.get("notice_type")
    if doc.kind == "ocds" and isinstance(hint, str) and hint in PHASES:
        return hint
    return notice_phase(doc.title, hint, doc.body[:_BODY_OPENING])


def _published(title: str, text: str, hints: dict[str, Any]) -> str | None:
    return (
        parse_date(hints.get("published"))
        or published_in_text(text)
        or parse_date(title)
        or parse_date(text[:_BODY_OPENING])  # portal pages print the date under the title
    )


def _buyer(title: str, text: str, hints: dict[str, Any]) -> str | None:
    hinted = _str(hints.get("buyer"))
    if hinted and not is_operator(hinted):
        return clean_name(hinted) or hinted
    from_title = buyer_from_title(title)
    if hinted:
        return from_title or hinted  # telecom operators: the purchasing branch as the title names it
    labelled = buyer_from_text(text)
    if labelled:
        return labelled
    operator = operator_in(text[:_BODY_OPENING])  # a record's operator field: a telecom notice
    if operator:
        return from_title or operator
    return from_title if names_operator(from_title) else None


def _suppliers(text: str, hints: dict[str, Any], phase: str) -> list[str]:
    hinted = hints.get("suppliers")
    if isinstance(hinted, str):
        hinted = [hinted]
    if hinted:
        names: list[str] = []
        for raw in hinted:
            for member in split_consortium(str(raw)):
                if member and member not in names:
                    names.append(member)
        return names
    if phase in ("award", "contract", "other"):
        found = suppliers_from_text(text, phase)
        if not found and _SINGLE_SOURCE in text[:_OPENING_FOR_ADDRESSEE]:
            single = addressee(text[:_OPENING_FOR_ADDRESSEE])
            found = [single] if single else []
        return found
    return []


def _amounts(
    text: str, hints: dict[str, Any], phase: str, chinese: bool, ocds: bool = False
) -> list[FoundAmount]:
    found: list[FoundAmount] = []
    withheld: set[str] = set()  # kinds whose preferred field holds a placeholder
    for raw in hints.get("amounts") or []:
        if not isinstance(raw, dict):
            continue
        field = str(raw.get("field") or "")
        value = parse_money(raw.get("value"), field)
        currency = _str(raw.get("currency"))
        if value is None or (currency is None and not chinese):
            continue
        kind = raw.get("kind") if raw.get("kind") in _KINDS else None
        kind = kind or kind_from_name(field) or ("award" if phase == "award" else "budget")
        if not ocds and (value <= _PLACEHOLDER or kind in withheld):
            # a withheld lot value (0.01, 1.0) makes the notice total beside it a sum of placeholders too
            withheld.add(kind)
            continue
        found.append(FoundAmount(value, (currency or "CNY").upper(), kind))
    if not found and chinese:
        # a tender's "中标金额" is hypothetical (fee examples, formulas): only award/contract notices state one
        winners_known = phase in ("award", "contract")
        found = [a for a in find_amounts(text) if winners_known or a.kind == "budget"]
    return found


def _headline(amounts: list[FoundAmount], ocds: bool) -> Amount | None:
    """Award/contract value preferred over budget. OCDS: contract values summed, else award values."""
    order = ("contract", "award", "budget") if ocds else ("award", "contract", "budget")
    for kind in order:
        of_kind = [a for a in amounts if a.kind == kind]
        if not of_kind:
            continue
        if ocds and kind != "budget":
            currency = of_kind[0].currency
            total = sum((a.value for a in of_kind if a.currency == currency), Decimal(0))
            return Amount(float(total), currency, kind)  # type: ignore[arg-type]
        best = min(of_kind, key=lambda a: a.rank)
        return _to_amount(best)
    return None


def _to_amount(found: FoundAmount) -> Amount:
    return Amount(float(found.value), found.currency, found.kind)  # type: ignore[arg-type]


def _place(doc: Document, hints: dict[str, Any], buyer: str | None, text: str, chinese: bool) -> Place | None:
    country = (_str(hints.get("country")) or "").upper() or None
    region = _str(hints.get("region")) or ""
    if country not in (None, "CN") or doc.kind == "ocds":
        if country is None and not region:
            return None
        return Place(country=country, province=region or None)
    if not chinese and country is None:
        return None
    place = find_place(buyer or "", doc.title, region, text, doc.url)
    if place is None:
        return Place(country="CN") if chinese or country == "CN" else None
    return place
