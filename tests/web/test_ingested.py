"""The explorer over a store made by the real `procurewatch ingest` (which also syncs the index)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.web.conftest import TestClient
from typer.testing import CliRunner

from procurewatch.cli import app
from procurewatch.web.app import Settings, create_app

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> TestClient:
    db = tmp_path_factory.mktemp("ingested") / "store.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(FIXTURES / "notices.jsonl"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return TestClient(create_app(Settings(db_path=db)), raise_server_exceptions=False)


def test_ingest_keeps_the_index_in_step(ingested):
    data = ingested.get("/api/search", params={"q": "声纹"}).json()
    assert data["total"] == 1
    kakou = ingested.get("/api/search", params={"q": "卡口"}).json()
    assert kakou["total"] == 2


def test_real_evidence_is_highlighted_at_its_offsets(ingested):
    hit = ingested.get("/api/search", params={"q": "中标结果"}).json()["results"][0]
    html = ingested.get(f"/procurement/{hit['procurement_id']}").text
    marks = re.findall(r'<mark class="hl" title="([^"]+)">([^<]+)</mark>', html)
    assert marks, "no evidence highlighted"
    assert any("人脸" in text for _, text in marks)
    assert "do not match this text" not in html
    assert "赵六" not in html and "13987654321" not in html


def test_hostile_ingested_notice_is_escaped(ingested):
    hit = ingested.get("/api/search", params={"q": "声纹"}).json()["results"][0]
    html = ingested.get(f"/procurement/{hit['procurement_id']}").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
