"""Attachments linked to their notice, from the layouts crawlers leave on disk:

- same stem beside the notice: `123.html` with `123.docx`, `123_附件1.pdf`, `123-报价表.xlsx`;
- a folder beside the notice named after it: `123.html` with `123/`, `123_files/`, `123_附件/`;
- a folder per notice: a folder (not an input root itself) holding exactly one notice file and its
  documents;
- records that name their files (a URL or a file name in any field of a JSON, JSONL or CSV record)
  with the downloaded files beside the records file or in a `files/`, `attachments/`, `附件/` folder
  next to it: each file goes to the record naming it; a file no record names is read on its own.

A linked file is not read as a notice of its own: its text is added to its notice's `attachments`
field (attachment_text.py marks which file each part came from), so evidence in it counts for the
notice. Only regular files under a folder given as input are linked (not symbolic links, not inside
archives); a record's text only picks among them by name, it never names a path that is then
opened. Which extensions are notices and which are attachments is data (data/readers.json).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from procurewatch import knowledge
from procurewatch.model import Document, SkippedInput
from procurewatch.sources.attachment_text import join_sections
from procurewatch.sources.files import InputFile, iter_input_files

Reader = Callable[[InputFile], Iterable[Document | SkippedInput]]

PLANS_KEPT = 64  # folders whose plan is kept: the walk is depth-first, so few are needed at once
REFS_PER_RECORD = 200
SCAN_BLOCK = 8 * 1024 * 1024
REFS_HINT = "attachment_refs"  # Document.hints key: file names a record refers to


def settings() -> dict[str, list[str] | int | str]:
    return knowledge.load_json("readers.json")["attachments"]  # type: ignore[no-any-return]


@dataclass(slots=True)
class FolderPlan:
    """For one folder: each notice file's attachments, and which files and subfolders are claimed."""

    attachments: dict[str, list[str]] = field(default_factory=dict)  # notice name → attachment paths
    claimed: set[str] = field(default_factory=set)  # file names in this folder
    claimed_folders: set[str] = field(default_factory=set)  # subfolder names
    record_owned: set[str] = field(default_factory=set)  # paths a records file named (any depth below)


def link_attachments(
    items: Iterable[InputFile | SkippedInput], roots: Iterable[str | Path]
) -> Iterator[InputFile | SkippedInput]:
    """The walk's items with attachments moved onto their notice (`InputFile.attachments`): files on
    disk under a folder given as input, and the members of each archive among themselves."""
    from procurewatch.sources.archive_attachments import link_in_archives

    return link_in_archives(_link_on_disk(items, roots), link_members)


def link_members(names: list[str]) -> dict[str, list[str]]:
    """Inside one archive: member name → the member names linked to it as its attachments, by the
    layouts of files on disk (the archive's top is taken as a folder given as input)."""
    root = Path("/")
    tree: dict[Path, tuple[set[str], set[str]]] = {root: (set(), set())}
    for name in names:
        path = root / name
        tree.setdefault(path.parent, (set(), set()))[0].add(path.name)
        for folder in path.parents:
            if folder != root:
                tree.setdefault(folder.parent, (set(), set()))[1].add(folder.name)
    planner = _Planner({root}, lambda folder: tree.get(folder, (set(), set())))
    linked: dict[str, list[str]] = {}
    for name in names:
        path = root / name
        if path.suffix.lower() in planner.notice_suffixes or path.suffix.lower() in planner.record_suffixes:
            found = planner.plan(path.parent).attachments.get(path.name)
            if found:
                linked[name] = [str(Path(p).relative_to(root)) for p in found]
    return linked


def _link_on_disk(
    items: Iterable[InputFile | SkippedInput], roots: Iterable[str | Path]
) -> Iterator[InputFile | SkippedInput]:
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
        if suffix in planner.notice_suffixes or suffix in planner.record_suffixes:
            linked = planner.plan(path.parent).attachments.get(path.name)
            if linked:
                item = dataclasses.replace(item, attachments=tuple(linked))
        yield item


@cache
def _extension_probe() -> re.Pattern[str]:
    config = settings()
    suffixes = [*config["document_extensions"], *config["archive_extensions"]]  # type: ignore[misc]
    alternatives = "|".join(re.escape(x.lstrip(".")) for x in sorted(suffixes, key=len, reverse=True))
    return re.compile(rf"\.(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


_NAME_START = re.compile(r"""[^\s"'<>()=&?#/\\|,;，；、（）【】]+$""")


def names_in(text: str) -> list[str]:
    """File names (lower case) that `text` refers to: bare names, URL paths, %-encoded or not."""
    probe = _extension_probe()
    if probe.search(text) is None:
        return []
    if "%" in text:
        text = unquote(text)
    names = []
    for match in probe.finditer(text):
        before = _NAME_START.search(text, max(0, match.start() - 255), match.start())
        if before is not None:
            names.append((before.group(0) + match.group(0)).lower())
    return names


def file_refs(record: Any) -> list[str]:
    """The file names a scraped record refers to, in any of its string values."""
    found: list[str] = []
    stack = [record]
    while stack and len(found) < REFS_PER_RECORD:
        value = stack.pop()
        if isinstance(value, str):
            found.extend(names_in(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return list(dict.fromkeys(found))[:REFS_PER_RECORD]


def _names_in_file(path: Path) -> set[str]:
    """Every file name a records file refers to, scanned in blocks (the file is not parsed)."""
    names: set[str] = set()
    carry = ""
    try:
        with open(path, "rb") as stream:
            while block := stream.read(SCAN_BLOCK):
                text = carry + block.decode("utf-8", errors="ignore")
                names.update(names_in(text))
                carry = text[-300:]
    except OSError:
        return set()
    return names


def with_attachments(
    notice_file: InputFile, documents: Iterable[Document | SkippedInput], read: Reader
) -> Iterator[Document | SkippedInput]:
    """The notice file's documents with its attachments' text in `attachments`. When the file holds one
    notice, every attachment is its; when it holds several (records), each file goes to the records that
    name it. A file no notice takes is read as a notice of its own: nothing linked is lost."""
    pending: dict[str, str | InputFile] = {_attached_name(p): p for p in notice_file.attachments}
    folder = str(Path(notice_file.path).parent)
    first: Document | None = None
    several = False
    for item in documents:
        if isinstance(item, SkippedInput):
            yield item
            continue
        if first is None:
            first = item  # held until it is known whether a second notice follows
            continue
        if not several:
            several = True
            yield from _attach(first, _named(first, pending), folder, read)
        yield from _attach(item, _named(item, pending), folder, read)
    if first is not None and not several:
        yield from _attach(first, list(pending.values()), folder, read)
        pending.clear()
    for path in pending.values():
        yield from _read_file(path, read)


def _attached_name(attached: str | InputFile) -> str:
    path = attached if isinstance(attached, str) else attached.path.rsplit("!", 1)[-1]
    return Path(path).name.lower()


def _named(doc: Document, pending: dict[str, str | InputFile]) -> list[str | InputFile]:
    """The still unattached files the document's record names (each file goes to one notice)."""
    return [pending.pop(name) for name in doc.hints.get(REFS_HINT, ()) if name in pending]


def _attach(
    doc: Document, paths: list[str | InputFile], folder: str, read: Reader
) -> Iterator[Document | SkippedInput]:
    parts: list[tuple[str, str]] = []
    budget = int(settings()["max_attachment_chars"])  # type: ignore[call-overload]
    for path in paths:
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
    if parts:
        joined = join_sections(parts)
        doc.attachments = f"{doc.attachments}\n\n{joined}" if doc.attachments else joined
    yield doc


def _read_file(path: str | InputFile, read: Reader) -> Iterator[Document | SkippedInput]:
    """One attached file's documents (an archive's: each member's), through the ordinary readers."""
    if isinstance(path, InputFile):  # a member of the archive the notice is in
        yield from read(path)
        return
    for member in iter_input_files([path]):
        if isinstance(member, SkippedInput):
            yield member
        else:
            yield from read(member)


def _text_of(doc: Document) -> str:
    body = doc.body.strip()
    title = doc.title.strip()
    return body if not title or title in body else f"{title}\n{body}"


Listing = Callable[[Path], tuple[set[str], set[str]]]


class _Planner:
    def __init__(self, roots: set[Path], listing: Listing | None = None) -> None:
        config = settings()
        self.roots = roots
        self.listing: Listing = listing or _listing
        self.notice_suffixes = frozenset(config["notice_extensions"])  # type: ignore[arg-type]
        self.attachment_suffixes = frozenset(
            [*config["document_extensions"], *config["archive_extensions"]]  # type: ignore[misc]
        )
        self.folder_suffixes: list[str] = config["folder_suffixes"]  # type: ignore[assignment]
        self.separators: list[str] = config["stem_separators"]  # type: ignore[assignment]
        self.most = int(config["max_attachments_per_notice"])  # type: ignore[arg-type]
        self.record_suffixes = frozenset(config["record_extensions"])  # type: ignore[arg-type]
        self.record_folders = frozenset(config["record_subfolders"])  # type: ignore[arg-type]
        self._plans: OrderedDict[Path, FolderPlan] = OrderedDict()

    def inside(self, path: Path) -> bool:
        """Under a folder given as input: only there are a notice and its attachments both inputs."""
        return any(root in path.parents for root in self.roots)

    def is_claimed(self, path: Path) -> bool:
        if path.name in self.plan(path.parent).claimed:
            return True
        folder = path.parent
        for level in range(3):  # files/<id>/x.pdf is claimed in the plan of the records' folder
            if folder in self.roots or not self.inside(folder):
                return False
            above = self.plan(folder.parent)
            if str(path) in above.record_owned or (level == 0 and folder.name in above.claimed_folders):
                return True
            folder = folder.parent
        return False

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
        files, folders = self.listing(folder)
        documents = sorted(n for n in files if Path(n).suffix.lower() in self.attachment_suffixes)
        if not documents and not folders:
            return plan  # the common case (a folder of pages or records): nothing to link
        notices = sorted(n for n in files if Path(n).suffix.lower() in self.notice_suffixes)
        records = sorted(n for n in files if Path(n).suffix.lower() in self.record_suffixes)
        if not notices and not records:
            return plan
        stems: dict[str, str] = {}
        for notice in notices:
            stems.setdefault(Path(notice).stem, notice)
        owners: dict[str, list[str]] = {}
        for document in documents:
            owner = self._stem_owner(Path(document).stem, stems)
            if owner is not None:
                owners.setdefault(owner, []).append(str(folder / document))
        for notice in notices:
            for suffix in self.folder_suffixes:
                name = Path(notice).stem + suffix
                if name in folders and name not in plan.claimed_folders:
                    inside = [str(folder / name / f) for f in sorted(self.listing(folder / name)[0])]
                    inside = [p for p in inside if Path(p).suffix.lower() in self.attachment_suffixes]
                    if inside:
                        plan.claimed_folders.add(name)
                        owners.setdefault(notice, []).extend(inside)
        taken = {p for paths in owners.values() for p in paths}
        unclaimed = [d for d in documents if str(folder / d) not in taken]
        if len(notices) == 1 and unclaimed and folder not in self.roots:
            owners.setdefault(notices[0], []).extend(str(folder / d) for d in unclaimed)
            unclaimed = []
        if records:
            self._named_by_records(folder, records, unclaimed, folders, owners, plan)
        for notice, paths in owners.items():
            if len(paths) > self.most and notice not in records:
                continue  # too many to be one notice's attachments: each is read on its own
            plan.attachments[notice] = paths
            plan.claimed.update(Path(p).name for p in paths if Path(p).parent == folder)
        kept = {Path(p).parent.name for paths in plan.attachments.values() for p in paths}
        plan.claimed_folders &= kept
        return plan

    def _stem_owner(self, stem: str, stems: dict[str, str]) -> str | None:
        """The notice whose stem is the document's, or its longest prefix ending before a separator."""
        if stem in stems:
            return stems[stem]
        for end in range(len(stem) - 1, 0, -1):
            if stem[end] in self.separators and stem[:end] in stems:
                return stems[stem[:end]]
        return None

    def _named_by_records(
        self,
        folder: Path,
        records: list[str],
        unclaimed: list[str],
        folders: set[str],
        owners: dict[str, list[str]],
        plan: FolderPlan,
    ) -> None:
        """Files beside the records files, or in a files/ folder next to them, that a record names."""
        candidates = {d.lower(): str(folder / d) for d in unclaimed}
        for name in sorted(folders & self.record_folders):
            for inner in self._files_below(folder / name):
                candidates.setdefault(inner.name.lower(), str(inner))
        if not candidates:
            return
        for record_file in records:
            named = _names_in_file(folder / record_file) & candidates.keys()
            if named:
                paths = [candidates.pop(n) for n in sorted(named)]
                owners.setdefault(record_file, []).extend(paths)
                plan.record_owned.update(paths)

    def _files_below(self, root: Path, depth: int = 2) -> Iterator[Path]:
        files, folders = self.listing(root)
        for name in sorted(files):
            if Path(name).suffix.lower() in self.attachment_suffixes:
                yield root / name
        if depth > 1:
            for name in sorted(folders):
                yield from self._files_below(root / name, depth - 1)


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
