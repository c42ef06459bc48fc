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
    # files linked to this notice (sources/attachments.py): paths on disk, or members of its archive
    attachments: tuple[str | InputFile, ...] = ()
    fs_path: str | None = field(default=None, repr=False)  # the name to open when `path` had to be escaped
    reopenable: bool = False  # an archive member that can still be opened once the walk has moved on

    @property
    def name(self) -> str:
        """File name of the content, for format hints: 'a.jsonl' for 'x.zip!dir/a.jsonl' and 'a.jsonl.gz'."""
        inner = self.path.rsplit("!", 1)[-1]
        base = inner.replace("\\", "/").rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".gz") and "!" not in self.path else base

    @property
    def disk_path(self) -> str | None:
        """The file's path on disk when its content is the file itself (not an archive member)."""
        if self.opener is not None:
            return None
        return self.fs_path or self.path

    def open(self) -> BinaryIO:
        """A fresh binary stream of the content, from the start. Close it (use `with`)."""
        if self.opener is not None:
            return self.opener()
        return open(self.fs_path or self.path, "rb")  # the caller closes it

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The content, or its first `limit` bytes."""
        with self.open() as stream:
            return stream.read() if limit is None else stream.read(limit)

    def head(self, size: int = HEAD_SIZE) -> bytes:
        return self.read_bytes(size)


def shown(name: str) -> str:
    """A file name as text that can be stored and printed: bytes that are not UTF-8 (which Python keeps
    as lone surrogates) are written as \\xNN. The same name always gives the same text, so a re-ingest
    finds the files it stored before."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[InputFile | SkippedInput]:
    """Every readable file under `paths`, in sorted order; problems come as SkippedInput, never raised."""
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except FileNotFoundError:
            yield SkippedInput(shown(str(path)), "no such file or folder")
            continue
        except OSError as exc:
            yield SkippedInput(shown(str(path)), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path)
        elif not stat.S_ISREG(info.st_mode):
            yield SkippedInput(shown(str(path)), _not_regular(info.st_mode))
        else:
            yield from _expand(path)


def _not_regular(mode: int) -> str:
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"{kind}: skipped without opening it (only regular files are read)"


def _walk(folder: Path) -> Iterator[InputFile | SkippedInput]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield SkippedInput(shown(str(folder)), f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
                continue
            info = entry.stat()  # follows a symbolic link: a loop or a dangling link fails here
        except OSError as exc:
            yield SkippedInput(shown(entry.path), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISREG(info.st_mode):
            yield from _expand(Path(entry.path))
        elif not stat.S_ISDIR(info.st_mode):  # a link to a folder is not followed (no walking in circles)
            yield SkippedInput(shown(entry.path), _not_regular(info.st_mode))


def _expand(path: Path) -> Iterator[InputFile | SkippedInput]:
    """A file on disk: itself, or the members of the archive it is."""
    display = shown(str(path))
    try:
        # never blocks: a FIFO swapped in after the walk looked is refused below, not waited on
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(descriptor)
            magic = os.read(descriptor, 8) if stat.S_ISREG(info.st_mode) else b""
        finally:
            os.close(descriptor)
    except OSError as exc:
        yield SkippedInput(display, f"cannot read: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(info.st_mode):
        yield SkippedInput(display, _not_regular(info.st_mode))
        return
    key = shown(str(path.resolve()))
    lower = path.name.lower()
    if magic.startswith(ZIP_MAGIC) and not lower.endswith(NOT_ARCHIVES):
        yield from _zip_members(path, display, key)
    elif magic.startswith(GZIP_MAGIC):
        yield from _gzip_content(path, display, key, info.st_mtime)
    elif rar7z.is_rar_or_7z(magic):
        yield from _rar7z_members(path, display, key)
    elif _is_tar(path):
        yield from _tar_members(path, display, key, "r:")
    else:
        fs_path = str(path) if display != str(path) else None
        yield InputFile(display, info.st_size, info.st_mtime, key, fs_path=fs_path)


def _is_tar(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            block = stream.read(512)
    except OSError:
        return False
    return len(block) == 512 and block[257:262] == b"ustar"


def _hidden(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts if p and p != "..")


def unsafe_member(member: str) -> str | None:
    """Why an archive member's name is refused (it climbs out of the archive or is absolute), else None."""
    parts = member.replace("\\", "/").split("/")
    if ".." in parts:
        return "archive member named outside the archive ('..' in its name): not read"
    if member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":"):
        return "archive member with an absolute name: not read"
    return None


def _zip_members(path: Path, display: str, key: str) -> Iterator[InputFile | SkippedInput]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield SkippedInput(display, f"broken zip archive: {exc}")
        return
    for member in members:
        if unsafe := unsafe_member(member.filename):
            yield SkippedInput(f"{display}!{shown(member.filename)}", unsafe)
            continue
        if _hidden(member.filename):
            continue
        if member.flag_bits & 0x1:
            yield SkippedInput(f"{display}!{shown(member.filename)}", "encrypted zip member")
            continue
        mtime = _zip_mtime(member)
        yield InputFile(
            f"{display}!{shown(member.filename)}",
            member.file_size,
            mtime,
            f"{key}!{shown(member.filename)}",
            opener=_zip_opener(path, member.filename),
            reopenable=True,
        )


def _rar7z_members(path: Path, display: str, key: str) -> Iterator[InputFile | SkippedInput]:
    for item in rar7z.archive_members(path, skip=_hidden):
        if isinstance(item, SkippedInput):
            yield item
        else:
            name = shown(item.name)
            yield InputFile(f"{display}!{name}", item.size, item.mtime, f"{key}!{name}", item.open)


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


def _gzip_content(path: Path, display: str, key: str, mtime: float) -> Iterator[InputFile | SkippedInput]:
    try:
        with gzip.open(path, "rb") as stream:
            block = stream.read(512)
    except (OSError, EOFError) as exc:
        yield SkippedInput(display, f"broken gzip file: {exc}")
        return
    if len(block) == 512 and block[257:262] == b"ustar":
        yield from _tar_members(path, display, key, "r|gz")
        return

    def opener() -> BinaryIO:
        return gzip.open(path, "rb")  # type: ignore[return-value]

    yield InputFile(display, -1, mtime, key, opener=opener)


def _tar_members(path: Path, display: str, key: str, mode: str) -> Iterator[InputFile | SkippedInput]:
    try:
        archive = tarfile.open(path, mode)  # type: ignore[call-overload]  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield SkippedInput(display, f"broken tar archive: {exc}")
        return
    with archive:
        while True:
            try:
                member = archive.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                yield SkippedInput(display, f"broken tar archive: {exc}")
                return
            if member is None:
                return
            name = shown(member.name)
            if (unsafe := unsafe_member(member.name)) and member.isfile():
                yield SkippedInput(f"{display}!{name}", unsafe)
                continue
            if not member.isfile() or _hidden(member.name):
                continue
            spool = _MemberSpool(archive, member)
            try:
                yield InputFile(
                    f"{display}!{name}", member.size, float(member.mtime), f"{key}!{name}", spool.open
                )
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
            try:
                shutil.copyfileobj(source, self._file, 1024 * 1024)
            except tarfile.TarError as exc:  # a truncated archive: the member breaks off
                self._file.close()
                self._file = None
                raise OSError(f"broken tar archive: {exc}") from exc
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
