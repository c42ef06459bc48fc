"""Charts that show what is true: every chart figure opens a procurement list whose total is that
figure; entity pages count procurements won (apart from mentioned) and spend by the counting rules."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from procurewatch.web.pages.dashboard import split_places
from procurewatch.web.palette import palette


def listed(client, **params) -> int:
    r = client.get("/api/procurements", params=params)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def figures(client, chart: str, *keys: str, **params) -> Counter:
    """A chart's figure per element: its rows (one per currency) added up per key."""
    out: Counter = Counter()
    for r in client.get(f"/api/dashboard/{chart}", params=params).json()["rows"]:
        out[tuple(r[k] for k in keys)] += r["procurements"]
    return out


@pytest.mark.parametrize("scope", ["", "all"])
def test_every_chart_element_opens_a_list_of_its_figure(client, scope):
    extra = {"scope": scope} if scope else {}
    cells = figures(client, "year_category", "year", "category", **extra)
    assert cells
    for (year, category), n in cells.items():
        if year is None:
            continue
        which = {"category": category} if category else {"uncategorised": "1"}
        assert listed(client, year=year, **which, **extra) == n, (year, category)
    for (province, country), n in figures(client, "province", "province", "country", **extra).items():
        assert listed(client, country=country, region=province or "(none)", **extra) == n
    for (city,), n in figures(client, "prefecture", "city", province_name="湖北省", **extra).items():
        assert listed(client, province="湖北省", city=city, **extra) == n
    for (country,), n in figures(client, "country", "country", **extra).items():
        assert listed(client, country=country, **extra) == n
    for (buyer,), n in figures(client, "buyers", "buyer", **extra).items():
        assert listed(client, buyer=buyer, **extra) == n
    for (vendor,), n in figures(client, "vendors", "vendor", **extra).items():
        assert listed(client, vendor=vendor, role="supplier", **extra) == n


def test_list_page_shows_the_total_and_refuses_unknown_parameters(client):
    html = client.get("/procurements", params={"year": "2019", "category": "facial_recognition"}).text
    assert re.search(r'data-total="1"', html)
    assert "宜昌市公安局人脸识别卡口建设项目" in html
    assert client.get("/procurements", params={"colour": "red"}).status_code == 422
    assert client.get("/api/procurements", params={"role": "supplier"}).status_code == 422
    assert client.get("/api/procurements", params={"vendor": "hikvision", "role": "boss"}).status_code == 422
    # a per-currency row of the tables opens that currency's procurements
    assert listed(client, vendor="hikvision", role="supplier", currency="RON") == 1


def test_vendor_page_counts_what_was_won_and_keeps_mentions_apart(client):
    html = client.get("/vendor/hikvision").text
    assert "Spend in notices" not in html
    assert re.search(r'id="won-total"><strong>Won: <a [^>]*>2</a>', html)
    assert "Mentioned in" in html
    # p-1's three notices (budget 5,000,000, award and contract 4,800,000) are one procurement
    # whose spend is its award value, never their sum; currencies stay apart
    spend = html[html.index('id="spend-won"') :]
    assert "4,800,000 CNY" in spend and "250,000 RON" in spend
    assert "14,600,000" not in html and "5,050,000" not in html
    assert listed(client, vendor="hikvision", role="supplier") == 2
    assert listed(client, vendor="hikvision", role="mentioned") == 0
    assert client.get("/vendor/nobody-at-all").status_code == 422


def test_buyer_and_place_pages_count_procurements_not_notices(client):
    html = client.get("/buyer", params={"name": "某市公安局"}).text
    assert re.search(r'id="profile-total"><strong><a [^>]*>1</a></strong> procurement, 3 notices', html)
    assert "4,800,000 CNY" in html and "14,600,000" not in html
    place = client.get("/place", params={"country": "CN", "province": "湖北省"}).text
    hubei = figures(client, "province", "province")[("湖北省",)]
    assert re.search(rf'id="profile-total"><strong><a [^>]*>{hubei}</a>', place)


def test_dashboard_says_what_it_does_not_apply(client):
    html = client.get("/dashboard", params={"q": "人脸"}).text
    assert 'id="q-not-applied"' in html and "not</strong> apply the search query “人脸”" in html
    assert 'href="/?q=%E4%BA%BA%E8%84%B8"' in html
    assert 'id="q-not-applied"' not in client.get("/dashboard").text
    # the chart links carry the dashboard's filters but not the query the counts cannot apply
    dash = re.search(r'data-link-qs="([^"]*)"', client.get("/dashboard?q=x&year=2019").text)
    assert dash and dash.group(1) == "year=2019"


def test_places_outside_china_are_not_chinese_provinces():
    rows = [
        {"province": "湖北省", "country": "CN", "admin_code": "420000", "procurements": 3},
        {"province": "UKM72", "country": "GB", "admin_code": None, "procurements": 2},
        {"province": None, "country": "RO", "admin_code": None, "procurements": 1},
    ]
    chinese, elsewhere = split_places(rows)
    assert [r["province"] for r in chinese] == ["湖北省"]
    assert [(r["country"], r["province"]) for r in elsewhere] == [("GB", "UKM72"), ("RO", None)]


def test_one_colour_per_category_served_to_every_page(client):
    colours = palette()
    assert len(set(colours.values())) == len(colours) == 17
    assert client.get("/api/palette").json() == colours
    assert client.get("/api/palette", params={"x": "1"}).status_code == 422
    css = client.get("/palette.css")
    assert css.headers["content-type"].startswith("text/css") and colours["voiceprint"] in css.text
    for url in ("/dashboard", "/vendor/hikvision", "/procurements"):
        assert "data-palette=" in client.get(url).text
