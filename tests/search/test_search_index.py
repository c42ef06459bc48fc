"""The tantivy index: Chinese two-character, phrase, mixed and other-language queries; sync."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import pyarrow as pa
import pytest
import tantivy
from tests.corpus import ROWS, Row, build_store

from procurewatch.search.index import (
    FACET_FIELDS,
    SearchError,
    _add_batch,
    index_dir_for,
    parse_user_query,
    rebuild_index,
    search_ids,
    sync_index,
)
from procurewatch.search.tokens import bigram_tokens, seg_tokens


def ids(store: Path, query: str) -> set[str]:
    return set(search_ids(store, query).ids)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("人脸", {"n-tender-1", "n-award-1", "n-contract-1", "n-xss-1", "n-cam-1"}),
        ("卡口", {"n-tender-1", "n-award-1", "n-contract-1"}),
        ("声纹", {"n-voice-1"}),
        ("监控", {"n-water-1", "n-xss-1", "n-cam-1"}),
    ],
)
def test_two_character_chinese_queries_find_every_notice_containing_them(store, query, expected):
    assert ids(store, query) == expected


def test_phrase_query_is_an_exact_substring(store):
    # 识别卡口 occurs only in the p-1 titles; 人脸 and 识别 elsewhere do not make a match
    assert ids(store, '"识别卡口"') == {"n-tender-1", "n-award-1", "n-contract-1"}
    assert ids(store, '"门禁与视频"') == {"n-cam-1"}
    assert ids(store, '"卡口人脸"') == set()


def test_mixed_query_with_vendor_words_and_year_combines_all_terms(store):
    # 2019 matches the publication year; 海康 only the notices naming 海康威视
    assert ids(store, "海康 人脸识别 2019") == {"n-award-1", "n-contract-1"}


def test_other_languages_through_word_tokens_case_insensitive(store):
    assert ids(store, "supraveghere") == {"n-ro-1"}
    assert ids(store, "SUPRAVEGHERE") == {"n-ro-1"}
    # a vendor's name also finds its other names (海康威视 in the Chinese notices)
    assert ids(store, "HIKVISION") == ids(store, "hikvision") >= {"n-ro-1"} | ids(store, "海康威视")
    assert ids(store, '"supraveghere video"') == {"n-ro-1"}
    # words with letters beyond ASCII (rjieba used to cut them into letters, which no query found)
    assert ids(store, "recunoaștere") == {"n-ro-1"}
    assert ids(store, "ACHIZIȚIONEAZĂ") == {"n-ro-1"}


def test_exclusion_and_single_character(store):
    assert ids(store, "人脸 -卡口") == {"n-xss-1", "n-cam-1"}
    assert "n-voice-1" in ids(store, "纹")


def test_relevance_ranks_title_and_repeated_matches_first(store):
    hits = search_ids(store, "声纹")
    assert hits.ids[0] == "n-voice-1"
    assert hits.scores == sorted(hits.scores, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "title:(a AND",
        "' OR 1=1; DROP TABLE notices; --",
        "a* ~2 ^3 [1 TO 2]",
        '"unclosed 人脸',
        "\\",
        "((((",
        "-",
    ],
)
def test_index_syntax_is_never_passed_through(store, query):
    try:
        search_ids(store, query)
    except SearchError as exc:
        assert "no words" in str(exc)


def test_empty_query_is_a_clear_error(store):
    with pytest.raises(SearchError, match="no words"):
        search_ids(store, '"" *')


def test_tokens():
    assert bigram_tokens("人脸识别，卡口") == ["人脸", "脸识", "识别", "卡口"]
    assert "2019" in seg_tokens("2019年海康威视DS-2CD3T47")
    assert parse_user_query('-"a b" c').parts[0].negate


def test_sync_is_incremental_and_drops_notices_gone_from_the_store(tmp_path):
    db = build_store(tmp_path / "s.duckdb", ROWS[:3])
    assert sync_index(db) == 3
    assert sync_index(db) == 0
    import duckdb

    extra = Row("n-new", "新增声纹采集项目", "声纹设备", "2023-01-01")
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM notices WHERE id = 'n-award-1'")
    con.close()
    build_store(db, [extra])
    assert sync_index(db) == 1
    assert ids(db, "声纹") == {"n-new"}
    assert "n-award-1" not in ids(db, "人脸")
    shutil.rmtree(index_dir_for(db))
    assert rebuild_index(db) == 3


class _Recorder:
    """A writer that keeps the documents it is given."""

    def __init__(self) -> None:
        self.docs: list[dict[str, list[object]]] = []

    def add_document(self, doc: tantivy.Document) -> None:
        self.docs.append(doc.to_dict())


def test_a_notices_document_holds_its_values_and_leaves_out_missing_ones():

    names = ["id", "key", "year", "text", "day", "relevant", *FACET_FIELDS]
    scalars = {"country": ["CN", None], "province": ["浙江", None], "notice_type": ["tender", None]}
    scalars |= {"language": ["zh", None], "buyer": ["杭州市公安局", None], "city": [None, "杭州"]}
    lists = {"category": [["cctv", None], None], "vendor": [[], ["hikvision", "dahua"]]}
    lists |= {"buyer_type": [["police"], []]}
    columns = [
        pa.array(["n-1", "n-2"]),
        pa.array([7, 8], pa.uint64()),
        pa.array([2024, None], pa.int64()),
        pa.array(["", ""]),
        pa.array([19800, None], pa.int32()),
        pa.array([True, None]),
        *[
            pa.array(scalars[name]) if name in scalars else pa.array(lists[name], pa.list_(pa.string()))
            for name in FACET_FIELDS
        ],
    ]
    recorder = _Recorder()
    writer = cast(tantivy.IndexWriter, recorder)
    batch = pa.RecordBatch.from_arrays(columns, names)
    assert _add_batch(writer, batch, ["a b", "c"], ["人脸 ", ""], False) == 2
    assert recorder.docs == [
        {
            "id": ["n-1"],
            "seg": ["a b"],
            "bigram": ["人脸 "],
            "key": [7],
            "year": [2024],
            "day": [19800],
            "relevant": [1],
            "country": ["CN"],
            "province": ["浙江"],
            "notice_type": ["tender"],
            "language": ["zh"],
            "buyer": ["杭州市公安局"],
            "category": ["cctv"],
            "buyer_type": ["police"],
        },
        {
            "id": ["n-2"],
            "seg": ["c"],
            "bigram": [""],
            "key": [8],
            "relevant": [0],
            "city": ["杭州"],
            "vendor": ["hikvision", "dahua"],
        },
    ]
