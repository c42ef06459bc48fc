"""Linking cut into independent components, each linked apart (as on a cluster's workers), gives the
links of linking the whole store at once: in one pass or many, at once or incrementally."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import duckdb
import numpy as np
import pytest

from link.rows import insert, links, new_store, notice
from link.test_linking import BODY, _crowded_and_calm, _families
from procurewatch.link import components, unit
from procurewatch.link.components import ComponentPlan, connected, plan_components
from procurewatch.link.keys import settings
from procurewatch.link.run import link_pending
from procurewatch.link.unit import link_by_components


def procurements(con) -> list[tuple]:
    return sorted(
        con.execute(
            """SELECT * EXCLUDE (id), (SELECT string_agg(notice_id, ',' ORDER BY notice_id) FROM notice_links
               WHERE procurement_id = p.id) FROM procurements p"""
        ).fetchall(),
        key=repr,
    )


@pytest.fixture()
def one_component_per_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components.plan_components, "__defaults__", (1,))


def small_passes(monkeypatch: pytest.MonkeyPatch, **changes: int) -> None:
    changed = replace(settings(), **changes)
    for module in ("run", "components", "unit", "decision"):
        monkeypatch.setattr(f"procurewatch.link.{module}.settings", lambda: changed)


def test_connected_names_each_component_by_its_smallest_node() -> None:
    a = np.array([0, 3, 4, 6, 1])
    b = np.array([5, 5, 7, 7, 8])
    assert connected(a, b, 9).tolist() == [0, 1, 2, 0, 4, 0, 4, 4, 1]


@pytest.mark.parametrize("chunk", [25_000, 3])
def test_components_linked_apart_give_the_links_of_the_whole_store(
    monkeypatch: pytest.MonkeyPatch, one_component_per_unit: None, chunk: int
) -> None:
    small_passes(monkeypatch, pending_chunk=chunk)
    early, late = _families()
    whole, apart = new_store(), new_store()
    for con in (whole, apart):
        insert(con, *early, *late)
    assert link_pending(whole) == len(early) + len(late)
    assert link_by_components(apart) == len(early) + len(late)
    _assert_linked_alike(apart, whole)


def test_incremental_linking_apart_joins_the_stored_procurements(
    monkeypatch: pytest.MonkeyPatch, one_component_per_unit: None
) -> None:
    small_passes(monkeypatch, pending_chunk=4)
    early, late = _families()
    whole, apart = new_store(), new_store()
    for con in (whole, apart):
        insert(con, *early)
        link_pending(con)
        insert(con, *late)
    assert link_pending(whole) == len(late)
    assert link_by_components(apart) == len(late)
    _assert_linked_alike(apart, whole)


def test_crowded_buyers_are_counted_within_their_component(
    monkeypatch: pytest.MonkeyPatch, one_component_per_unit: None
) -> None:
    small_passes(monkeypatch, max_fuzzy_pool=3)
    stored, later = _crowded_and_calm()
    whole, apart = new_store(), new_store()
    for con in (whole, apart):
        insert(con, *stored)
        link_pending(con)
        insert(con, *later)
    link_pending(whole)
    link_by_components(apart)
    assert links(apart) == links(whole)


def test_a_bucket_too_big_to_pair_joins_nothing_and_pairs_nothing_in_a_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # eighty notices with one boilerplate body and a tail of their own: most LSH buckets they share
    # hold more than max_bucket of them and pair nothing in the store; they join no component, and a
    # unit of ten, where such a bucket would look small, must not pair through them either
    monkeypatch.setattr(components.plan_components, "__defaults__", (10,))
    tails = [hashlib.sha256(str(i).encode()).hexdigest()[:12] for i in range(80)]
    rows = [notice("", BODY + tail, published="2024-05-01") for tail in tails]
    whole, apart, plan = _linked_whole_and_planned_apart(rows)
    assert plan.largest < 80 and plan.units > 1
    link_by_components(apart)
    assert links(apart) == links(whole)


def _assert_linked_alike(apart: duckdb.DuckDBPyConnection, whole: duckdb.DuckDBPyConnection) -> None:
    assert links(apart) == links(whole)
    assert procurements(apart) == procurements(whole)


def _linked_whole_and_planned_apart(
    rows: list[dict[str, Any]],
) -> tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection, ComponentPlan]:
    """Two stores of `rows`: one linked whole, the other planned into components (not linked yet)."""
    whole, apart = new_store(), new_store()
    for con in (whole, apart):
        insert(con, *rows)
    link_pending(whole)
    unit.complete_pending_link_rows(apart)
    return whole, apart, plan_components(apart)


def _long_body(seed: int = 0) -> str:
    """Thousands of characters with few repeated shingles: a title's few characters change few minima."""
    return "".join(chr(0x4E00 + (i * 7919 + seed) % 20_000) for i in range(3_900))


def test_a_shared_bucket_joins_only_notices_whose_titles_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # twelve notices with one body and titles that disagree: one LSH bucket that pairs them all, and no
    # near-duplicate the Linker could accept, so twelve components (the buckets joined them into one)
    monkeypatch.setattr(components.plan_components, "__defaults__", (1,))
    items = ["摄像机", "门禁系统", "车辆卡口设备", "无人机", "服务器机柜", "对讲机"]
    items += ["显示大屏", "交换机", "硬盘录像机", "人脸识别终端", "执法记录仪", "警用头盔"]
    rows = [
        notice(f"某县{item}采购项目", _long_body(), published=f"2024-05-{i + 1:02d}")
        for i, item in enumerate(items)
    ]
    whole, apart, plan = _linked_whole_and_planned_apart(rows)
    assert (plan.components, plan.largest) == (12, 1)
    link_by_components(apart)
    assert links(apart) == links(whole)


def test_a_unit_keeps_the_candidates_the_cap_chose_in_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # z shares its buckets with a1, a2 (one character of the title replaced: never the same purchase)
    # and b (one character inserted: a re-post); at most two candidates, the first by id, so in the store
    # z never sees b. Cut apart and packed two components to a unit, z must not see b either.
    small_passes(monkeypatch, max_candidates=2)
    monkeypatch.setattr(components.plan_components, "__defaults__", (2,))
    title = "某市公安局视频监控前端点位建设项目"
    body = _long_body(1)
    rows = [
        notice(title.replace("视频", "音频"), body, id="a1", published="2024-05-01"),
        notice(title.replace("前端", "后端"), body, id="a2", published="2024-05-02"),
        notice(title.replace("项目", "工程项目"), body, id="b", published="2024-05-03"),
        notice(title.replace("项目", "工程"), body, id="z", published="2024-05-04"),
    ]
    whole, apart = new_store(), new_store()
    for con in (whole, apart):
        insert(con, *rows)
    link_pending(whole)
    assert links(whole)["z"][1] == "first"
    link_by_components(apart)
    assert links(apart) == links(whole)
