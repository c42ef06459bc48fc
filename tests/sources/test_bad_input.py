"""Each kind of bad input becomes a SkippedInput naming the file and the reason; the rest still lands."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from procurewatch.sources import base

from .helpers import read_all

GOOD = "某市公安局视频监控运维服务采购公告\n采购内容：前端点位运维。"


def write(folder: Path, name: str, data: bytes) -> None:
    (folder / name).write_bytes(data)


def test_every_bad_kind_is_reported_and_good_files_land(tmp_path: Path) -> None:
    write(tmp_path, "empty.json", b"")
    write(tmp_path, "blank.txt", b"  \n\t\n")
    write(tmp_path, "junk.bin", random.Random(20261206).randbytes(4096) + b"\x00" * 64)
    write(tmp_path, "broken.json", '{"标题": "某县监控", "采购人": '.encode())
    write(tmp_path, "undecodable.txt", "公告".encode() + b"\x81\x20\xfe\x30\x8d" * 50)
    write(tmp_path, "utf16-junk.txt", b"\xff\xfe" + b"\xfa\xfa\xfe\xfa\x00\xd8" * 40)
    write(tmp_path, "good.txt", GOOD.encode("gb18030"))
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == ["某市公安局视频监控运维服务采购公告"]
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert set(reasons) == {
        "empty.json",
        "blank.txt",
        "junk.bin",
        "broken.json",
        "undecodable.txt",
        "utf16-junk.txt",
    }
    assert reasons["empty.json"] == "empty file"
    assert "empty" in reasons["blank.txt"]
    assert "broken JSON" in reasons["broken.json"]
    assert "binary" in reasons["junk.bin"] or "decode" in reasons["junk.bin"]
    assert "decode" in reasons["undecodable.txt"] or "binary" in reasons["undecodable.txt"]
    assert "decode" in reasons["utf16-junk.txt"] or "binary" in reasons["utf16-junk.txt"]


@pytest.mark.parametrize("kind", ["html", "text"])
def test_oversized_html_and_text_are_refused_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(base, "MAX_TEXT_BYTES", 1024)
    start = "<html><body>" if kind == "html" else ""
    write(tmp_path, f"huge.{kind}", (start + "公告正文" * 1000).encode())
    docs, errors = read_all(tmp_path)
    assert not docs
    assert len(errors) == 1 and "larger than" in errors[0].reason and kind in errors[0].reason


def test_large_jsonl_streams_past_the_text_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_TEXT_BYTES", 1024)
    line = '{"title": "某区天网工程", "budget": "10万元"}\n'
    write(tmp_path, "big.jsonl", (line * 500).encode())
    docs, errors = read_all(tmp_path)
    assert not errors and len(docs) == 500


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "locked.txt"
    target.write_text(GOOD, encoding="utf-8")
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):
            pytest.skip("running as a user who can read any file")
        docs, errors = read_all(tmp_path)
        assert not docs and len(errors) == 1 and "cannot read" in errors[0].reason
    finally:
        target.chmod(0o644)


def test_non_record_json_values_are_reported_per_item(tmp_path: Path) -> None:
    write(tmp_path, "mixed.json", '[{"title": "甲"}, 42, "字符串", {"title": "乙"}]'.encode())
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == ["甲", "乙"]
    assert [e.locator for e in errors] == ["1", "2"]
