"""Issue 16, ingest: each hostile input costs only itself. Every input is read within the budgets of
data/limits.json; one over a budget is reported with a reason naming the limit, and the rest lands."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from tests import hostile

from procurewatch.model import Document, SkippedInput
from procurewatch.sources.budget import json_depth, limits, too_deep
from procurewatch.sources.files import InputFile, iter_input_files
from procurewatch.sources.lines import iter_slices, line_plan, read_slice

from .helpers import read_all


def names(errors: list[SkippedInput], root: Path) -> dict[str, str]:
    return {
        e.path.removeprefix(f"{root}/") + (f"#{e.locator}" if e.locator else ""): e.reason for e in errors
    }


def write_good(root: Path) -> None:
    (root / "good.jsonl").write_bytes(hostile.record_line(1) + hostile.record_line(2))


def test_a_self_linking_symlink_is_reported_and_the_rest_lands(tmp_path: Path) -> None:
    write_good(tmp_path)
    hostile.symlink_loop(tmp_path)
    docs, errors = read_all(tmp_path)
    assert len(docs) == 2
    assert names(errors, tmp_path) == {"loop.json": "cannot read: Too many levels of symbolic links"}


def _read_within(paths: list[Path], seconds: float) -> list[Document | SkippedInput] | None:
    """What reading `paths` gives, or None when it is still blocked after `seconds`."""
    found: list[Document | SkippedInput] = []
    done = threading.Event()

    def read() -> None:
        from procurewatch.sources import iter_documents

        found.extend(iter_documents(paths))
        done.set()

    threading.Thread(target=read, daemon=True).start()
    return found if done.wait(seconds) else None


@pytest.mark.parametrize("given", ["folder", "path"])
def test_a_fifo_is_skipped_without_being_opened(tmp_path: Path, given: str) -> None:
    write_good(tmp_path)
    hostile.fifo(tmp_path)
    pipe = tmp_path / "pipe.json"
    found = _read_within([tmp_path] if given == "folder" else [pipe, tmp_path / "good.jsonl"], 10)
    if found is None:  # release the reader blocked on the pipe before failing
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading blocked on a FIFO")
    errors = [f for f in found if isinstance(f, SkippedInput)]
    assert sum(isinstance(f, Document) for f in found) == 2
    assert [(e.path, e.reason.split(":")[0]) for e in errors] == [(str(pipe), "a FIFO (named pipe)")]


def test_a_device_given_as_a_path_is_skipped() -> None:
    [skipped] = list(iter_input_files(["/dev/zero"]))
    assert isinstance(skipped, SkippedInput)
    assert skipped.reason.startswith("a device")


def test_a_file_name_with_bytes_that_are_not_utf8_reads_and_names_it_escaped(tmp_path: Path) -> None:
    hostile.non_utf8_name(tmp_path)
    docs, errors = read_all(tmp_path)
    assert not errors
    [doc] = docs
    assert doc.path == f"{tmp_path}/x\\xff.json"
    doc.path.encode("utf-8")  # storable
    doc.source_key.encode("utf-8")


def test_a_csv_gz_quote_bomb_is_cut_at_the_line_budget(tmp_path: Path) -> None:
    hostile.csv_gz_quote_bomb(tmp_path)
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == [hostile.record(1)["标题"]]
    [(where, reason)] = names(errors, tmp_path).items()
    assert where == "quote-bomb.csv.gz#line 3"
    assert "max_line_bytes" in reason


def test_an_unterminated_quote_over_many_lines_is_cut_at_the_field_budget(tmp_path: Path) -> None:
    hostile.csv_quote_field_bomb(tmp_path)
    docs, errors = read_all(tmp_path)
    assert len(docs) == 1
    reported = names(errors, tmp_path)
    assert "field limit" in reported["field-bomb.csv#line 3"]
    assert all(len(d.title) < 1000 and len(d.body) < 1000 for d in docs)


def test_an_unterminated_quote_mid_file_is_reported_and_the_rows_after_it_land(tmp_path: Path) -> None:
    hostile.csv_unterminated_quote(tmp_path)
    docs, errors = read_all(tmp_path)
    assert [d.title[-3:] for d in docs] == ["第1号", "第3号", "第4号", "第5号"]
    assert "采购内容。" * 20_000 in docs[-1].body  # the long cell is kept whole
    [(where, reason)] = names(errors, tmp_path).items()
    assert where == "unterminated.csv#line 3"
    assert reason.startswith("unterminated quote")


def test_a_ragged_csv_row_on_one_line_is_still_kept(tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_text(
        hostile.CSV_HEADER + hostile.csv_row(1) + "只有标题,内容\n" + hostile.csv_row(3), encoding="utf-8"
    )
    docs, errors = read_all(tmp_path)
    assert (len(docs), errors) == (3, [])


def test_a_multi_line_field_with_the_right_fields_is_kept(tmp_path: Path) -> None:
    (tmp_path / "multi.csv").write_text(
        hostile.CSV_HEADER + '某项目,"第一行\n第二行",某局,2024-01-01\n' + hostile.csv_row(2),
        encoding="utf-8",
    )
    docs, errors = read_all(tmp_path)
    assert not errors
    assert "第一行\n第二行" in docs[0].body


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_json_is_refused_by_its_depth(tmp_path: Path, depth: int) -> None:
    (tmp_path / "deep.json").write_bytes(b"[" * depth + b"]" * depth)
    (tmp_path / "deep-object.json").write_bytes(b'{"a":' * depth + b"1" + b"}" * depth)
    docs, errors = read_all(tmp_path)
    assert not docs
    assert all("max_json_depth" in reason for reason in names(errors, tmp_path).values()), errors
    assert len(errors) == 2


def test_a_deep_line_in_json_lines_loses_only_that_line(tmp_path: Path) -> None:
    hostile.deep_jsonl_line(tmp_path)
    docs, errors = read_all(tmp_path)
    assert [d.title[-4:] for d in docs] == ["第20号", "第21号"]
    assert list(names(errors, tmp_path)) == ["deep-line.jsonl#2"]
    assert "max_json_depth" in errors[0].reason


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[", "b": [1, {"c": "\\"]]"}]}') == 3
    assert not too_deep(b'["' + b"[" * 500 + b'"]', 100)
    assert too_deep(b"[" * 101 + b"]" * 101, 100)


def test_a_record_over_the_record_budget_is_refused_without_being_loaded(tmp_path: Path) -> None:
    hostile.huge_single_record(tmp_path)
    docs, errors = read_all(tmp_path)
    assert not docs
    assert "max_record_bytes" in errors[0].reason


def test_a_notice_with_a_text_over_the_text_budget_is_cut_and_says_so(tmp_path: Path) -> None:
    text = "某市公安局视频监控采购。" * (limits().max_text_chars // 10)
    (tmp_path / "long.json").write_text(f'{{"标题": "很长的公告", "内容": "{text}"}}', encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert not errors
    [doc] = docs
    assert len(doc.body) == limits().max_text_chars
    assert "max_text_chars" in doc.hints["validation"]


def test_a_long_line_in_a_zipped_json_lines_file_loses_only_that_line(tmp_path: Path) -> None:
    hostile.long_line_in_zip(tmp_path)
    docs, errors = read_all(tmp_path)
    assert [d.title[-4:] for d in docs] == ["第30号", "第31号"]
    assert list(names(errors, tmp_path)) == ["long-line.zip!notices.jsonl#2"]
    assert "max_line_bytes" in errors[0].reason


def test_a_long_line_of_a_big_file_read_in_slices_is_a_slice_refused_unread(tmp_path: Path) -> None:
    hostile.long_line_on_disk(tmp_path)
    path = tmp_path / "long-line.jsonl"
    item = InputFile(str(path), path.stat().st_size, 0.0, str(path))
    plan = line_plan(item)
    assert plan is not None
    slices = list(iter_slices(item, plan, 200, 4_000_000))
    assert [(s.first_line, s.lines) for s in slices] == [(1, 5), (6, 1), (7, 1)]
    made = [m for s in slices for m in read_slice(s, None)]
    assert [type(m).__name__ for m in made] == ["Document"] * 5 + ["SkippedInput", "Document"]
    assert made[5].locator == "6"
    assert "max_line_bytes" in made[5].reason


def test_archive_members_named_outside_the_archive_are_reported(tmp_path: Path) -> None:
    expected = hostile.zip_slip(tmp_path)
    docs, errors = read_all(tmp_path)
    assert [d.title[-4:] for d in docs] == ["第52号"]
    assert sorted(names(errors, tmp_path)) == sorted(expected)
    assert all("'..'" in e.reason for e in errors)


def test_a_page_that_mentions_pdf_near_its_top_is_read_as_html(tmp_path: Path) -> None:
    hostile.html_with_pdf_marker(tmp_path)
    docs, errors = read_all(tmp_path)
    assert not errors
    assert [d.kind for d in docs] == ["html"]
    assert "人脸识别" in docs[0].title


def test_a_pdf_with_bytes_before_its_marker_is_still_a_pdf() -> None:
    from procurewatch.sources.base import content_kind

    assert content_kind(b"\r\n\x00junk%PDF-1.4\n%...", "a.bin") == "pdf"
    assert content_kind(b"%PDF-1.4\n<html>", "a.pdf") == "pdf"


def test_a_truncated_tar_gz_reports_the_broken_member(tmp_path: Path) -> None:
    hostile.truncated_tar_gz(tmp_path)
    _, errors = read_all(tmp_path)
    assert errors
    assert all("broken tar archive" in e.reason for e in errors)


def test_deep_nesting_beyond_the_first_bytes_of_a_streamed_array_is_refused(tmp_path: Path) -> None:
    records = b",".join(hostile.record_line(i).strip() for i in range(6000))  # 2 MB before the deep part
    depth = 50_000
    (tmp_path / "late-deep.json").write_bytes(b"[" + records + b"," + b"[" * depth + b"]" * depth + b"]")
    docs, errors = read_all(tmp_path)
    assert 3000 < len(docs) < 6000  # those read before the chunk that holds the deep part
    assert len(errors) == 1
    assert "max_json_depth" in errors[0].reason


def test_ordinary_streamed_json_is_not_taken_for_deep_nesting() -> None:
    from procurewatch.sources.budget import nests_deep_within

    ordinary = b"[" + b",".join(hostile.record_line(i).strip() for i in range(3000)) + b"]"
    brackets_in_text = b'[{"t": "' + b"[" * 300 + b'"}]'
    assert not nests_deep_within(ordinary, 100)
    assert not nests_deep_within(brackets_in_text, 100)
    assert nests_deep_within(b"[" * 101, 100)


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_bounded_lines_give_every_line_and_only_measure_the_long_ones(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from procurewatch.sources import budget

    monkeypatch.setattr(budget, "READ_AHEAD", block)
    data = b"ab\n" + b"x" * 25 + b"\ncd\n" + b"y" * 30 + b"\nlast"
    got = [x if isinstance(x, bytes) else x.size for x in budget.bounded_lines(io.BytesIO(data), 10)]
    assert got == [b"ab\n", 26, b"cd\n", 31, b"last"]
    assert [x.size for x in budget.bounded_lines(io.BytesIO(b"a" * 11), 10)] == [11]  # type: ignore[union-attr]


def test_a_line_whose_strings_hide_its_depth_still_loses_only_itself(tmp_path: Path) -> None:
    hidden = b'{"x": ' + b'["]]]", ' * 5000 + b"1" + b"]" * 5000 + b"}\n"  # closing brackets in strings
    (tmp_path / "hidden.jsonl").write_bytes(hostile.record_line(1) + hidden + hostile.record_line(2))
    docs, errors = read_all(tmp_path)
    assert len(docs) == 2
    assert [e.locator for e in errors] == ["2"]


def test_a_big_single_record_of_unknown_length_is_measured_while_read(tmp_path: Path) -> None:
    import gzip

    body = "某市公安局视频监控采购。" * 200_000  # 7 MB: over the wrapper's top, under the record budget
    data = f'{{"标题": "压缩的大公告", "内容": "{body}"}}'.encode()
    (tmp_path / "big.json.gz").write_bytes(gzip.compress(data))
    docs, errors = read_all(tmp_path)
    assert not errors
    assert [d.title for d in docs] == ["压缩的大公告"]


def test_the_field_budget_holds_after_another_library_raised_the_csv_limit(tmp_path: Path) -> None:
    import csv
    import sys

    before = csv.field_size_limit(sys.maxsize)  # what importing sqlite-utils' CLI does
    try:
        hostile.csv_quote_field_bomb(tmp_path)
        _, errors = read_all(tmp_path)
        assert "field limit" in names(errors, tmp_path)["field-bomb.csv#line 3"]
    finally:
        csv.field_size_limit(before)
