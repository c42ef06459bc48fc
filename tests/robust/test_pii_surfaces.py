"""The PII corpus (tests/pii_corpus.py) ingested, then every output surface scanned for its tokens:
every page type, every API route, every export format, `report` in every format (HTML too), `search`
in both formats, `export`, `extract --mask`. Zero found; and the same store served with personal data
revealed shows them, so the corpus did land."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from urllib.parse import quote, unquote

import duckdb
import pyarrow.parquet as pq
import pytest
from tests.pii_corpus import tokens, write_corpus
from tests.web.conftest import TestClient
from typer.testing import CliRunner

from procurewatch.cli import app
from procurewatch.query.charts import CHARTS
from procurewatch.web.app import Settings, create_app

WIDE = {"COLUMNS": "1000"}  # Rich tables would wrap a token over two lines


def leaks(text: str) -> list[str]:
    views = (text, unquote(text), html.unescape(text), html.unescape(unquote(text)))
    return [t for t in tokens() if any(t in v for v in views)]


def parquet_text(data: bytes) -> str:
    return json.dumps(pq.read_table(io.BytesIO(data)).to_pylist(), ensure_ascii=False, default=str)


@pytest.fixture(scope="module")
def pii(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pii")
    corpus = root / "corpus"
    write_corpus(corpus)
    db = root / "store.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return corpus, db


@pytest.fixture(scope="module")
def stored(pii) -> dict[str, list[str]]:
    con = duckdb.connect(str(pii[1]), read_only=True)
    try:
        return {
            "notices": [r[0] for r in con.execute("SELECT id FROM notices").fetchall()],
            "procurements": [r[0] for r in con.execute("SELECT id FROM procurements").fetchall()],
            "buyers": [r[0] for r in con.execute("SELECT DISTINCT buyer FROM notices").fetchall() if r[0]],
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def client(pii) -> TestClient:
    return TestClient(create_app(Settings(db_path=pii[1])), raise_server_exceptions=False)


def paths(stored: dict[str, list[str]]) -> list[str]:
    out = [
        "/",
        "/?q=人脸识别",
        "/?sort=amount",
        "/?q=人脸识别&page=2",
        "/procurements",
        "/procurements?scope=all",
        "/dashboard",
        "/place?country=CN",
        "/place?country=CN&province=湖北省",
        "/login",
        "/api",
        "/openapi.json",
        "/api/search",
        "/api/search?q=人脸识别",
        "/api/search?sort=amount",
        "/api/procurements",
        "/api/profile?country=CN",
    ]
    for fmt in ("csv", "json", "parquet"):
        out += [f"/export?format={fmt}", f"/api/export?format={fmt}", f"/api/export?format={fmt}&q=监控"]
        out += [f"/api/dashboard/{chart}?format={fmt}&download=1" for chart in CHARTS]
    out += [f"/api/dashboard/{chart}" for chart in CHARTS]
    for pid in stored["procurements"]:
        out += [f"/procurement/{pid}", f"/api/procurements/{pid}"]
    out += [f"/notice/{nid}" for nid in stored["notices"]]
    for buyer in stored["buyers"]:
        out += [f"/buyer?name={quote(buyer)}", f"/api/profile?buyer={quote(buyer)}"]
        out += [f"/procurements?buyer={quote(buyer)}", f"/api/search?buyer={quote(buyer)}"]
    return out


def test_every_page_api_route_and_download_is_masked(client, stored):
    assert stored["buyers"] and stored["procurements"]
    found = {}
    for path in paths(stored):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.content
        text = parquet_text(body) if body[:4] == b"PAR1" else body.decode("utf-8", "replace")
        # a page may repeat what was asked (a buyer's name typed in the query): the asker knows it
        if leaked := [t for t in leaks(text) if t not in unquote(path)]:
            found[path] = leaked
    assert found == {}


def test_the_corpus_landed_where_it_is_looked_for(pii, stored):
    revealed = TestClient(create_app(Settings(db_path=pii[1], reveal_personal_data=True)))
    shown = "".join(revealed.get(f"/api/procurements/{pid}").text for pid in stored["procurements"])
    shown += revealed.get("/export?format=json").text
    assert len(leaks(shown)) >= len(tokens()) - 2, sorted(set(tokens()) - set(leaks(shown)))


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_report_is_masked(pii, fmt):
    result = CliRunner().invoke(app, ["report", "--db", str(pii[1]), "--format", fmt, "--all"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert leaks(result.stdout) == []


def test_html_report_is_masked(pii, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--db", str(pii[1]), "--html", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert leaks(out.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("fmt", ["table", "jsonl"])
def test_search_is_masked(pii, fmt):
    result = CliRunner().invoke(app, ["search", "人脸识别", "--db", str(pii[1]), "--format", fmt], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "某市公安局" in result.stdout
    assert leaks(result.stdout) == []


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_is_masked(pii, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(app, ["export", "--db", str(pii[1]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert leaks(parquet_text(data) if fmt == "parquet" else data.decode("utf-8")) == []


def test_extract_is_raw_by_design_and_masked_on_request(pii):
    raw = CliRunner().invoke(app, ["extract", str(pii[0])])
    assert raw.exit_code == 0, raw.output
    assert leaks(raw.stdout)  # the machine interface keeps the text as published
    masked = CliRunner().invoke(app, ["extract", "--mask", str(pii[0])])
    assert masked.exit_code == 0, masked.output
    assert leaks(masked.stdout) == []
