"""Search index segments of several shards merged into one on a cluster's worker, for the client to adopt.

`merge_segments` gathers the segments of a group's members (shards' segments, or groups merged before)
into a folder of its own (hard links when the dataset is on this machine's disk: the members keep
theirs), lists them in one meta.json and lets tantivy merge them, as it merges any index's segments on
a commit (its log merge policy merges a level of at least `MERGE_AT_LEAST` segments of like size into
one). The group's ids are its members' ids, and its report (`merged.json`, written last, so a group is
merged whole or not at all) names the shards whose notices it holds. A group is adopted by the client
like a shard's segment (search/shard_index.py's `adopt_segments` checks its keys and ids alike), only
when every one of those shards was stored whole; otherwise its members are adopted one by one.

On a cluster a group is merged in a Python process of its own (`merge_segments_apart`): tantivy maps its
members' segment files and reads them whole, so the merging process's RSS grows by the size of those
files (docs/measurements.md), though the kernel may drop those pages at any time. A
Dask nanny measures its worker by RSS and restarts it past its memory limit: the child's pages are not
the worker's, and all of the merge's memory is given back when the child ends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from procurewatch.processes import child_environment
from procurewatch.search.index import FORMAT, FORMAT_FILE, open_index
from procurewatch.search.shard_index import (
    SEGMENT_DIR,
    SEGMENT_HEAP,
    SEGMENT_IDS,
    gather_segments,
    segment_folder,
)

MERGE_AT_LEAST = 8  # tantivy's log merge policy merges a level of this many segments (its default)
MERGED = "merged.json"  # a group's report, beside its segment
_META, _MANAGED = "meta.json", ".managed.json"


@dataclass(slots=True)
class MergeReport:
    """What a group's merge gave: the shards whose notices its segment holds (none when it failed)."""

    group: str
    shards: list[str] = field(default_factory=list)
    segments: int = 0  # tantivy segments left in the group's index (1 once merged)
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def read_merge_report(dataset: str, group: str) -> MergeReport | None:
    """The group's report, or None when it was not merged whole (it is merged again)."""
    fs, root = fsspec.core.url_to_fs(dataset)
    try:
        with fs.open(f"{root.rstrip('/')}/{group}/{MERGED}", "r", encoding="utf-8") as stream:
            data = json.load(stream)
        return MergeReport(data["group"], data["shards"], data["segments"], data.get("error"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def merge_segments(dataset: str, group: str, members: dict[str, list[str]]) -> MergeReport:
    """Merge the segments of `members` (folder under `dataset` → the shards its segment holds; a member
    without a segment is left out) into `dataset/<group>/index`. A merge that fails costs only itself:
    its report names no shard, and the client adopts the members' own segments instead."""
    finished = read_merge_report(dataset, group)
    if finished is not None:
        return finished
    fs, root = fsspec.core.url_to_fs(dataset)
    folder = f"{root.rstrip('/')}/{group}"
    present = {
        name: held
        for name, held in members.items()
        if held and fs.exists(f"{root.rstrip('/')}/{name}/{SEGMENT_DIR}/{SEGMENT_IDS}")
    }
    if not present:  # nothing to merge (a merge given up that went on once its members were adopted)
        return MergeReport(group, error="no member has a segment")
    report = MergeReport(group)
    try:
        fs.makedirs(folder, exist_ok=True)
        with segment_folder(fs, folder, "procurewatch-merge-") as target:
            report.segments = _merge_into(fs, root.rstrip("/"), list(present), target)
        report.shards = [shard for held in present.values() for shard in held]
    except Exception as exc:  # the members' own segments are still there to adopt; merged again on a rerun
        return MergeReport(group, error=f"{type(exc).__name__}: {exc}")
    unfinished = f"{folder}/{MERGED}.{uuid.uuid4().hex}.part"
    with fs.open(unfinished, "w", encoding="utf-8") as stream:
        stream.write(report.to_json())
    fs.mv(unfinished, f"{folder}/{MERGED}")
    return report


def merge_segments_apart(dataset: str, group: str, members: dict[str, list[str]]) -> MergeReport:
    """`merge_segments` run by a Python process of its own (the module's docstring says why), but for a
    dataset no other process can open (fsspec's `memory://`), which is merged here."""
    fs, _ = fsspec.core.url_to_fs(dataset)
    if "memory" in fs.protocol:
        return merge_segments(dataset, group, members)
    finished = read_merge_report(dataset, group)
    if finished is not None:
        return finished
    request = json.dumps({"dataset": dataset, "group": group, "members": members})
    child = subprocess.run(
        [sys.executable, "-m", "procurewatch.search.segment_merge"],
        input=request.encode("utf-8"),
        capture_output=True,
        env=child_environment(),
        check=False,
    )
    if child.returncode == 0:
        data = json.loads(child.stdout)
        return MergeReport(data["group"], data["shards"], data["segments"], data.get("error"))
    said = child.stderr.decode("utf-8", "replace").strip().splitlines()
    return MergeReport(
        group, error=f"the merge process ended with exit code {child.returncode}: {said[-1] if said else ''}"
    )


def _merge_into(fs: fsspec.AbstractFileSystem, root: str, members: list[str], target: Path) -> int:
    """The members' segments listed in one index at `target`, merged by tantivy; returns how many
    segments are left."""
    target.mkdir(parents=True)
    gathered = gather_segments(fs, root, members, target, _link_or_copy)
    if gathered.meta is None:
        raise ValueError("no member has a segment")
    ids = []
    for name in members:
        with fs.open(f"{root}/{name}/{SEGMENT_DIR}/{SEGMENT_IDS}", "rb") as stream:
            ids.append(pq.read_table(stream))
    (target / _MANAGED).write_text(json.dumps(sorted(gathered.files | {_META})))
    (target / _META).write_text(json.dumps(gathered.meta))
    (target / FORMAT_FILE).write_text(FORMAT)  # the members' layout: a shard's segment is of this one
    writer = open_index(target).writer(heap_size=SEGMENT_HEAP, num_threads=1)
    writer.commit()  # nothing added: tantivy merges the segments it was handed
    writer.wait_merging_threads()
    pq.write_table(pa.concat_tables(ids), target / SEGMENT_IDS)  # last: the segment is whole
    return len(json.loads((target / _META).read_text())["segments"])


def _link_or_copy(source: str, target: Path) -> None:
    try:
        os.link(source, target)  # tantivy never rewrites a segment file: the member's stays whole
    except OSError:
        shutil.copyfile(source, target)


if __name__ == "__main__":  # merge_segments_apart's child: the request on stdin, the report on stdout
    asked = json.loads(sys.stdin.buffer.read())
    print(merge_segments(asked["dataset"], asked["group"], asked["members"]).to_json())
