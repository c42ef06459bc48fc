""".rar and .7z archives read in place through libarchive (the system library, via libarchive-c), like
the .zip and .tar members of files.py, which makes each Member here an InputFile "archive.rar!member".

Nothing is extracted to disk under a member's name, so a "../" or absolute member path cannot write
anywhere; it only names the member. Members are unpacked one at a time, in archive order (solid 7z and
rar archives cannot seek), into a spool the walk holds while it stands on that member, and every byte is
counted as it comes: a member, the archive as a whole, or the unpacked-to-packed ratio beyond the limits
in data/readers.json stops the unpacking there (an archive bomb), reported by name.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from procurewatch import knowledge
from procurewatch.model import SkippedInput

SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
RAR_MAGIC = b"Rar!\x1a\x07"
RAR5_MAGIC = b"Rar!\x1a\x07\x01\x00"
SPOOL_IN_MEMORY = 16 * 1024 * 1024
MISSING_LIBRARY = (
    "reading .rar/.7z needs the libarchive library, which is missing (Debian: apt-get install libarchive13)"
)


def is_rar_or_7z(magic: bytes) -> bool:
    return magic.startswith(SEVEN_ZIP_MAGIC) or magic.startswith(RAR_MAGIC)


def limits() -> dict[str, int]:
    return knowledge.load_json("readers.json")["archive_limits"]  # type: ignore[no-any-return]


@dataclass(slots=True)
class Member:
    """One unpacked member, readable (`open`) while the walk stands on it."""

    name: str
    size: int
    mtime: float
    open: Callable[[], BinaryIO]


def archive_members(path: Path, skip: Callable[[str], bool]) -> Iterator[Member | SkippedInput]:
    """The regular-file members of one .rar/.7z archive, except those `skip` names; problems come as
    SkippedInput (named "archive!member" when they concern one member)."""
    try:
        import libarchive
    except (ImportError, OSError) as exc:
        yield SkippedInput(str(path), f"{MISSING_LIBRARY}: {exc}")
        return
    budget = _Budget(path, limits())
    try:
        with libarchive.file_reader(str(path), format_name=_format(path)) as archive:
            for entry in archive:
                if budget.members_exhausted():
                    yield SkippedInput(
                        str(path), f"more than {budget.limits['max_members']} members: the rest is not read"
                    )
                    return
                name = entry.pathname or ""
                if not entry.isreg:
                    continue
                if leaves_archive(name):
                    yield SkippedInput(
                        f"{path}!{name}", "member path leaves the archive (../ or absolute): skipped"
                    )
                    continue
                if skip(name):
                    continue
                item = _member(path, entry, budget)
                if isinstance(item, SkippedInput):
                    yield item
                    if budget.stopped:
                        return
                    continue
                spool, member = item
                try:
                    yield member
                finally:
                    spool.close()
    except libarchive.ArchiveError as exc:
        yield SkippedInput(str(path), f"broken, encrypted or unsupported archive: {_reason(exc)}")
    except OSError as exc:
        yield SkippedInput(str(path), f"cannot read archive: {exc.strerror or exc}")


def _format(path: Path) -> str:
    """libarchive's format for the file's magic: only that one may read it (with every format allowed,
    a .rar holding a .docx is taken for a zip by the zip reader's look at the end of the file)."""
    with open(path, "rb") as stream:
        magic = stream.read(8)
    if magic.startswith(SEVEN_ZIP_MAGIC):
        return "7zip"
    return "rar5" if magic.startswith(RAR5_MAGIC) else "rar"


def leaves_archive(name: str) -> bool:
    """A member named to land outside the folder it would be extracted into (it is never extracted)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts


class _Budget:
    """Bytes unpacked so far against the limits; `stopped` once the archive as a whole is over them."""

    def __init__(self, path: Path, limits: dict[str, int]) -> None:
        self.limits = limits
        self.packed = max(path.stat().st_size, 1)
        self.total = 0
        self.members = 0
        self.stopped = False

    def members_exhausted(self) -> bool:
        self.members += 1
        return self.members > self.limits["max_members"]

    def add(self, size: int, member_size: int) -> str | None:
        """Why unpacking must stop, or None."""
        self.total += size
        most = self.limits
        if member_size > most["max_member_bytes"]:
            return f"member unpacks to more than {_mb(most['max_member_bytes'])}: refused (an archive bomb?)"
        if self.total > most["max_archive_bytes"]:
            self.stopped = True
            return f"archive unpacks to more than {_mb(most['max_archive_bytes'])}: the rest is not read"
        if self.total > most["ratio_floor_bytes"] and self.total > most["max_ratio"] * self.packed:
            self.stopped = True
            return (
                f"archive unpacks to over {most['max_ratio']} times its size: the rest is not read (a bomb?)"
            )
        return None


def _mb(size: int) -> str:
    return f"{size / 2**20:g} MB"


def _member(
    path: Path, entry: Any, budget: _Budget
) -> tuple[tempfile.SpooledTemporaryFile[bytes], Member] | SkippedInput:
    name = entry.pathname
    display = f"{path}!{name}"
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  # closed by the caller
    size = 0
    for block in entry.get_blocks():
        size += len(block)
        refusal = budget.add(len(block), size)
        if refusal is not None:
            spool.close()
            return SkippedInput(display, refusal)
        spool.write(block)
    return spool, Member(name, size, float(entry.mtime or 0), _SpoolView.opener(spool))


class _SpoolView(io.RawIOBase):
    """A read view of the member's spool; closing the view keeps the spool for the next reader."""

    def __init__(self, spool: tempfile.SpooledTemporaryFile[bytes]) -> None:
        self._spool = spool
        spool.seek(0)

    @classmethod
    def opener(cls, spool: tempfile.SpooledTemporaryFile[bytes]) -> Callable[[], BinaryIO]:
        def open_view() -> BinaryIO:
            if spool.closed:
                raise OSError("archive member is no longer available (read it in turn)")
            return io.BufferedReader(cls(spool))  # type: ignore[return-value]

        return open_view

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._spool.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._spool.seek(offset, whence)

    def tell(self) -> int:
        return self._spool.tell()


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "passphrase" in text.lower() or "encrypt" in text.lower():
        return "encrypted (password-protected) archive"
    return text
