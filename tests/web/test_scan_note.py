"""A notice read from a scan says so on its procurement page, with the OCR engine's confidence."""

from __future__ import annotations

from pathlib import Path

import duckdb

from procurewatch.web.app import Settings, create_app

from .conftest import TestClient


def test_the_procurement_page_notes_a_notice_read_by_ocr(store_copy: Path):
    with duckdb.connect(str(store_copy)) as con:
        scanned, other = con.execute(
            "SELECT l.procurement_id FROM notice_links l JOIN notices n ON n.id = l.notice_id "
            "ORDER BY n.id LIMIT 2"
        ).fetchall()
        con.execute(
            "UPDATE notices SET ocr_confidence = 0.873 WHERE id = "
            "(SELECT notice_id FROM notice_links WHERE procurement_id = ? ORDER BY notice_id LIMIT 1)",
            [scanned[0]],
        )
    client = TestClient(create_app(Settings(db_path=store_copy)), raise_server_exceptions=False)
    page = client.get(f"/procurement/{scanned[0]}")
    assert page.status_code == 200
    assert "from a scan (OCR, confidence 0.87)" in page.text
    if other[0] != scanned[0]:
        assert "from a scan" not in client.get(f"/procurement/{other[0]}").text
