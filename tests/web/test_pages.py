"""Every page and API route on the small store: status, content, facets, paging, exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pyarrow.parquet as pq
import pytest
from tests.corpus import Row, build_store
from tests.web.conftest import TestClient

from procurewatch.query.notice_search import PER_PAGE
from procurewatch.web.app import Settings, create_app

PAGES = [
    "/",
    "/?q=人脸",
    "/?q=人脸&category=facial_recognition&sort=amount",
    "/procurement/p-1",
    "/vendor/hikvision",
    "/buyer?name=武汉市公安局",
    "/place?country=CN&province=湖北省",
    "/place?country=RO",
    "/dashboard",
    "/dashboard?scope=all&year=2019",
    "/api",
    "/login",
]
API = [
    "/openapi.json",
    "/api/search?q=卡口",
    "/api/procurements/p-1",
    "/api/profile?vendor=hikvision",
    "/api/dashboard/year_category",
    "/api/dashboard/province",
    "/api/dashboard/prefecture?province_name=湖北省",
    "/api/dashboard/country",
    "/api/dashboard/buyers",
    "/api/dashboard/vendors",
    "/api/dashboard/totals",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in r.headers


@pytest.mark.parametrize("url", API)
def test_api_routes_answer_json(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    r.json()


def test_openapi_lists_the_api_and_docs_need_no_cdn(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/procurements/{pid}", "/api/dashboard/{chart}", "/api/export"} <= set(
        spec["paths"]
    )
    assert client.get("/docs").status_code == 404
    assert "cdn" not in client.get("/api").text.lower()


def test_search_results_are_highlighted_and_link_to_their_procurement(client):
    html = client.get("/?q=声纹").text
    assert '<mark class="hl" title="hit">声纹</mark>' in html
    assert 'href="/procurement/p-n-voice-1#n-n-voice-1"' in html
    assert "<strong>1</strong> notices" in html


def test_facets_combine_and_count(client):
    data = client.get("/api/search", params={"q": "人脸"}).json()
    assert data["total"] == 5
    categories = {f["value"]: f["count"] for f in data["facets"]["category"]}
    assert categories == {"facial_recognition": 4, "video_surveillance": 2, "vehicle_anpr": 1}
    provinces = {f["value"]: f["count"] for f in data["facets"]["province"]}
    assert provinces == {"湖北省": 4, "广东省": 1}
    both = client.get(
        "/api/search", params={"q": "人脸", "category": "facial_recognition", "province": "湖北省"}
    )
    assert {r["id"] for r in both.json()["results"]} == {"n-tender-1", "n-award-1", "n-contract-1"}
    # two values of one facet are alternatives; the facet's own counts ignore its selection
    either = client.get("/api/search", params=[("q", "人脸"), ("year", "2020"), ("year", "2021")]).json()
    assert {r["id"] for r in either["results"]} == {"n-cam-1", "n-xss-1"}
    years = {f["value"]: f["count"] for f in either["facets"]["year"]}
    assert years == {"2019": 3, "2020": 1, "2021": 1}


def test_sorting_by_amount_and_date(client):
    by_amount = client.get("/api/search", params={"q": "卡口", "sort": "amount"}).json()["results"]
    assert by_amount[0]["id"] == "n-tender-1"
    by_date = client.get("/api/search", params={"sort": "date_asc"}).json()["results"]
    dates = [r["published"] for r in by_date]
    assert dates == sorted(dates)


def test_paging_reaches_the_last_result(tmp_path):
    rows = [
        Row(f"bulk-{i:03d}", f"卡口设备采购 第{i}批", "车辆卡口", f"2020-01-{1 + i % 28:02d}")
        for i in range(47)
    ]
    db = build_store(tmp_path / "many.duckdb", rows)
    from procurewatch.search.index import sync_index

    sync_index(db)
    c = TestClient(create_app(Settings(db_path=db)))
    first = c.get("/api/search", params={"q": "卡口"}).json()
    assert first["total"] == 47 and first["pages"] == -(-47 // PER_PAGE)
    last = c.get("/api/search", params={"q": "卡口", "page": first["pages"]}).json()
    assert len(last["results"]) == 47 - (first["pages"] - 1) * PER_PAGE
    seen = set()
    for page in range(1, first["pages"] + 1):
        seen |= {r["id"] for r in c.get("/api/search", params={"q": "卡口", "page": page}).json()["results"]}
    assert len(seen) == 47
    html = c.get("/", params={"q": "卡口"}).text
    assert re.search(r'class="last" href="\?[^"]*page=3"', html)


def test_procurement_page_shows_phases_in_order_with_highlighted_evidence(client):
    html = client.get("/procurement/p-1").text
    order = [html.index(f'id="n-{nid}"') for nid in ("n-tender-1", "n-award-1", "n-contract-1")]
    assert order == sorted(order)
    assert '<mark class="hl" title="facial_recognition">人脸识别系统</mark>' in html
    assert '<mark class="hl" title="vehicle_anpr">车辆卡口</mark>' in html
    assert (
        'href="https://ggzy.example.gov.cn/notice/1?a=1&amp;b=2" rel="noopener noreferrer nofollow"' in html
    )
    assert "hikvision" in html and "杭州海康威视系统技术有限公司" in html


def test_notice_url_redirects_to_its_procurement(client):
    r = client.get("/notice/n-award-1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/procurement/p-1#n-n-award-1"
    assert client.get("/procurement/nope").status_code == 404


def test_profiles_show_what_was_bought_and_sold_by_year_and_category(client):
    vendor = client.get("/api/profile", params={"vendor": "hikvision"}).json()
    cells = {(r["year"], r["category"]): r["procurements"] for r in vendor["by_year_category"]}
    assert cells[(2019, "facial_recognition")] == 1
    assert cells[(2022, "video_surveillance")] == 1
    html = client.get("/buyer", params={"name": "武汉市公安局"}).text
    assert "voiceprint" in html and "声纹采集系统" in html
    place = client.get("/place", params={"country": "CN", "province": "湖北省"}).text
    assert "宜昌市公安局人脸识别卡口建设项目" in place


def test_dashboard_tables_use_the_analysis_counts(client):
    html = client.get("/dashboard").text
    assert 'data-chart="province"' in html and "/static/vendor/echarts.min.js" in html
    rows = client.get("/api/dashboard/province").json()["rows"]
    hubei = [r for r in rows if r["province"] == "湖北省"]
    assert sum(r["procurements"] for r in hubei) == 3  # p-1 (three notices) counted once, voice, camera
    assert {r["admin_code"] for r in hubei} == {"420000"}
    prefectures = client.get("/api/dashboard/prefecture", params={"province_name": "湖北省"}).json()["rows"]
    assert {r["admin_code"] for r in prefectures} == {"420500", "420100"}


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_of_a_result_set(client, fmt, tmp_path):
    r = client.get("/export", params={"q": "人脸", "category": "vehicle_anpr", "format": fmt})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    elif fmt == "json":
        rows = json.loads(r.content)
    else:
        path = tmp_path / "x.parquet"
        path.write_bytes(r.content)
        rows = pq.read_table(path).to_pylist()
    assert [row["id"] for row in rows] == ["n-tender-1"]
    assert rows[0]["categories"] == "facial_recognition;vehicle_anpr"


def test_chart_export(client):
    r = client.get("/api/dashboard/country", params={"format": "csv", "download": "1"})
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"country"') and "RO" in text
    assert client.get("/api/dashboard/country", params={"format": "xls", "download": "1"}).status_code == 422
    assert client.get("/api/dashboard/nope").status_code == 404


def test_static_assets_are_served_locally(client):
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    world = client.get("/static/geo/world.json").json()
    assert {"CN", "RO", "US"} <= {f["id"] for f in world["features"]}
    china = client.get("/static/geo/china.json").json()
    assert "420000" in {f["id"] for f in china["features"]}
    assert client.get("/static/geo/province/420000.json").status_code == 200
