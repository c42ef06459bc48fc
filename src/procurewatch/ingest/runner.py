"""Ingest: store every notice (store/storing.py), link them into procurements, update the search index.

Big inputs run each of storing and linking in a process of its own (store/phases.py), so that what
one phase leaves in memory is given back before the next starts; this process stays small until it
indexes last. Small inputs run every phase here: starting a process costs more than it saves.
This module imports nothing heavy at the top, so the coordinating process stays small.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from procurewatch.errors import NoInputsError
from procurewatch.ingest.steps import index_phase, link_phase, store_then_link_in_children
from procurewatch.ingest.summary import IngestSummary, print_summary
from procurewatch.model import SkippedInput
from procurewatch.sources.files import iter_input_files

__all__ = ["IngestSummary", "run_ingest"]

# Inputs of at least this many bytes have storing and linking run in processes of their own.
ISOLATE_FROM_BYTES = 32 * 2**20


def run_ingest(
    paths: Iterable[str | Path],
    db_path: Path,
    field_map: dict[str, str] | None = None,
    batch_size: int = 2000,
    console: Console | None = None,
    *,
    workers: int | None = None,
    isolate: bool | None = None,
    cluster: str | None = None,
    dataset: str | None = None,
) -> IngestSummary:
    """Store every notice under `paths` in the DuckDB file `db_path` and return what happened.

    `isolate` runs storing and linking in processes of their own (default: for inputs of
    ISOLATE_FROM_BYTES or more). `cluster` (`tcp://host:port` or `local:N`) understands the notices
    on a Dask cluster instead (ingest/cluster.py), its part files under `dataset`. Raises UsageError
    (NoInputsError, StoreError, ClusterError) for problems the user must fix, and StepError when a
    step's process ends without a result.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    db_path = Path(db_path)
    console = console or Console(stderr=True)
    batch_size = max(1, batch_size)
    require_inputs(paths)
    if isolate is None:
        isolate = cluster is None and input_bytes(paths, ISOLATE_FROM_BYTES) >= ISOLATE_FROM_BYTES

    if cluster is not None:
        from procurewatch.ingest.cluster import cluster_store_phase
        from procurewatch.ingest.cluster_link import cluster_link_phase

        summary = cluster_store_phase(paths, db_path, field_map, batch_size, cluster, dataset, console)
        cluster_link_phase(db_path, summary, console, cluster, dataset)
    elif isolate:
        request = {
            "paths": [str(p) for p in paths],
            "db_path": str(db_path),
            "field_map": field_map or {},
            "batch_size": batch_size,
            "workers": workers or default_workers(),
        }
        # a child process can only write to the terminal: silent when the caller's console goes elsewhere
        quiet = console.quiet or console.file not in (sys.stderr, sys.stdout)
        summary = store_then_link_in_children(request, quiet)
    else:
        from procurewatch.ingest.storing import store_phase

        summary = store_phase(paths, db_path, field_map, batch_size, workers or default_workers(), console)
        link_phase(db_path, summary, console)
    index_phase(db_path, summary, console)
    summary.seconds = time.perf_counter() - started
    print_summary(summary, console)
    return summary


def default_workers() -> int:
    """Worker processes when the user does not say (`--workers`, PROCUREWATCH_WORKERS).

    One per core (up to 8), beside the process that writes the store: understanding and detecting is
    the slow part of storing, and each worker holds its own parser and detector data, so more
    workers buy speed with memory (bench/ingest.py prints both). Inputs of fewer than 3 chunks are
    always handled inline.
    """
    env = os.environ.get("PROCUREWATCH_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return min(os.cpu_count() or 1, 8)


def require_inputs(paths: list[Path]) -> None:
    """Fail before the store is touched when the paths hold nothing to read."""
    if next(iter(iter_input_files(paths)), None) is None:
        raise NoInputsError(f"no input files found under {', '.join(str(p) for p in paths)}")


def input_bytes(paths: list[Path], enough: int) -> int:
    """Bytes in the files under `paths`, counted until `enough` (a corpus of millions of files is not
    walked twice for this)."""
    total = 0
    for item in iter_input_files(paths):
        if not isinstance(item, SkippedInput):
            total += max(item.size, 0)
            if total >= enough:
                break
    return total
