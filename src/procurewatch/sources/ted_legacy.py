"""A TED_EXPORT notice (TED's XML before eForms, R2.0.8 and R2.0.9) → TedNotice.

The coded section (CODED_DATA_SECTION) gives what TED itself indexed: country, CPV with its label, NUTS
with its name, document type, publication date. The form (FORM_SECTION, the ORIGINAL language version)
gives the title, descriptions, buyer, winners and values. Contact people, phones and e-mails are never read.
"""

from __future__ import annotations

from lxml import etree

from procurewatch.sources.ted_model import (
    Lot,
    TedNotice,
    clean,
    country_code,
    nuts_country,
    phase,
    table,
    text_of,
)


def read(root: etree._Element) -> TedNotice:
    coded = root.find("CODED_DATA_SECTION")
    data = coded.find("NOTICE_DATA") if coded is not None else None
    form = _original_form(root)
    language = clean(data.findtext("LG_ORIG")) if data is not None else ""
    notice = TedNotice(
        locator=root.get("DOC_ID") or "", schema=f"TED_EXPORT {root.get('VERSION') or ''}".strip()
    )
    notice.language = language.lower() or None
    if coded is not None:
        _coded(coded, notice, language)
    if form is not None:
        _form(form, notice)
    if not notice.title:
        notice.title = _translated_title(root, language)
    if not notice.buyers:
        notice.buyers = [name for el in root.iterfind(".//ML_AA_NAMES/AA_NAME") if (name := clean(el.text))][
            :1
        ]
    return notice


def _original_form(root: etree._Element) -> etree._Element | None:
    section = root.find("FORM_SECTION")
    if section is None:
        return None
    forms = [el for el in section if isinstance(el.tag, str) and el.get("CATEGORY")]
    return next((f for f in forms if f.get("CATEGORY") == "ORIGINAL"), forms[0] if forms else None)


def _coded(coded: etree._Element, notice: TedNotice, language: str) -> None:
    date = clean(coded.findtext("REF_OJS/DATE_PUB"))
    if len(date) == 8 and date.isdigit():
        notice.published = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    data = coded.find("NOTICE_DATA")
    if data is not None:
        iso = data.find("ISO_COUNTRY")
        notice.country = country_code(iso.get("VALUE") or "") if iso is not None else None
        uris = data.findall("URI_LIST/URI_DOC")
        chosen = next((u for u in uris if u.get("LG") == language), uris[0] if uris else None)
        notice.url = clean(chosen.text) if chosen is not None else None
        for cpv in data.iter("ORIGINAL_CPV"):
            notice.add_cpv(cpv.get("CODE") or "", cpv.text or "")
        for tag in table()["legacy_place_nuts"]:
            el = data.find(f".//{tag}")
            if el is not None and el.get("CODE"):
                notice.nuts, notice.nuts_name = clean(el.get("CODE")), clean(el.text)
                break
        notice.amounts += _coded_values(data)
    doc_type = coded.find("CODIF_DATA/TD_DOCUMENT_TYPE")
    if doc_type is not None:
        notice.notice_type = clean(doc_type.text) or clean(doc_type.get("CODE"))
        notice.phase = phase(doc_type.get("CODE") or "", table()["legacy_document_types"])


def _coded_values(data: etree._Element) -> list[dict[str, object]]:
    """NOTICE_DATA/VALUES: TED's own total, used when the form states no value."""
    kinds = {"PROCUREMENT_TOTAL": "award", "ESTIMATED_TOTAL": "budget"}
    out: list[dict[str, object]] = []
    for el in data.findall("VALUES/VALUE"):
        kind = kinds.get(el.get("TYPE") or "")
        if kind and clean(el.text):
            out.append(
                {"value": clean(el.text), "currency": el.get("CURRENCY"), "kind": kind, "field": "TED value"}
            )
    return out


def _form(form: etree._Element, notice: TedNotice) -> None:
    notice.phase = notice.phase or phase(form.tag, table()["legacy_forms"])
    notice.notice_type = notice.notice_type or form.tag
    contract = form.find("OBJECT_CONTRACT")
    if contract is not None:
        notice.title = text_of(contract.find("TITLE"))
        notice.description = text_of(contract.find("SHORT_DESCR"))
        notice.project_code = clean(contract.findtext("REFERENCE_NUMBER"))
        for item in contract.findall("OBJECT_DESCR"):
            lot_id = clean(item.findtext("LOT_NO")) or (item.get("ITEM") or "")
            notice.lots.append(Lot(lot_id, text_of(item.find("TITLE")), text_of(item.find("SHORT_DESCR"))))
    else:  # R2.0.8 forms (CONTRACT, CONTRACT_AWARD …): the same facts under longer names
        notice.title = text_of(form.find(".//TITLE_CONTRACT"))
        notice.description = text_of(form.find(".//SHORT_CONTRACT_DESCRIPTION"))
        notice.project_code = clean(form.findtext(".//FILE_REFERENCE_NUMBER"))
    for code in form.iter("CPV_CODE"):
        notice.add_cpv(code.get("CODE") or "")
    buyers, winners = _names(form)
    notice.buyers = buyers or notice.buyers
    notice.winners = winners
    values = _form_values(form)
    if values:
        notice.amounts = values
    if not notice.nuts:
        code = next((el.get("CODE") for el in form.iter("NUTS") if el.get("CODE")), "")
        notice.nuts = clean(code)
    notice.country = notice.country or nuts_country(notice.nuts)


def _names(form: etree._Element) -> tuple[list[str], list[str]]:
    """OFFICIALNAMEs by where they sit: the contracting body's address, or a contractor's."""
    buyer_at, winner_at = set(table()["legacy_buyer_containers"]), set(table()["legacy_winner_containers"])
    buyers: list[str] = []
    winners: list[str] = []
    for el in form.iter("OFFICIALNAME"):
        name = clean(el.text)
        ancestors = {a.tag for a in el.iterancestors()}
        target = buyers if ancestors & buyer_at else winners if ancestors & winner_at else None
        if name and target is not None and name not in target:
            target.append(name)
    return buyers, winners


def _form_values(form: etree._Element) -> list[dict[str, object]]:
    """The procurement's total (award), each awarded contract's value by lot, then the estimates."""
    out: list[dict[str, object]] = []

    def add(el: etree._Element | None, kind: str, field_name: str, lot: str = "") -> None:
        value = _value(el)
        if el is not None and value:
            currency = el.get("CURRENCY") or (
                el.getparent().get("CURRENCY") if el.getparent() is not None else None
            )
            entry: dict[str, object] = {
                "value": value,
                "currency": currency,
                "kind": kind,
                "field": field_name,
            }
            if lot:
                entry["lot"] = lot
            out.append(entry)

    contract = form.find("OBJECT_CONTRACT")
    if contract is not None:
        add(contract.find("VAL_TOTAL"), "award", "Total value")
    add(form.find(".//TOTAL_FINAL_VALUE//VALUE_COST"), "award", "Total value")
    for award in form.findall("AWARD_CONTRACT"):
        lot = (
            clean(award.findtext("LOT_NO"))
            or clean(award.findtext("CONTRACT_NO"))
            or (award.get("ITEM") or "")
        )
        add(award.find("AWARDED_CONTRACT/VALUES/VAL_TOTAL"), "award", "Contract value", lot)
    for number, award in enumerate(form.iter("AWARD_OF_CONTRACT"), 1):
        lot = clean(award.findtext("LOT_NUMBER")) or clean(award.findtext("CONTRACT_NUMBER")) or str(number)
        add(
            award.find("CONTRACT_VALUE_INFORMATION/COSTS_RANGE_AND_CURRENCY_WITH_VAT_RATE/VALUE_COST"),
            "award",
            "Contract value",
            lot,
        )
    if contract is not None:
        add(contract.find("VAL_ESTIMATED_TOTAL"), "budget", "Estimated value")
    return out


def _value(el: etree._Element | None) -> str:
    """A figure as a plain number: R2.0.8's formatted value (FMTVAL) when given, else the text with its
    spaces removed and a decimal comma made a point (189 945 844,15 → 189945844.15)."""
    if el is None:
        return ""
    raw = clean(el.get("FMTVAL")) or "".join(clean(el.text).split())
    if "," in raw and "." not in raw:
        raw = (
            raw.replace(",", ".")
            if raw.count(",") == 1 and len(raw.rsplit(",", 1)[1]) <= 2
            else raw.replace(",", "")
        )
    return raw


def _translated_title(root: etree._Element, language: str) -> str:
    titles = root.findall("TRANSLATION_SECTION/ML_TITLES/ML_TI_DOC")
    chosen = next((t for t in titles if t.get("LG") == language), titles[0] if titles else None)
    return text_of(chosen.find("TI_TEXT")) if chosen is not None else ""
