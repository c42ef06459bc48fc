"""Several shards' segments merged into one (as a cluster's worker merges them) and adopted into a store's
index answer every search as the index the store builds itself, from one segment."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from procurewatch.search import segment_merge
from procurewatch.search.index import SearchIndex, index_dir_for, sync_index
from procurewatch.search.segment_merge import (
    MERGE_AT_LEAST,
    merge_segments,
    merge_segments_apart,
    read_merge_report,
)
from procurewatch.search.shard_index import adopt_segments

from .test_shard_index import answers, build_segments, stores  # noqa: F401  (a fixture)


def segment_count(index: Path) -> int:
    return len(json.loads((index / "meta.json").read_text())["segments"])


@pytest.mark.parametrize("dataset", ["local", "memory://merged"])
def test_a_merged_group_adopted_answers_as_the_stores_own_index(
    stores: tuple[Path, Path],  # noqa: F811
    dataset: str,
) -> None:
    reference, bare = stores
    where = str(bare.parent / "segments") if dataset == "local" else dataset
    shards = build_segments(bare, where, MERGE_AT_LEAST + 2)
    report = merge_segments(where, "group-a", {shard: [shard] for shard in shards})
    assert (report.shards, report.segments, report.error) == (shards, 1, None)
    with duckdb.connect(str(bare)) as con:
        adopted = adopt_segments(con, bare, where, ["group-a"])
    assert (adopted.shards, adopted.notices, adopted.refused) == (1, 120, 0)
    assert segment_count(index_dir_for(bare)) == 1
    assert sync_index(bare) == 0  # nothing left to index
    assert answers(bare) == answers(reference)


@pytest.fixture()
def segments(stores: tuple[Path, Path]) -> tuple[Path, Path, str, list[str]]:  # noqa: F811
    """The stores, and the bare one's notices in MERGE_AT_LEAST shards' segments under a local dataset."""
    reference, bare = stores
    where = str(bare.parent / "segments")
    return reference, bare, where, build_segments(bare, where, MERGE_AT_LEAST)


def test_the_members_keep_their_segments_for_a_group_that_cannot_be_adopted(
    segments: tuple[Path, Path, str, list[str]],
) -> None:
    reference, bare, where, shards = segments
    merge_segments(where, "group-a", {shard: [shard] for shard in shards})
    with duckdb.connect(str(bare)) as con:  # the members instead of the group, one by one
        adopted = adopt_segments(con, bare, where, shards)
    assert (adopted.shards, adopted.refused) == (MERGE_AT_LEAST, 0)
    assert answers(bare) == answers(reference)


def test_a_merge_that_fails_costs_only_itself(
    segments: tuple[Path, Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, where, shards = segments

    def disk_full(*args: object) -> int:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(segment_merge, "_merge_into", disk_full)
        report = merge_segments(where, "group-a", {shard: [shard] for shard in shards})
    assert (report.shards, report.error) == ([], "OSError: disk full")
    assert read_merge_report(where, "group-a") is None  # not merged: a run that resumes merges it again
    for shard in shards:  # the members' segments are whole
        assert Path(where, shard, "index", "ids.parquet").exists()


def test_a_merged_group_is_not_merged_again(
    segments: tuple[Path, Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that resumes after a killed client finds the groups merged before."""
    _, _, where, shards = segments
    first = merge_segments(where, "group-a", {shard: [shard] for shard in shards})

    def must_not_run(*args: object) -> int:
        raise AssertionError("merged again")

    monkeypatch.setattr(segment_merge, "_merge_into", must_not_run)
    assert merge_segments(where, "group-a", {shard: [shard] for shard in shards}) == first
    assert SearchIndex(Path(where, "group-a", "index")).num_docs == 120


def test_members_without_a_segment_are_left_out(stores: tuple[Path, Path]) -> None:  # noqa: F811
    _, bare = stores
    where = str(bare.parent / "segments")
    shards = build_segments(bare, where, MERGE_AT_LEAST + 1)
    members = {shard: [shard] for shard in shards} | {"no-segment": [], "never-built": ["never-built"]}
    report = merge_segments(where, "group-a", members)
    assert report.shards == shards and report.segments == 1


def test_members_without_any_segment_leave_no_folder(tmp_path: Path) -> None:
    """Their segments moved into a store's index already: a merge given up, run on by its worker."""
    where = str(tmp_path / "segments")
    report = merge_segments(where, "group-a", {"no-segment": [], "gone": ["gone"]})
    assert (report.shards, report.error) == ([], "no member has a segment")
    assert not Path(where, "group-a").exists()


def test_a_merge_in_a_process_of_its_own_gives_the_same_group(
    segments: tuple[Path, Path, str, list[str]],
) -> None:
    """As a cluster's worker merges: the segments merged by a child process, adopted here."""
    reference, bare, where, shards = segments
    report = merge_segments_apart(where, "group-a", {shard: [shard] for shard in shards})
    assert (report.shards, report.segments, report.error) == (shards, 1, None)
    assert read_merge_report(where, "group-a") == report  # the child wrote the group's report
    with duckdb.connect(str(bare)) as con:
        assert adopt_segments(con, bare, where, ["group-a"]).notices == 120
    assert answers(bare) == answers(reference)


def test_a_merge_process_that_fails_costs_only_itself(segments: tuple[Path, Path, str, list[str]]) -> None:
    _, _, where, shards = segments
    Path(where, shards[0], "index", "meta.json").write_text("{not json")  # a member the child cannot read
    report = merge_segments_apart(where, "group-a", {shard: [shard] for shard in shards})
    assert report.shards == [] and report.error is not None and "JSONDecodeError" in report.error
    assert read_merge_report(where, "group-a") is None  # merged again by a run that resumes
    for shard in shards[1:]:
        assert Path(where, shard, "index", "ids.parquet").exists()


def test_a_merge_process_that_ends_without_a_report_is_a_failed_merge(
    segments: tuple[Path, Path, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, where, shards = segments
    monkeypatch.setattr(segment_merge.sys, "executable", "false")  # a child that exits 1 at once
    report = merge_segments_apart(where, "group-a", {shard: [shard] for shard in shards})
    assert (report.shards, report.error) == ([], "the merge process ended with exit code 1: ")
