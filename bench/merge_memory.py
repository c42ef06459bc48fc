"""What one merge of many big segments costs the process that runs it (a cluster worker's merge task,
search/segment_merge.py): CPU seconds and peak memory, split into the process's own memory and the
segment files it maps. Prints figures; asserts nothing.

    python bench/merge_memory.py STORE.duckdb --copies 16 --min-docs 70000

The segments are those of a store's search index (a local ingest of c200k leaves segments of ~74,000
and ~26,000 notices): the ones of at least --min-docs (and under twice that) are hard-linked --copies
times under new segment ids into a folder of its own, as a merge task links its members' segments, and
merged there by the empty commit the task runs (tantivy's log merge policy merges a level of like-sized
segments into one). The copies repeat notices, which changes nothing for the merge's cost. Memory is
read from /proc/self/status every 0.1 s: RssAnon (the process's own), RssFile (mapped segment files,
which the kernel can drop, but which Dask's nanny counts: it measures a worker by its RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

from procurewatch.search.index import FORMAT, FORMAT_FILE, index_dir_for, open_index
from procurewatch.search.shard_index import SEGMENT_HEAP

SAMPLED = ("RssAnon", "RssFile", "VmRSS")


def cloned(source: Path, target: Path, copies: int, min_docs: int) -> int:
    """`copies` hard-linked clones of the source index's segments of [min_docs, 2 × min_docs) notices
    listed in an index at `target`; returns how many notices they hold."""
    meta = json.loads((source / "meta.json").read_text())
    chosen = [s for s in meta["segments"] if min_docs <= s["max_doc"] < 2 * min_docs]
    if not chosen:
        raise SystemExit(f"no segment of {min_docs:,}–{2 * min_docs:,} notices in {source}")
    target.mkdir(parents=True)
    segments, files = [], ["meta.json"]
    for number in range(copies):
        segment = chosen[number % len(chosen)]
        new = uuid.uuid4()
        for path in source.glob(segment["segment_id"].replace("-", "") + ".*"):
            os.link(path, target / (new.hex + path.suffix))
            files.append(new.hex + path.suffix)
        segments.append({**segment, "segment_id": str(new)})
    (target / "meta.json").write_text(json.dumps({**meta, "segments": segments}))
    (target / ".managed.json").write_text(json.dumps(sorted(files)))
    (target / FORMAT_FILE).write_text(FORMAT)
    return sum(segment["max_doc"] for segment in segments)


def merged(target: Path) -> dict[str, float]:
    """The merge task's commit over the index at `target`, with its CPU, wall and memory peaks (MB)."""
    peaks = dict.fromkeys(SAMPLED, 0.0)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    key, _, value = line.partition(":")
                    if key in peaks:
                        peaks[key] = max(peaks[key], int(value.split()[0]) / 1024)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    writer = open_index(target).writer(heap_size=SEGMENT_HEAP, num_threads=1)
    writer.commit()
    writer.wait_merging_threads()
    figures = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    stop.set()
    sampler.join()
    left = json.loads((target / "meta.json").read_text())["segments"]
    return {**figures, **peaks, "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "segments left": len(left)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("store", type=Path, help="a store whose search index has segments to clone")
    parser.add_argument("--copies", type=int, default=16)
    parser.add_argument("--min-docs", type=int, default=70_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="merge-memory-", dir=args.store.parent) as tmp:
        target = Path(tmp) / "index"
        notices = cloned(index_dir_for(args.store), target, args.copies, args.min_docs)
        figures = merged(target)
        shutil.rmtree(target)
    print(
        f"{args.copies} segments, {notices:,} notices: CPU {figures['cpu']:.1f} s "
        f"({figures['cpu'] / notices * 1e6:.1f} µs a notice), wall {figures['wall']:.1f} s; peak MB: "
        + ", ".join(f"{key} {figures[key]:.0f}" for key in (*SAMPLED, "ru_maxrss"))
        + f"; segments left {figures['segments left']:.0f}"
    )


if __name__ == "__main__":
    main()
