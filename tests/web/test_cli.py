"""The index, search and export commands."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
from tests.corpus import build_store
from typer.testing import CliRunner

from procurewatch.cli import app
from procurewatch.search.index import index_dir_for

runner = CliRunner()


def test_index_search_export(tmp_path):
    db = build_store(tmp_path / "c.duckdb")
    result = runner.invoke(app, ["index", "--db", str(db), "--rebuild"])
    assert result.exit_code == 0, result.output
    # the console wraps long paths at its width, so compare words
    assert "8 notices indexed" in " ".join(result.output.split()) and index_dir_for(db).is_dir()
    result = runner.invoke(app, ["search", "声纹", "--db", str(db), "--format", "jsonl"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["id"] for r in records] == ["n-voice-1"]
    result = runner.invoke(app, ["search", '"', "--db", str(db)])
    assert result.exit_code == 2 and "no words" in result.output

    out = tmp_path / "hits.csv"
    result = runner.invoke(
        app, ["export", "--db", str(db), "--out", str(out), "-q", "人脸", "--filter", "year=2019"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert {r["id"] for r in rows} == {"n-tender-1", "n-award-1", "n-contract-1"}
    parquet = tmp_path / "all.parquet"
    assert runner.invoke(app, ["export", "--db", str(db), "--out", str(parquet), "--relevant"]).exit_code == 0
    assert pq.read_table(parquet).num_rows == 7
    assert runner.invoke(app, ["export", "--db", str(db), "--out", str(tmp_path / "x.xlsx")]).exit_code == 2
    assert runner.invoke(app, ["export", "--db", str(tmp_path / "none.duckdb")]).exit_code == 2
