"""Input files: plain files, folders walked recursively, and archives (.zip, .gz, .tar, .tar.gz, and
.rar/.7z through rar7z.py) read in place.

An archive member is an InputFile named "archive.zip!member/name" whose content is streamed from the
archive on demand; nothing loads a whole archive. Tar members are spooled to a temporary file while the
walk stands on them (a gzip stream cannot seek back); zip members are opened straight from the archive.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from procurewatch.model import SkippedInput
from procurewatch.sources import rar7z

HEAD_SIZE = 65536
SPOOL_IN_MEMORY = 16 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
# Office documents are zip files too; they are documents, not folders of notices.
NOT_ARCHIVES = (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".jar", ".apk")
NOT_ARCHIVES += (".docm", ".dotx", ".dotm", ".xlsm", ".xltx", ".xltm", ".wps", ".et")


@dataclass(slots=True)
class InputFile:
    """One file to read: on disk, or a member of an archive."""

    path: str  # display path; archive members as "archive.zip!member"
    size: int  # bytes of content (-1 when unknown, e.g. a single .gz file)
    mtime: float
    source_key: str  # resolved absolute path (members: "/abs/archive.zip!member") used in notice ids
    opener: Callable[[], BinaryIO] | None = field(default=None, repr=False)
    attachments: tuple[str, ...] = ()  # files on disk linked to this notice (sources/attachments.py)

    @property
    def name(self) -> str:
        """File name of the content, for format hints: 'a.jsonl' for 'x.zip!dir/a.jsonl' and 'a.jsonl.gz'."""
        inner = self.path.rsplit("!", 1)[-1]
        base = inner.replace("\\", "/").rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".gz") and "!" not in self.path else base

    @property
    def disk_path(self) -> str | None:
        """The file's path on disk when its content is the file itself (not an archive member)."""
        return self.path if self.opener is None else None

    def open(self) -> BinaryIO:
        """A fresh binary stream of the content, from the start. Close it (use `with`)."""
        if self.opener is not None:
            return self.opener()
        return open(self.path, "rb")  # the caller closes it

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The content, or its first `limit` bytes."""
        with self.open() as stream:
            return stream.read() if limit is None else stream.read(limit)

    def head(self, size: int = HEAD_SIZE) -> bytes:
        return self.read_bytes(size)


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[InputFile | SkippedInput]:
    """Every readable file under `paths`, in sorted order; problems come as SkippedInput, never raised."""
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except FileNotFoundError:
            yield SkippedInput(str(path), "no such file or folder")
            continue
        except OSError as exc:
            yield SkippedInput(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path)
        else:
            yield from _expand(path)


def _walk(folder: Path) -> Iterator[InputFile | SkippedInput]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield SkippedInput(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield from _expand(Path(entry.path))


def _expand(path: Path) -> Iterator[InputFile | SkippedInput]:
    """A file on disk: itself, or the members of the archive it is."""
    try:
        info = path.stat()
        with open(path, "rb") as stream:
            magic = stream.read(8)
    except OSError as exc:
        yield SkippedInput(str(path), f"cannot read: {exc.strerror or exc}")
        return
    key = str(path.resolve())
    lower = path.name.lower()
    if magic.startswith(ZIP_MAGIC) and not lower.endswith(NOT_ARCHIVES):
        yield from _zip_members(path, key)
    elif magic.startswith(GZIP_MAGIC):
        yield from _gzip_content(path, key, info.st_mtime)
    elif rar7z.is_rar_or_7z(magic):
        yield from _rar7z_members(path, key)
    elif _is_tar(path):
        yield from _tar_members(path, key, "r:")
    else:
        yield InputFile(str(path), info.st_size, info.st_mtime, key)


def _is_tar(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            block = stream.read(512)
    except OSError:
        return False
    return len(block) == 512 and block[257:262] == b"ustar"


def _hidden(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts if p)


def _zip_members(path: Path, key: str) -> Iterator[InputFile | SkippedInput]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield SkippedInput(str(path), f"broken zip archive: {exc}")
        return
    for member in members:
        if _hidden(member.filename):
            continue
        if member.flag_bits & 0x1:
            yield SkippedInput(f"{path}!{member.filename}", "encrypted zip member")
            continue
        mtime = _zip_mtime(member)
        yield InputFile(
            f"{path}!{member.filename}",
            member.file_size,
            mtime,
            f"{key}!{member.filename}",
            opener=_zip_opener(path, member.filename),
        )


def _rar7z_members(path: Path, key: str) -> Iterator[InputFile | SkippedInput]:
    for item in rar7z.archive_members(path, skip=_hidden):
        if isinstance(item, SkippedInput):
            yield item
        else:
            yield InputFile(f"{path}!{item.name}", item.size, item.mtime, f"{key}!{item.name}", item.open)


def _zip_mtime(member: zipfile.ZipInfo) -> float:
    import datetime

    try:
        return datetime.datetime(*member.date_time).timestamp()
    except ValueError:
        return 0.0


def _zip_opener(path: Path, name: str) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        archive = zipfile.ZipFile(path)
        try:
            member = archive.open(name)
        finally:
            archive.close()  # the member stream keeps the file open until it is closed itself
        return member  # type: ignore[return-value]

    return opener


def _gzip_content(path: Path, key: str, mtime: float) -> Iterator[InputFile | SkippedInput]:
    try:
        with gzip.open(path, "rb") as stream:
            block = stream.read(512)
    except (OSError, EOFError) as exc:
        yield SkippedInput(str(path), f"broken gzip file: {exc}")
        return
    if len(block) == 512 and block[257:262] == b"ustar":
        yield from _tar_members(path, key, "r|gz")
        return

    def opener() -> BinaryIO:
        return gzip.open(path, "rb")  # type: ignore[return-value]

    yield InputFile(str(path), -1, mtime, key, opener=opener)


def _tar_members(path: Path, key: str, mode: str) -> Iterator[InputFile | SkippedInput]:
    try:
        archive = tarfile.open(path, mode)  # type: ignore[call-overload]  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield SkippedInput(str(path), f"broken tar archive: {exc}")
        return
    with archive:
        while True:
            try:
                member = archive.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                yield SkippedInput(str(path), f"broken tar archive: {exc}")
                return
            if member is None:
                return
            if not member.isfile() or _hidden(member.name):
                continue
            display = f"{path}!{member.name}"
            spool = _MemberSpool(archive, member)
            try:
                yield InputFile(display, member.size, float(member.mtime), f"{key}!{member.name}", spool.open)
            finally:
                spool.close()


class _MemberSpool:
    """Holds one tar member's bytes while the walk stands on it, so it can be opened more than once."""

    def __init__(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self._archive = archive
        self._member = member
        self._file: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._closed = False

    def open(self) -> BinaryIO:
        if self._closed:
            raise OSError(f"{self._member.name}: archive member is no longer available (read it in turn)")
        if self._file is None:
            source = self._archive.extractfile(self._member)
            if source is None:
                raise OSError(f"{self._member.name}: not a regular file")
            self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
            shutil.copyfileobj(source, self._file, 1024 * 1024)
        self._file.seek(0)
        return _Unclosable(self._file)  # type: ignore[return-value]

    def close(self) -> None:
        self._closed = True
        if self._file is not None:
            self._file.close()


class _Unclosable(io.RawIOBase):
    """A view of the spool: closing it rewinds nothing and keeps the spool for the next reader."""

    def __init__(self, inner: tempfile.SpooledTemporaryFile[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()
