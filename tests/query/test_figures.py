"""Figures an editor can publish: flagged amounts, growth bases, partial years, distinct notices,
entity tables, exchange rates through the current year. Small stores built row by row."""

from __future__ import annotations

import pytest

from link.rows import insert, new_store, notice
from procurewatch.link.run import link_pending
from procurewatch.query import counts as a
from query.figure_rows import cam


def ordinary(n, year="2025", **kw):
    """n ordinary surveillance procurements of ~1 million CNY, one buyer each."""
    return [
        cam(
            f"第{i}号视频监控点位建设项目" + ("" if year == "2025" else year),
            1_000_000 + i * 1000,
            published=f"{year}-0{1 + i % 9}-1{i % 9}",
            buyer=f"某县第{i}公安分局",
            **kw,
        )
        for i in range(n)
    ]


@pytest.fixture()
def store():
    con = new_store()
    rows = ordinary(12)
    rows += [
        # a 万元/元 slip inside one procurement: the tender says 627358.49万元, its correction 627358.49元
        cam(
            "数据中心配套集成服务项目询比公告",
            6_273_584_900.0,
            buyer="某电信分公司",
            project_code="DC-1",
            published="2025-08-14",
        ),
        cam(
            "数据中心配套集成服务项目询比公告（变更）",
            627_358.49,
            buyer="某电信分公司",
            project_code="DC-1",
            notice_type="amendment",
            published="2025-08-15",
        ),
        # implausible for its category: a glass factory with a camera line item
        cam(
            "电子玻璃项目设备采购及安装中标候选人公示",
            652_878_211.92,
            buyer="某新材料公司",
            notice_type="award",
            amount_kind="award",
            published="2025-06-01",
        ),
        # a slip across two procurements of one buyer (no project code to link them)
        cam("社区监控改造项目采购公告", 3_500_000_000.0, buyer="某街道办事处", published="2025-05-01"),
        cam(
            "社区监控改造二期采购结果",
            350_000.0,
            buyer="某街道办事处",
            published="2025-05-20",
            notice_type="award",
            amount_kind="award",
        ),
    ]
    insert(con, *rows)
    link_pending(con)
    return con


def flags_by_title(con, f=None):
    out = {}
    for row in a.flagged_amounts(con, f or a.Filters()):
        out.setdefault(row["title"], set()).add(row["rule"])
    return out


def test_amounts_are_flagged_with_rule_and_evidence(store):
    rows = a.flagged_amounts(store, a.Filters())
    flags = flags_by_title(store)
    # the procurement's spend is its latest budget (the correction's 627,358.49): not an outlier, but its
    # notices disagree
    assert flags["数据中心配套集成服务项目询比公告"] == {"disagreement"}
    assert flags["电子玻璃项目设备采购及安装中标候选人公示"] == {"outlier"}
    assert "unit_slip" in flags["社区监控改造项目采购公告"]
    assert not any(t.startswith("第") for t in flags)  # ordinary amounts are not flagged
    (slip,) = [r for r in rows if r["rule"] == "disagreement"]
    assert "627,358.49" in slip["evidence"] and "6,273,584,900.00" in slip["evidence"]
    assert "10,000×" in slip["evidence"] and len(slip["notices"]) == 2
    (glass,) = [r for r in rows if r["title"].startswith("电子玻璃")]
    assert "median" in glass["evidence"] and "video_surveillance" in glass["evidence"]
    assert glass["buyer"] == "某新材料公司" and glass["spend_currency"] == "CNY"


def test_totals_and_years_give_spend_with_and_without_flagged_amounts(store):
    (cny,) = [r for r in a.totals(store, a.Filters()) if r["spend_currency"] == "CNY"]
    ordinary_spend = sum(1_000_000 + i * 1000 for i in range(12))
    assert cny["spend_value_excl_flagged"] == pytest.approx(ordinary_spend)
    assert cny["spend_value"] == pytest.approx(ordinary_spend + 627_358.49 + 652_878_211.92 + 3.5e9 + 350_000)
    assert cny["procurements_flagged"] == 4  # data centre, glass, both halves of the street-office slip
    (year,) = [r for r in a.by_year(store, a.Filters()) if r["spend_currency"] == "CNY"]
    assert year["spend_value_excl_flagged"] == pytest.approx(ordinary_spend)


def test_procurement_rows_carry_their_flags(store):
    rows = a.procurements(store, a.Filters(), limit=100)
    by_title = {r["title"]: r for r in rows}
    assert by_title["电子玻璃项目设备采购及安装中标候选人公示"]["amount_flags"] == ["outlier"]
    assert by_title["第1号视频监控点位建设项目"]["amount_flags"] == []
    assert len(a.procurements(store, a.Filters(), amount_flagged=True)) == 4


def test_outlier_needs_a_group_large_enough():
    con = new_store()
    insert(con, *ordinary(3), cam("电子玻璃项目设备采购", 652_878_211.92, buyer="某新材料公司"))
    link_pending(con)
    assert flags_by_title(con) == {}  # 4 procurements: too few to call anything implausible


def test_growth_needs_a_minimum_base_and_marks_partial_years():
    con = new_store()
    insert(con, *ordinary(1, year="2024"), *ordinary(12, year="2025"))
    # the store runs from the first notice of 2024 to mid-2025
    insert(con, cam("晚到的监控项目", 1_000_000, published="2025-06-30", buyer="某乡政府"))
    link_pending(con)
    g = a.growth(con, a.Filters(), 2024, 2025)
    assert (g["base_count"], g["current_count"]) == (1, 13)
    assert g["change_pct"] is None and g["min_base"] == 10
    assert "base below 10" in g["note"]
    assert g["current_partial"] and "2025 is partial" in g["note"]
    assert a.growth(con, a.Filters(), 2024, 2025, min_base=1)["change_pct"] == 1200.0
    years = {r["year"]: r["partial"] for r in a.by_year(con, a.Filters())}
    assert years == {2024: True, 2025: True}  # the store's first notice is not on 1 January either
    cover = a.coverage(con)
    assert [y["year"] for y in cover["years"]] == [2024, 2025]
    assert sum(s["notices"] for s in cover["sources"]) == 14


def _copies(row, path):
    copy = dict(row, path=path)
    copy.pop("id")
    return notice(
        copy.pop("title"), copy.pop("body"), **{k: v for k, v in copy.items() if k != "fingerprint"}
    )


def test_a_notice_stored_twice_counts_once_in_every_notices_figure():
    releases = [
        notice(
            "CCTV maintenance tender",
            "Tender for CCTV maintenance." * 5,
            ocid="ocds-1",
            country="GB",
            language="en",
            relevant=True,
            score=0.8,
            published="2025-02-01",
            notice_type="tender",
            amount_value=100_000.0,
            amount_currency="GBP",
            amount_kind="budget",
            categories=[("video_surveillance", "CCTV")],
            path="uk/a.json",
            locator="r1",
        ),
        notice(
            "CCTV maintenance award",
            "Award for CCTV maintenance." * 5,
            ocid="ocds-1",
            country="GB",
            language="en",
            relevant=True,
            score=0.8,
            published="2025-04-01",
            notice_type="award",
            amount_value=90_000.0,
            amount_currency="GBP",
            amount_kind="award",
            categories=[("video_surveillance", "CCTV")],
            path="uk/a.json",
            locator="r2",
        ),
    ]
    con = new_store()
    insert(con, *releases)
    link_pending(con)
    f = a.Filters()
    before = (a.totals(con, f), a.by_year(con, f), a.top_buyers(con, f), a.data_vintage(con)["notices"])
    insert(con, *(_copies(r, "uk-again/a.json") for r in releases))  # the same releases, another file name
    link_pending(con)
    after = (a.totals(con, f), a.by_year(con, f), a.top_buyers(con, f), a.data_vintage(con)["notices"])
    assert after == before
    assert before[0][0]["notices"] == 2
    (proc,) = a.procurements(con, f)
    assert proc["notices"] == 2
    assert a.data_vintage(con)["stored_notices"] == 4


def test_unlinked_copies_are_one_procurement():
    con = new_store()
    row = cam("视频监控采购", 1.0, buyer="某局")
    insert(con, row, _copies(row, "elsewhere.jsonl"))
    (total,) = a.totals(con, a.Filters())
    assert (total["procurements"], total["notices"]) == (1, 1)


def test_entities_are_one_row_each_and_places_abroad_are_not_provinces():
    con = new_store()
    insert(
        con,
        cam("监控项目一", 1e6, buyer="Same Buyer"),
        cam(
            "CCTV upgrade",
            2e5,
            buyer="Same Buyer",
            amount_currency="GBP",
            country="GB",
            province="UKM72",
            language="en",
        ),
        cam("监控项目三", None, buyer="Same Buyer", amount_currency=None, amount_kind=None),
        cam(
            "Videovigilancia",
            3e6,
            buyer="Alcaldía",
            amount_currency="MXN",
            country="MX",
            province="DEL. ALVARO OBREGON",
            language="es",
        ),
    )
    link_pending(con)
    f = a.Filters()
    (buyer,) = [r for r in a.per_entity(a.top_buyers(con, f), ["buyer"]) if r["buyer"] == "Same Buyer"]
    assert buyer["procurements"] == 3
    assert (buyer["spend_CNY"], buyer["spend_GBP"]) == (1e6, 2e5)
    assert {r["province"] for r in a.by_province(con, f)} == {"湖北省"}
    assert {(r["country"], r["region"]) for r in a.by_region(con, f)} == {
        ("GB", "UKM72"),
        ("MX", "DEL. ALVARO OBREGON"),
    }
    countries = a.per_entity(a.by_country(con, f), ["country"])
    assert sorted(r["country"] for r in countries) == ["CN", "GB", "MX"]


def test_rates_reach_the_current_year_and_missing_rates_say_so():
    con = new_store()
    insert(
        con,
        cam("监控项目2025", 7.19e6, published="2025-05-01", buyer="甲"),
        cam("监控项目2026", 7.08e6, published="2026-05-01", buyer="乙"),
        cam("监控项目2031", 1e6, published="2031-05-01", buyer="丙"),
    )
    link_pending(con)
    rows = {r["spend_currency"]: r for r in a.totals(con, a.Filters(convert_to="USD"))}
    assert rows["USD"]["spend_value"] == pytest.approx(2e6, rel=0.01)
    assert rows["CNY"]["spend_value"] == 1e6
    assert rows["CNY"]["spend_note"].startswith("not converted: no CNY/USD rate for 2031")
    for currency in {c for _, c, _ in a.knowledge.fx_rows()}:
        years = {y for y, c, _ in a.knowledge.fx_rows() if c == currency}
        assert {2025, 2026} <= years, currency
