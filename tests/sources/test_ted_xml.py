"""TED notices as XML (eForms and TED_EXPORT) onto the common record; hostile XML refused by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from procurewatch.model import Place
from procurewatch.pipeline import build_notice
from procurewatch.sources.base import content_kind

from . import tedmaker
from .helpers import only_document, read_all


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


def test_eforms_award_maps_buyer_winners_values_lots_and_place(tmp_path: Path) -> None:
    doc = only_document(_write(tmp_path, "can.xml", tedmaker.award_notice()))
    assert doc.kind == "ted"
    assert doc.locator == "00123456-2024"
    assert doc.url == "https://ted.europa.eu/en/notice/-/detail/00123456-2024"
    notice = build_notice(doc)
    assert notice.title == "Videoüberwachung öffentlicher Plätze"  # the notice language's version
    assert notice.notice_type == "award"
    assert notice.buyer is not None and notice.buyer.name == "Polizeipräsidium Musterstadt"
    assert [s.name for s in notice.suppliers] == [
        "Beispiel Sicherheitstechnik GmbH",
        "Muster Kameratechnik AG",
        "Videoanlagen Nord GmbH",
    ]  # both members of the winning group; the losing tenderer of lot 2 is not a winner
    assert notice.amount is not None
    assert (notice.amount.value, notice.amount.currency, notice.amount.kind) == (1250000.5, "EUR", "award")
    assert {(a.value, a.kind) for a in notice.amounts} >= {(1000000.5, "award"), (250000.0, "award")}
    assert (990000.0, "award") not in {(a.value, a.kind) for a in notice.amounts}
    assert [i["id"] for i in notice.items] == ["35125300", "32323500", "50343000"]
    assert notice.place == Place(country="DE", province="DE300 Berlin")  # the name from the NUTS table
    assert notice.published == "2024-03-05"
    assert notice.language == "de"
    assert notice.project_code == "7d3e2a10-0000-4000-8000-000000000002"
    assert "Lot LOT-0001: Kameras" in doc.body
    assert notice.surveillance.relevant


def test_eforms_never_reads_contact_people_phones_or_mail(tmp_path: Path) -> None:
    doc = only_document(_write(tmp_path, "can.xml", tedmaker.award_notice()))
    text = f"{doc.title}\n{doc.body}\n{doc.hints}"
    for personal in ("Erika Mustermann", "+49 30", "vergabe@example.org"):
        assert personal not in text


def test_eforms_contract_notice_keeps_its_type_whatever_its_title_says(tmp_path: Path) -> None:
    notice = build_notice(only_document(_write(tmp_path, "cn.xml", tedmaker.contract_notice())))
    assert notice.notice_type == "tender"  # "Framework contract …" in the title does not make it a contract
    assert notice.suppliers == []
    assert notice.amount is not None and (notice.amount.value, notice.amount.kind) == (480000.0, "budget")
    # GRC and the NUTS prefix EL are Greece; the region's name as the EU publishes it
    assert notice.place == Place(country="GR", province="EL303 Κεντρικός Τομέας Αθηνών")


def test_ted_export_award_maps_the_original_form(tmp_path: Path) -> None:
    doc = only_document(_write(tmp_path, "old.xml", tedmaker.legacy_award()))
    assert doc.kind == "ted" and doc.locator == "123456-2020"
    assert doc.url == "http://ted.europa.eu/udl?uri=TED:NOTICE:123456-2020:TEXT:EN:HTML"
    notice = build_notice(doc)
    assert notice.title == "CCTV cameras for the city centre"  # the ORIGINAL form, not the translation
    assert notice.notice_type == "award"
    assert notice.buyer is not None and notice.buyer.name == "Oslo kommune, Politiets avdeling"
    assert [s.name for s in notice.suppliers] == ["Nordisk Kamera AS", "Vedlikehold Service AS"]
    assert notice.amount is not None
    assert (notice.amount.value, notice.amount.currency) == (900000.0, "NOK")
    assert notice.items[0] == {"description": "Security cameras", "scheme": "CPV", "id": "35125300"}
    assert notice.place == Place(country="NO", province="NO011 Oslo")
    assert notice.published == "2020-03-31"
    assert "Ola Nordmann" not in doc.body and "+47" not in doc.body
    assert notice.surveillance.relevant


def test_ted_export_r208_award_reads_the_older_form_names(tmp_path: Path) -> None:
    doc = only_document(_write(tmp_path, "r208.xml", tedmaker.legacy_award_r208()))
    notice = build_notice(doc)
    assert notice.title == "Videoüberwachung Tunnel, Los 201"
    assert notice.notice_type == "award"
    assert notice.buyer is not None and notice.buyer.name == "Bundesamt für Strassen"
    assert [s.name for s in notice.suppliers] == ["Tunnel Video AG"]
    assert notice.amount is not None
    assert (notice.amount.value, notice.amount.currency) == (1945844.15, "CHF")
    assert notice.place == Place(country="CH") and notice.published == "2016-12-06"
    assert "Max Muster" not in doc.body


def test_hostile_and_broken_xml_is_skipped_by_name_and_the_rest_lands(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.xml", tedmaker.award_notice())
    bomb = _write(tmp_path, "bomb.xml", tedmaker.BILLION_LAUGHS)
    xxe = _write(tmp_path, "xxe.xml", tedmaker.EXTERNAL_ENTITY)
    broken = _write(tmp_path, "broken.xml", tedmaker.award_notice()[:-40])
    docs, skipped = read_all(good, bomb, xxe, broken)
    assert [d.path for d in docs] == [str(good)]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert set(reasons) == {"bomb.xml", "xxe.xml", "broken.xml"}
    assert "DOCTYPE" in reasons["bomb.xml"] and "DOCTYPE" in reasons["xxe.xml"]
    assert "broken XML" in reasons["broken.xml"]


def test_detection_is_by_root_element_not_by_name() -> None:
    assert content_kind(tedmaker.award_notice(), "notice.txt") == "ted xml"
    assert content_kind(tedmaker.legacy_award(), "x") == "ted xml"
    assert content_kind(b'<?xml version="1.0"?><rss><title>x</title></rss>', "feed.xml") != "ted xml"
    # a UBL root of the right name outside the UBL namespace is not a TED notice
    assert content_kind(b"<ContractNotice><p>text</p></ContractNotice>", "x.xml") != "ted xml"


SDK_EXAMPLES = os.environ.get("EFORMS_SDK_EXAMPLES", "")


@pytest.mark.skipif(not Path(SDK_EXAMPLES or "/nonexistent").is_dir(), reason="EFORMS_SDK_EXAMPLES not set")
def test_eforms_sdk_examples_read_without_a_skip() -> None:
    """The official SDK's examples/notices (point EFORMS_SDK_EXAMPLES at that folder): every file is read,
    and every award notice that names a winning tender gives its winners."""
    files = sorted(Path(SDK_EXAMPLES).glob("*.xml"))
    docs, skipped = read_all(*files)
    assert not skipped, skipped[:3]
    assert len(docs) == len(files)
    awards = [build_notice(d) for d in docs if d.hints.get("notice_type") == "award"]
    assert awards and sum(1 for n in awards if n.suppliers) >= len(awards) // 2
