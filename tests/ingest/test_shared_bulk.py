"""Ingest a real scraped file from ../shared/data/bulk: every line becomes exactly one stored notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from procurewatch.ingest.runner import run_ingest

from .corpus import count

pytestmark = pytest.mark.shared


def test_telecom_jsonl_lands_one_notice_per_line(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "bulk" / "cn-telecom-operator-notices" / "telecom-notices.jsonl"
    lines = sum(1 for line in source.read_text(encoding="utf-8").splitlines() if line.strip())
    db = tmp_path / "store.duckdb"
    summary = run_ingest([source], db, field_map={}, batch_size=200, console=Console(quiet=True), workers=2)
    assert not summary.skipped
    assert summary.notices_added == lines
    assert count(db, "SELECT count(*) FROM notices") == lines
    assert count(db, "SELECT count(DISTINCT id) FROM notices") == lines
    assert count(db, f"SELECT count(*) FROM files WHERE status = 'done' AND notices = {lines}") == 1
    assert count(db, "SELECT count(*) FROM notices WHERE title IS NULL OR title = ''") == 0
