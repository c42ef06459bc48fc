"""Counting rules and filters of analysis.py, on small stores built row by row and linked."""

from __future__ import annotations

import pytest

from link.rows import insert, new_store, notice
from procurewatch.link.run import link_pending
from procurewatch.query import counts as a


def cn(title, body, **kw):
    base = dict(country="CN", relevant=True, score=0.8, language="zh")
    base.update(kw)
    return notice(title, body, **base)


@pytest.fixture()
def store():
    con = new_store()
    body = "采购高清摄像机、人脸抓拍机及视频汇聚平台，含安装调试与三年维保服务。" * 4
    rows = [
        # one procurement, three notices: tender (budget) + re-post + award (award value)
        cn(
            "湖北某县公安局雪亮工程招标公告",
            body,
            buyer="某县公安局",
            notice_type="tender",
            published="2019-03-01",
            project_code="HB-2019-001",
            province="湖北省",
            city="宜昌市",
            admin_code="420506",
            amount_value=5e6,
            amount_currency="CNY",
            amount_kind="budget",
            title_match=True,
            categories=[("campaign_programs", "雪亮工程")],
            path="a.html",
        ),
        cn(
            "湖北某县公安局雪亮工程招标公告",
            body,
            buyer="某县公安局",
            notice_type="tender",
            published="2019-03-02",
            project_code="HB-2019-001",
            province="湖北省",
            city="宜昌市",
            admin_code="420506",
            amount_value=5e6,
            amount_currency="CNY",
            amount_kind="budget",
            title_match=True,
            categories=[("campaign_programs", "雪亮工程")],
            path="b.html",
        ),
        cn(
            "湖北某县公安局雪亮工程中标公告",
            "中标人：甲科技有限公司。",
            buyer="某县公安局",
            notice_type="award",
            published="2019-05-01",
            project_code="HB-2019-001",
            province="湖北省",
            city="宜昌市",
            admin_code="420506",
            amount_value=4.5e6,
            amount_currency="CNY",
            amount_kind="award",
            title_match=True,
            categories=[("campaign_programs", "雪亮工程")],
            suppliers=[("甲科技有限公司", None), ("海康威视", "hikvision")],
            mentions=["hikvision"],
        ),
        # 2010: one procurement, budget only, category only in the body
        cn(
            "某市城市管理局设备采购",
            "采购人脸识别门禁一套。" * 5,
            buyer="某市城市管理局",
            notice_type="tender",
            published="2010-06-01",
            province="广东省",
            city="广州市",
            admin_code="440100",
            amount_value=1e6,
            amount_currency="CNY",
            amount_kind="budget",
            categories=[("facial_recognition", "人脸识别")],
            mentions=["dahua"],
        ),
        # a UK procurement in GBP
        cn(
            "Public Facing CCTV System Upgrade",
            "Upgrade of the public CCTV network.",
            country="GB",
            language="en",
            buyer="North East Lincolnshire Council",
            notice_type="award",
            published="2019-07-01",
            amount_value=1.8e6,
            amount_currency="GBP",
            amount_kind="award",
            ocid="ocds-x-1",
            title_match=True,
            categories=[("video_surveillance", "CCTV")],
        ),
        # not surveillance
        cn(
            "某中学食堂设备采购",
            "采购冷柜灶具一批。" * 5,
            relevant=False,
            score=0.1,
            published="2019-02-01",
            amount_value=2e5,
            amount_currency="CNY",
            amount_kind="budget",
        ),
    ]
    insert(con, *rows)
    link_pending(con)
    return con


def total(rows, key="procurements"):
    return sum(r[key] or 0 for r in rows)


def test_counts_are_procurements_and_spend_prefers_award_per_currency(store):
    rows = a.totals(store, a.Filters())
    by_currency = {r["spend_currency"]: r for r in rows}
    assert set(by_currency) == {"CNY", "GBP"}  # never summed across currencies
    assert by_currency["CNY"]["procurements"] == 2
    assert by_currency["CNY"]["notices"] == 3  # tender, award, 2010 tender; the re-post counts once
    assert by_currency["CNY"]["spend_value"] == 4.5e6 + 1e6  # award replaces the budget, never both
    assert by_currency["CNY"]["spend_award_value"] == 4.5e6
    assert by_currency["CNY"]["spend_budget_value"] == 1e6
    assert by_currency["GBP"]["spend_value"] == 1.8e6


def test_every_aggregate_lists_its_procurements(store):
    f = a.Filters()
    for row in a.by_year_category(store, f):
        behind = a.procurements(
            store, f, year=row["year"], category=row["category"], spend_currency=row["spend_currency"]
        )
        assert len(behind) == row["procurements"]
    (proc,) = a.procurements(store, f, province="湖北省")
    notices = a.procurement_notices(store, proc["id"])
    assert [n["notice_type"] for n in notices] == ["tender", "tender", "award"]
    assert [n["reason"] for n in notices] == ["first", "fingerprint", "project_code"]
    assert a.notice_evidence(store, notices[0]["id"])[0]["text"] == "雪亮工程"


def test_filters(store):
    assert total(a.totals(store, a.Filters(relevant_only=False))) == 4
    assert total(a.totals(store, a.Filters(date_from="2019", date_to="2019-12-31"))) == 2
    assert total(a.totals(store, a.Filters(categories=["facial_recognition"]))) == 1
    assert total(a.totals(store, a.Filters(countries=["gb"]))) == 1
    assert total(a.totals(store, a.Filters(provinces=["湖北省"]))) == 1
    assert total(a.totals(store, a.Filters(title_only=True))) == 2
    assert total(a.totals(store, a.Filters(min_score=0.9))) == 0
    assert total(a.totals(store, a.Filters(vendors=["hikvision"]))) == 1
    assert total(a.totals(store, a.Filters(languages=["en"]))) == 1
    assert total(a.totals(store, a.Filters(notice_types=["award"]))) == 2
    assert total(a.totals(store, a.Filters(query="人脸识别门禁"))) == 1
    assert total(a.totals(store, a.Filters(buyer_types=["public_security"]))) == 1
    assert total(a.totals(store, a.Filters(buyer_types=["urban_mgmt"]))) == 1
    with pytest.raises(ValueError, match="unknown buyer type"):
        a.totals(store, a.Filters(buyer_types=["nonsense"]))
    with pytest.raises(ValueError, match="YYYY"):
        a.totals(store, a.Filters(date_from="last year"))


def test_growth_shows_base_counts(store):
    g = a.growth(store, a.Filters(), 2010, 2019, min_base=1)
    assert (g["base_count"], g["current_count"], g["change_pct"]) == (1, 2, 100.0)
    assert g["base_notices"] == 1 and g["current_notices"] == 3
    assert {s["currency"] for s in g["spend"]} == {"CNY", "GBP"}
    empty = a.growth(store, a.Filters(), 2005, 2019)
    assert empty["base_count"] == 0 and empty["change_pct"] is None  # no base: no percentage


def test_places_vendors_and_buyers(store):
    f = a.Filters()
    provinces = {r["province"]: r for r in a.by_province(store, f) if r["province"]}
    assert provinces["湖北省"]["admin_code"] == "420000"
    (yichang,) = [r for r in a.by_prefecture(store, f, province="湖北省")]
    assert (yichang["city"], yichang["admin_code"]) == ("宜昌市", "420500")
    assert {r["country"] for r in a.by_country(store, f)} == {"CN", "GB"}
    assert [r["vendor"] for r in a.top_vendors(store, f, by="awards")] == ["hikvision"]
    assert sorted(r["vendor"] for r in a.top_vendors(store, f, by="mentions")) == ["dahua", "hikvision"]
    assert {(r["vendor"], r["category"]) for r in a.categories_by_vendor(store, f)} == {
        ("hikvision", "campaign_programs"),
        ("dahua", "facial_recognition"),
    }
    assert a.top_buyers(store, f, limit=1)[0]["total_procurements"] == 1


def test_conversion_only_when_asked_and_labelled(store):
    rows = a.totals(store, a.Filters(convert_to="USD"))
    assert {r["spend_currency"] for r in rows} == {"USD"}
    assert all("fx_rates.csv" in r["spend_note"] for r in rows)
    cny_2019 = 4.5e6 / 6.9081
    assert abs(sum(r["spend_value"] for r in rows) - (cny_2019 + 1e6 / 6.7703 + 1.8e6 / 0.7838)) < 1
    assert all("spend_note" not in r for r in a.totals(store, a.Filters()))


def test_unlinked_notices_count_as_their_own_procurements():
    con = new_store()
    insert(
        con,
        cn(
            "视频监控采购",
            "摄像机" * 20,
            published="2020-01-01",
            amount_value=1.0,
            amount_currency="CNY",
            amount_kind="budget",
        ),
    )
    assert total(a.totals(con, a.Filters())) == 1
