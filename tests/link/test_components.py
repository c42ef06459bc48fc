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
from procurewatch.link.components import ComponentPlan, UnitPacking, plan_components
from procurewatch.link.keys import settings
from procurewatch.link.run import complete_pending_link_rows, link_pending
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


def test_the_plan_names_components_by_their_first_notice_and_packs_them_in_that_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # nodes in the order stored: 0 L1 · 1 s1 · 2 a · 3 L3 · 4 b · 5 p · 6 c · 7 L2 · 8 d · 9 s2 · 10 e
    # a, e, b, d, c: a chain by ocid and project code alternately (a and e share an ocid, e and b a
    # code...) that zigzags through the numbering, two rounds of hooks; p shares L1's code, and L1 is
    # in a procurement with L2 (no key of theirs in common): p reaches both. L3, linked alone, is not
    # shipped. Sizes in order 3 (L1), 1 (s1), 5 (a), 1 (s2), packed four notices to a unit.
    monkeypatch.setattr(components.plan_components, "__defaults__", (4,))
    keys = {
        "L1": ("", "HC2024001"), "s1": ("", ""), "a": ("ocds-1", ""), "L3": ("", ""),
        "b": ("ocds-2", "CODE-0002"), "p": ("", "HC2024001"), "c": ("", "CODE-0003"),
        "L2": ("", ""), "d": ("ocds-2", "CODE-0003"), "s2": ("", ""), "e": ("ocds-1", "CODE-0002"),
    }  # fmt: skip
    con = new_store()
    for n, (name, (ocid, code)) in enumerate(keys.items()):
        row = notice(f"第{n}号采购项目{name}", id=name, ocid=ocid or None, project_code=code or None)
        insert(con, row)
    complete_pending_link_rows(con)
    for name, procurement in (("L1", "P"), ("L2", "P"), ("L3", "Q")):
        con.execute("INSERT INTO notice_links VALUES (?, ?, 'first', 1.0, NULL)", [name, procurement])
    plan = plan_components(con)
    assert plan == ComponentPlan(pending=8, notices=10, components=4, largest=5, units=3, passes=1)
    assert sorted(con.execute("SELECT id, unit, pending FROM _link_unit").fetchall()) == sorted(
        [("L1", 0, False), ("p", 0, True), ("L2", 0, False), ("s1", 0, True)]
        + [(name, 1, True) for name in "abcde"]
        + [("s2", 2, True)]
    )


def _packed_one_by_one(sizes: list[int], unit_notices: int) -> list[int]:
    units, current, filled = [], 0, 0
    for size in sizes:
        if filled and filled + size > unit_notices:
            current, filled = current + 1, 0
        units.append(current)
        filled += size
    return units


@pytest.mark.parametrize("seed", range(8))
def test_units_packed_a_batch_at_a_time_are_those_packed_one_component_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count, unit_notices = int(rng.integers(1, 400)), int(rng.integers(1, 60))
    sizes = rng.integers(1, 2 * unit_notices + 2, count) if seed % 2 else rng.geometric(0.2, count)
    names = np.cumsum(rng.integers(1, 9, count))  # increasing, not consecutive
    packing = UnitPacking(unit_notices)
    cuts = np.sort(rng.choice(count + 1, size=min(count + 1, 6), replace=False))
    for lo, hi in zip([0, *cuts.tolist()], [*cuts.tolist(), count], strict=True):
        packing.add(names[lo:hi], sizes[lo:hi])
    units = np.searchsorted(np.array(packing.starts), names, side="right") - 1
    assert units.tolist() == _packed_one_by_one(sizes.tolist(), unit_notices)
    assert (packing.notices, packing.components, packing.largest) == (sizes.sum(), count, sizes.max())


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
