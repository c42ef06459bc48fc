"""Amounts that once broke everything downstream: a 400-digit figure or an OCDS 1e308 (stored as inf,
then every sum of the report and the dashboard failed) and a negative figure read as positive."""

from __future__ import annotations

import json
import math
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from tests.web.conftest import TestClient
from typer.testing import CliRunner

from procurewatch import knowledge
from procurewatch.cli import app
from procurewatch.parse.amounts import find_amounts, parse_money
from procurewatch.sources import ocds_map
from procurewatch.sources.ocds_map import amounts as ocds_amounts
from procurewatch.web.app import Settings, create_app

HUGE = "9" * 400
CEILING = Decimal(str(knowledge.load_json("figures.json")["amount_limits"]["ceiling"]))


def records() -> list[dict[str, str]]:
    return [
        {
            "标题": "某市公安局视频监控系统采购项目中标公告",
            "正文": f"中标供应商：某某科技有限公司，中标金额：{HUGE}元。视频监控摄像机200台。",
            "采购人": "某市公安局",
            "中标金额": f"{HUGE}元",
            "发布日期": "2021-04-02",
            "公告类型": "中标公告",
            "地区": "湖北",
        },
        {
            "标题": "某县公安局人脸识别门禁采购项目招标公告",
            "正文": "采购人脸识别门禁系统，预算金额：-500万元。",
            "采购人": "某县公安局",
            "预算金额": "-500万元",
            "发布日期": "2021-05-02",
            "公告类型": "招标公告",
            "地区": "湖北",
        },
        {
            "标题": "某区公安分局车辆卡口系统采购项目招标公告",
            "正文": "采购车辆卡口系统，预算金额：300万元。",
            "采购人": "某区公安分局",
            "预算金额": "300万元",
            "发布日期": "2022-05-02",
            "公告类型": "招标公告",
            "地区": "湖北",
        },
    ]


def ocds_release() -> dict:
    return {
        "uri": "https://example.org/package",
        "releases": [
            {
                "ocid": "ocds-test-huge-1",
                "id": "r1",
                "date": "2021-06-01T00:00:00Z",
                "tag": ["award"],
                "buyer": {"name": "Police Department of Example"},
                "tender": {"title": "CCTV surveillance cameras and facial recognition"},
                "awards": [
                    {"id": "a1", "value": {"amount": 1e308, "currency": "EUR"}},
                    {"id": "a2", "value": {"amount": 1e308, "currency": "EUR"}},
                ],
            }
        ],
    }


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("amounts") / "in"
    folder.mkdir()
    (folder / "notices.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records()), encoding="utf-8"
    )
    (folder / "release.json").write_text(json.dumps(ocds_release()), encoding="utf-8")
    db = folder.parent / "store.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_implausible_and_negative_figures_are_no_numbers():
    assert parse_money(HUGE) is None
    assert parse_money(f"{HUGE}元") is None
    assert parse_money(1e308) is None
    assert parse_money("-500万元") == Decimal(-5_000_000)
    assert parse_money("负500万元") == Decimal(-5_000_000)
    assert parse_money("-5000") == Decimal(-5000)
    assert parse_money(-1e308) is None
    assert parse_money("500万元") == Decimal(5_000_000)
    assert parse_money("100-200万元") == Decimal(2_000_000)  # a range's dash is no sign
    assert parse_money(str(CEILING)) == CEILING
    assert find_amounts(f"预算金额：{HUGE}元") == []
    assert [a.value for a in find_amounts("预算金额：-500万元")] == [Decimal(-5_000_000)]


def test_ocds_values_that_would_overflow_their_sum_are_dropped():
    found = ocds_amounts(ocds_release()["releases"][0])
    assert all(math.isfinite(a["value"]) for a in found)
    assert not [a for a in found if a["kind"] == "award"]


def test_store_holds_no_inf_and_no_sign_lost(hostile_store):
    con = duckdb.connect(str(hostile_store), read_only=True)
    try:
        rows = con.execute("SELECT amount_value FROM notices WHERE amount_value IS NOT NULL").fetchall()
    finally:
        con.close()
    values = [v for (v,) in rows]
    assert values == [3_000_000.0]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_report_in_every_format(hostile_store, fmt):
    result = CliRunner().invoke(app, ["report", "--db", str(hostile_store), "--format", fmt])
    assert result.exit_code == 0, result.output


def test_html_report(hostile_store, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", "--db", str(hostile_store), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/api/dashboard/totals",
        "/api/search?sort=amount",
        "/api/search?sort=amount&q=监控",
        "/api/profile?buyer=某市公安局",
        "/api/profile?country=CN",
        "/buyer?name=某市公安局",
    ],
)
def test_server_answers(hostile_store, path):
    client = TestClient(create_app(Settings(db_path=hostile_store)), raise_server_exceptions=False)
    assert client.get(path).status_code == 200


def test_a_store_an_older_version_filled_with_inf_is_repaired_by_the_next_ingest(hostile_store, tmp_path):
    db = tmp_path / "old.duckdb"
    shutil.copy(hostile_store, db)
    con = duckdb.connect(str(db))
    try:  # what the old code stored for "9"×400 digits
        con.execute("UPDATE notices SET amount_value = 'inf'::DOUBLE WHERE amount_value IS NOT NULL")
        con.execute("UPDATE procurements SET spend_value = 'inf'::DOUBLE WHERE spend_value IS NOT NULL")
    finally:
        con.close()
    broken = CliRunner().invoke(app, ["report", "--db", str(db), "--format", "json"])
    assert broken.exit_code != 0
    again = CliRunner().invoke(app, ["ingest", str(hostile_store.parent / "in"), "--db", str(db)])
    assert again.exit_code == 0, again.output
    fixed = CliRunner().invoke(app, ["report", "--db", str(db), "--format", "json"])
    assert fixed.exit_code == 0, fixed.output
    client = TestClient(create_app(Settings(db_path=db)), raise_server_exceptions=False)
    assert client.get("/api/dashboard/totals").status_code == 200


def test_a_rejected_figure_is_noted_with_why_in_the_parse_and_the_ocds_reader():
    rejected: list[str] = []
    assert find_amounts(f"预算金额：{HUGE}元", rejected) == []
    assert len(rejected) == 1 and "above the largest plausible amount" in rejected[0]
    assert "999" in rejected[0] and len(rejected[0]) < 200  # what was written, cut short
    ocds_notes = ocds_map.rejected_amounts(ocds_release()["releases"][0])
    assert len(ocds_notes) == 2 and all(n.startswith("awards.value 1e+308") for n in ocds_notes)


def test_the_store_keeps_the_notes_and_the_procurement_is_flagged_rejected(hostile_store):
    con = duckdb.connect(str(hostile_store), read_only=True)
    try:
        noted = con.execute(
            "SELECT title, amount_notes FROM notices WHERE amount_notes IS NOT NULL ORDER BY title"
        ).fetchall()
    finally:
        con.close()
    assert [t for t, _ in noted] == ["CCTV surveillance cameras and facial recognition", records()[0]["标题"]]
    assert all("above the largest plausible amount" in notes for _, notes in noted)
    client = TestClient(create_app(Settings(db_path=hostile_store)), raise_server_exceptions=False)
    found = client.get("/api/search", params={"q": "视频监控"}).json()
    pid = next(r["procurement_id"] for r in found["results"] if r["title"] == records()[0]["标题"])
    page = client.get(f"/procurement/{pid}").text
    assert "rejected" in page and "above the largest plausible amount" in page


def test_inspect_shows_the_rejected_figure(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(records()[0], ensure_ascii=False), encoding="utf-8")
    shown = CliRunner().invoke(app, ["inspect", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "amount_notes" in shown.stdout and "above the largest plausible amount" in shown.stdout
