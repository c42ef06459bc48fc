"""/buyers, /suppliers, /org/ID, /organisation?name=…, /network: lists, pages, links, escaping, masking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.corpus import ROWS, Row, build_store

from procurewatch.search.index import sync_index
from procurewatch.web.app import Settings, create_app

HOSTILE_SUPPLIER = '<script>alert("s")</script>某某科技有限公司'
PHONE_SUPPLIER = "某某电子商行13812345678"
EXTRA = [
    Row(
        "n-org-1",
        "某市公安局人脸识别系统中标公告",
        "人脸识别系统。",
        "2022-04-01",
        notice_type="award",
        buyer="<img src=x onerror=alert(1)>公安局",
        amount=1_000_000,
        categories=["facial_recognition"],
        evidence=[("facial_recognition", "title", "人脸识别")],
        suppliers=[(HOSTILE_SUPPLIER, None), (PHONE_SUPPLIER, None)],
    ),
    Row(
        "n-org-2",
        "某市公安局视频监控中标公告",
        "视频监控。",
        "2023-04-01",
        notice_type="award",
        buyer="某市公安局",
        amount=2_000_000,
        categories=["video_surveillance"],
        evidence=[("video_surveillance", "title", "视频监控")],
        suppliers=[("杭州海康威视数字技术股份有限公司", "hikvision"), ("某某科技股份有限公司", None)],
    ),
]


@pytest.fixture(scope="module")
def org_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db: Path = tmp_path_factory.mktemp("orgs") / "store.duckdb"
    build_store(db, [*ROWS, *EXTRA])
    sync_index(db)
    return TestClient(create_app(Settings(db_path=db)), raise_server_exceptions=False)


def _org_id(client: TestClient, name: str) -> str:
    r = client.get("/organisation", params={"name": name}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"].removeprefix("/org/")


def test_suppliers_list_is_sorted_searched_and_escaped(org_client: TestClient) -> None:
    r = org_client.get("/suppliers", params={"sort": "spend"})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    assert "13812345678" not in r.text  # personal data masked in names
    found = org_client.get("/suppliers", params={"q": "海康威视"})
    assert "Hikvision" in found.text and 'id="org-total">1 ' in found.text
    assert org_client.get("/suppliers", params={"sort": "nonsense"}).status_code == 422
    assert org_client.get("/suppliers", params={"bogus": "1"}).status_code == 422
    buyers = org_client.get("/buyers").text
    assert "<img src=x" not in buyers and "&lt;img src=x" in buyers


def test_suppliers_list_sorts_by_each_column(org_client: TestClient) -> None:
    for sort in ("procurements", "spend", "first_year", "last_year", "categories", "name", "counterparts"):
        for direction in ("asc", "desc"):
            assert org_client.get("/suppliers", params={"sort": sort, "dir": direction}).status_code == 200


def test_spellings_join_and_the_page_shows_why(org_client: TestClient) -> None:
    oid = _org_id(org_client, HOSTILE_SUPPLIER)
    assert oid != _org_id(org_client, "某某科技股份有限公司")  # the markup is part of its key: apart
    page = org_client.get(f"/org/{oid}").text
    assert "<script>alert" not in page and "same-key" in page
    hik = _org_id(org_client, "杭州海康威视数字技术股份有限公司")
    assert hik == "v-hikvision"
    page = org_client.get("/org/v-hikvision").text
    assert "vendor-alias" in page and "/vendor/hikvision" in page and "Buyers it won from" in page


def test_buyer_page_lists_suppliers_as_links(org_client: TestClient) -> None:
    oid = _org_id(org_client, "某市公安局")
    page = org_client.get(f"/org/{oid}").text
    assert "/org/v-hikvision" in page
    assert org_client.get("/org/o-nothing").status_code == 404
    assert org_client.get("/organisation", params={"name": "不存在的公司"}).status_code == 404


def test_supplier_names_link_to_their_organisation(org_client: TestClient) -> None:
    page = org_client.get("/procurement/p-n-org-2").text
    assert re.search(r'href="/organisation\?name=[^"]+"', page)
    results = org_client.get("/", params={"q": "视频监控"}).text
    assert "/organisation?name=" in results


def test_network_is_json_with_masked_names(org_client: TestClient) -> None:
    assert org_client.get("/network").status_code == 200
    graph = org_client.get("/api/network", params={"scope": "all"}).json()
    names = {n["name"] for n in graph["nodes"]}
    assert "Hikvision" in names
    assert not any("13812345678" in n for n in names)
    assert {"source", "target", "procurements"} <= set(graph["edges"][0])
    narrow = org_client.get("/api/network", params={"category": "facial_recognition"}).json()
    assert len(narrow["edges"]) < len(graph["edges"])
    assert org_client.get("/api/network", params={"province": "nowhere"}).status_code == 422


def test_search_expands_known_aliases(org_client: TestClient) -> None:
    latin = org_client.get("/api/search", params={"q": "Hikvision"}).json()
    chinese = org_client.get("/api/search", params={"q": "海康威视"}).json()
    assert latin["total"] >= chinese["total"] > 0


def test_organisation_api_lists_and_pages_are_json_masked_and_validated(org_client: TestClient) -> None:
    listed = org_client.get("/api/organisations", params={"role": "supplier", "sort": "spend"})
    assert listed.status_code == 200, listed.text
    data = listed.json()
    assert data["role"] == "supplier" and data["total"] >= len(data["organisations"]) >= 1
    assert not any("13812345678" in o["name"] for o in data["organisations"])
    html_total = re.search(r'id="org-total">(\d+)', org_client.get("/suppliers").text)
    assert html_total and int(html_total.group(1)) == data["total"]  # the same list as /suppliers
    found = org_client.get("/api/organisations", params={"role": "supplier", "q": "海康威视"}).json()
    assert found["total"] == 1 and "Hikvision" in found["organisations"][0]["name"]
    buyers = org_client.get("/api/organisations", params={"role": "buyer"}).json()
    assert buyers["total"] >= 1 and buyers["role"] == "buyer"
    for bad in ({"role": "owner"}, {"role": "buyer", "sort": "x"}, {"role": "buyer", "bogus": "1"}):
        assert org_client.get("/api/organisations", params=bad).status_code == 422
    oid = _org_id(org_client, PHONE_SUPPLIER)
    page = org_client.get(f"/api/org/{oid}")
    assert page.status_code == 200 and "13812345678" not in page.text
    assert page.json()["name"]
    assert org_client.get("/api/org/org-nowhere").status_code == 404
