"""Ingest on a Dask cluster: stage throughput with 1 and 2 workers, per-worker memory at two input
sizes, the scheduler's overhead per task, and the time projected for 10^7 and 10^8 notices.
Prints figures; asserts nothing.

    python bench/scale.py                  # 50,000 and 100,000 scraped records, 1 and 2 workers
    python bench/scale.py --n 20000        # a quick look
    python bench/scale.py --stages 1000000 # one cluster ingest of a million notices on 2 workers, by stage

Each ingest runs `procurewatch ingest CORPUS --cluster local:W` as a child process (a real
scheduler and W worker processes on loopback); memory is polled from /proc over the process tree.
The stages: building shards on the workers (read, understand, detect, index → Parquet part files and
a search index segment per shard), merging the shards' segments on the workers in groups of 16
(ingest/cluster_segments.py: a tree, a level per 16× more notices), the client loading part files into
DuckDB (overlapping the building) and adopting the merged segments into the store's index (moving
their files; tantivy has none left to merge), linking (units of independent components on the
workers; measured again alone, against linking in one process) and what is left of indexing on the
client (notices of shards not adopted: none here). The projection divides the building, and the
merging times the levels of the tree, by the number of workers; linking is the client's planning,
writing and storing per notice plus the workers' linking divided by the number of workers, but never
less than the largest component on one worker; the other stages are kept as measured per notice:
they do not scale with workers, and the table names them. Indexing on the
client (notices of shards not adopted, and a local ingest) is measured again alone by its roles
(bench/index_roles.py) and projected on the client's cores (CLIENT_CORES) as data/indexing.json spreads
it: no faster than its serial part (the main thread reading the store and building documents, with the
pool's threads).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_roles import Roles  # bench/index_roles.py
from index_roles import measure as measure_index_roles
from ingest import measure, write_corpus  # bench/ingest.py

# the cores of the client machine the projection assumes: it loads, plans, stores and indexes
CLIENT_CORES = 16


def cluster_ingest(
    corpus: Path, db: Path, workers: int, dataset: Path | None = None, keep: bool = False
) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "procurewatch.cli", "ingest", str(corpus), "--db", str(db)]
    cmd += ["--cluster", f"local:{workers}"] + (["--dataset", str(dataset)] if dataset else [])
    result = measure(cmd)
    if not keep:
        remove_store(db)
    return result


def remove_store(db: Path) -> None:
    for extra in [db, *db.parent.glob(db.name + ".*")]:
        if extra.is_dir():
            shutil.rmtree(extra)
        else:
            extra.unlink(missing_ok=True)


def linking_stage(db: Path) -> dict[str, Any]:
    """Every notice of the store linked again: here as a local ingest links (run.py), and as independent
    units on a LocalCluster of 1 and of 2 workers (ingest/cluster_link.py), with the units' plan."""
    from procurewatch.ingest.cluster_link import link_on_cluster
    from procurewatch.link.run import link_pending
    from procurewatch.store.db import open_store

    def cleared() -> Any:
        con = open_store(db)
        con.execute("DELETE FROM notice_links")
        con.execute("DELETE FROM procurements")
        return con

    out: dict[str, Any] = {}
    con = cleared()
    started = time.perf_counter()
    link_pending(con)
    out["local"] = time.perf_counter() - started
    con.close()
    for workers in (1, 2):
        con = cleared()
        started = time.perf_counter()
        done = link_on_cluster(con, f"local:{workers}", str(db) + ".parts")
        out[workers] = time.perf_counter() - started
        out[f"steps{workers}"] = done.seconds
        out["plan"] = done.plan
        con.close()
    return out


def build_in_process(corpus: Path, dataset: Path) -> float:
    """Seconds to build every shard in this process: one worker's work, without a scheduler."""
    from procurewatch.ingest.reading import ReadStats
    from procurewatch.ingest.shards import Shard, build_shard, plan_shards
    from procurewatch.search.shard_index import KEY_STRIDE

    started = time.perf_counter()
    shards = (item for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard))
    for number, shard in enumerate(shards):  # keyed as the first run on an empty store keys them
        build_shard(shard, None, str(dataset), (number + 1) * KEY_STRIDE)
    return time.perf_counter() - started


def merge_in_process(corpus: Path, dataset: Path) -> tuple[float, int]:
    """Seconds to merge the built shards' segments in groups of GROUP_SEGMENTS (a tree's first level; the
    last group when it has MERGE_AT_LEAST) in this process, and the notices merged. The groups are named
    as a cluster ingest names them: it finds them merged, as on a cluster where the workers merge while
    the client loads."""
    from procurewatch.ingest.cluster_segments import GROUP_SEGMENTS, group_name, merge_group
    from procurewatch.ingest.reading import ReadStats
    from procurewatch.ingest.shards import Shard, plan_shards, read_report
    from procurewatch.search.segment_merge import MERGE_AT_LEAST

    ids = [item.id for item in plan_shards([corpus], {}, ReadStats()) if isinstance(item, Shard)]
    started, notices = time.perf_counter(), 0
    groups = [ids[start : start + GROUP_SEGMENTS] for start in range(0, len(ids), GROUP_SEGMENTS)]
    for members in groups:
        if len(members) < MERGE_AT_LEAST:  # left as they are, as the cluster ingest leaves them
            continue
        report = merge_group(str(dataset), group_name(members), [(shard, None) for shard in members])
        notices += sum(read_report(str(dataset), shard).notices for shard in report.shards)
    return time.perf_counter() - started, notices


def scheduler_overhead(tasks: int = 2000) -> float:
    """Milliseconds of scheduling per task: trivial tasks through a LocalCluster of two processes."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as local,
        Client(local) as client,
    ):
        client.gather(client.map(abs, range(50), pure=False))  # warm up
        started = time.perf_counter()
        client.gather(client.map(abs, range(tasks), pure=False))
        return (time.perf_counter() - started) / tasks * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50_000, help="notices in the smaller corpus (the bigger is 2n)")
    ap.add_argument(
        "--stages", type=int, metavar="N", help="only one cluster ingest of N notices on 2 workers, by stage"
    )
    ap.add_argument("--corpus", type=Path, help="with --stages: a corpus folder written before (kept)")
    args = ap.parse_args()
    if args.stages:
        stages(args.stages, args.corpus)
        return
    tmp = Path(tempfile.mkdtemp(prefix="pw-scale-"))
    rows: list[dict[str, Any]] = []
    try:
        for n in (args.n, 2 * args.n):
            corpus = tmp / f"corpus-{n}"
            write_corpus(corpus, n, ocds=False)
            built = build_in_process(corpus, tmp / "parts")
            merged, merged_notices = merge_in_process(corpus, tmp / "parts")
            loaded = cluster_ingest(corpus, tmp / "scale.duckdb", 1, tmp / "parts")  # every shard reused
            merge = merged / max(merged_notices, 1)
            rows.append({"n": n, "workers": 0, "build": built, "merge": merge, **loaded})
            print(
                f"n={n:,}: building every shard in one process {built:.1f} s ({n / built:,.0f} notices/s); "
                f"merging their segments in groups {merged:.1f} s ({merge * 1e6:.1f} µs a notice); "
                f"the client loading them all {loaded['phases'].get('storing', 0):.1f} s",
                flush=True,
            )
            for workers in (1, 2):
                result = cluster_ingest(corpus, tmp / "scale.duckdb", workers, keep=workers == 2)
                rows.append({"n": n, "workers": workers, **result})
                phases = result["phases"]
                split = result["peak_split_mb"]
                print(
                    f"n={n:,} workers={workers}: {result['seconds']:.1f} s in all; storing "
                    f"{phases.get('storing', 0):.1f} s, linking {phases.get('linking', 0):.1f} s, indexing "
                    f"{phases.get('indexing', 0):.1f} s; peak {result['peak_tree_mb']:.0f} MB summed, "
                    f"largest process {max(split[1:] or [0]):.0f} MB",
                    flush=True,
                )
            linking = linking_stage(tmp / "scale.duckdb")
            roles = measure_index_roles(tmp / "scale.duckdb", 2, 1)  # as a client of 4 cores or more
            remove_store(tmp / "scale.duckdb")
            rows[-1]["linking"] = linking
            rows[-1]["index_roles"] = roles
            print(f"n={n:,} indexing again, {roles.describe()}", flush=True)
            print(
                f"n={n:,} linking every notice again: locally {linking['local']:.1f} s; on 1 worker "
                f"{linking[1]:.1f} s, on 2 workers {linking[2]:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in linking['steps2'].items())}); "
                + linking["plan"].describe(),
                flush=True,
            )
            shutil.rmtree(corpus)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    overhead_ms = scheduler_overhead()
    print(f"\nscheduler overhead: {overhead_ms:.2f} ms per task (2 workers on loopback)")
    project(rows, overhead_ms)


# what the cluster ingest's summary says of its storing step (ingest/cluster.py)
CLIENT_NOTES = {
    "waited for the cluster": re.compile(r"the client waited ([0-9.]+) s for the cluster"),
    "reading part files": re.compile(r"read part files\s+for ([0-9.]+) s"),
    "adopting segments": re.compile(r"adopting them\s+([0-9.]+) s"),
}


def stages(n: int, corpus: Path | None, workers: int = 2) -> None:
    """One cluster ingest of `n` notices on `workers` local workers: the wall time of each stage, what the
    client waited for, and memory (summed over the process tree, and the largest process)."""
    tmp = Path(tempfile.mkdtemp(prefix="pw-stages-"))
    try:
        if corpus is None:
            corpus = tmp / "corpus"
            write_corpus(corpus, n, ocds=False)
        result = cluster_ingest(corpus, tmp / "stages.duckdb", workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    phases = result["phases"]
    err = " ".join(result["stderr"].split())  # the summary's table wraps its notes across lines
    client = {name: float(m.group(1)) for name, pattern in CLIENT_NOTES.items() if (m := pattern.search(err))}
    by_phase = result["peak_by_phase_mb"]
    total = result["seconds"]
    print(f"n={n:,} on {workers} workers: {total:.1f} s in all ({n / total:,.0f} notices/s)")
    print("| stage | seconds | notices/s | peak MB summed |")
    print("|---|---|---|---|")
    for stage in ("storing", "linking", "indexing"):
        seconds = phases.get(stage, 0.0)
        rate = f"{n / seconds:,.0f}" if seconds else "-"
        print(f"| {stage} | {seconds:.1f} | {rate} | {by_phase.get(stage, 0.0):.0f} |")
    print(
        "storing, the client's part: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in client.items())
        + f"; CPU {result['cpu_seconds']:.0f} s"
    )
    print(
        "each process's own peak (MB; what it is, the phase it started in, that of its peak): "
        + ", ".join(f"{mb:.0f} ({role})" for mb, role in result["process_peaks_mb"][:8])
    )


def project(rows: list[dict[str, Any]], overhead_ms: float) -> None:
    """Per-notice cost of each stage from the biggest run, and wall time projected to big corpora."""
    from procurewatch.search.cores import indexing_plan
    from procurewatch.search.index import WRITER_HEAP

    n = max(r["n"] for r in rows)
    alone, one, two = (next(r for r in rows if r["n"] == n and r["workers"] == w) for w in (0, 1, 2))
    build = alone["build"] / n  # one worker's seconds per notice
    merge = alone["merge"]  # one worker's seconds per notice per level of the merge tree
    load = alone["phases"].get("storing", 0.0) / n  # the client's, every shard built already
    link = min(r["phases"].get("linking", 0.0) for r in (one, two)) / n
    plan = two["linking"]["plan"]
    largest = plan.largest / max(plan.notices, 1)  # the share of the notices one worker must link alone
    steps = two["linking"]["steps2"]
    link_client = sum(steps.get(step, 0.0) for step in ("planning", "writing", "storing")) / n
    link_worker = two["linking"]["steps1"].get("workers", 0.0) / n  # one worker linking every unit
    index = min(r["phases"].get("indexing", 0.0) for r in (one, two)) / n
    roles: Roles = two["index_roles"]
    plan = indexing_plan(WRITER_HEAP, CLIENT_CORES)
    index_client = roles.seconds_a_notice(CLIENT_CORES, plan.tantivy_threads, plan.cutting_processes)
    store1, store2 = one["phases"].get("storing", 0.0), two["phases"].get("storing", 0.0)
    print(
        f"\nat {n:,} notices: storing with 1 worker {n / store1:,.0f} notices/s, with 2 {n / store2:,.0f} "
        f"(×{store1 / store2:.2f}); one worker builds {1 / build:,.0f} notices/s; the client loads "
        f"{1 / load:,.0f}, links {1 / link:,.0f} and indexes {1 / index:,.0f} notices/s"
    )
    print(
        "\nindexing on the client (notices of shards not adopted, and a local ingest): the serial part (the "
        "main thread reading the store and building documents, and the pool's threads) "
        f"{roles.serial:.1f} µs a notice, tantivy's threads {roles.tantivy:.1f}, the processes cutting "
        f"texts {roles.cutting:.1f}; a client of {CLIENT_CORES} cores runs {plan.tantivy_threads} tantivy "
        f"threads and {plan.cutting_processes} cutting processes (data/indexing.json): "
        f"{1 / index_client:,.0f} notices/s, at most {1e6 / roles.serial:,.0f} whatever the cores; 10^8 "
        f"notices not adopted would take {hours(10**8 * index_client)} there"
    )
    for size in sorted({r["n"] for r in rows}):
        for workers in (1, 2):
            run = next(r for r in rows if r["n"] == size and r["workers"] == workers)
            biggest = max(run["peak_split_mb"][1:] or [0.0])
            print(f"n={size:,} workers={workers}: largest worker process {biggest:.0f} MB")
    shard_notices = 5_000
    print(
        f"\nlinking: the client plans, writes and stores {1 / link_client:,.0f} notices/s (one process); "
        f"one worker links {1 / link_worker:,.0f} notices/s; the largest component holds {largest:.1%} of "
        "the notices and one worker links it alone, so the workers' part is projected as the larger of "
        "that share and 1/workers (the share measured here: a bigger corpus's is its largest buyer's)"
    )
    levels = {total: merge_levels(total // shard_notices) for total in (10**7, 10**8)}
    print(
        f"\nmerging segments on the workers: {merge * 1e6:.1f} µs a notice a level; "
        + ", ".join(f"{total:,} notices: {count} level(s)" for total, count in levels.items())
    )
    print(
        "\n| notices | workers | building and merging (scales) "
        "| client loading and adopting segments (one process) "
        "| linking (client + largest component or 1/workers) | indexing left on the client | total |"
    )
    print("|---|---|---|---|---|---|---|")
    for total in (10**7, 10**8):
        for workers in (32, 128):
            building = total * (build + merge * levels[total]) / workers
            building += total / shard_notices * overhead_ms / 1000
            loading, indexing = total * load, total * index
            linking = total * link_client + max(total * largest, total / workers) * link_worker
            storing = max(building, loading)  # the client loads while the workers build
            print(
                f"| {total:,} | {workers} | {hours(building)} | {hours(loading)} | {hours(linking)} | "
                f"{hours(indexing)} | {hours(storing + linking + indexing)} |"
            )


def merge_levels(shards: int) -> int:
    """The levels of merge tasks over `shards` (ingest/cluster_segments.py): a group of GROUP_SEGMENTS at
    each, and what is left at a level merged when tantivy would merge it."""
    from procurewatch.ingest.cluster_segments import GROUP_SEGMENTS
    from procurewatch.search.segment_merge import MERGE_AT_LEAST

    levels = 0
    while shards >= MERGE_AT_LEAST:
        shards = shards // GROUP_SEGMENTS + (shards % GROUP_SEGMENTS >= MERGE_AT_LEAST)
        levels += 1
    return levels


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


if __name__ == "__main__":
    main()
