"""Well-known export formats' keys, recognised without --field: TED CSV/JSON, PLACSP/Catalan, 剑鱼-style
English keys; decimal commas, literal NaN and placeholder values. Records are synthetic, shaped like the
exports."""

from __future__ import annotations

import json
from pathlib import Path

from procurewatch.model import to_record
from procurewatch.pipeline import extract

TED_LOT = {
    "notice_id": "2099000001",
    "lot_number": 3,
    "notice_type": "CAN",
    "publication_date": "2022-05-02",
    "country_code": "UK",
    "cpv_code": "32323500",
    "cpv_description_en": "Video-surveillance system",
    "lot_value_eur": 120500.5,
    "total_contract_value_eur": 900000.0,
    "buyer_name": "Example Borough Council",
    "buyer_country": "UK",
    "winner_name": "Alpha Systems Ltd---Beta Cameras Ltd",
    "winner_country": "UK",
}


def _records(tmp_path: Path, name: str, text: str) -> list[dict]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [to_record(n) for n in extract([path])]


def test_ted_lot_record(tmp_path: Path) -> None:
    (record,) = _records(tmp_path, "ted.json", json.dumps(TED_LOT))
    assert record["buyer"]["name"] == "Example Borough Council"
    assert [s["name"] for s in record["suppliers"]] == ["Alpha Systems Ltd", "Beta Cameras Ltd"]
    assert record["amount"] == {
        "value": 120500.5,
        "currency": "EUR",
        "kind": "award",
    }  # the lot, not the total
    assert record["notice_type"] == "award"  # CAN = contract award notice
    assert record["place"]["country"] == "GB"
    assert record["items"] == [
        {"description": "Video-surveillance system", "scheme": "CPV", "id": "32323500"}
    ]


def test_ted_nan_and_placeholder_values_are_no_amount(tmp_path: Path) -> None:
    nan_lot = json.dumps(TED_LOT).replace("120500.5", "NaN").replace("900000.0", "NaN")
    (record,) = _records(tmp_path, "nan.json", nan_lot)
    assert record["amount"] is None and record["amounts"] == []
    withheld = dict(
        TED_LOT, lot_value_eur=0.01, total_contract_value_eur=0.13, country_code="EL", buyer_country="EL"
    )
    (record,) = _records(tmp_path, "withheld.json", json.dumps(withheld))
    assert record["amount"] is None  # 0.01 is TED's "value withheld"; the total of such lots is no price
    assert record["place"]["country"] == "GR"  # EU code EL


def test_ted_csv_export(tmp_path: Path) -> None:
    header = "notice_type,buyer_name,winner_name,lot_value_eur,country_code,cpv_code\n"
    row = 'CAN,Comune di Esempio,Gamma Srl,"30008.5",IT,35125000\n'
    (record,) = _records(tmp_path, "ted.csv", header + row)
    assert record["buyer"]["name"] == "Comune di Esempio"
    assert record["amount"] == {"value": 30008.5, "currency": "EUR", "kind": "award"}
    assert record["place"]["country"] == "IT"


def test_catalan_award_with_decimal_commas(tmp_path: Path) -> None:
    notice = {
        "ID": "1-99999999",
        "IssueDate": "2015-02-03",
        "Description": "Servei de manteniment de les càmeres del centre",
        "BudgetAmount": "1.210,00",
        "TenderResult": {
            "WinningParty": "EXEMPLE SERVEIS, SL",
            "WinningTenderAmount": "1.089,00",
            "ResultCode": "Adjudicado",
        },
        "CurrencyCode": "EUR",
        "AdditionalInfo": {"importe": "1.089,00 € con IVA"},
    }
    (record,) = _records(tmp_path, "cat.json", json.dumps(notice, ensure_ascii=False))
    assert [s["name"] for s in record["suppliers"]] == ["EXEMPLE SERVEIS, SL"]
    assert record["amount"] == {"value": 1089.0, "currency": "EUR", "kind": "award"}
    assert {"value": 1210.0, "currency": "EUR", "kind": "budget"} in record["amounts"]
    assert record["notice_type"] == "award"
    assert record["published"] == "2015-02-03"


def test_jianyu_style_english_keys(tmp_path: Path) -> None:
    notice = {
        "title": "示例县公安局视频监控设备采购项目中标公告",
        "buyer": "示例县公安局",
        "s_winner": "示例科技有限公司",
        "bidamount": 1234500,
        "budget": 1300000,
        "area": "江西",
        "city": "赣州市",
        "publishtime": 1700000000,
        "projectcode": "SL-2023-001",
        "detail": "<p>中标供应商：示例科技有限公司</p>",
        "href": "https://www.example.cn/article/1",
        "subtype": "中标",
    }
    (record,) = _records(tmp_path, "jy.json", json.dumps(notice, ensure_ascii=False))
    assert record["buyer"]["name"] == "示例县公安局"
    assert [s["name"] for s in record["suppliers"]] == ["示例科技有限公司"]
    assert record["amount"] == {"value": 1234500.0, "currency": "CNY", "kind": "award"}
    assert record["project_code"] == "SL-2023-001"
    assert record["source"]["url"] == "https://www.example.cn/article/1"
    assert record["place"]["province"] == "江西省"


def test_ted_csv_with_the_official_column_names(tmp_path: Path) -> None:
    header = (
        "ID_NOTICE_CAN,DT_DISPATCH,CAE_NAME,ISO_COUNTRY_CODE,CPV,WIN_NAME,AWARD_VALUE_EURO,VALUE_EURO,TITLE\n"
    )
    row = "2019123456,12/03/19,Example City Council,UK,32323500,Delta Vision Ltd,45000.5,90000,CCTV upgrade\n"
    (record,) = _records(tmp_path, "can.csv", header + row)
    assert record["buyer"]["name"] == "Example City Council"
    assert [s["name"] for s in record["suppliers"]] == ["Delta Vision Ltd"]
    assert record["amount"] == {"value": 45000.5, "currency": "EUR", "kind": "award"}
    assert record["notice_type"] == "award"
    assert record["place"]["country"] == "GB"


def test_ocds_like_flat_record_with_awards_list(tmp_path: Path) -> None:
    notice = {
        "id": "r-1",
        "tender": {"title": "Body cameras", "value": {"amount": 50000, "currency": "USD"}},
        "buyer": {"name": "Example Police Department"},
        "awards": [
            {"suppliers": [{"name": "Epsilon Inc"}], "value": {"amount": 20000, "currency": "USD"}},
            {"suppliers": [{"name": "Zeta LLC"}], "value": {"amount": 15000, "currency": "USD"}},
        ],
    }
    (record,) = _records(tmp_path, "flat.json", json.dumps(notice))
    assert record["title"] == "Body cameras"
    assert record["buyer"]["name"] == "Example Police Department"
    assert [s["name"] for s in record["suppliers"]] == ["Epsilon Inc", "Zeta LLC"]
    assert record["amount"] == {"value": 35000.0, "currency": "USD", "kind": "award"}  # awards summed
    assert {"value": 50000.0, "currency": "USD", "kind": "budget"} in record["amounts"]


def test_comma_separated_winners_and_region_path(tmp_path: Path) -> None:
    notice = {
        "title": "示例县公安局监控设备采购中标公告",
        "buyer": "示例县公安局",
        "s_winner": "甲示例科技有限公司,乙示例工程有限公司",
        "bidamount": "120.5万元",
        "area": "江西",
        "city": "赣州市",
    }
    (record,) = _records(tmp_path, "jy.json", json.dumps(notice, ensure_ascii=False))
    assert [s["name"] for s in record["suppliers"]] == ["甲示例科技有限公司", "乙示例工程有限公司"]
    assert record["amount"] == {"value": 1205000.0, "currency": "CNY", "kind": "award"}
    assert (record["place"]["province"], record["place"]["city"]) == ("江西省", "赣州市")


def test_flattened_ocds_csv_headers(tmp_path: Path) -> None:
    header = (
        "tender/title,buyer/name,awards/0/suppliers/0/name,awards/0/value/amount,awards/0/value/currency\n"
    )
    row = "Radio equipment,Example Fire Service,Theta Radio Ltd,9900,GBP\n"
    (record,) = _records(tmp_path, "flat.csv", header + row)
    assert record["title"] == "Radio equipment"
    assert record["buyer"]["name"] == "Example Fire Service"
    assert [s["name"] for s in record["suppliers"]] == ["Theta Radio Ltd"]
    assert record["amount"] == {"value": 9900.0, "currency": "GBP", "kind": "award"}


def test_country_from_the_portal_when_the_record_states_none(tmp_path: Path) -> None:
    notice = {
        "Description": "Reparació del gravador de trucades",
        "TenderResult": {"WinningParty": "EXEMPLE TELECOM, SLU", "WinningTenderAmount": "369,05"},
        "CurrencyCode": "EUR",
        "IntellectualProperty": {"URL": "https://contractaciopublica.gencat.cat/ecofin_pscp/notice?id=1"},
    }
    (record,) = _records(tmp_path, "cat.json", json.dumps(notice, ensure_ascii=False))
    assert record["place"]["country"] == "ES"
    assert record["amount"] == {"value": 369.05, "currency": "EUR", "kind": "award"}


def test_eforms_style_keys_with_multilingual_values(tmp_path: Path) -> None:
    notice = {
        "publication-number": "00001234-2024",
        "notice-type": "can-standard",
        "publication-date": "2024-01-03+01:00",
        "buyer-name": {"deu": ["Stadt Beispielhausen"]},
        "buyer-country": ["DEU"],
        "winner-name": {"deu": ["Kappa Sicherheit GmbH"]},
        "tender-value": "45000.00 EUR",
    }
    (record,) = _records(tmp_path, "eforms.json", json.dumps(notice))
    assert record["buyer"]["name"] == "Stadt Beispielhausen"
    assert [s["name"] for s in record["suppliers"]] == ["Kappa Sicherheit GmbH"]
    assert record["notice_type"] == "award"
    assert record["published"] == "2024-01-03"
    assert record["place"]["country"] == "DE"
    assert record["amount"] == {"value": 45000.0, "currency": "EUR", "kind": "award"}
