"""The storing step on a Dask cluster: shards built on the workers, loaded into the store here.

`cluster_store_phase` plans the shards (`ingest/shards.py`), skips those whose part files a
previous run finished, submits the rest to the cluster (`build_shard` runs the local path's
`build_chunk`: one meaning of a notice, wherever it is computed) and, as shards finish, loads them
into DuckDB in input order through the local path's own writer (`storing.store_built`), so the store
is the one a local ingest of the same input makes. A killed worker's shards are rescheduled by Dask;
a killed client reruns and finds the finished shards' reports. Part files are removed once their
rows are committed. The shards' search index segments, merged on the workers meanwhile
(`ingest/cluster_segments.py`; the big merges not finished by the end are not waited for), are then
adopted into the store's index. Linking and indexing then run as after a local storing step.

The cluster is `tcp://host:port` (a running `dask scheduler`) or `local:N` (a LocalCluster of N
worker processes on this machine, for trying it out and for tests).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from procurewatch.errors import UsageError
from procurewatch.ingest.cluster_segments import SegmentTree
from procurewatch.ingest.reading import FileEnd
from procurewatch.ingest.shards import (
    Shard,
    build_shard,
    finished_shards,
    local_part_files,
    part_file_ids,
    plan_shards,
    read_shard_tables,
    readable_report,
    remove_shard,
)
from procurewatch.ingest.storing import Built, progress_bar, store_built, storing_step
from procurewatch.ingest.summary import IngestSummary
from procurewatch.search.shard_index import KEY_STRIDE, Adopted, adopt_segments, first_segment_key
from procurewatch.store.writer import done_files

if TYPE_CHECKING:
    from distributed import Client, Future

# Shards submitted ahead of the one being loaded: enough to keep every worker busy, few enough that
# the part files waiting on disk stay bounded.
AHEAD_PER_WORKER = 4


class ClusterError(UsageError):
    """The cluster named by --cluster cannot be reached or started."""


def cluster_store_phase(
    paths: list[Path],
    db_path: Path,
    field_map: dict[str, str] | None,
    batch_size: int,
    cluster: str,
    dataset: str | None,
    console: Console,
) -> IngestSummary:
    """Store every notice under `paths`, understood on the cluster `cluster`."""
    dataset = dataset or str(db_path.with_name(db_path.name + ".parts"))
    with storing_step(db_path) as step:
        summary = step.summary
        plan = list(plan_shards(paths, done_files(step.con), step.stats, field_map))
        with connect(cluster) as client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            summary.workers = workers
            with progress_bar(console) as progress:
                task = progress.add_task("reading", total=None)
                tally = _ShardTally(total=sum(isinstance(item, Shard) for item in plan))
                first_key = first_segment_key(db_path)
                tree = SegmentTree(client, dataset)
                built = _built_in_order(client, plan, field_map, dataset, workers, tally, first_key, tree)
                stored_whole = store_built(
                    built, step.writer, batch_size, summary, progress, task, step.stats, tally.describe
                )
                waited = time.perf_counter()
                segments, merges = tree.adoptable(set(stored_whole))
                tally.waiting += time.perf_counter() - waited
        try:
            adopted = adopt_segments(step.con, db_path, dataset, segments)
        except Exception as exc:  # the notices are stored: the index step indexes them from the store
            adopted = Adopted(refused=len(segments))
            summary.warnings.append(f"index segments built on the workers not used ({exc!r}): indexed here")
        for item in plan:  # every row is committed: the part files have done their job
            if isinstance(item, Shard):
                remove_shard(dataset, item.id)
        tree.remove()
        summary.notes.append(
            f"built {tally.total - tally.reused:,} shard(s) on {workers} cluster worker(s)"
            + (f"; {tally.reused:,} finished by an earlier run were reused" if tally.reused else "")
            + f" (the client waited {tally.waiting:.1f} s for the cluster and read part files"
            f" for {tally.loading:.1f} s)"
        )
        if tally.index_errors:
            summary.notes.append(
                f"{len(tally.index_errors):,} shard(s) could not be indexed on the workers (first: "
                f"{tally.index_errors[0]}): their notices are indexed here"
            )
        if merges.failed:
            summary.notes.append(
                f"{len(merges.failed):,} merge(s) of segments failed on the workers (first: "
                f"{merges.failed[0]}): their members' segments are adopted instead"
            )
        if merges.given_up:
            summary.notes.append(
                f"{merges.given_up:,} merge(s) of more than {tree.wait_at_most:,} notices' segments not "
                "finished on the workers when every shard was stored were not waited for: their members' "
                "segments are adopted instead"
            )
        if adopted.shards:
            summary.notes.append(
                f"{adopted.notices:,} notice(s) indexed on the workers ({adopted.shards:,} segment(s), "
                f"{merges.merged:,} of them merged there from shards' segments; adopting them "
                f"{adopted.seconds:.1f} s, merging them here {adopted.merging:.1f} s)"
                + (f"; {adopted.refused:,} segment(s) left to index here" if adopted.refused else "")
            )
    return summary


@contextmanager
def connect(cluster: str) -> Iterator[Client]:
    """A client of the scheduler at `tcp://…`, or of a LocalCluster for `local:N`."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(
            "--cluster needs Dask's distributed package: pip install 'procurewatch[cluster]'"
        ) from exc

    if cluster.startswith("local:"):
        count = cluster.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--cluster {cluster}: expected local:N with N ≥ 1 worker processes")
        with (
            LocalCluster(
                n_workers=int(count),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as local,
            Client(local) as client,
        ):
            yield client
        return
    try:
        client = Client(cluster, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--cluster {cluster}: cannot reach the scheduler ({exc})") from exc
    with client:
        yield client


@dataclass
class _ShardTally:
    total: int
    done: int = 0
    reused: int = 0  # finished by an earlier run: their reports were found
    waiting: float = 0.0  # seconds the client waited for the cluster
    loading: float = 0.0  # seconds reading part files (on disk here: their ids; the writer runs beside it)
    index_errors: list[str] = field(default_factory=list)  # why shards' index segments were not built

    def describe(self) -> str:
        return f"shards {self.done:,} of {self.total:,}"


def _built_in_order(
    client: Client,
    plan: list[Shard | FileEnd],
    field_map: dict[str, str] | None,
    dataset: str,
    workers: int,
    tally: _ShardTally,
    first_key: int,
    tree: SegmentTree,
) -> Iterator[Built]:
    """Each planned item as the writer takes it, in input order; shards are built ahead on the cluster."""
    shards = [item for item in plan if isinstance(item, Shard)]
    finished = finished_shards(dataset, [shard.id for shard in shards])
    tally.reused = len(finished)
    futures: dict[str, Future] = {}
    ahead = AHEAD_PER_WORKER * workers
    submitted = 0

    keys = {shard.id: first_key + number * KEY_STRIDE for number, shard in enumerate(shards)}

    def build(shard: Shard) -> Future:
        return client.submit(
            build_shard, shard, field_map, dataset, keys[shard.id], key=f"shard-{shard.id}", pure=False
        )

    def submit_more(until: int) -> None:
        nonlocal submitted
        while submitted < min(until, len(shards)):
            shard = shards[submitted]
            if shard.id not in finished:
                futures[shard.id] = build(shard)
            tree.add_shard(shard.id, futures.get(shard.id))
            submitted += 1
            if submitted == len(shards):
                tree.close()

    submit_more(ahead)
    for item in plan:
        if isinstance(item, FileEnd):
            yield Built({}, [], Counter(), [], [item], workers)
            continue
        t0 = time.perf_counter()
        future = futures.pop(item.id, None)
        report = future.result() if future is not None else readable_report(dataset, item.id)
        if report is None:  # a report an earlier run left half-written: the shard is built again
            report = build(item).result()
        t1 = time.perf_counter()
        tally.done += 1
        submit_more(tally.done + ahead)
        # on this machine's disk, DuckDB reads the part files itself (the writer's INSERTs): only the ids here
        part_files = local_part_files(dataset, item.id)
        if part_files is None:
            tables = read_shard_tables(dataset, item.id)
            ids = tables["notices"].column("id").to_pylist()
        else:
            tables, ids = {}, part_file_ids(part_files["notices"])
        tree.loaded(item.id, len(ids))
        tally.waiting += t1 - t0
        tally.loading += time.perf_counter() - t1
        segment = item.id if report.indexed == len(ids) and ids else None  # a segment of every notice
        if report.index_error:
            tally.index_errors.append(report.index_error)
        per_path = Counter(report.per_path)
        yield Built(tables, ids, per_path, report.errors, report.file_ends, workers, segment, part_files)
