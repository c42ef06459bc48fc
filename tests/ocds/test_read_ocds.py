"""read_ocds on every OCDS shape, with fixtures written for the project."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import InputFile, iter_documents
from procurewatch.sources.ocds import read_ocds


def input_file(path: Path) -> InputFile:
    stat = path.stat()
    return InputFile(str(path), stat.st_size, stat.st_mtime, str(path.resolve()))


def read(path: Path) -> tuple[list[Document], list[SkippedInput]]:
    items = list(read_ocds(input_file(path)))
    docs = [i for i in items if isinstance(i, Document)]
    errors = [i for i in items if isinstance(i, SkippedInput)]
    return docs, errors


@pytest.fixture
def ocds_dir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "ocds"


def test_release_package_maps_every_field(ocds_dir: Path) -> None:
    docs, errors = read(ocds_dir / "release_package_ro.json")
    assert errors == []
    assert [d.locator for d in docs] == ["RO-2024-118-contract-1", "RO-2024-131-tender"]
    doc = docs[0]
    assert doc.kind == "ocds"
    assert doc.title == "Extinderea sistemului de supraveghere video în zona centrală"
    hints = doc.hints
    assert hints["buyer"] == "Primăria Municipiului Cluj-Napoca"
    assert hints["suppliers"] == ["SC Securitate Video Transilvania SRL"]
    assert hints["ocid"] == "ocds-x9test-RO-2024-118"
    assert hints["published"] == "2024-05-14"
    assert hints["notice_type"] == "contract"
    assert hints["country"] == "RO"  # from the buyer's address: the ocid prefix is unknown
    assert hints["region"] == "Cluj"
    assert hints["language"] == "ro"
    assert {
        "description": "Camere de supraveghere video IP de exterior",
        "scheme": "CPV",
        "id": "35125300-2",
    } in (hints["items"])
    assert doc.url == "https://achizitii.example.ro/anunt/CN1071234"
    # code evidence can point into the body
    line = "CPV 35125300-2 Camere de supraveghere video IP de exterior — Camere de securitate"
    assert line in doc.body.splitlines()
    assert "Buyer: Primăria Municipiului Cluj-Napoca" in doc.body
    assert "Supplier: SC Securitate Video Transilvania SRL" in doc.body
    assert "Document: Anunț de participare" in doc.body
    assert "Contract de furnizare stocare (lotul 2)" in doc.body


def test_amounts_headline_is_summed_contracts_then_awards_then_budget(ocds_dir: Path) -> None:
    docs, _ = read(ocds_dir / "release_package_ro.json")
    amounts = docs[0].hints["amounts"]
    assert amounts[0] == {
        "value": 1190000.5,
        "currency": "RON",
        "kind": "contract",
        "field": "contracts.value",
    }
    assert [a["kind"] for a in amounts] == ["contract", "award", "budget"]
    assert amounts[1]["currency"] == "RON"  # "ron" upper-cased
    tender_only = docs[1].hints["amounts"]
    assert tender_only == []


def test_tag_is_downgraded_when_its_section_is_empty(ocds_dir: Path) -> None:
    docs, _ = read(ocds_dir / "release_package_ro.json")
    moldova_style = docs[1]  # tagged tender/award/contract, awards only pending, contracts empty
    assert moldova_style.hints["notice_type"] == "tender"
    assert moldova_style.hints["suppliers"] == []
    assert moldova_style.hints["language"] == "ro"  # 'md' declared


def test_record_package_uses_compiled_release(ocds_dir: Path) -> None:
    docs, errors = read(ocds_dir / "record_package_compiled_ua.json")
    assert errors == []
    assert len(docs) == 1
    doc = docs[0]
    assert doc.locator == "ocds-be6bcu-UA-2023-07-11-000512-a"
    assert doc.title.startswith("Система відеоспостереження")
    assert doc.hints["buyer"] == "Виконавчий комітет Житомирської міської ради"
    assert doc.hints["suppliers"] == ["ТОВ «Безпечне місто Житомир»"]
    assert doc.hints["notice_type"] == "award"  # compiled: latest stage with facts
    assert doc.hints["country"] == "UA"
    assert doc.hints["amounts"][0] == {
        "value": 2315000.0,
        "currency": "UAH",
        "kind": "award",
        "field": "awards.value",
    }
    assert "ДК021 32323500-8 IP-камера відеоспостереження — Система відеоспостереження" in doc.body
    assert "ДКПП 26.70.13 IP-камера відеоспостереження — Камери цифрові" in doc.body
    assert "Хіквіжн" in doc.body
    assert "validation" not in doc.hints


def test_record_package_without_compiled_release_is_merged_latest_wins(ocds_dir: Path) -> None:
    docs, errors = read(ocds_dir / "record_package_merge_es.json")
    assert errors == []
    [doc] = docs
    assert doc.locator == "ocds-x9test-MX-VV-2022-014"
    # the tender release (earlier) gives buyer and title, the award release (later) the supplier and value
    assert doc.title == "Suministro e instalación de cámaras de videovigilancia (C5)"
    assert doc.hints["buyer"] == "Municipio de Zapopan"
    assert doc.hints["suppliers"] == ["Seguridad y Video de México, S.A. de C.V."]
    assert doc.hints["amounts"][0]["kind"] == "award"
    assert doc.hints["amounts"][0]["value"] == 8740000.5
    assert doc.hints["notice_type"] == "award"  # tag of the latest release
    assert doc.hints["published"] == "2022-10-20"
    assert doc.hints["country"] == "MX"
    assert "UNSPSC 46171610 Cámara PTZ de videovigilancia — Cámaras de seguridad" in doc.body
    assert "merged" in doc.hints["validation"]


def test_versioned_release_takes_latest_values(ocds_dir: Path) -> None:
    [doc], errors = read(ocds_dir / "record_versioned.json")
    assert errors == []
    assert doc.locator == "ocds-03ad3f-442211"
    assert doc.title == "Adquisición de cámaras corporales para la Policía Nacional"
    assert doc.hints["buyer"] == "Ministerio del Interior - Policía Nacional"
    assert doc.hints["amounts"][0] == {
        "value": 3150000000.0,
        "currency": "PYG",
        "kind": "budget",
        "field": "tender.value",
    }
    assert doc.hints["items"] == [
        {
            "description": "Cámara corporal (body cam) con grabación continua",
            "scheme": "UNSPSC",
            "id": "45121516",
        }
    ]
    assert doc.hints["country"] == "PY"  # ocid prefix ocds-03ad3f


def test_json_lines_of_releases(ocds_dir: Path) -> None:
    docs, errors = read(ocds_dir / "releases.jsonl")
    assert errors == []
    assert [d.hints["ocid"] for d in docs] == [
        "ocds-b5fd17-1f0a2c",
        "ocds-r6ebe6-00099",
        "ocds-kuma6s-147001",
    ]
    assert [d.hints["country"] for d in docs] == ["GB", "GB", "GB"]  # by ocid prefix
    assert [d.hints["notice_type"] for d in docs] == ["award", "tender", "other"]
    assert docs[2].hints["amounts"][0]["field"] == "planning.budget.amount"
    assert "Body worn video for civil enforcement officers" in docs[2].body
    assert docs[1].hints["language"] == "en"


def test_json_lines_of_packages_and_concatenated_stream_give_the_same_releases(ocds_dir: Path) -> None:
    jsonl, errors_a = read(ocds_dir / "packages.jsonl")
    stream, errors_b = read(ocds_dir / "concatenated.json")
    assert errors_a == errors_b == []
    assert [d.locator for d in jsonl] == [d.locator for d in stream]
    assert len(jsonl) == 3
    assert [d.hints for d in jsonl] == [d.hints for d in stream]


@pytest.mark.parametrize("encoding", ["iso-8859-1", "utf-8-sig", "utf-16"])
def test_other_encodings_decode_correctly(ocds_dir: Path, tmp_path: Path, encoding: str) -> None:
    text = (ocds_dir / "record_package_merge_es.json").read_text("utf-8")
    path = tmp_path / "package.json"
    path.write_bytes(text.encode(encoding))
    [doc], errors = read(path)
    assert errors == []
    assert doc.title == "Suministro e instalación de cámaras de videovigilancia (C5)"
    assert doc.hints["suppliers"] == ["Seguridad y Video de México, S.A. de C.V."]


def test_gzipped_package_through_the_dispatcher(ocds_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "release-package.json.gz"
    path.write_bytes(gzip.compress((ocds_dir / "release_package_ro.json").read_bytes()))
    items = list(iter_documents([path]))
    docs = [i for i in items if isinstance(i, Document)]
    assert [d.kind for d in docs] == ["ocds", "ocds"]
    assert docs[0].hints["suppliers"] == ["SC Securitate Video Transilvania SRL"]


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "283826.json"
    path.write_bytes(b"")
    docs, errors = read(path)
    assert docs == []
    assert len(errors) == 1
    assert "empty" in errors[0].reason
    assert errors[0].path == str(path)


def test_broken_json_keeps_releases_before_the_break(ocds_dir: Path, tmp_path: Path) -> None:
    package = json.loads((ocds_dir / "release_package_ro.json").read_text("utf-8"))
    whole = json.dumps(package, ensure_ascii=False, indent=1)
    cut = whole.index('"RO-2024-131-tender"')  # inside the second release
    path = tmp_path / "broken.json"
    path.write_text(whole[:cut] + "]]]", encoding="utf-8")
    docs, errors = read(path)
    assert [d.locator for d in docs] == ["RO-2024-118-contract-1"]
    assert len(errors) == 1
    assert "broken JSON" in errors[0].reason


def test_broken_line_in_json_lines_loses_only_that_line(ocds_dir: Path, tmp_path: Path) -> None:
    lines = (ocds_dir / "releases.jsonl").read_text("utf-8").splitlines()
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n", encoding="utf-8")
    docs, errors = read(path)
    assert [d.hints["ocid"] for d in docs] == ["ocds-b5fd17-1f0a2c", "ocds-kuma6s-147001"]
    assert len(errors) == 1
    assert "line 2" in errors[0].reason


def test_big_package_is_streamed_even_with_metadata_after_releases(ocds_dir: Path, tmp_path: Path) -> None:
    """A package larger than the sniffed head (the ijson path), `publisher` written after `releases`."""
    release = json.loads((ocds_dir / "releases.jsonl").read_text("utf-8").splitlines()[1])
    release["ocid"] = "4711"  # no registered prefix
    releases = [{**release, "id": f"r-{n}"} for n in range(600)]
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps({"releases": releases, "uri": "u", "publisher": {"name": "GACM"}}), encoding="utf-8"
    )
    assert path.stat().st_size > 64 * 1024
    docs, errors = read(path)
    assert errors == []
    assert len(docs) == 600
    assert docs[-1].locator == "r-599"


def test_early_taiwanese_shape_is_read_with_a_note(ocds_dir: Path) -> None:
    [doc], errors = read(ocds_dir / "early_taiwan_release.json")
    assert errors == []
    assert doc.title == "校園監視錄影系統汰換採購案"
    assert doc.hints["buyer"] == "臺北市立大安國民中學"
    assert doc.hints["suppliers"] == ["安捷保全科技股份有限公司"]
    assert doc.hints["amounts"][0] == {
        "value": 880000.0,
        "currency": "TWD",
        "kind": "award",
        "field": "awards.value",
    }
    assert doc.hints["notice_type"] == "award"
    assert doc.hints["country"] == "TW"
    assert "non-standard" in doc.hints["validation"]


def test_crawler_record_without_record_level_ocid(ocds_dir: Path) -> None:
    [doc], errors = read(ocds_dir / "crawler_record.json")
    assert errors == []
    assert doc.locator == "777"
    assert doc.hints["ocid"] == "777"
    assert doc.hints["country"] == "MX"  # numeric ocid: from the publisher
    assert doc.hints["amounts"][0]["value"] == 7751455.34
    assert doc.hints["suppliers"] == ["CIDETEC-IPN"]
    assert doc.hints["notice_type"] == "contract"


def test_not_a_package_value_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    release = {
        "ocid": "ocds-b5fd17-1",
        "id": "1",
        "date": "2024-01-01",
        "tag": ["tender"],
        "tender": {"title": "x"},
    }
    path.write_text(json.dumps(release) + "\n" + json.dumps({"hello": "world"}) + "\n", encoding="utf-8")
    docs, errors = read(path)
    assert len(docs) == 1
    assert len(errors) == 1
    assert "line 2" in errors[0].reason


def test_top_level_array_of_releases_and_of_packages(ocds_dir: Path, tmp_path: Path) -> None:
    releases = [json.loads(line) for line in (ocds_dir / "releases.jsonl").read_text("utf-8").splitlines()]
    bare = tmp_path / "array-of-releases.json"
    bare.write_text(json.dumps(releases, indent=2), encoding="utf-8")
    packages = tmp_path / "array-of-packages.json"
    packages.write_text(
        json.dumps([{"uri": "u", "publisher": {"name": "p"}, "releases": releases}]), encoding="utf-8"
    )
    for path in (bare, packages):
        docs, errors = read(path)
        assert errors == []
        assert [d.hints["ocid"] for d in docs] == [r["ocid"] for r in releases]


def test_latin1_bytes_after_an_ascii_head_are_not_lost(ocds_dir: Path, tmp_path: Path) -> None:
    filler = {
        "ocid": "ocds-x9test-1",
        "id": "filler",
        "date": "2024-01-01",
        "tag": ["tender"],
        "note": "a" * 70000,
    }
    release = {
        "ocid": "ocds-x9test-2",
        "id": "late",
        "tag": ["tender"],
        "tender": {"title": "Cámaras de vigilancia"},
    }
    path = tmp_path / "late-latin1.jsonl"
    path.write_bytes(
        json.dumps(filler).encode() + b"\n" + json.dumps(release, ensure_ascii=False).encode("latin-1")
    )
    docs, errors = read(path)
    assert errors == []
    assert docs[1].title == "Cámaras de vigilancia"
