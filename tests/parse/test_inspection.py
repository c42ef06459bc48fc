"""inspect_file / render_inspection: where each field came from, and which keys fed nothing."""

from __future__ import annotations

import json
from pathlib import Path

from procurewatch.inspection import NoticeInspection, inspect_file, render_inspection


def test_record_keys_used_and_unused(tmp_path: Path) -> None:
    path = tmp_path / "crawl.jsonl"
    rows = [
        {
            "buyer_name": "Example Council",
            "winner_name": "Acme Ltd",
            "lot_value_eur": 1200.5,
            "notice_type": "CAN",
            "crawler_batch": "b7",
            "country_code": "IE",
        },
        {
            "标题": "示例局监控设备采购中标公告",
            "采购人": "示例局",
            "中标人": "示例科技有限公司",
            "中标金额(元)": "98000",
            "spider": "x",
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    first, second = inspect_file(path)
    assert first.locator == "1" and first.kind == "record"
    assert first.fields["buyer"] == "Example Council"
    assert first.origins["buyer"] == ["key buyer_name"]
    assert first.origins["suppliers"] == ["key winner_name"]
    assert first.used_keys["lot_value_eur"].startswith("amount")
    assert "crawler_batch" in first.unused_keys
    assert second.fields["amount"] == {"value": 98000.0, "currency": "CNY", "kind": "award"}
    assert second.origins["amounts"] == ["key 中标金额(元)"]
    assert second.unused_keys == ["spider"]


def test_html_table_and_text_origins(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_text(
        "<div><table><tr><td>示例中学保洁服务成交公示</td></tr></table>"
        "<table><tr><td>采购人</td><td>示例中学</td></tr><tr><td>成交单位名称</td><td>示例物业有限公司</td></tr></table>"
        "<p>成交金额：12345.00元</p></div>",
        encoding="utf-8",
    )
    (result,) = inspect_file(path)
    assert result.fields["buyer"] == "示例中学"
    assert result.origins["buyer"] == ["HTML table: 采购人 → 示例中学"]
    assert result.origins["amounts"][0].startswith("text [")
    assert result.unused_keys == [] and result.used_keys == {}


def test_unreadable_file_is_reported_and_rendered(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("   ", encoding="utf-8")
    results = inspect_file(path)
    assert results and results[0].skipped
    text = render_inspection(results)
    assert "not read" in text


def test_render_shows_values_origins_and_unused_keys() -> None:
    result = NoticeInspection(
        path="x.json",
        locator="3",
        kind="record",
        fields={"buyer": "Example Council", "amount": {"value": 10.0, "currency": "EUR", "kind": "award"}},
        origins={"buyer": ["key buyer_name"]},
        used_keys={"buyer_name": "buyer"},
        unused_keys=["crawler_batch"],
    )
    text = render_inspection([result])
    assert "== x.json [3] (record)" in text
    assert "Example Council" in text and "← key buyer_name" in text
    assert "10.00 EUR (award)" in text
    assert "keys unused (1): crawler_batch" in text
