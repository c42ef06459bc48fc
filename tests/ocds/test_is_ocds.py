"""is_ocds decides from the first bytes, by content only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procurewatch.sources.ocds import is_ocds

RELEASE = {"ocid": "ocds-b5fd17-9", "id": "9-tender", "date": "2024-02-01T00:00:00Z", "tag": ["tender"]}


def encode(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    "head",
    [
        encode({"uri": "u", "publisher": {"name": "p"}, "releases": [RELEASE]}),
        encode({"releases": [RELEASE], "uri": "u"}),
        encode({"records": [{"ocid": "o", "compiledRelease": RELEASE}], "publisher": {"name": "p"}}),
        encode(RELEASE),
        encode({"ocid": "o", "releases": [{"url": "https://x", "date": "2024-01-01", "tag": ["tender"]}]}),
        encode({"publisher": {"name": "GACM"}, "compiledRelease": RELEASE, "releases": []}),
        encode([{"uri": "u", "publisher": {"name": "p"}, "releases": [RELEASE]}]),
        encode(RELEASE) + b"\n" + encode(RELEASE) + b"\n",
        "\ufeff".encode() + encode(RELEASE),
        json.dumps(RELEASE).encode("utf-16"),
        json.dumps({"publisher": {"name": "Secretaría"}, "releases": [RELEASE]}, ensure_ascii=False).encode(
            "latin-1"
        ),
    ],
    ids=[
        "release-package",
        "releases-first",
        "record-package",
        "bare-release",
        "bare-record",
        "crawler-record",
        "array-of-packages",
        "jsonl",
        "utf8-bom",
        "utf16",
        "latin1",
    ],
)
def test_ocds_shapes_are_recognised(head: bytes) -> None:
    assert is_ocds(head)


def test_truncated_head_of_a_huge_package_is_recognised() -> None:
    head = encode({"uri": "u", "publisher": {"name": "p"}, "releases": [RELEASE] * 2000})[: 64 * 1024]
    assert is_ocds(head)


def test_bare_release_whose_ocid_lies_beyond_the_head() -> None:
    big = {
        "contracts": [{"title": "Construcción de la torre de control", "description": "x" * 20000}],
        "tender": {"title": "t"},
        "initiationType": "tender",
        "planning": {"rationale": "y" * 50000},
        "ocid": "486",
    }
    head = encode(big)[: 64 * 1024]
    assert b'"ocid"' not in head
    assert is_ocds(head)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"not json at all",
        encode({"title": "视频监控采购", "buyer": "宜昌市公安局", "amount": "437.677万元"}),
        encode([{"title": "notice", "date": "2024-01-01"}]),
        encode({"notices": [{"id": "1", "title": "x"}], "fetchedAt": "2026-08-22"}),
        encode({"releases": ["v1.0", "v1.1"], "name": "some software changelog"}),
        b"title,buyer\nCCTV,Council\n",
    ],
    ids=["empty", "text", "scraped-record", "scraped-list", "wrapped-notices", "changelog", "csv"],
)
def test_other_json_is_not_ocds(head: bytes) -> None:
    assert not is_ocds(head)


def test_is_ocds_reads_the_fixture_files(fixtures_dir: Path) -> None:
    for path in sorted((fixtures_dir / "ocds").iterdir()):
        assert is_ocds(path.read_bytes()[: 64 * 1024]), path.name
