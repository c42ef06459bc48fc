"""The report an editor can check: every figure links to the procurements behind it, flagged amounts are
listed, coverage is stated, charts are honest, and notice text and addresses stay inert."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from link.rows import insert, new_store
from procurewatch.cli import app
from procurewatch.link.run import link_pending
from procurewatch.report.html import compact, line_chart
from query import figure_rows

HOSTILE = "<img src=x onerror=alert(1)>某公安局"
BODY = "采购高清摄像机及视频汇聚平台，联系人：张三，电话：13812345678。"


def cam(title, value, **kw):
    return figure_rows.cam(title, value, body=BODY, repeat=2, **kw)


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "store.duckdb"
    con = new_store(str(path))
    rows = [
        cam(
            f"第{i}号监控点位项目",
            1_000_000 + i,
            buyer=f"第{i}分局",
            url=f"https://example.org/n/{i}?a=1&b=2",
            published=f"2025-0{1 + i % 9}-10",
        )
        for i in range(11)
    ]
    rows += [
        cam(
            "玻璃厂设备采购",
            7_218_699_258.0,
            buyer=HOSTILE,
            url="javascript:alert(1)",
            published="2025-06-01",
        ),
        cam(
            "CCTV upgrade",
            2e5,
            buyer="第1分局",
            amount_currency="GBP",
            country="GB",
            province="UKM72",
            language="en",
            categories=[("video_surveillance", "CCTV")],
            published="2023-05-01",
        ),
    ]
    for row in rows:
        row.setdefault("url", None)
    insert(con, *rows)
    con.execute("ALTER TABLE notices ALTER COLUMN url SET DEFAULT NULL")
    for row in rows:
        con.execute("UPDATE notices SET url = ? WHERE id = ?", [row["url"], row["id"]])
    link_pending(con)
    con.close()
    return path


def run(*args):
    return CliRunner().invoke(app, ["report", *map(str, args)], env={"COLUMNS": "250"})


def test_json_states_coverage_flags_and_one_row_per_entity(db):
    result = run("--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    s = doc["sections"]
    assert sum(r["notices"] for r in s["coverage"]) == 13
    assert [y["year"] for y in s["coverage_years"]] == [2023, 2024, 2025][::2]
    (flag,) = s["flagged_amounts"]
    assert (flag["rule"], flag["spend_value"], flag["spend_currency"]) == ("outlier", 7_218_699_258.0, "CNY")
    assert "median" in flag["evidence"]
    (cny,) = [r for r in s["totals"] if r["spend_currency"] == "CNY"]
    assert cny["spend_value_excl_flagged"] == sum(1_000_000 + i for i in range(11))
    buyers = [r["buyer"] for r in s["top_buyers"]]
    assert len(buyers) == len(set(buyers))  # one row per buyer, spend per currency in columns
    (first,) = [r for r in s["top_buyers"] if r["buyer"] == "第1分局"]
    assert (first["procurements"], first["spend_CNY"], first["spend_GBP"]) == (2, 1_000_001.0, 2e5)
    assert {r["province"] for r in s["by_province"]} == {"湖北省"}
    assert [(r["country"], r["region"]) for r in s["by_region"]] == [("GB", "UKM72")]
    (growth, *_) = s["growth"]
    assert growth["change_pct"] is None and "base below 10" in growth["note"]
    assert "outlier" in doc["methods"]["amount_checks"]


def test_html_links_every_figure_to_its_procurements(db, tmp_path):
    out = tmp_path / "report.html"
    result = run("--db", db, "--html", out, "--explorer-url", "http://127.0.0.1:8000/")
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and all(link in anchors for link in links)  # every in-page link lands
    assert {"totals", "by_year", "top_buyers", "flagged_amounts", "appendix"} <= anchors
    rows = re.findall(r'<tr id="row-top_buyers-\d+">.*?</tr>', page)
    assert rows and all('href="#fig-top_buyers-' in r for r in rows)
    # each procurement: amount, flags, categories, masked evidence, escaped http(s) source, explorer link
    (glass,) = re.findall(
        r'<div class="proc" id="p-[^"]+">\s*<strong>玻璃厂设备采购</strong>.*?</div>', page, re.S
    )
    assert "flagged: outlier" in glass and "7,218,699,258 CNY" in glass
    assert "javascript:" not in page  # a source that is not http(s) is not linked
    assert "<mark>摄像机</mark>" in page
    assert "13812345678" not in page and "138****5678" in page
    assert 'href="https://example.org/n/1?a=1&amp;b=2"' in page
    assert 'href="http://127.0.0.1:8000/procurement/' in page
    assert "<img" not in page and "&lt;img src=x" in page
    assert not re.search(
        r"<(?:script|link|iframe|object)\b|<[a-z]+[^>]*\ssrc\s*=", page
    )  # no external resource
    assert '">11 m</text>' in page  # the spend chart (flagged amounts left out) has compact axis labels


def test_converted_report_says_what_was_not_converted(db, tmp_path):
    result = run("--db", db, "--format", "json", "--convert-to", "USD", "--html", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["sections"]["totals"]
    assert {r["spend_currency"] for r in totals} == {"USD"}  # 2023 and 2025 rates exist for CNY and GBP


def test_explorer_url_must_be_http(db, tmp_path):
    result = run("--db", db, "--html", tmp_path / "r.html", "--explorer-url", "javascript:alert(1)")
    assert result.exit_code == 2


def test_charts_have_a_continuous_year_axis_and_no_line_for_one_point():
    svg = str(line_chart({"a": {2019: 5, 2022: 7}}, "procurements"))
    labels = re.findall(r">(\d{4})</text>", svg)
    assert labels == ["2019", "2020", "2021", "2022"]
    assert svg.count("<circle") == 4  # empty years drawn as 0
    single = str(line_chart({"a": {2025: 7_218_699_258.0}}, "CNY"))
    assert "<polyline" not in single and "<circle" in single
    axis = re.findall(r'text-anchor="end" font-size="11">([^<]*)</text>', single)
    assert axis == ["0", "3.6 bn", "7.2 bn"]  # compact, never clipped to "18,699,258"
    marked = str(line_chart({"a": {2025: 1, 2026: 2}}, "procurements", partial={2026}))
    assert re.findall(r">(\d{4}\*?)</text>", marked) == ["2025", "2026*"]
    assert compact(7_218_699_258) == "7.2 bn" and compact(18_700_000) == "18.7 m" and compact(950) == "950"
