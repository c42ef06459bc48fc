"""What a record's keys mean is worked out once per place in a shape and kept (sources/fields.py Slot):
a record must read the same whatever records were read before it, and however many shapes were met."""

from __future__ import annotations

from typing import Any

import pytest

from procurewatch.model import Document
from procurewatch.sources import fields
from procurewatch.sources.fields import record_to_document

# the same keys holding a list of names in one record and a list of objects (a bidder table) in the next
NAMES = {
    "标题": "某市视频监控设备采购中标公告",
    "中标人": ["甲科技有限公司", "乙电子有限公司"],
    "预算金额": "120万元",
}
TABLE = {
    "标题": "某县公安局监控平台建设项目中标候选人公示",
    "中标人": [{"中标人": "丙信息技术有限公司", "预算金额": "99万元"}],
    "采购人": "某县公安局",
    "公告类型": "中标候选人公示",
}
NESTED = {
    "parsed_data": {
        "project_name": "治安卡口改造",
        "bidders_and_prices": [{"bidder": "丁公司", "price": "80万元"}],
    },
    "raw_data": {"title": "治安卡口改造中标候选人公示", "infodate": "2025-06-13"},
    "awards": [{"value": {"amount": 12, "currency": "EUR"}}, {"value": {"amount": 30}}],
}
ONE: dict[Any, Any] = {1: "one", "1": "string one", None: "none", 2.5: "half"}
TRUE: dict[Any, Any] = {True: "yes", "a.b": "dotted", "a": {"b": "nested"}}  # True is the dict key 1


def _read(record: dict[Any, Any]) -> Document:
    return record_to_document(record, path="crawl.jsonl", locator="1", source_key="/crawl.jsonl")


def _alone(record: dict[Any, Any], monkeypatch: pytest.MonkeyPatch) -> Document:
    with monkeypatch.context() as patch:
        patch.setattr(fields, "_SHAPES", fields._Shapes())
        return _read(record)


@pytest.mark.parametrize("order", [(NAMES, TABLE, NESTED, ONE, TRUE), (TRUE, ONE, NESTED, TABLE, NAMES)])
def test_a_record_reads_the_same_after_other_shapes(
    order: tuple[dict[Any, Any], ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fields, "_SHAPES", fields._Shapes())
    for record in order + order:
        assert _read(record) == _alone(record, monkeypatch)


def test_members_of_a_list_of_objects_never_feed_fields_after_a_list_of_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fields, "_SHAPES", fields._Shapes())
    assert _read(NAMES).hints["suppliers"] == ["甲科技有限公司", "乙电子有限公司"]
    table = _read(TABLE)
    assert "suppliers" not in table.hints  # a bidder in a table is not a winner
    assert [a["value"] for a in table.hints.get("amounts", [])] == []
    assert "中标人: 丙信息技术有限公司" in table.body


def test_the_shapes_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = fields._Shapes()
    monkeypatch.setattr(shapes, "MAX_SLOTS", 50)
    monkeypatch.setattr(fields, "_SHAPES", shapes)
    records = [{f"key{i}_{j}": f"value {j}" for j in range(20)} | {"标题": f"公告 {i}"} for i in range(10)]
    for record in records:
        assert _read(record) == _alone(record, monkeypatch)
    assert len(shapes.root().children) <= 50 + 21  # dropped whole once past the bound (checked per record)


# one crawler's keys, with values that change what each key may feed: stated or not, an absolute or a
# relative link, a short or a long region, a country code or not, a title or an empty one
SAME_KEYS = [
    {"标题": "某市监控采购公告", "url": "https://x.cn/a", "地区": "湖北", "country": "CN", "预算": "10万元"},
    {"标题": "", "url": "/a.html", "地区": "湖北" * 30, "country": "Atlantis", "预算": "公告未明确列示"},
    {"标题": "公告未明确列示", "url": "https://y.cn/b", "地区": "无", "country": "n/a", "预算": "12"},
    {"标题": "某县监控平台中标公告", "url": "/b.html", "地区": "宜昌", "country": "RO", "预算": "€ 30"},
    {"标题": "<p>某县</p>", "url": "http://z.cn/c", "地区": "宜昌", "country": "Romania", "预算": "-"},
]


def test_records_of_one_shape_read_the_same_whatever_came_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fields, "_SHAPES", fields._Shapes())
    for record in SAME_KEYS + SAME_KEYS[::-1] + SAME_KEYS:
        assert _read(record) == _alone(record, monkeypatch)
