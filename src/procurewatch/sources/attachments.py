"""Attachments linked to their notice, from the layouts crawlers leave on disk:

- same stem beside the notice: `123.html` with `123.docx`, `123_附件1.pdf`, `123-报价表.xlsx`;
- a folder beside the notice named after it: `123.html` with `123/`, `123_files/`, `123_附件/`;
- a folder per notice: a folder (not an input root itself) holding exactly one notice file and its
  documents.

A linked file is not read as a notice of its own: its text is added to its notice's `attachments`
field (attachment_text.py marks which file each part came from), so evidence in it counts for the
notice. Only files the walk itself found are linked, on disk (not archive members), never symbolic
links; a notice never names a path that is then opened. Which extensions are notices and which are
attachments is data (data/readers.json).
"""

from __future__ import annotations

import dataclasses
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from procurewatch import knowledge
from procurewatch.model import Document, SkippedInput
from procurewatch.sources.attachment_text import join_sections
from procurewatch.sources.files import InputFile, iter_input_files

Reader = Callable[[InputFile], Iterable[Document | SkippedInput]]

PLANS_KEPT = 64  # folders whose plan is kept: the walk is depth-first, so few are needed at once


def settings() -> dict[str, list[str] | int | str]:
    return knowledge.load_json("readers.json")["attachments"]  # type: ignore[no-any-return]


@dataclass(slots=True)
class FolderPlan:
    """For one folder: each notice file's attachments, and which files and subfolders are claimed."""

    attachments: dict[str, list[str]] = field(default_factory=dict)  # notice name → attachment paths
    claimed: set[str] = field(default_factory=set)  # file names in this folder
    claimed_folders: set[str] = field(default_factory=set)  # subfolder names


def link_attachments(
    items: Iterable[InputFile | SkippedInput], roots: Iterable[str | Path]
) -> Iterator[InputFile | SkippedInput]:
    """The walk's items with attachments moved onto their notice (`InputFile.attachments`)."""
    planner = _Planner({Path(r) for r in roots if Path(r).is_dir()})
    for item in items:
        if isinstance(item, SkippedInput) or not planner.inside(Path(item.path)):
            yield item
            continue
        path = Path(item.path.split("!", 1)[0])  # an archive member goes with its archive
        if item.disk_path is None:
            if not (path.suffix.lower() in planner.attachment_suffixes and planner.is_claimed(path)):
                yield item
            continue
        suffix = path.suffix.lower()
        if suffix in planner.attachment_suffixes and planner.is_claimed(path):
            continue
        if suffix in planner.notice_suffixes:
            linked = planner.plan(path.parent).attachments.get(path.name)
            if linked:
                item = dataclasses.replace(item, attachments=tuple(linked))
        yield item


def with_attachments(
    notice_file: InputFile, documents: Iterable[Document | SkippedInput], read: Reader
) -> Iterator[Document | SkippedInput]:
    """The notice file's documents, its attachments' text in `attachments`. A file that holds more than
    one notice (or none) cannot say whose the attachments are: they are then read as notices of their own."""
    docs: list[Document] = []
    for item in documents:
        if isinstance(item, SkippedInput):
            yield item
        else:
            docs.append(item)
    if len(docs) != 1:
        yield from docs
        for path in notice_file.attachments:
            yield from _read_file(path, read)
        return
    parts: list[tuple[str, str]] = []
    budget = int(settings()["max_attachment_chars"])  # type: ignore[call-overload]
    folder = str(Path(notice_file.path).parent)
    for path in notice_file.attachments:
        for item in _read_file(path, read):
            if isinstance(item, SkippedInput):
                yield item
                continue
            text = _text_of(item)
            if len(text) > budget:
                yield SkippedInput(item.path, "attachment text beyond the notice's limit: not attached")
                continue
            budget -= len(text)
            parts.append((os.path.relpath(item.path, folder), text))
    notice = docs[0]
    if parts:
        joined = join_sections(parts)
        notice.attachments = f"{notice.attachments}\n\n{joined}" if notice.attachments else joined
    yield notice


def _read_file(path: str, read: Reader) -> Iterator[Document | SkippedInput]:
    """One attached file's documents (an archive's: each member's), through the ordinary readers."""
    for member in iter_input_files([path]):
        if isinstance(member, SkippedInput):
            yield member
        else:
            yield from read(member)


def _text_of(doc: Document) -> str:
    body = doc.body.strip()
    title = doc.title.strip()
    return body if not title or title in body else f"{title}\n{body}"


class _Planner:
    def __init__(self, roots: set[Path]) -> None:
        config = settings()
        self.roots = roots
        self.notice_suffixes = frozenset(config["notice_extensions"])  # type: ignore[arg-type]
        self.attachment_suffixes = frozenset(
            [*config["document_extensions"], *config["archive_extensions"]]  # type: ignore[misc]
        )
        self.folder_suffixes: list[str] = config["folder_suffixes"]  # type: ignore[assignment]
        self.separators: list[str] = config["stem_separators"]  # type: ignore[assignment]
        self.most = int(config["max_attachments_per_notice"])  # type: ignore[arg-type]
        self._plans: OrderedDict[Path, FolderPlan] = OrderedDict()

    def inside(self, path: Path) -> bool:
        """Under a folder given as input: only there are a notice and its attachments both inputs."""
        return any(root in path.parents for root in self.roots)

    def is_claimed(self, path: Path) -> bool:
        if path.name in self.plan(path.parent).claimed:
            return True
        folder = path.parent
        return folder not in self.roots and folder.name in self.plan(folder.parent).claimed_folders

    def plan(self, folder: Path) -> FolderPlan:
        if folder in self._plans:
            self._plans.move_to_end(folder)
            return self._plans[folder]
        plan = self._make(folder)
        self._plans[folder] = plan
        if len(self._plans) > PLANS_KEPT:
            self._plans.popitem(last=False)
        return plan

    def _make(self, folder: Path) -> FolderPlan:
        plan = FolderPlan()
        files, folders = _listing(folder)
        notices = sorted(n for n in files if Path(n).suffix.lower() in self.notice_suffixes)
        documents = sorted(n for n in files if Path(n).suffix.lower() in self.attachment_suffixes)
        if not notices or (not documents and not folders):
            return plan
        by_stem = sorted(notices, key=lambda n: -len(Path(n).stem))  # "12_1.html" before "12.html"
        owners: dict[str, list[str]] = {}
        for document in documents:
            owner = next((n for n in by_stem if self._same_stem(Path(n).stem, document)), None)
            if owner is not None:
                owners.setdefault(owner, []).append(str(folder / document))
        for notice in notices:
            for suffix in self.folder_suffixes:
                name = Path(notice).stem + suffix
                if name in folders and name not in plan.claimed_folders:
                    inside = [str(folder / name / f) for f in sorted(_listing(folder / name)[0])]
                    inside = [p for p in inside if Path(p).suffix.lower() in self.attachment_suffixes]
                    if inside:
                        plan.claimed_folders.add(name)
                        owners.setdefault(notice, []).extend(inside)
        unclaimed = [d for d in documents if not any(str(folder / d) in v for v in owners.values())]
        if len(notices) == 1 and unclaimed and folder not in self.roots:
            owners.setdefault(notices[0], []).extend(str(folder / d) for d in unclaimed)
        for notice, paths in owners.items():
            if len(paths) > self.most:
                continue  # too many to be one notice's attachments: each is read on its own
            plan.attachments[notice] = paths
            plan.claimed.update(Path(p).name for p in paths if Path(p).parent == folder)
        kept_folders = {Path(p).parent.name for paths in plan.attachments.values() for p in paths}
        plan.claimed_folders &= kept_folders
        return plan

    def _same_stem(self, stem: str, document: str) -> bool:
        doc_stem = Path(document).stem
        return doc_stem == stem or any(doc_stem.startswith(stem + sep) for sep in self.separators)


def _listing(folder: Path) -> tuple[set[str], set[str]]:
    """Regular files and folders directly in `folder` (no symbolic links, nothing hidden)."""
    files: set[str] = set()
    folders: set[str] = set()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.add(entry.name)
                elif entry.is_file(follow_symlinks=False):
                    files.add(entry.name)
    except OSError:
        pass
    return files, folders
