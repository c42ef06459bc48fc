"""Shards' search index segments merged on the cluster's workers, in a tree, before the client adopts them.

As the client submits shards in input order, `SegmentTree` groups every `GROUP_SEGMENTS` consecutive
shards into a merge task on the cluster (search/segment_merge.py), which runs once they are built; every
`GROUP_SEGMENTS` consecutive groups are merged again one level up, and so on. At the end, what waits at a
level is merged too when tantivy would merge it (`MERGE_AT_LEAST`), else adopted as it is. The client then
adopts few big segments, and its own commit has nothing to merge (it merged every shard's segment before,
at a cost docs/measurements.md gives).

A group is adopted only when the shards its segment holds are exactly its shards stored whole by this run;
otherwise (a shard that met stored notices, a merge that failed or was lost with its worker) its members
are considered in its place, down to the shards' own segments, so a failing merge costs only itself.
Groups are named by their members, and a merged group keeps its report: a run that resumes after a killed
client finds them merged.

The last shards are built at the very end of loading, so the merges over them, up to the top of the tree,
are still running when the client has stored every shard. The client waits only for the merges of groups
of at most `WAIT_AT_MOST` notices: a bigger group not merged by then (and not merged by an earlier run) is
given up, its task cancelled, and its members are considered in its place, by the same rule (the client's
commit then merges them, as tantivy merges any 8 like-sized segments: the merge moves to the client, but
the chain of merges below it is not waited for). Up to that many notices in all, every merge is waited
for and the segments are the same at every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from procurewatch.ingest.shards import ShardReport, readable_report, remove_shard
from procurewatch.search.segment_merge import (
    MERGE_AT_LEAST,
    MergeReport,
    merge_segments_apart,
    read_merge_report,
)

if TYPE_CHECKING:
    from distributed import Client, Future

GROUP_SEGMENTS = 16  # segments merged by one task (at least MERGE_AT_LEAST, or tantivy merges none)
WAIT_AT_MOST = 1_000_000  # notices of a group whose unfinished merge the client waits for at the end


@dataclass(slots=True)
class _Node:
    folder: str  # the shard's or the group's folder under the dataset
    shards: list[str]  # the shards under it
    members: list[_Node] = field(default_factory=list)  # none for a shard
    done: Future | None = None  # its build or merge task (None: a shard built before; a group given up)
    report: MergeReport | None = None  # a group's, once merged


def merge_group(
    dataset: str, group: str, members: list[tuple[str, ShardReport | MergeReport | None]]
) -> MergeReport:
    """On a worker: the segments of `members` (each with its report; a shard's read here when the
    client had none: it was finished by an earlier run) merged into the group's."""
    held: dict[str, list[str]] = {}
    for folder, report in members:
        if report is None:
            report = readable_report(dataset, folder)
        if isinstance(report, MergeReport):
            held[folder] = report.shards
        elif report is not None and report.notices and report.indexed == report.notices:
            held[folder] = [report.shard]
    return merge_segments_apart(dataset, group, held)


class SegmentTree:
    """The merge tasks of a run's shards, submitted as the shards are."""

    def __init__(
        self,
        client: Client,
        dataset: str,
        group_size: int = GROUP_SEGMENTS,
        wait_at_most: int | None = None,
    ) -> None:
        self.client = client
        self.dataset = dataset
        self.group_size = max(group_size, MERGE_AT_LEAST)
        self.wait_at_most = WAIT_AT_MOST if wait_at_most is None else wait_at_most
        self.waiting: list[list[_Node]] = [[]]  # by level: nodes not yet in a group
        self.groups: list[_Node] = []
        self.notices: dict[str, int] = {}  # by shard, once loaded

    def add_shard(self, shard: str, built: Future | None) -> None:
        """A shard in input order, with the future of its build (None: built by an earlier run)."""
        self._push(0, _Node(shard, [shard], done=built))

    def loaded(self, shard: str, notices: int) -> None:
        """The shard's notices were read by the client: what its groups weigh at the end."""
        self.notices[shard] = notices

    def close(self) -> None:
        """Every shard is added: what waits at a level is merged if tantivy would merge it (called as
        soon as the last shard is submitted, so these merges run while the client loads)."""
        level = 0
        while level < len(self.waiting):
            if len(self.waiting[level]) >= MERGE_AT_LEAST:
                self._group(level)
            level += 1

    def adoptable(self, stored_whole: set[str]) -> tuple[list[str], MergeTally]:
        """Wait for the merges (but the big ones not finished), and return the folders whose segments to
        adopt: each shard of `stored_whole` under at most one of them, in input order."""
        self.close()
        tally = MergeTally()
        roots = [node for nodes in reversed(self.waiting) for node in nodes]  # higher: earlier shards
        for node in roots:
            self._give_up_big_unfinished(node, tally)
        for node in self.groups:
            if node.done is None:  # given up, or found merged on disk
                continue
            try:
                node.report = node.done.result()
            except Exception as exc:  # the worker was lost, or the task failed: its members instead
                node.report = MergeReport(node.folder, error=f"{type(exc).__name__}: {exc}")
            if node.report.error:
                tally.failed.append(node.report.error)
        folders = [folder for node in roots for folder in _picked(node, stored_whole, tally)]
        return folders, tally

    def _give_up_big_unfinished(self, node: _Node, tally: MergeTally) -> None:
        """A group whose merge is not finished and holds more than `wait_at_most` notices: its task
        cancelled (its members' are not: they are theirs), its report the one an earlier run may have
        left on disk, and its members looked at in turn. Any other group is waited for."""
        if not node.members or node.done is None:
            return
        if sum(self.notices.get(shard, 0) for shard in node.shards) <= self.wait_at_most or node.done.done():
            return
        node.done.cancel()
        node.done = None
        node.report = read_merge_report(self.dataset, node.folder)  # merged by a run that resumes
        if node.report is None:
            tally.given_up += 1
        for member in node.members:
            self._give_up_big_unfinished(member, tally)

    def remove(self) -> None:
        """Delete the groups' folders (their segments are adopted or not needed)."""
        for node in self.groups:
            remove_shard(self.dataset, node.folder)

    def _push(self, level: int, node: _Node) -> None:
        if level == len(self.waiting):
            self.waiting.append([])
        self.waiting[level].append(node)
        if len(self.waiting[level]) >= self.group_size:
            self._group(level)

    def _group(self, level: int) -> None:
        members, self.waiting[level] = self.waiting[level], []
        folder = group_name([member.folder for member in members])
        done = self.client.submit(
            merge_group,
            self.dataset,
            folder,
            [(member.folder, member.done) for member in members],
            key=f"merge-{folder}",
            pure=False,
        )
        node = _Node(folder, [shard for member in members for shard in member.shards], members, done)
        self.groups.append(node)
        self._push(level + 1, node)


def group_name(members: list[str]) -> str:
    """A group's folder, named by its members: a run that resumes finds the groups it merged."""
    return "group-" + hashlib.sha1(",".join(members).encode()).hexdigest()[:20]


@dataclass(slots=True)
class MergeTally:
    merged: int = 0  # groups adopted
    failed: list[str] = field(default_factory=list)  # why merges failed
    given_up: int = 0  # big groups not merged yet when every shard was stored: not waited for


def _picked(node: _Node, stored_whole: set[str], tally: MergeTally) -> list[str]:
    if not node.members:
        return [node.folder] if node.folder in stored_whole else []
    report = node.report
    wanted = {shard for shard in node.shards if shard in stored_whole}
    if report is not None and report.shards and set(report.shards) == wanted:
        tally.merged += 1
        return [node.folder]
    return [folder for member in node.members for folder in _picked(member, stored_whole, tally)]
