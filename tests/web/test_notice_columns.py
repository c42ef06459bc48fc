"""The in-memory search columns must give exactly what the SQL path gives: totals, every page,
every facet count, every sort, under combined filters — on the corpus of tests/web/corpus.py."""

from __future__ import annotations

import itertools

import pytest
from starlette.datastructures import QueryParams

from procurewatch.web.explorer import PER_PAGE, Explorer
from procurewatch.web.filters import NoticeFilters

QUERIES = ["", "人脸", "卡口", "监控", "-人脸", "hikvision"]
FILTER_SETS = [
    [],
    [("relevant", "1")],
    [("year", "2019")],
    [("year", "2019"), ("year", "2021")],
    [("province", "湖北省"), ("category", "facial_recognition")],
    [("country", "CN"), ("notice_type", "award"), ("notice_type", "tender")],
    [("vendor", "hikvision")],
    [("buyer_type", "public_security")],
    [("buyer_type", "public_security"), ("buyer_type", "government"), ("vendor", "iflytek")],
    [("buyer_type", "urban_mgmt"), ("language", "zh")],
    [("date_from", "2019-06"), ("date_to", "2021")],
    [("buyer", "某市公安局"), ("city", "宜昌市")],
    [("province", "不存在省")],
]


@pytest.fixture(scope="module")
def explorer(store):
    e = Explorer(store, prepare=True)
    assert e.notice_columns() is not None
    yield e
    e.close()


@pytest.mark.parametrize(("q", "pairs"), list(itertools.product(QUERIES, FILTER_SETS)))
def test_columns_match_sql(explorer, q, pairs):
    f = NoticeFilters.from_params(QueryParams([("q", q), *pairs] if q else pairs))
    hits = explorer._hits(f)
    columns = explorer.notice_columns()
    for sort in ("relevance", "date", "date_asc", "amount"):
        if hits is None and sort == "relevance":
            continue
        sql = explorer._search_sql(f, hits, sort, 1)
        mem = explorer._search_columns(columns, f, hits, sort, 1)
        assert (mem.total, mem.pages) == (sql.total, sql.pages)
        assert [r["id"] for r in mem.rows] == [r["id"] for r in sql.rows]
        assert mem.facets == sql.facets
    if sql.total:
        last = -(-sql.total // PER_PAGE)
        assert [r["id"] for r in explorer._search_columns(columns, f, hits, "date", last).rows] == [
            r["id"] for r in explorer._search_sql(f, hits, "date", last).rows
        ]


def test_columns_cover_every_stored_notice(explorer):
    (stored,) = explorer.con.execute("SELECT count(*) FROM notices").fetchone()
    assert explorer.notice_columns().n == stored
    facets = explorer.search(NoticeFilters()).facets
    assert sum(n for _, n in facets["notice_type"]) == stored
