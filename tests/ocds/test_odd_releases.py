"""Releases that break the schema still give a Document with the facts they carry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from procurewatch.model import Document
from procurewatch.sources import InputFile
from procurewatch.sources.ocds import read_ocds

ODD_VALUES: list[Any] = [None, "", "text", 17, True, [], {}, ["a", 1, None], {"amount": {"nested": 1}}]
SECTIONS = ["tender", "awards", "contracts", "planning", "parties", "buyer", "tag", "date", "language"]


def read_release(tmp_path: Path, release: dict[str, Any]) -> list[Any]:
    path = tmp_path / "odd.json"
    path.write_text(
        json.dumps({"uri": "u", "publisher": {"name": "p"}, "releases": [release]}), encoding="utf-8"
    )
    stat = path.stat()
    return list(read_ocds(InputFile(str(path), stat.st_size, stat.st_mtime, str(path))))


@pytest.fixture
def base_release(fixtures_dir: Path) -> dict[str, Any]:
    package = json.loads((fixtures_dir / "ocds" / "release_package_ro.json").read_text("utf-8"))
    return package["releases"][0]


@pytest.mark.parametrize("section", SECTIONS)
def test_wrong_types_in_a_section_still_yield_a_document(
    tmp_path: Path, base_release: dict[str, Any], section: str
) -> None:
    for odd in ODD_VALUES:
        items = read_release(tmp_path, {**base_release, section: odd})
        assert len(items) == 1
        assert isinstance(items[0], Document), (section, odd, items[0])
        assert items[0].hints["ocid"] == "ocds-x9test-RO-2024-118"


def test_wrong_types_inside_awards_and_values(tmp_path: Path, base_release: dict[str, Any]) -> None:
    release = {
        **base_release,
        "awards": [
            None,
            "x",
            {"suppliers": "ACME"},
            {"suppliers": [None, {"name": 5}], "value": {"amount": "n/a"}},
        ],
        "contracts": [{"value": {"amount": "1,200.50", "currency": None}}, {"value": [1, 2]}],
    }
    [doc] = read_release(tmp_path, release)
    assert isinstance(doc, Document)
    # a value without currency takes the release's only currency (RON, from tender.value)
    assert doc.hints["amounts"][0] == {
        "value": 1200.5,
        "currency": "RON",
        "kind": "contract",
        "field": "contracts.value",
    }
    assert doc.hints["suppliers"] == ["5"]
