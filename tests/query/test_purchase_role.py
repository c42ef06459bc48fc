"""Primary and component purchases are counted apart, in every figure and by every entry point."""

from __future__ import annotations

from dataclasses import replace

import pytest

from link.rows import insert, new_store, notice
from procurewatch.errors import FilterError
from procurewatch.link.run import link_pending
from procurewatch.query import counts as a
from procurewatch.query.filters import Filters, read_value
from procurewatch.review.decisions import record


@pytest.fixture()
def store():
    con = new_store()
    insert(
        con,
        notice("某县公安局视频监控系统采购", relevant=True, score=0.9, role="primary", published="2020-03-01",
               amount_value=1_000_000.0, amount_currency="CNY", amount_kind="award",
               categories=[("video_surveillance", "视频监控")]),
        notice("某数据中心建设工程（含智能监控子系统）", relevant=True, score=0.6, role="component",
               published="2020-05-01", amount_value=900_000_000.0, amount_currency="CNY", amount_kind="award",
               categories=[("video_surveillance", "监控")]),
        notice("某学校食堂设备采购", published="2020-06-01", amount_value=50_000.0, amount_currency="CNY",
               amount_kind="award"),
    )  # fmt: skip
    link_pending(con)
    yield con
    con.close()


def _cny(rows):
    return {r["spend_currency"]: (r["procurements"], r["spend_value"]) for r in rows}.get("CNY")


def test_headline_counts_primary_purchases_and_component_ones_apart(store):
    assert _cny(a.totals(store, Filters(role="primary"))) == (1, 1_000_000.0)
    assert _cny(a.totals(store, Filters(role="component"))) == (1, 900_000_000.0)
    assert _cny(a.totals(store, Filters())) == (2, 901_000_000.0)  # any: both, never silently
    assert _cny(a.totals(store, Filters(role="primary", relevant_only=False))) == (3, 901_050_000.0)


def test_a_reviewers_role_overrides_the_detected_one(store):
    component = a.procurements(store, Filters(role="component"))[0]["id"]
    record(store, component, "confirmed", role="primary", reviewer="ed")
    assert _cny(a.totals(store, Filters(role="primary")))[0] == 2
    assert (
        a.totals(store, Filters(role="component")) == []
        or _cny(a.totals(store, Filters(role="component"))) is None
    )


def test_the_purchase_filter_is_read_by_the_vocabulary():
    assert read_value("purchase", "Component") == "component"
    assert Filters.read(role="any").role is None
    with pytest.raises(FilterError) as caught:
        read_value("purchase", "secondary")
    assert "primary" in caught.value.valid


def test_the_report_gives_component_purchases_their_own_rows(store):
    from procurewatch.report.tables import build_report

    sections = build_report(store, Filters(role="primary"))
    assert _cny(sections["totals"]) == (1, 1_000_000.0)
    assert _cny(sections["totals_component"]) == (1, 900_000_000.0)
    assert "totals_component" not in build_report(store, replace(Filters(), role=None))
