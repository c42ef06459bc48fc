"""An eForms notice (UBL ContractNotice, ContractAwardNotice, PriorInformationNotice …) → TedNotice.

Organisations are listed once (efac:Organizations) and referenced by id: the buyer from
cac:ContractingParty, the winners through NoticeResult (LotResult or SettledContract → LotTender →
TenderingParty → Tenderer). Contact people, phones and e-mails are never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from procurewatch.sources.ted_model import Lot, TedNotice, clean, country_code, nuts_country, phase, table


@dataclass(slots=True)
class Organisation:
    name: str
    nuts: str = ""
    country: str | None = None


def read(root: etree._Element) -> TedNotice:
    language = clean(root.findtext("NoticeLanguageCode"))
    orgs = _organisations(root, language)
    publication = clean(root.findtext(".//NoticePublicationID"))
    notice = TedNotice(
        locator=publication or clean(root.findtext("ID")),
        notice_type=clean(root.findtext("NoticeTypeCode")),
        published=clean(root.findtext(".//PublicationDate") or root.findtext("IssueDate"))[:10] or None,
        language=table()["languages"].get(language.upper()),
        project_code=clean(root.findtext("ContractFolderID")),
        url=table()["notice_url"].format(id=publication) if publication else None,
        schema=f"eForms {clean(root.findtext('CustomizationID'))}".strip(),
    )
    notice.phase = phase(notice.notice_type, table()["eforms_notice_types"])
    project = root.find("ProcurementProject")
    notice.title = _pick(project, "Name", language)
    notice.description = _pick(project, "Description", language)
    _classifications(project, notice)
    for lot in root.findall("ProcurementProjectLot"):
        lot_project = lot.find("ProcurementProject")
        notice.lots.append(
            Lot(
                clean(lot.findtext("ID")),
                _pick(lot_project, "Name", language),
                _pick(lot_project, "Description", language),
            )
        )
        _classifications(lot_project, notice)
    if not notice.title and notice.lots:
        notice.title = notice.lots[0].title
    buyers = [orgs[i] for i in _ids(root, "ContractingParty/Party/PartyIdentification/ID") if i in orgs]
    notice.buyers = _unique(o.name for o in buyers)
    notice.winners = _unique(orgs[i].name for i in _winner_ids(root) if i in orgs)
    notice.amounts = _amounts(root)
    _place(root, notice, buyers[0] if buyers else None)
    return notice


def _pick(parent: etree._Element | None, tag: str, language: str) -> str:
    """The notice language's version of a multilingual text, else the first one."""
    if parent is None:
        return ""
    versions = parent.findall(tag)
    chosen = next((v for v in versions if (v.get("languageID") or "").upper() == language.upper()), None)
    return clean((chosen if chosen is not None else versions[0]).text) if versions else ""


def _ids(parent: etree._Element, path: str) -> list[str]:
    return [value for el in parent.findall(path) if (value := clean(el.text))]


def _unique(values: object) -> list[str]:
    out: list[str] = []
    for value in values:  # type: ignore[attr-defined]
        if value and value not in out:
            out.append(value)
    return out


def _organisations(root: etree._Element, language: str) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for company in root.iter("Company"):
        org_id = clean(company.findtext("PartyIdentification/ID"))
        name = _pick(company.find("PartyName"), "Name", language)
        if not org_id or not name:
            continue
        address = company.find("PostalAddress")
        nuts = clean(address.findtext("CountrySubentityCode")) if address is not None else ""
        country = clean(address.findtext("Country/IdentificationCode")) if address is not None else ""
        found[org_id] = Organisation(name, nuts, country_code(country) or nuts_country(nuts))
    return found


def _winner_ids(root: etree._Element) -> list[str]:
    """Organisations of the tendering parties whose tenders won a lot or were signed into a contract."""
    result = root.find(".//NoticeResult")
    if result is None:
        return []
    party_of = {
        clean(t.findtext("ID")): clean(t.findtext("TenderingParty/ID")) for t in result.findall("LotTender")
    }
    members = {clean(p.findtext("ID")): _ids(p, "Tenderer/ID") for p in result.findall("TenderingParty")}
    return [org for tender in _tender_ids_won(result) for org in members.get(party_of.get(tender, ""), [])]


def _amount(el: etree._Element | None, kind: str, field_name: str, lot: str = "") -> dict[str, object] | None:
    value = clean(el.text) if el is not None else ""
    if not value:
        return None
    entry: dict[str, object] = {
        "value": value,
        "currency": clean(el.get("currencyID")).upper() or None,  # type: ignore[union-attr]
        "kind": kind,
        "field": field_name,
    }
    if lot:
        entry["lot"] = lot
    return entry


def _amounts(root: etree._Element) -> list[dict[str, object]]:
    """The notice's award total first, then each winning tender's price by lot, then the estimates."""
    found: list[dict[str, object] | None] = []
    result = root.find(".//NoticeResult")
    if result is not None:
        found.append(_amount(result.find("TotalAmount"), "award", "Total value"))
        winners = set(_tender_ids_won(result))
        for tender in result.findall("LotTender"):
            if clean(tender.findtext("ID")) in winners:
                lot = clean(tender.findtext("TenderLot/ID"))
                found.append(
                    _amount(tender.find("LegalMonetaryTotal/PayableAmount"), "award", "Tender value", lot)
                )
    estimate = "RequestedTenderTotal/EstimatedOverallContractAmount"
    found.append(_amount(root.find(f"ProcurementProject/{estimate}"), "budget", "Estimated value"))
    for lot in root.findall("ProcurementProjectLot"):
        lot_id = clean(lot.findtext("ID"))
        found.append(_amount(lot.find(f"ProcurementProject/{estimate}"), "budget", "Estimated value", lot_id))
    return [a for a in found if a is not None]


def _tender_ids_won(result: etree._Element) -> list[str]:
    no_winner = set(table()["eforms_no_winner_results"])
    ids = [
        i
        for lot_result in result.findall("LotResult")
        if clean(lot_result.findtext("TenderResultCode")) not in no_winner
        for i in _ids(lot_result, "LotTender/ID")
    ]
    signed = [i for contract in result.findall("SettledContract") for i in _ids(contract, "LotTender/ID")]
    return _unique(ids + signed)


def _classifications(project: etree._Element | None, notice: TedNotice) -> None:
    if project is None:
        return
    for path in ("MainCommodityClassification", "AdditionalCommodityClassification"):
        for el in project.findall(f"{path}/ItemClassificationCode"):
            if (el.get("listName") or "cpv").lower() == "cpv":
                notice.add_cpv(clean(el.text))


def _place(root: etree._Element, notice: TedNotice, buyer: Organisation | None) -> None:
    """Where the work is done (the project's, else the first lot's place), else the buyer's address."""
    addresses = root.findall("ProcurementProject/RealizedLocation/Address") + root.findall(
        "ProcurementProjectLot/ProcurementProject/RealizedLocation/Address"
    )
    for address in addresses:
        nuts = clean(address.findtext("CountrySubentityCode"))
        country = country_code(clean(address.findtext("Country/IdentificationCode"))) or nuts_country(nuts)
        if nuts or country:
            notice.nuts, notice.country = nuts, country
            break
    if buyer is not None and (not notice.nuts or (buyer.country and buyer.country != notice.country)):
        notice.nuts, notice.country = buyer.nuts, buyer.country or notice.country
