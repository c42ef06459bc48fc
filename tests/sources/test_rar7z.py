""".rar and .7z archives read in place like .zip: members become notices, a member whose path leaves the
archive is reported and skipped, an archive bomb is stopped by the limits, a broken archive is named."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest

from procurewatch.sources import rar7z

from . import officemaker as make
from .helpers import read_all

pytestmark = pytest.mark.skipif(not ctypes.util.find_library("archive"), reason="libarchive is not installed")
NOTICE = "某县公安局视频监控采购公告\n采购内容：高清摄像机。".encode()


def test_7z_members_are_read_in_place_and_a_parent_path_is_reported(tmp_path: Path) -> None:
    archive = make.seven_zip(
        tmp_path / "notices.7z",
        {"../escape.txt": NOTICE, "2024/a.txt": NOTICE, "/abs.txt": NOTICE, ".hidden/x.txt": NOTICE},
    )
    docs, errors = read_all(archive)
    assert [d.path for d in docs] == [f"{archive}!2024/a.txt"]
    assert docs[0].title == "某县公安局视频监控采购公告"
    assert {e.path: "leaves the archive" in e.reason for e in errors} == {
        f"{archive}!../escape.txt": True,
        f"{archive}!/abs.txt": True,
    }
    assert not (tmp_path.parent / "escape.txt").exists()


def test_rar_with_a_parent_path_and_an_office_member(tmp_path: Path) -> None:
    word = make.docx(tmp_path / "w.docx", ["人脸识别门禁采购"]).read_bytes()
    archive = make.rar4(
        tmp_path / "附件.rar", {"../../evil.txt": NOTICE, "dir/ok.txt": NOTICE, "招标文件.docx": word}
    )
    docs, errors = read_all(archive)
    assert sorted(Path(d.path.split("!")[1]).name for d in docs) == ["ok.txt", "招标文件.docx"]
    assert [d.kind for d in docs if d.path.endswith(".docx")] == ["word"]
    assert [(e.path, "leaves the archive" in e.reason) for e in errors] == [
        (f"{archive}!../../evil.txt", True)
    ]


def test_7z_bomb_is_stopped_by_the_limits_and_the_rest_of_the_folder_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = {**rar7z.limits(), "max_member_bytes": 1_000_000, "ratio_floor_bytes": 500_000, "max_ratio": 50}
    monkeypatch.setattr(rar7z, "limits", lambda: limits)
    make.seven_zip(tmp_path / "bomb.7z", {"a.txt": NOTICE, "zeros.txt": b"0" * 5_000_000})
    (tmp_path / "z_after.txt").write_bytes(NOTICE)
    docs, errors = read_all(tmp_path)
    assert sorted(Path(d.path).name for d in docs) == ["bomb.7z!a.txt", "z_after.txt"]
    assert [e.path for e in errors] == [f"{tmp_path / 'bomb.7z'}!zeros.txt"]
    assert "bomb" in errors[0].reason


def test_ratio_limit_stops_an_archive_of_many_small_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = {**rar7z.limits(), "ratio_floor_bytes": 100_000, "max_ratio": 20}
    monkeypatch.setattr(rar7z, "limits", lambda: limits)
    make.seven_zip(tmp_path / "many.7z", {f"{i:03}.txt": b"1" * 50_000 for i in range(20)})
    docs, errors = read_all(tmp_path / "many.7z")
    assert 0 < len(docs) < 20
    assert len(errors) == 1 and "times its size" in errors[0].reason


def test_truncated_and_garbage_archives_are_named(tmp_path: Path) -> None:
    whole = make.seven_zip(tmp_path / "w.7z", {"a.txt": NOTICE * 100}).read_bytes()
    (tmp_path / "cut.7z").write_bytes(whole[:40])
    (tmp_path / "junk.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\x13" * 200)
    (tmp_path / "w.7z").unlink()
    (tmp_path / "good.txt").write_bytes(NOTICE)
    docs, errors = read_all(tmp_path)
    assert [Path(d.path).name for d in docs] == ["good.txt"]
    assert sorted(Path(e.path).name for e in errors) == ["cut.7z", "junk.rar"]
    assert all("archive" in e.reason for e in errors)


def test_missing_libarchive_is_a_clear_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_libarchive(name: str, *args: object, **kwargs: object) -> object:
        if name == "libarchive":
            raise OSError("libarchive.so.13: cannot open shared object file")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    make.seven_zip(tmp_path / "a.7z", {"a.txt": NOTICE})
    monkeypatch.setattr(builtins, "__import__", no_libarchive)
    docs, errors = read_all(tmp_path / "a.7z")
    assert not docs and "libarchive" in errors[0].reason and "apt-get install" in errors[0].reason
