"""Shards: the input cut into independent pieces of work for a cluster, and the work on one shard.

plan_shards(paths, unchanged, stats) -> Iterator[Shard | FileEnd]
    walks the input as the local ingest does and cuts it into shards: groups of small files on disk,
    slices of whole lines of big JSON Lines files (`sources/lines.py`, the local path's own slices, so
    notice ids and line numbers are the same), and whole archives. Inputs that cannot be read come as
    FileEnds carrying their error. A shard's id is a hash of what it covers (paths, sizes, mtimes, byte
    ranges), so the same input gives the same shards and a finished shard is recognised on a rerun.
build_shard(shard, field_map, dataset, first_key) -> ShardReport
    runs on a worker: the local path's `build_chunk` over the shard in chunks, written as one Parquet
    file per store table under `dataset/<shard id>/`, and the chunks indexed into a search index
    segment beside them (`dataset/<shard id>/index/`, search/shard_index.py; keys from `first_key` on),
    then a small JSON report, written last: a shard whose report exists is finished and is never built
    again. Nothing large goes back to the client; `dataset` is a local folder or any fsspec URL every
    worker and the client can reach.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from procurewatch.ingest.chunks import ChunkResult, build_chunk
from procurewatch.ingest.reading import (
    CHUNK_CHARS,
    CHUNK_DOCS,
    FILE_ITEMS,
    WHOLE_FILE_MAX,
    FileEnd,
    ReadStats,
    read_documents,
)
from procurewatch.model import Document, SkippedInput
from procurewatch.processes import collect_as_workers_do
from procurewatch.search.shard_index import SegmentBuilder, segment_folder
from procurewatch.sources import InputFile, iter_input_files
from procurewatch.sources.attachments import link_attachments
from procurewatch.sources.lines import LineSlice, iter_slices, line_plan
from procurewatch.store.arrow_tables import SCHEMAS, to_tables
from procurewatch.store.writer import ARROW_NBYTES, PartFile

SHARD_FILES = 400  # small files per shard
SHARD_BYTES = 16 * 2**20  # bytes of input per shard (but for one bigger file or archive)
SHARD_LINES = 5_000  # lines of a big JSON Lines file per shard: a few seconds of one worker
FORMAT = 2  # bumped when the part files change, so older parts are rebuilt, not misread
REPORT = "report.json"


@dataclass(slots=True)
class Shard:
    files: list[InputFile] = field(default_factory=list)  # files on disk, read whole
    slices: list[LineSlice] = field(default_factory=list)  # lines of big JSON Lines files
    archive: str | None = None  # an archive on disk, read whole by the worker
    ends: list[FileEnd] = field(default_factory=list)  # files whose last notice is in this shard
    size: int = 0
    id: str = ""

    def seal(self, field_map: dict[str, str] | None) -> Shard:
        covered = {
            "format": FORMAT,
            "fields": sorted((field_map or {}).items()),
            "files": [(f.source_key, f.size, f.mtime) for f in self.files],
            "slices": [(s.source_key, s.start, s.end) for s in self.slices],
            "archive": self.archive,
            "ends": [(e.path, e.size, e.mtime) for e in self.ends],
        }
        self.id = hashlib.sha1(json.dumps(covered, default=str).encode()).hexdigest()[:20]
        return self


@dataclass(slots=True)
class ShardReport:
    """What a shard gave, small enough to travel to the client (the rows stay in the Parquet files)."""

    shard: str
    notices: int
    per_path: dict[str, int]
    errors: list[SkippedInput]
    file_ends: list[FileEnd]  # the files read on the worker (whole files and archive members)
    indexed: int = 0  # notices in the shard's search index segment (none when it could not be built)
    index_error: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ShardReport:
        data = json.loads(text)
        return cls(
            shard=data["shard"],
            notices=data["notices"],
            per_path=data["per_path"],
            errors=[SkippedInput(**e) for e in data["errors"]],
            file_ends=[
                FileEnd(e["path"], e["size"], e["mtime"], [SkippedInput(**x) for x in e["errors"]])
                for e in data["file_ends"]
            ],
            indexed=data.get("indexed", 0),
            index_error=data.get("index_error"),
        )


def plan_shards(
    paths: Iterable[str | Path],
    unchanged: dict[str, tuple[int, float]],
    stats: ReadStats,
    field_map: dict[str, str] | None = None,
) -> Iterator[Shard | FileEnd]:
    """The shards of the input in input order, and the inputs that cannot be read (as FileEnds).

    Shards are cut from the whole input, stored files included, so that a rerun after a crash cuts
    the same shards and finds those already built; a shard whose files are all stored unchanged is
    left out (the writer skips the stored notices of a shard that is only partly stored)."""
    shard = Shard()
    archive: Shard | None = None
    fresh = {"shard": False, "archive": False}  # the shard being filled holds a file not stored yet

    def close(which: str, filled: Shard) -> Iterator[Shard]:
        if fresh[which]:
            yield filled.seal(field_map)
        else:
            stats.unchanged += len(filled.files) + len(filled.ends)
            stats.files -= len(filled.files) + len(filled.ends)
        fresh[which] = False

    def close_archive() -> Iterator[Shard]:
        nonlocal archive
        if archive is not None:
            yield from close("archive", archive)
            archive = None

    paths = list(paths)
    for item in link_attachments(iter_input_files(paths), paths):
        if isinstance(item, SkippedInput):
            yield from close_archive()
            yield FileEnd(item.path, None, None, [item])
            continue
        stored = unchanged.get(item.path) == (item.size, item.mtime)
        stats.files += 1
        if item.disk_path is None:  # an archive member: the worker opens the archive itself
            outer = item.path.split("!", 1)[0]
            if archive is not None and archive.archive != outer:
                yield from close_archive()
            if archive is None:
                archive = Shard(archive=outer)
            archive.ends.append(FileEnd(item.path, item.size, item.mtime, []))
            archive.size += max(item.size, 0)
            fresh["archive"] |= not stored
            continue
        yield from close_archive()
        # records files with attachments are read whole, with their attachments (as in ingest/reading.py)
        plan = line_plan(item) if item.size > WHOLE_FILE_MAX and not item.attachments else None
        if plan is None:
            shard.files.append(item)
            shard.size += item.size
            fresh["shard"] |= not stored
            if len(shard.files) >= SHARD_FILES or shard.size >= SHARD_BYTES:
                yield from close("shard", shard)
                shard = Shard()
            continue
        if shard.files:  # cut here whether or not the big file is stored, so the shards stay the same
            yield from close("shard", shard)
            shard = Shard()
        if stored:
            stats.files -= 1
            stats.unchanged += 1
            continue
        errors: list[SkippedInput] = []
        try:
            for line_slice in iter_slices(item, plan, SHARD_LINES, SHARD_BYTES):
                yield Shard(slices=[line_slice], size=line_slice.end - line_slice.start).seal(field_map)
        except OSError as exc:
            errors.append(SkippedInput(item.path, f"cannot read: {exc.strerror or exc}"))
        yield FileEnd(item.path, item.size, item.mtime, errors)
    yield from close_archive()
    if shard.files:
        yield from close("shard", shard)


def build_shard(
    shard: Shard, field_map: dict[str, str] | None, dataset: str, first_key: int | None = None
) -> ShardReport:
    """Build one shard's notices into Parquet part files under `dataset` (on a worker), and into a search
    index segment keyed from `first_key` on (none without it)."""
    collect_as_workers_do()  # a Dask worker builds chunks as a pool's worker does
    fs, root = fsspec.core.url_to_fs(dataset)
    folder = f"{root.rstrip('/')}/{shard.id}"
    finished = readable_report(dataset, shard.id)
    if finished is not None:
        return finished
    fs.makedirs(folder, exist_ok=True)
    per_path: Counter[str] = Counter()
    errors: list[SkippedInput] = []
    file_ends: list[FileEnd] = []
    notices = 0
    writers: dict[str, pq.ParquetWriter] = {}
    streams = []
    with segment_folder(fs, folder, "procurewatch-segment-") as segment_place:
        segment = _Segment(segment_place, first_key)
        try:
            for name, schema in SCHEMAS.items():
                stream = fs.open(f"{folder}/{name}.parquet", "wb")
                streams.append(stream)
                writers[name] = pq.ParquetWriter(stream, schema)
            nbytes = dict.fromkeys(SCHEMAS, 0)
            for result in _chunk_results(shard, field_map):
                tables = to_tables(result.columns)
                for name, table in tables.items():
                    if table.num_rows:
                        writers[name].write_table(table)
                        nbytes[name] += table.nbytes
                segment.add(tables)
                notices += len(result.ids)
                per_path.update(result.per_path)
                errors.extend(result.errors)
                file_ends.extend(result.file_ends)
            for name, writer in writers.items():  # the writer's checkpoints count rows as Arrow bytes
                writer.add_key_value_metadata({ARROW_NBYTES: str(nbytes[name])})
        finally:
            for writer in writers.values():
                writer.close()
            for stream in streams:
                stream.close()
        indexed = segment.finish()
    report = ShardReport(shard.id, notices, dict(per_path), errors, file_ends, indexed, segment.error)
    _write_report(fs, folder, report)
    return report


class _Segment:
    """The shard's search index segment; one that fails costs only itself: its notices are then indexed
    from the store, as without a cluster."""

    def __init__(self, folder: Path | None, first_key: int | None) -> None:
        self.builder: SegmentBuilder | None = None
        self.error: str | None = None
        if folder is not None and first_key is not None:
            try:
                self.builder = SegmentBuilder(folder, first_key)
            except Exception as exc:  # the notices are in the part files; only their index waits
                self._failed(exc)

    def add(self, tables: dict[str, pa.Table]) -> None:
        if self.builder is not None:
            try:
                self.builder.add(tables)
            except Exception as exc:
                self._failed(exc)

    def finish(self) -> int:
        if self.builder is not None:
            try:
                return self.builder.finish()
            except Exception as exc:
                self._failed(exc)
        return 0

    def _failed(self, exc: Exception) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        self.builder = None


def _write_report(fs: fsspec.AbstractFileSystem, folder: str, report: ShardReport) -> None:
    """Write the report under another name, then move it into place: a report is whole or absent, so a
    worker killed while writing it leaves its shard unfinished, not finished with an empty report."""
    unfinished = f"{folder}/{REPORT}.{uuid.uuid4().hex}.part"
    with fs.open(unfinished, "w", encoding="utf-8") as stream:
        stream.write(report.to_json())
    fs.mv(unfinished, f"{folder}/{REPORT}")


def finished_shards(dataset: str, shard_ids: list[str]) -> set[str]:
    """The shards among `shard_ids` whose report an earlier run wrote (their part files are complete)."""
    fs, root = fsspec.core.url_to_fs(dataset)
    if not fs.exists(root):
        return set()
    present = {Path(p).parent.name for p in fs.glob(f"{root.rstrip('/')}/*/{REPORT}")}
    return present.intersection(shard_ids)


def read_report(dataset: str, shard_id: str) -> ShardReport:
    fs, root = fsspec.core.url_to_fs(dataset)
    with fs.open(f"{root.rstrip('/')}/{shard_id}/{REPORT}", "r", encoding="utf-8") as stream:
        return ShardReport.from_json(stream.read())


def readable_report(dataset: str, shard_id: str) -> ShardReport | None:
    """The shard's report, or None when it cannot be read whole (a version that wrote reports in place
    was killed while writing it): the shard is then built again."""
    try:
        return read_report(dataset, shard_id)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_shard_tables(dataset: str, shard_id: str) -> dict[str, pa.Table]:
    """The rows a finished shard wrote, one Arrow table per store table."""
    fs, root = fsspec.core.url_to_fs(dataset)
    folder = f"{root.rstrip('/')}/{shard_id}"
    tables: dict[str, pa.Table] = {}
    for name, schema in SCHEMAS.items():
        with fs.open(f"{folder}/{name}.parquet", "rb") as stream:
            tables[name] = pq.read_table(stream, schema=schema)
    return tables


def local_part_files(dataset: str, shard_id: str) -> dict[str, PartFile] | None:
    """A finished shard's part files, one a store table, when the dataset is on this machine's disk (the
    writer then has DuckDB read them); None when it is elsewhere (they are read through fsspec)."""
    fs, root = fsspec.core.url_to_fs(dataset)
    if not isinstance(fs, LocalFileSystem):
        return None
    folder = f"{root.rstrip('/')}/{shard_id}"
    return {name: PartFile.of(f"{folder}/{name}.parquet") for name in SCHEMAS}


def part_file_ids(notices: PartFile) -> list[str]:
    """The notice ids of a `notices` part file, in its order."""
    return pq.read_table(notices.path, columns=["id"]).column("id").to_pylist()


def remove_shard(dataset: str, shard_id: str) -> None:
    """Delete a shard's part files once they are in the store."""
    fs, root = fsspec.core.url_to_fs(dataset)
    folder = f"{root.rstrip('/')}/{shard_id}"
    if fs.exists(folder):
        fs.rm(folder, recursive=True)


def _chunk_results(shard: Shard, field_map: dict[str, str] | None) -> Iterator[ChunkResult]:
    """The shard in chunks of the local path's size, so a worker's memory stays flat."""
    files_per_chunk = CHUNK_DOCS // FILE_ITEMS  # as the local reading fills a chunk with whole files
    for start in range(0, len(shard.files), files_per_chunk):
        yield build_chunk([], shard.files[start : start + files_per_chunk], field_map)
    for line_slice in shard.slices:
        yield build_chunk([], None, field_map, [line_slice])
    if shard.archive is not None:
        yield from _archive_results(shard, field_map)


def _archive_results(shard: Shard, field_map: dict[str, str] | None) -> Iterator[ChunkResult]:
    expected = {end.path for end in shard.ends}
    docs: list[Document] = []
    weight = 0
    ends: list[FileEnd] = []
    # linked as on the client (sources/archive_attachments.py): a notice is read with its files
    for item in link_attachments(iter_input_files([shard.archive or ""]), []):
        if isinstance(item, SkippedInput) or item.path not in expected:
            continue  # the client saw these already (or the archive changed since the plan)
        errors: list[SkippedInput] = []
        for doc in read_documents(item, field_map, errors):
            docs.append(doc)
            weight += len(doc.title) + len(doc.body) + len(doc.attachments)
            if len(docs) >= CHUNK_DOCS or weight >= CHUNK_CHARS:
                yield build_chunk(docs)
                docs, weight = [], 0
        ends.append(FileEnd(item.path, item.size, item.mtime, errors))
    result = build_chunk(docs)
    result.file_ends.extend(ends)
    yield result
