"""The in-memory search columns, and the filtering and counting inside the index used for broad
searches, must give exactly what the SQL path gives: totals, every page, every facet count, every
sort, under combined filters — on the corpus of tests/corpus.py."""

from __future__ import annotations

import itertools

import pytest

from procurewatch.query.explorer import Explorer
from procurewatch.query.filters import NoticeFilters
from procurewatch.query.notice_search import PER_PAGE, NoticeSearch

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
    [("province", "Hubei")],
]


@pytest.fixture(scope="module")
def explorer(store):
    e = Explorer(store, prepare=True)
    assert e.notice_columns() is not None
    yield e
    e.close()


@pytest.mark.parametrize(("q", "pairs"), list(itertools.product(QUERIES, FILTER_SETS)))
def test_columns_match_sql(explorer, q, pairs):
    f = NoticeFilters.from_pairs([("q", q), *pairs] if q else pairs)
    hits = explorer.searcher.hits(f)
    columns = explorer.notice_columns()
    for sort in ("relevance", "date", "date_asc", "amount"):
        if hits is None and sort == "relevance":
            continue
        sql = explorer.searcher.search_sql(f, hits, sort, 1)
        mem = explorer.searcher.search_columns(columns, f, hits, sort, 1)
        assert (mem.total, mem.pages) == (sql.total, sql.pages)
        assert [r["id"] for r in mem.rows] == [r["id"] for r in sql.rows]
        assert mem.facets == sql.facets
    if hits is not None:  # the broad-search path, whatever the number of hits
        for page in (1, 2):
            sql = explorer.searcher.search_sql(f, hits, "relevance", page)
            indexed = explorer.searcher.search_indexed(columns, f, page)
            assert (indexed.total, indexed.pages, indexed.page) == (sql.total, sql.pages, sql.page)
            assert [r["id"] for r in indexed.rows] == [r["id"] for r in sql.rows]
            assert indexed.facets == sql.facets
            assert indexed.terms == sql.terms
    if sql.total:
        last = -(-sql.total // PER_PAGE)
        assert [r["id"] for r in explorer.searcher.search_columns(columns, f, hits, "date", last).rows] == [
            r["id"] for r in explorer.searcher.search_sql(f, hits, "date", last).rows
        ]


def test_columns_cover_every_stored_notice(explorer):
    (stored,) = explorer.con.execute("SELECT count(*) FROM notices").fetchone()
    assert explorer.notice_columns().n == stored
    facets = explorer.search(NoticeFilters()).facets
    assert sum(n for _, n in facets["notice_type"]) == stored


def test_broad_path_breaks_score_ties_like_sql_on_every_page(tmp_path):
    from tests.corpus import Row, build_store

    from procurewatch.search.index import sync_index

    # identical texts score identically: page edges fall inside ties, resolved by date then id
    rows = [
        Row(f"tie-{i:03d}", "卡口设备采购", "车辆卡口", f"2020-{1 + i % 12:02d}-{1 + i % 5:02d}")
        for i in range(150)
    ]
    db = build_store(tmp_path / "ties.duckdb", rows)
    sync_index(db)
    e = Explorer(db, prepare=True)
    try:
        f = NoticeFilters(q="卡口")
        hits = e.searcher.hits(f)
        for page in range(1, 9):
            sql = e.searcher.search_sql(f, hits, "relevance", page)
            indexed = e.searcher.search_indexed(e.notice_columns(), f, page)
            assert [r["id"] for r in indexed.rows] == [r["id"] for r in sql.rows]
            assert (indexed.total, indexed.page) == (sql.total, sql.page) == (150, min(page, 8))
    finally:
        e.close()


def test_broad_searches_go_through_the_index_only_with_the_lexicon_they_were_indexed_with(store, monkeypatch):
    from procurewatch.query import notice_search
    from procurewatch.search import index as search_module

    monkeypatch.setattr(notice_search, "BROAD_HITS", 0)
    used = []
    real = NoticeSearch.search_indexed
    monkeypatch.setattr(NoticeSearch, "search_indexed", lambda self, *a: used.append(1) or real(self, *a))
    f = NoticeFilters(q="人脸")
    e = Explorer(store, prepare=True)
    try:
        assert e.index.facets_current
        expected = e.search(f)
        assert used and expected.total == 5
    finally:
        e.close()
    used.clear()
    monkeypatch.setattr(search_module, "purchasers_fingerprint", lambda: "another lexicon")
    e = Explorer(store, prepare=True)
    try:
        assert not e.index.facets_current
        again = e.search(f)  # answered in memory instead, with the same counts
        assert not used and again.facets == expected.facets and again.total == expected.total
    finally:
        e.close()
