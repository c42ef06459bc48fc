"""Property-based fuzzing of every reader (issue 16): whatever the bytes, a reader gives Documents or
raises InputError; `read_input` never raises at all (a problem is a SkippedInput)."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests.fuzzing import FUZZ, notice_bytes, notice_text

from procurewatch.errors import InputError
from procurewatch.model import Document, SkippedInput
from procurewatch.sources import decode, ocds, records
from procurewatch.sources.base import read_input
from procurewatch.sources.files import InputFile
from procurewatch.sources.html import read_html
from procurewatch.sources.lines import iter_slices, line_plan, read_slice
from procurewatch.sources.ocds_stream import iter_units, sniff_shape
from procurewatch.sources.pdf import read_pdf
from procurewatch.sources.text import read_text

KEYS = ["标题", "内容", "采购人", "中标金额", "url", "x"]
NAMES = ["a.json", "a.jsonl", "a.csv", "a.tsv", "a.html", "a.txt", "a.pdf", "a", "a.xlsx"]


def in_memory(data: bytes, name: str) -> InputFile:
    return InputFile(name, len(data), 0.0, name, opener=lambda: io.BytesIO(data))


@FUZZ
@given(data=notice_bytes, name=st.sampled_from(NAMES))
def test_read_input_never_raises(data: bytes, name: str) -> None:
    for item in read_input(in_memory(data, name)):
        assert isinstance(item, Document | SkippedInput)


@FUZZ
@given(data=notice_bytes, name=st.sampled_from(NAMES))
def test_the_records_reader_raises_nothing_but_input_errors(data: bytes, name: str) -> None:
    try:
        for item in records.read_records(in_memory(data, name), data[:65536], None):
            assert isinstance(item, Document | SkippedInput)
    except InputError:
        pass


@FUZZ
@given(data=notice_bytes)
def test_the_ocds_reader_raises_nothing(data: bytes) -> None:
    ocds.is_ocds(data)
    sniff_shape(data)
    for item in ocds.read_ocds(in_memory(data, "a.json")):
        assert isinstance(item, Document | SkippedInput)
    for _ in iter_units(io.BytesIO(data), "a.json"):
        pass


@FUZZ
@given(lines=st.lists(notice_bytes, max_size=6))
def test_json_lines_read_in_slices_raise_nothing(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("slices") / "a.jsonl"
    path.write_bytes(b'{"title": "x"}\n' + b"\n".join(lines))
    item = InputFile(str(path), path.stat().st_size, 0.0, str(path))
    plan = line_plan(item)
    if plan is None:
        return
    for line_slice in iter_slices(item, plan, 3, 1024):
        for made in read_slice(line_slice, None):
            assert isinstance(made, Document | SkippedInput)


@FUZZ
@given(data=notice_bytes)
@example(data=b"<html")  # lxml: "Document is empty"
@example(data=b"\xff\xfe\x00\x00{\x00")  # a UTF-32 byte-order mark over UTF-16 text
def test_the_page_text_and_pdf_readers_raise_nothing_but_input_errors(data: bytes) -> None:
    for reader in (read_html, read_text, read_pdf):
        with contextlib.suppress(InputError):
            reader(data, path="a", source_key="a")


@FUZZ
@given(data=notice_bytes, declared=st.sampled_from([None, "gbk", "utf-8", "latin-1", "nonsense"]))
def test_decoding_raises_nothing_but_input_errors(data: bytes, declared: str | None) -> None:
    decode.declared_encoding(data)
    try:
        decode.detect_head_encoding(data)
        decode.decode_text(data, decode.canonical_encoding(declared) if declared else None)
    except InputError:
        pass


@FUZZ
@given(
    record=st.dictionaries(st.sampled_from(["标题", "内容", "采购人", "中标金额", "url", "x"]), notice_text)
)
def test_a_record_of_any_text_becomes_a_document_or_an_input_error(record: dict[str, str]) -> None:
    made = records._record_document(record, "a", "a", "1", None)
    assert isinstance(made, Document | SkippedInput)
