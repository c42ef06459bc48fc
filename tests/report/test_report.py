"""procurewatch report: table, csv and json shapes, filters, and the self-contained HTML page."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from link.rows import insert, new_store, notice
from procurewatch.cli import app
from procurewatch.link.run import link_pending

HOSTILE = '<script>alert("x")</script>[red]公安局'


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "store.duckdb"
    con = new_store(str(path))
    body = "采购高清摄像机及人脸识别系统，含安装调试。" * 5
    insert(
        con,
        notice(
            "视频监控采购招标公告",
            body,
            buyer=HOSTILE,
            notice_type="tender",
            published="2018-04-01",
            relevant=True,
            score=0.8,
            title_match=True,
            province="湖北省",
            admin_code="420100",
            amount_value=3e6,
            amount_currency="CNY",
            amount_kind="budget",
            categories=[("video_surveillance", "视频监控")],
        ),
        notice(
            "另一视频监控项目招标公告",
            "另一个" + body,
            buyer="某市公安局",
            notice_type="tender",
            published="2019-04-01",
            relevant=True,
            score=0.7,
            province="湖北省",
            admin_code="420100",
            amount_value=2e6,
            amount_currency="CNY",
            amount_kind="budget",
            categories=[("video_surveillance", "视频监控")],
        ),
    )
    link_pending(con)
    con.close()
    return path


def run(*args):
    result = CliRunner().invoke(app, ["report", *map(str, args)], env={"COLUMNS": "250"})
    return result


def test_json_has_methods_and_every_section(db):
    result = run("--db", db, "--format", "json", "--growth", "2018:2019")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {
        "by_year_category",
        "growth",
        "by_province",
        "by_country",
        "top_buyers",
        "top_vendors_awards",
        "top_vendors_mentions",
        "categories_by_vendor",
    } <= set(doc["sections"])
    growth = doc["sections"]["growth"][0]
    assert (growth["base"], growth["current"], growth["base_count"], growth["current_count"]) == (
        2018,
        2019,
        1,
        1,
    )
    assert doc["methods"]["linking"]["near_duplicate_jaccard"] > 0
    assert doc["methods"]["filters"] == [
        "purchase=primary: only purchases of surveillance; component purchases are counted apart"
    ]


def test_csv_is_one_table_with_a_section_column(db):
    result = run("--db", db, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    years = [r for r in rows if r["section"] == "by_year_category"]
    assert sorted(r["year"] for r in years) == ["2018", "2019"]
    assert all(r["spend_CNY"] for r in years)  # one row per year × category, spend per currency in columns
    assert sum(int(r["procurements"]) for r in years) == 2


def test_filters_reach_the_report(db):
    result = run("--db", db, "--format", "json", "--from", "2019", "--buyer-type", "public_security")
    doc = json.loads(result.stdout)
    (row,) = doc["sections"]["totals"]
    assert row["procurements"] == 2 - 1
    assert any("date_from=2019" in f for f in doc["methods"]["filters"])
    bad = run("--db", db, "--growth", "2019")
    assert bad.exit_code == 2


def test_table_output_does_not_interpret_notice_text_as_markup(db):
    result = run("--db", db)
    assert result.exit_code == 0, result.output
    assert HOSTILE in result.stdout  # "[red]" shown as written, not taken as a colour


def test_html_is_self_contained_and_escaped(db, tmp_path):
    out = tmp_path / "report.html"
    result = run("--db", db, "--format", "json", "--html", out)
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "<script" not in page  # the hostile buyer name is escaped, and the page has no script at all
    assert "&lt;script&gt;" in page
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert page.count("<svg") >= 2  # procurements and CNY spend trends
    assert "Methods" in page and "near_duplicate_jaccard" in page
