"""Folders, archives and InputFile: walking order, hidden files, members read in place."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

from procurewatch.model import SkippedInput
from procurewatch.sources import InputFile, iter_input_files, read_input

from .helpers import read_all

RECORD = '{"title": "某市公安局视频监控运维服务采购公告", "采购人": "某市公安局", "date": "2025-01-02"}\n'


def _inputs(*paths: Path) -> list[InputFile | SkippedInput]:
    return list(iter_input_files(paths))


def test_walks_folders_recursively_in_sorted_order_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.txt").write_text("乙")
    (tmp_path / "a" / "z.txt").write_text("甲")
    (tmp_path / "a" / "y.txt").write_text("丙")
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    names = [Path(f.path).relative_to(tmp_path).as_posix() for f in _inputs(tmp_path)]
    assert names == ["a/y.txt", "a/z.txt", "b/2.txt"]


def test_input_file_keeps_size_mtime_and_resolved_source_key(tmp_path: Path) -> None:
    target = tmp_path / "n.txt"
    target.write_text("公告", encoding="utf-8")
    os.utime(target, (1_700_000_000, 1_700_000_000))
    (item,) = _inputs(Path(os.path.relpath(target)))
    assert isinstance(item, InputFile)
    assert item.size == len("公告".encode())
    assert item.mtime == 1_700_000_000
    assert item.source_key == str(target.resolve())
    assert item.read_bytes() == "公告".encode()


def test_missing_path_is_a_source_error_naming_it(tmp_path: Path) -> None:
    (item,) = _inputs(tmp_path / "nope.json")
    assert isinstance(item, SkippedInput)
    assert item.path.endswith("nope.json")
    assert "no such file" in item.reason


def test_zip_members_are_read_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2025/notices.jsonl", RECORD * 3)
        zf.writestr("2025/page.txt", "某县图书采购公告\n采购纸质图书。")
        zf.writestr("__MACOSX/2025/._page.txt", "junk")
        zf.writestr("2025/.DS_Store", "junk")
    items = _inputs(archive)
    assert [i.path for i in items] == [f"{archive}!2025/notices.jsonl", f"{archive}!2025/page.txt"]
    assert items[0].source_key == f"{archive.resolve()}!2025/notices.jsonl"
    docs, errors = read_all(archive)
    assert not errors
    assert [(d.path, d.locator) for d in docs][:3] == [(items[0].path, str(n)) for n in (1, 2, 3)]
    assert docs[3].title == "某县图书采购公告"
    assert all(d.source_key.startswith(str(archive.resolve()) + "!") for d in docs)


def test_tar_gz_members_can_be_opened_more_than_once(tmp_path: Path) -> None:
    archive = tmp_path / "batch.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, text in (("a/one.jsonl", RECORD * 2), ("b/two.txt", "某区天网工程维保公告\n正文")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    seen = []
    for item in iter_input_files([archive]):
        assert isinstance(item, InputFile)
        assert item.head(10) == item.read_bytes()[:10]  # a second open starts from the beginning
        seen.append((item.path, len(list(read_input(item)))))
    assert seen == [(f"{archive}!a/one.jsonl", 2), (f"{archive}!b/two.txt", 1)]


def test_gz_file_is_decompressed_and_named_by_its_content(tmp_path: Path) -> None:
    archive = tmp_path / "notices.jsonl.gz"
    with gzip.open(archive, "wt", encoding="utf-8") as fh:
        fh.write(RECORD * 4)
    (item,) = _inputs(archive)
    assert isinstance(item, InputFile)
    assert item.name == "notices.jsonl"
    docs, errors = read_all(archive)
    assert not errors and len(docs) == 4
    assert docs[0].hints["buyer"] == "某市公安局"


def test_gzipped_member_inside_zip_is_read_transparently(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("n.jsonl.gz", gzip.compress(RECORD.encode() * 2))
    docs, errors = read_all(archive)
    assert not errors and len(docs) == 2


def test_broken_archives_are_reported_and_other_files_still_land(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 10)
    good = gzip.compress(b"x" * 1000)
    (tmp_path / "cut.txt.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "ok.txt").write_text("某市雪亮工程公告\n正文", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [d.title for d in docs] == ["某市雪亮工程公告"]
    assert sorted(Path(e.path).name for e in errors) == ["bad.zip", "cut.txt.gz"]
    assert all(e.reason for e in errors)
