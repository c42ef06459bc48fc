"""Scraped records: JSON object/array/wrapper, JSONL, CSV/TSV, nested fields, --field mapping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from procurewatch.sources import records
from procurewatch.sources.fields import split_consortium

from .helpers import only_document, read_all


def test_nested_award_record_gives_title_body_and_hints(fixtures_dir: Path) -> None:
    doc = only_document(fixtures_dir / "sources" / "yichang-award.json")
    assert doc.kind == "record" and doc.locator == ""
    assert doc.title == "猇亭区治安卡口及视频监控补点建设项目中标结果公告"
    assert doc.hints["buyer"] == "宜昌市公安局猇亭区分局"
    assert doc.hints["suppliers"] == ["示例数字科技有限公司", "示例安防工程有限公司"]
    assert doc.hints["amounts"] == [
        {"value": "2392424.39元", "currency": None, "kind": "award", "field": "parsed_data.中标价(元)"}
    ]
    assert doc.hints["published"] == "2025-11-05"
    assert doc.hints["project_code"] == "YCA099001-202510-01"
    assert doc.hints["region"] == "宜昌市猇亭区"
    assert doc.url == "/jyxx/003001/003001005/20251105/0f3c9a52-7d1e-4b8a-9c55-2e1a7f60b0c1.html"
    lines = doc.body.split("\n")
    assert (
        "中标范围和内容: 新建高清视频监控点位46个、治安卡口4处，含前端摄像机、立杆、光纤链路及平台接入。"
        in lines
    )
    assert "中标人: 示例数字科技有限公司、示例安防工程有限公司联合体" in lines
    assert not any(line.startswith(("infoid:", "infourl:")) for line in lines)
    assert doc.title not in doc.body  # the title is its own field, not repeated


def test_wrapper_object_yields_each_listed_record(fixtures_dir: Path) -> None:
    docs, errors = read_all(fixtures_dir / "sources" / "telecom-wrapper.json")
    assert not errors
    assert [d.locator for d in docs] == ["0", "1"]
    first, second = docs
    assert first.title == "中国电信示例分公司2026年雪亮工程视频巡控服务采购项目"
    assert first.url == "https://caigou.example.cn/notice/1001"
    assert first.hints["amounts"] == [
        {"value": "71.8万元", "currency": None, "kind": "budget", "field": "budget"}
    ]
    assert first.hints["notice_type"] == "采购公告"  # the numeric code "2" says nothing
    assert first.hints["region"] == "江西"
    assert first.hints["project_code"] == "CTJX-2026-0718"
    assert "purchaseContent: 雪亮工程前端视频监控点位巡检、维修及平台运维服务。" in first.body
    assert "amounts" not in second.hints  # "公告未明确列示" is not an amount


def test_candidate_bidders_are_not_suppliers_and_broken_line_is_located(fixtures_dir: Path) -> None:
    docs, errors = read_all(fixtures_dir / "sources" / "candidates.jsonl")
    assert [d.locator for d in docs] == ["1", "2", "4"]
    assert len(errors) == 1 and errors[0].locator == "3" and "broken JSON line" in errors[0].reason
    first = docs[0]
    assert first.title == "某区派出所弱电信息化工程中标候选人公示"
    assert "suppliers" not in first.hints and "amounts" not in first.hints
    assert "bidder: 甲通信技术有限公司" in first.body.split("\n")  # still searchable text
    assert first.url == "https://ggzy.example.gov.cn/jyxx/c1.html"


def test_json_array_streams_with_index_locators(tmp_path: Path) -> None:
    rows = [
        {"标题": f"某县视频监控采购{i}", "采购人": "某县公安局", "预算金额": f"{i}万元"} for i in range(5)
    ]
    target = tmp_path / "array.json"
    target.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    docs, errors = read_all(target)
    assert not errors
    assert [(d.locator, d.title) for d in docs] == [(str(i), f"某县视频监控采购{i}") for i in range(5)]
    assert docs[3].hints["amounts"][0]["value"] == "3万元"


def test_large_wrapper_is_streamed_without_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "SMALL_JSON", 0)  # force the streaming path
    payload = {
        "fetchedAt": "2026-01-01",
        "source": "站点",
        "items": [{"title": f"公告{i}"} for i in range(50)],
    }
    target = tmp_path / "wrapped.json"
    target.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    docs, errors = read_all(target)
    assert not errors
    assert [d.title for d in docs] == [f"公告{i}" for i in range(50)]


def test_truncated_array_keeps_what_came_before(tmp_path: Path) -> None:
    text = json.dumps([{"title": "甲"}, {"title": "乙"}, {"title": "丙"}], ensure_ascii=False)
    target = tmp_path / "cut.json"
    target.write_text(text[:-12], encoding="utf-8")
    docs, errors = read_all(target)
    assert [d.title for d in docs] == ["甲", "乙"]
    assert len(errors) == 1 and errors[0].locator == "2"


def test_gb18030_json_and_jsonl(tmp_path: Path) -> None:
    record = {"标题": "猇亭区监控采购", "中标供应商": "某某科技有限公司"}
    (tmp_path / "one.json").write_bytes(json.dumps(record, ensure_ascii=False).encode("gb18030"))
    (tmp_path / "many.jsonl").write_bytes(
        "\n".join(json.dumps(record, ensure_ascii=False) for _ in range(3)).encode("gb18030")
    )
    docs, errors = read_all(tmp_path)
    assert not errors
    assert [d.title for d in docs] == ["猇亭区监控采购"] * 4
    assert docs[0].hints["suppliers"] == ["某某科技有限公司"]


def test_tsv_with_chinese_headers_and_unit_in_header(fixtures_dir: Path) -> None:
    docs, errors = read_all(fixtures_dir / "sources" / "notices.tsv")
    assert not errors
    assert [d.locator for d in docs] == ["1", "2"]
    first = docs[0]
    assert first.title == "某县公安局人脸识别门禁系统采购"
    assert first.hints["buyer"] == "某县公安局"
    assert first.hints["published"] == "2025-12-01"
    assert first.hints["amounts"][0]["value"] == "58.6万元"
    assert first.hints["amounts"][0]["kind"] == "budget"
    assert "内容: 采购人脸识别门禁终端12台" in first.body


def test_gbk_csv_detected_without_extension(tmp_path: Path) -> None:
    text = (
        '项目名称,公告发布日期,中标人,成交金额\n某区雪亮工程运维,2025-03-01,某某网络有限公司,"1,399,748.33"\n'
    )
    target = tmp_path / "export.dat"
    target.write_bytes(text.encode("gbk"))
    doc = only_document(target)
    assert doc.kind == "record" and doc.locator == "1"
    assert doc.hints["suppliers"] == ["某某网络有限公司"]
    assert doc.hints["amounts"][0] == {
        "value": "1,399,748.33",
        "currency": None,
        "kind": "award",
        "field": "成交金额",
    }


def test_field_map_overrides_with_dotted_paths(tmp_path: Path) -> None:
    record = {
        "meta": {"headline": "某市天网工程扩容"},
        "org": {"unit": {"label": "某市公安局"}},
        "money": {"v": "12.5万元"},
    }
    target = tmp_path / "custom.json"
    target.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    docs, errors = read_all(
        target, field_map={"title": "meta.headline", "采购人": "org.unit", "amount.contract": "money.v"}
    )
    assert not errors
    (doc,) = docs
    assert doc.title == "某市天网工程扩容"
    assert doc.hints["buyer"] == "某市公安局"
    assert doc.hints["amounts"] == [
        {"value": "12.5万元", "currency": None, "kind": "contract", "field": "money.v"}
    ]


def test_english_field_names_and_rate_fields_are_not_amounts(tmp_path: Path) -> None:
    record = {
        "Project_Name": "City CCTV upgrade",
        "Purchaser": "City Council",
        "Winner": "Acme Ltd",
        "中标价(%)": "95.5",
        "PublishDate": "2024-02-03",
    }
    target = tmp_path / "en.json"
    target.write_text(json.dumps(record), encoding="utf-8")
    doc = only_document(target)
    assert doc.title == "City CCTV upgrade"
    assert doc.hints["buyer"] == "City Council"
    assert doc.hints["suppliers"] == ["Acme Ltd"]
    assert doc.hints["published"] == "2024-02-03"
    assert "amounts" not in doc.hints


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("甲建设集团有限公司、乙设计研究院联合体", ["甲建设集团有限公司", "乙设计研究院"]),
        ("联合体牵头人：甲科技有限公司；成员：乙通信有限公司", ["甲科技有限公司", "乙通信有限公司"]),
        ("甲科技有限公司", ["甲科技有限公司"]),
        ("中国联合网络通信有限公司宜昌市分公司", ["中国联合网络通信有限公司宜昌市分公司"]),
        ("详见附件、另行通知", ["详见附件、另行通知"]),
    ],
)
def test_consortium_split(raw: str, expected: list[str]) -> None:
    assert split_consortium(raw) == expected


def test_fixture_copies_keep_their_own_identity(fixtures_dir: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copy(fixtures_dir / "sources" / "yichang-award.json", tmp_path / f"{name}.json")
    docs, _ = read_all(tmp_path)
    assert len({d.source_key for d in docs}) == 2
    assert docs[0].body == docs[1].body


def test_a_winners_bracketed_alias_keeps_its_closing_bracket() -> None:
    from procurewatch.sources.fields import split_consortium

    assert split_consortium("示例市城市治理研究院（示例市风景园林规划研究院）") == [
        "示例市城市治理研究院（示例市风景园林规划研究院）"
    ]
    assert split_consortium("示例建设有限公司(联合体)") == ["示例建设有限公司"]
    assert split_consortium("（联合体）甲示例有限公司、乙示例有限公司") == [
        "甲示例有限公司",
        "乙示例有限公司",
    ]
