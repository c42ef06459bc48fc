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


def test_filters_that_do_not_exist_are_refused_with_exit_2(tmp_path):
    db = build_store(tmp_path / "c.duckdb")
    for args, named in (
        (["report", "--category", "face_recognition"], "facial_recognition"),
        (["report", "--province", "不存在省"], "湖北省"),
        (["report", "--convert-to", "XYZ"], "USD"),
        (["report", "--from", "2019-13"], "2019-13"),
        (["export", "--filter", "categroy=voiceprint", "--out", str(tmp_path / "x.csv")], "category"),
        (["export", "--filter", "category", "--out", str(tmp_path / "x.csv")], "NAME=VALUE"),
    ):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 2, (args, result.output)
        assert named in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_a_province_written_in_pinyin_filters_like_its_chinese_name(tmp_path):
    db = build_store(tmp_path / "c.duckdb")
    outputs = [
        runner.invoke(app, ["report", "--db", str(db), "--format", "json", "--province", written]).stdout
        for written in ("湖北省", "Hubei", "420000")
    ]
    assert outputs[0] == outputs[1] == outputs[2] and "湖北省" in outputs[0]


def test_search_ranks_equal_scores_by_date_then_id_whatever_the_index_order(tmp_path):
    # three notices with one text score the same; the index holds them in input order (oldest first)
    notice = {"title": "某县公安局人脸识别系统采购公告", "content": "采购人脸识别系统一套。"}
    lines = [
        {"id": "n-a", **notice, "publish_date": "2019-03-01"},
        {"id": "n-c", **notice, "publish_date": "2021-05-01"},
        {"id": "n-b", **notice, "publish_date": "2021-05-01"},
    ]
    corpus = tmp_path / "notices.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    db = tmp_path / "c.duckdb"
    assert runner.invoke(app, ["ingest", str(corpus), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["search", "人脸识别", "--db", str(db), "--format", "jsonl", "--limit", "2"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["published"] for r in records] == ["2021-05-01", "2021-05-01"]
    assert records[0]["id"] < records[1]["id"]
