"""The near-duplicate candidates decided before the cut: those candidates.py offers and the Linker can
act on, and no others."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from link.rows import insert, new_store, notice
from link.test_components import _long_body
from procurewatch.link import near_plan
from procurewatch.link.components import plan_components
from procurewatch.link.decision import titles_agree
from procurewatch.link.keys import settings
from procurewatch.link.run import complete_pending_link_rows

TITLES = [
    "某市公安局视频监控前端点位建设项目",
    "某市公安局视频监控前端点位建设项目",  # the same title
    "某市公安局视频监控前端点位建设工程项目",  # two characters inserted
    "某市公安局视频监控前端点位建设项目新",  # one inserted
    "某市公安局音频监控前端点位建设项目",  # one replaced
    "关于某市公安局视频监控前端点位建设项目（第2次）",  # the other inside it
    "视频监控",  # inside the others, but short
    "",  # no title
    "人脸识别门禁系统采购",
    "人脸识别门禁系统采购2",
]


def _store_of_titles() -> tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]:
    con = new_store()
    rows = [
        notice(title, _long_body(3), path=f"{i}.html", published=f"2024-06-{i + 1:02d}")
        for i, title in enumerate(TITLES)
    ]
    insert(con, *rows)
    complete_pending_link_rows(con)
    return con, rows


def test_the_planned_candidates_are_the_pairs_whose_titles_agree() -> None:
    con, rows = _store_of_titles()
    plan_components(con)
    planned = set(con.execute("SELECT notice_id, other FROM _near_plan").fetchall())
    key = dict(con.execute("SELECT notice_id, title_key FROM notice_keys").fetchall())
    s = settings()
    expected = {
        (later["id"], earlier["id"])
        for i, later in enumerate(rows)
        for earlier in rows[:i]
        if titles_agree(key[later["id"]], key[earlier["id"]], s)
    }
    assert planned == expected
    assert len(expected) >= 5  # the rule was tried on pairs that agree, not only on ones that do not


def test_a_lone_notice_plans_no_candidates() -> None:
    con = new_store()
    insert(con, notice("某市公安局视频监控前端点位建设项目", _long_body(4)))
    complete_pending_link_rows(con)
    plan = plan_components(con)
    assert (plan.components, plan.largest) == (1, 1)
    assert con.execute("SELECT count(*) FROM _near_plan").fetchall() == [(0,)]


def test_planning_under_a_small_memory_limit_plans_alike_and_gives_the_limit_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con, _ = _store_of_titles()
    con.execute("SET memory_limit = '1GiB'")
    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    plan_components(con)
    planned = con.execute("SELECT * FROM _near_plan ORDER BY ALL").fetchall()
    monkeypatch.setattr(near_plan, "PLAN_MEMORY", 8 * 2**20)
    plan_components(con)
    assert con.execute("SELECT * FROM _near_plan ORDER BY ALL").fetchall() == planned
    assert len(planned) >= 5
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [(limit,)]


def test_each_notices_candidates_are_ranked_best_first_from_zero() -> None:
    con, _ = _store_of_titles()
    plan_components(con)
    ranked = con.execute("SELECT notice_id, rank, score FROM _near_plan ORDER BY notice_id, rank").fetchall()
    by_notice: dict[str, list[tuple[int, float]]] = {}
    for notice_id, rank, score in ranked:
        by_notice.setdefault(notice_id, []).append((rank, score))
    assert any(len(ranks) > 1 for ranks in by_notice.values())
    for ranks in by_notice.values():
        assert [rank for rank, _ in ranks] == list(range(len(ranks)))
        assert [score for _, score in ranks] == sorted((score for _, score in ranks), reverse=True)
    temporary = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    tables = {name for (name,) in temporary}
    assert not tables & {"_near_kept", "_near_edges", "_near_nodes"}  # planning's own tables are dropped
