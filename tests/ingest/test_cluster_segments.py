"""The tree of merge tasks over a run's shards' segments, and what of it the client adopts: merged groups
when their shards were all stored whole, else their members, down to the shards' own segments. The merge
tasks run here, in order, as a cluster would run them (the real cluster runs them in
test_cluster.py); those of big groups not finished at the end run on a Dask cluster of threads."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from rich.console import Console

from procurewatch.ingest import cluster_segments
from procurewatch.ingest.cluster_segments import SegmentTree
from procurewatch.ingest.runner import run_ingest
from procurewatch.ingest.shards import ShardReport
from procurewatch.search.index import SearchIndex, index_dir_for, sync_index
from procurewatch.search.segment_merge import merge_segments
from procurewatch.search.shard_index import adopt_segments
from search.test_shard_index import answers, build_segments

from .corpus import many_records, write_jsonl

SHARDS = 20


class Done:
    """A task run at once, its result or error kept, as a finished Dask future holds them."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self.value, self.error = None, None
        try:
            self.value = run()
        except Exception as exc:
            self.error = exc

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class InlineClient:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def submit(self, fn: Callable[..., Any], dataset: str, group: str, members: list, **options: Any) -> Done:
        self.keys.append(options["key"])
        members = [(folder, done.result() if isinstance(done, Done) else done) for folder, done in members]
        return Done(lambda: fn(dataset, group, members))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store indexed by itself."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "corpus").mkdir()
    write_jsonl(folder / "corpus" / "notices.jsonl", many_records(200))
    run_ingest([folder / "corpus"], folder / "reference.duckdb", workers=1, console=Console(quiet=True))
    return folder / "reference.duckdb"


@pytest.fixture()
def stores(reference: Path, tmp_path: Path) -> tuple[Path, Path, str, list[str]]:
    """The reference; a copy of it without an index; its notices in SHARDS shards' segments."""
    bare = tmp_path / "bare.duckdb"
    shutil.copy(reference, bare)
    dataset = str(tmp_path / "parts")
    return reference, bare, dataset, build_segments(bare, dataset, SHARDS)


def planted(client: InlineClient, dataset: str, shards: list[str]) -> SegmentTree:
    tree = SegmentTree(client, dataset, group_size=8)  # type: ignore[arg-type]
    for shard in shards:
        notices = len(json.loads(Path(dataset, shard, "index", "meta.json").read_text())["segments"])
        assert notices  # a segment was built: its report says every notice is in it
        report = ShardReport(shard, 10, {}, [], [], indexed=10)
        tree.add_shard(shard, Done(lambda report=report: report))  # type: ignore[arg-type]
    return tree


def adopt(bare: Path, dataset: str, folders: list[str]) -> int:
    with duckdb.connect(str(bare)) as con:
        return adopt_segments(con, bare, dataset, folders).shards


def segment_count(db: Path) -> int:
    return len(json.loads((index_dir_for(db) / "meta.json").read_text())["segments"])


def test_the_shards_segments_are_merged_in_a_tree_and_adopted_as_few_segments(
    stores: tuple[Path, Path, str, list[str]],
) -> None:
    reference, bare, dataset, shards = stores
    client = InlineClient()
    folders, tally = planted(client, dataset, shards).adoptable(set(shards))
    # 20 shards: two groups of 8 (merged); the 4 left wait at their level, too few for tantivy to merge
    assert len(client.keys) == 2 and tally.merged == 2 and not tally.failed
    assert folders[2:] == shards[16:]
    assert adopt(bare, dataset, folders) == 6
    assert segment_count(bare) == 6  # the client's commit merged nothing
    assert sync_index(bare) == 0
    assert answers(bare) == answers(reference)


def test_groups_of_groups_are_merged_again(stores: tuple[Path, Path, str, list[str]]) -> None:
    _, _, dataset, shards = stores
    client = InlineClient()
    tree = SegmentTree(client, dataset, group_size=8)  # type: ignore[arg-type]
    for shard in shards[:16]:
        tree.add_shard(shard, Done(lambda shard=shard: ShardReport(shard, 10, {}, [], [], indexed=10)))  # type: ignore[arg-type]
    tree.waiting[1] = tree.waiting[1] * 4  # as if 8 groups of 8 shards (the same two, for a small test)
    folders, _ = tree.adoptable(set(shards[:16]))
    assert len(folders) == 1 and len(client.keys) == 3  # two groups, then the group of the groups
    assert SearchIndex(Path(dataset, folders[0], "index")).num_docs == 160


def test_a_merge_that_fails_leaves_its_shards_segments_to_adopt(
    stores: tuple[Path, Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, bare, dataset, shards = stores
    real = cluster_segments.merge_segments_apart

    def fails_once(dataset: str, group: str, held: dict[str, list[str]]) -> Any:
        if shards[0] in held:
            raise OSError("worker lost")
        return real(dataset, group, held)

    monkeypatch.setattr(cluster_segments, "merge_segments_apart", fails_once)
    folders, tally = planted(InlineClient(), dataset, shards).adoptable(set(shards))
    assert tally.failed == ["OSError: worker lost"] and tally.merged == 1
    assert folders[:8] == shards[:8]  # the failed group's shards, each with its own segment
    adopt(bare, dataset, folders)
    assert sync_index(bare) == 0
    assert answers(bare) == answers(reference)


def test_a_group_with_a_shard_not_stored_whole_gives_way_to_its_other_shards(
    stores: tuple[Path, Path, str, list[str]],
) -> None:
    reference, bare, dataset, shards = stores
    stored_whole = set(shards) - {shards[3]}  # it met notices stored before
    folders, tally = planted(InlineClient(), dataset, shards).adoptable(stored_whole)
    assert tally.merged == 1 and shards[3] not in folders
    assert folders[:7] == shards[:3] + shards[4:8]
    adopt(bare, dataset, folders)
    assert sync_index(bare) == 10  # that shard's notices, indexed from the store
    assert answers(bare) == answers(reference)


@pytest.fixture()
def threads_cluster() -> Iterator[Any]:
    """A Dask cluster of two worker threads in this process: its merge tasks see the test's patches."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as local,
        distributed.Client(local) as client,
    ):
        yield client


def held_back(monkeypatch: pytest.MonkeyPatch, shard: str) -> threading.Event:
    """The merges of groups holding `shard` wait (at most a minute) until the event is set."""
    release = threading.Event()
    real = cluster_segments.merge_segments_apart

    def slow(dataset: str, group: str, held: dict[str, list[str]]) -> Any:
        if any(shard in shards for shards in held.values()):
            release.wait(60)
        return real(dataset, group, held)

    monkeypatch.setattr(cluster_segments, "merge_segments_apart", slow)
    return release


def submitted(client: Any, dataset: str, shards: list[str], notices: int, wait_at_most: int) -> SegmentTree:
    """Every shard built (a task giving its report) and loaded, and its groups' merges submitted."""
    tree = SegmentTree(client, dataset, group_size=8, wait_at_most=wait_at_most)
    for shard in shards:
        report = ShardReport(shard, notices, {}, [], [], indexed=notices)
        tree.add_shard(shard, client.submit(lambda report=report: report, key=f"shard-{shard}"))
        tree.loaded(shard, notices)
    tree.close()
    return tree


@pytest.mark.parametrize("wait_at_most", [80, 79])
def test_an_unfinished_merge_is_waited_for_only_up_to_a_bound(
    stores: tuple[Path, Path, str, list[str]],
    threads_cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
    wait_at_most: int,
) -> None:
    reference, bare, dataset, shards = stores
    release = held_back(monkeypatch, shards[8])  # the second group of 8 shards (80 notices)
    tree = submitted(threads_cluster, dataset, shards, 10, wait_at_most)
    first, second = tree.groups
    first.done.result()  # merged before the end
    waits = wait_at_most >= 80  # the group is small enough: waited for, as every merge was
    timer = threading.Timer(0.5, release.set)
    if waits:
        timer.start()
    folders, tally = tree.adoptable(set(shards))
    held = not release.is_set()  # the merge still held back on its worker when the client had picked
    if waits:
        timer.join()
        assert not held and tally.given_up == 0
        assert folders == [first.folder, second.folder, *shards[16:]]
    else:  # given up: its task cancelled, its shards' own segments adopted in its place
        assert held and tally.given_up == 1 and second.done is None
        assert folders == [first.folder, *shards[8:]]
    assert tally.merged == 2 - tally.given_up and not tally.failed
    adopt(bare, dataset, folders)
    release.set()
    assert sync_index(bare) == 0
    assert answers(bare) == answers(reference)


def test_a_group_given_up_that_an_earlier_run_merged_is_adopted(
    stores: tuple[Path, Path, str, list[str]], threads_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that resumes after a killed client: the group's report is on disk, its task still queued."""
    reference, bare, dataset, shards = stores
    release = held_back(monkeypatch, shards[8])
    tree = submitted(threads_cluster, dataset, shards, 10, wait_at_most=50)
    first, second = tree.groups
    first.done.result()
    merge_segments(dataset, second.folder, {shard: [shard] for shard in shards[8:16]})  # merged before
    folders, tally = tree.adoptable(set(shards))
    release.set()
    assert folders == [first.folder, second.folder, *shards[16:]]
    assert (tally.given_up, tally.merged) == (0, 2)
    adopt(bare, dataset, folders)
    assert answers(bare) == answers(reference)


def test_a_given_up_group_of_groups_gives_way_to_its_finished_groups_and_so_on_down(
    reference: Path, tmp_path: Path, threads_cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """64 shards: 8 groups of 8, then the group of those 8. The last group is not finished at the end,
    nor (waiting for it) the group of groups: both are given up, down to the last group's shards."""
    bare = tmp_path / "bare.duckdb"
    shutil.copy(reference, bare)
    dataset = str(tmp_path / "parts")
    shards = build_segments(bare, dataset, 64)  # 3 or 4 notices each (200 in all): counted as 3
    release = held_back(monkeypatch, shards[63])
    tree = submitted(threads_cluster, dataset, shards, 3, wait_at_most=20)  # a group of 8 shards: 24
    *finished, last, top = tree.groups
    assert top.members == [*finished, last]
    for group in finished:
        group.done.result()
    folders, tally = tree.adoptable(set(shards))
    release.set()
    assert tally.given_up == 2 and (tally.merged, tally.failed) == (7, [])
    assert folders == [group.folder for group in finished] + shards[56:]
    adopt(bare, dataset, folders)
    assert sync_index(bare) == 0
    assert answers(bare) == answers(reference)
