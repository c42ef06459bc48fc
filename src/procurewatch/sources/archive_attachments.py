"""Attachments linked inside an archive: a crawler's .zip/.rar/.7z holding notices and their files
(same stem, a folder named after the notice, a folder per notice) gets them linked as on disk
(sources/attachments.py plans both from the same layouts).

The members of one archive come one after another from the walk; they are held until the archive ends,
so every notice can be given its files. A member that can only be read while the walk stands on it (a
.rar, .7z or tar member) is copied into a spool first: in memory for the first
`archive_link_memory_bytes` held, in temporary files past them. The archive
limits against bombs and ../ paths are the walk's (sources/files.py, sources/rar7z.py) and apply
before anything is held; how much is held at once is capped (data/readers.json): past the cap the
archive's members go on unlinked, as before, and nothing is lost.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from procurewatch import knowledge
from procurewatch.model import SkippedInput
from procurewatch.sources.files import SPOOL_IN_MEMORY, InputFile, _Unclosable

Linker = Callable[[list[str]], dict[str, list[str]]]


def _caps() -> tuple[int, int, int]:
    config = knowledge.load_json("readers.json")["attachments"]
    return (
        int(config["archive_link_max_members"]),
        int(config["archive_link_max_bytes"]),
        int(config["archive_link_memory_bytes"]),
    )


def member_of(item: InputFile) -> tuple[str, str] | None:
    """(archive, member name) for an archive member, else None."""
    if item.disk_path is not None or "!" not in item.path:
        return None
    archive, name = item.path.split("!", 1)
    return archive, name


def link_in_archives(
    items: Iterable[InputFile | SkippedInput], link: Linker
) -> Iterator[InputFile | SkippedInput]:
    held = _Held(link)
    for item in items:
        if isinstance(item, SkippedInput):
            yield item
            continue
        member = member_of(item)
        if member is None or item.attachments:
            yield from held.release()
            yield item
        elif member[0] != held.archive:
            yield from held.release()
            held.start(member[0])
            yield from held.add(item, member[1])
        else:
            yield from held.add(item, member[1])
    yield from held.release()


class _Spool:
    """A member's bytes, readable after the walk has left it; closed once its reader is done. In
    memory while `in_memory` allows, else in a temporary file."""

    def __init__(self, item: InputFile, in_memory: int) -> None:
        in_memory = min(in_memory, SPOOL_IN_MEMORY)
        # a max_size of 0 would keep a SpooledTemporaryFile in memory whatever its size
        self.file: BinaryIO = (
            tempfile.SpooledTemporaryFile(max_size=in_memory)  # type: ignore[assignment]  # noqa: SIM115
            if in_memory > 0
            else tempfile.TemporaryFile()  # noqa: SIM115
        )
        with item.open() as source:
            shutil.copyfileobj(source, self.file, 1024 * 1024)

    def open(self) -> BinaryIO:
        self.file.seek(0)
        return _Unclosable(self.file)  # type: ignore[return-value, arg-type]


class _Held:
    def __init__(self, link: Linker) -> None:
        self.link = link
        self.most_members, self.most_bytes, self.most_memory = _caps()
        self.archive: str | None = None
        self.members: list[tuple[str, InputFile]] = []
        self.spools: dict[str, _Spool] = {}
        self.bytes = 0
        self.passing = False  # over the cap: the rest of this archive goes on unlinked

    def start(self, archive: str) -> None:
        self.archive = archive
        self.passing = False

    def add(self, item: InputFile, name: str) -> Iterator[InputFile | SkippedInput]:
        if self.passing:
            yield item
            return
        if not item.reopenable:
            if self.bytes + max(item.size, 0) > self.most_bytes:
                yield from self._give_up(item)
                return
            try:
                spool = _Spool(item, self.most_memory - self.bytes)
            except OSError as exc:
                yield SkippedInput(item.path, f"cannot read archive member: {exc.strerror or exc}")
                return
            self.spools[name] = spool
            self.bytes += max(item.size, 0)
            item = dataclasses.replace(item, opener=spool.open, reopenable=True)
        self.members.append((name, item))
        if len(self.members) > self.most_members:
            yield from self._give_up(None)

    def _give_up(self, item: InputFile | None) -> Iterator[InputFile | SkippedInput]:
        """Past the cap: what is held goes on as it is, then the rest of the archive."""
        held, self.members = self.members, []
        try:
            yield from (member for _, member in held)
        finally:
            self._close()
        self.passing = True
        if item is not None:
            yield item

    def release(self) -> Iterator[InputFile | SkippedInput]:
        held, self.members = self.members, []
        self.archive = None
        try:
            if not held:
                return
            by_name = dict(held)
            linked = self.link([name for name, _ in held]) if len(held) > 1 else {}
            taken = {name for names in linked.values() for name in names}
            for name, item in held:
                if name in taken:
                    continue  # read with its notice
                files = tuple(by_name[n] for n in linked.get(name, ()))
                yield dataclasses.replace(item, attachments=files) if files else item
        finally:
            self._close()

    def _close(self) -> None:
        for spool in self.spools.values():
            spool.file.close()
        self.spools = {}
        self.bytes = 0
