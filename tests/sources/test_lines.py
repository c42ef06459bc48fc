"""Big JSON Lines files read in slices (sources/lines.py) give exactly what reading them whole gives."""

from __future__ import annotations

import gzip
import json
from itertools import pairwise
from pathlib import Path

import pytest

from procurewatch.model import Document, SkippedInput
from procurewatch.sources import iter_input_files, read_input
from procurewatch.sources.lines import LinePlan, iter_slices, line_plan, read_slice

from .helpers import read_all

RECORD = {
    "标题": "某县公安局视频监控设备采购公告",
    "内容": "采购人：某县公安局。预算金额：120万元。",
    "发布日期": "2024-03-01",
}


def only_file(path: Path):  # type: ignore[no-untyped-def]
    [item] = list(iter_input_files([path]))
    return item


def read_in_slices(path: Path, max_lines: int, max_bytes: int = 1 << 30) -> list[Document | SkippedInput]:
    item = only_file(path)
    plan = line_plan(item)
    assert plan is not None
    return [made for s in iter_slices(item, plan, max_lines, max_bytes) for made in read_slice(s, None)]


def read_whole(path: Path) -> list[Document | SkippedInput]:
    return list(read_input(only_file(path)))


def records_lines(encoding: str = "utf-8") -> bytes:
    lines = [
        json.dumps({**RECORD, "标题": f"{RECORD['标题']}（{i}）"}, ensure_ascii=False).encode(encoding)
        for i in range(9)
    ]
    lines[3] = b""  # a blank line: skipped, but counted in line numbers
    lines[5] = lines[5][:30]  # a broken line
    lines[6] = b"[1, 2]"  # not a record
    return b"\n".join(lines)  # no line break after the last line


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("max_lines", [1, 2, 4, 100])
def test_records_in_slices_equal_the_whole_file(tmp_path: Path, encoding: str, max_lines: int) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(records_lines(encoding))
    whole = read_whole(path)
    assert sum(isinstance(d, Document) for d in whole) == 6
    assert [e.locator for e in whole if isinstance(e, SkippedInput)] == ["6", "7"]
    assert read_in_slices(path, max_lines) == whole


def test_slices_are_cut_by_size_too(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(records_lines() + b"\n")
    item = only_file(path)
    plan = line_plan(item)
    assert plan == LinePlan("records", "utf-8", 0)
    slices = list(iter_slices(item, plan, 100, 200))
    assert len(slices) > 1
    assert slices[0].start == 0 and slices[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in pairwise(slices))
    assert [s.first_line for s in slices] == [
        1 + sum(p.lines for p in slices[:i]) for i in range(len(slices))
    ]
    assert sum(s.lines for s in slices) == 9
    assert read_in_slices(path, 100, 200) == read_whole(path)


def ocds_release(n: int, **extra: object) -> dict:
    return {
        "ocid": f"ocds-x9test-{n}",
        "id": f"r-{n}",
        "date": "2024-02-01T00:00:00Z",
        "tag": ["tender"],
        "buyer": {"name": "Primăria Municipiului Cluj"},
        "tender": {
            "title": f"Sistem de supraveghere video {n}",
            "value": {"amount": 1000 * n, "currency": "RON"},
        },
        **extra,
    }


def test_ocds_json_lines_in_slices_equal_the_whole_file(tmp_path: Path) -> None:
    package = {"uri": "u", "publisher": {"name": "SEAP"}, "releases": [ocds_release(3), ocds_release(4)]}
    nameless = ocds_release(6, id="", ocid="")
    lines = [
        json.dumps(ocds_release(1), ensure_ascii=False).encode(),
        # not UTF-8: read as Latin-1
        json.dumps(ocds_release(2, buyer={"name": "Câmara Municipal de Évora"}), ensure_ascii=False).encode(
            "latin-1"
        ),
        json.dumps(package).encode(),  # several releases on one line
        b'{"ocid": "broken',
        b"",
        json.dumps(nameless).encode(),  # empty id and ocid: placed by its line
    ]
    path = tmp_path / "releases.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    whole = read_whole(path)
    docs = [d for d in whole if isinstance(d, Document)]
    assert [d.locator for d in docs] == ["r-1", "r-2", "r-3", "r-4", "line 6"]
    assert docs[1].title == "Sistem de supraveghere video 2"
    assert docs[1].hints["buyer"] == "Câmara Municipal de Évora"
    [error] = [e for e in whole if isinstance(e, SkippedInput)]
    assert error.reason.startswith(f"{path}: line 4 is not valid JSON")
    assert line_plan(only_file(path)) == LinePlan("ocds", "utf-8", 3)  # line 1 starts after the BOM
    for max_lines in (1, 2, 3, 10):
        assert read_in_slices(path, max_lines) == whole


def test_what_is_not_read_in_slices(tmp_path: Path) -> None:
    array = tmp_path / "array.json"
    array.write_text(json.dumps([RECORD, RECORD], ensure_ascii=False), encoding="utf-8")
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"uri": "u", "releases": [ocds_release(n) for n in range(400)]}))
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes(records_lines().decode("utf-8").encode("utf-16"))
    gzipped = tmp_path / "records.jsonl.gz"
    gzipped.write_bytes(gzip.compress(records_lines()))
    for path in (array, package, utf16, gzipped):
        assert line_plan(only_file(path)) is None, path
    assert read_all(utf16)[0]  # still read, whole


def test_a_file_that_shrinks_after_slicing_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(records_lines() + b"\n")
    item = only_file(path)
    plan = line_plan(item)
    assert plan is not None
    slices = list(iter_slices(item, plan, 3, 1 << 30))
    path.write_bytes(records_lines()[:50])
    [error] = list(read_slice(slices[-1], None))
    assert isinstance(error, SkippedInput) and "changed while it was read" in error.reason


def test_records_quoting_a_pdf_header_are_records_whole_and_in_slices(tmp_path: Path) -> None:
    # one decision (base.content_kind) for both readers: "%PDF" in the first KB of a JSON Lines
    # file made the whole-file reader take it for a PDF, while slicing read its records
    quoted = {**RECORD, "内容": "附件原文：%PDF-1.7 招标文件（扫描件）。" + RECORD["内容"]}
    lines = [json.dumps({**quoted, "标题": f"{RECORD['标题']}（{i}）"}, ensure_ascii=False) for i in range(3)]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    whole = read_whole(path)
    assert [d.title for d in whole if isinstance(d, Document)] == [
        f"{RECORD['标题']}（{i}）" for i in range(3)
    ]
    assert read_in_slices(path, 2) == whole
