"""Every OCDS file under ../shared/data: no crash, every release/record read, malformed files reported."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import InputFile, iter_documents
from procurewatch.sources.ocds import read_ocds

pytestmark = pytest.mark.shared


def ocds_files(shared: Path) -> list[Path]:
    bulk = sorted(p for p in (shared / "bulk").glob("ocds-*/**/*.json") if p.is_file())
    return bulk + sorted((shared / "eval-dev" / "docs").glob("ocds-*.json"))


def json_values(raw: bytes) -> list[Any]:
    """All top-level JSON values (concatenated streams too), with the stdlib decoder: an independent count."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    decoder = json.JSONDecoder()
    values, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return values
        value, position = decoder.raw_decode(text, position)
        values.append(value)


def expected_units(value: Any) -> int:
    if isinstance(value, list):
        return sum(expected_units(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if isinstance(value.get("records"), list):
        return len(value["records"])
    if "compiledRelease" in value or "versionedRelease" in value:
        return 1
    if isinstance(value.get("releases"), list) and "ocid" not in value:
        return len(value["releases"])
    return 1


def test_every_shared_ocds_file_reads_without_crash_and_counts_match(shared_data: Path) -> None:
    files = ocds_files(shared_data)
    assert len(files) > 900
    mismatches, reasons = [], Counter()
    total = 0
    for path in files:
        raw = path.read_bytes()
        expected = sum(expected_units(v) for v in json_values(raw)) if raw.strip() else 0
        stat = path.stat()
        items = list(read_ocds(InputFile(str(path), stat.st_size, stat.st_mtime, str(path))))
        docs = [i for i in items if isinstance(i, Document)]
        errors = [i for i in items if isinstance(i, SkippedInput)]
        total += len(docs)
        for error in errors:
            assert error.path == str(path)
            reasons[error.reason.split(": ", 1)[-1]] += 1
        if len(docs) != expected:
            mismatches.append((path.name, len(docs), expected))
        assert all(d.kind == "ocds" and d.locator for d in docs)
        if not raw.strip():
            assert errors and "empty" in errors[0].reason
    assert mismatches == []
    assert reasons == Counter({"empty file": 3})  # the three 0-byte Paraguay records
    assert total > 1200


def test_eval_dev_ocds_hints_match_labels(shared_data: Path) -> None:
    """Buyer, supplier set, headline amount, country and notice type against the hand labels."""
    labels = [json.loads(line) for line in (shared_data / "eval-dev" / "labels.jsonl").open(encoding="utf-8")]
    labels = [row for row in labels if row["file"].startswith("ocds-")]
    assert labels
    wrong = []
    for row in labels:
        path = shared_data / "eval-dev" / "docs" / row["file"]
        stat = path.stat()
        [doc] = [d for d in read_ocds(InputFile(str(path), stat.st_size, stat.st_mtime, str(path)))]
        assert isinstance(doc, Document)
        hints = doc.hints
        headline = hints["amounts"][0] if hints["amounts"] else None
        amount = row["amount"]
        got_amount = headline and (round(headline["value"], 2), headline["currency"], headline["kind"])
        want_amount = amount and (round(float(amount["value"]), 2), amount["currency"], amount["kind"])
        checks = {
            "buyer": (hints.get("buyer"), row["buyer"]),
            "suppliers": (sorted(hints["suppliers"]), sorted(row["suppliers"])),
            "amount": (got_amount, want_amount),
            "country": (hints.get("country"), row["country"]),
            "notice_type": (hints["notice_type"], row["notice_type"]),
        }
        wrong += [(row["file"], name, got, want) for name, (got, want) in checks.items() if got != want]
    assert wrong == []


def test_dispatcher_routes_shared_ocds_files_to_the_ocds_reader(shared_data: Path) -> None:
    folder = shared_data / "bulk" / "ocds-ocdskit-realdata"
    items = list(iter_documents([folder]))
    docs = [i for i in items if isinstance(i, Document)]
    assert docs
    assert {d.kind for d in docs} == {"ocds"}
    latin1 = [d for d in docs if d.path.endswith("encoding-iso-8859-1.json")]
    assert latin1
    assert all(d.hints["buyer"] == "SECRETARÍA DE FINANZAS" for d in latin1)
