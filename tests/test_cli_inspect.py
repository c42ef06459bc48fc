"""`procurewatch inspect FILE`: what a new crawler's format gives, field by field."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from procurewatch.cli import app

runner = CliRunner()


def test_inspect_names_the_key_each_field_came_from_and_the_unused_ones(tmp_path):
    records = [
        {"buyer_name": "Example County Police", "winner_name": "Acme CCTV Ltd", "lot_value_eur": "30.008,00",
         "spider_run": "x1", "title": f"CCTV upgrade lot {i}"}
        for i in range(3)
    ]  # fmt: skip
    path = tmp_path / "crawl.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(path), "--limit", "2"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.count("== ") == 2  # --limit
    assert "← key buyer_name" in text and "← key winner_name" in text
    assert "30,008.00 EUR" in text
    assert "spider_run" in text.split("keys unused", 1)[1]
    as_json = runner.invoke(app, ["inspect", str(path), "--format", "json", "--limit", "1"])
    first = json.loads(as_json.stdout.splitlines()[0])
    assert first["used_keys"]["buyer_name"].startswith("buyer") and "spider_run" in first["unused_keys"]


def test_inspect_of_a_missing_file_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["inspect", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "nope.json" in result.output


def test_inspect_mask_hides_personal_data_it_would_print_raw(tmp_path):
    record = {"title": "监控设备采购 联系人：张伟 电话：13812345678", "buyer_name": "某市公安局"}
    path = tmp_path / "crawl.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    raw = runner.invoke(app, ["inspect", str(path)])
    assert "13812345678" in raw.stdout
    for fmt in ("text", "json"):
        masked = runner.invoke(app, ["inspect", str(path), "--mask", "--format", fmt])
        assert masked.exit_code == 0, masked.output
        assert "13812345678" not in masked.stdout and "张伟" not in masked.stdout
        assert "某市公安局" in masked.stdout and "buyer_name" in masked.stdout
