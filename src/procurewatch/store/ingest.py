"""Ingest: read → understand → detect → store, in batches of one transaction each.

The main process reads big files and writes to DuckDB; the understanding, detecting and turning
of notices into Arrow columns runs inline or, with `workers` > 1, in a `spawn` pool (which also
reads small files whole). Work flows in bounded, ordered chunks, so memory stays flat and a file
is recorded as done only in the transaction that stores its last notice.
A crash loses at most the batch in flight; re-running completes it (stored ids are not rewritten).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from procurewatch.model import SourceError
from procurewatch.store.db import limit_memory, open_store
from procurewatch.store.parallel import ordered_results
from procurewatch.store.reading import CHUNK_DOCS, Chunk, FileEnd, ReadStats, iter_chunks, require_inputs
from procurewatch.store.summary import IngestSummary, print_summary
from procurewatch.store.writer import BackgroundWriter, Batch, FileRow, StoreWriter, done_files

__all__ = ["IngestSummary", "run_ingest"]


def default_workers() -> int:
    """Worker processes when the user does not say (`--workers`, PROCUREWATCH_WORKERS).

    One per core (up to 8), beside the main process that reads big files and writes the store.
    Measured on 2 cores at 200,000 notices (bench/ingest.py): storing took 32 s with 2 workers
    against 53 s inline (scraped JSONL), 44 s against 64 s (OCDS). The workers hold their own
    parser and detector data: peak RSS while storing 682 MB against 468 MB, which stays below
    the whole run's peak (linking). Inputs of fewer than 3 chunks are always handled inline.
    """
    env = os.environ.get("PROCUREWATCH_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return min(os.cpu_count() or 1, 8)


def run_ingest(
    paths: Iterable[str | Path],
    db_path: Path,
    field_map: dict[str, str] | None = None,
    batch_size: int = 2000,
    console: Console | None = None,
    *,
    workers: int | None = None,
) -> IngestSummary:
    """Store every notice under `paths` in the DuckDB file `db_path` and return what happened.

    Raises IngestUsageError (NoInputsError, StoreError) for problems the user must fix.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in paths]
    db_path = Path(db_path)
    console = console or Console(stderr=True)
    workers = workers or default_workers()
    batch_size = max(1, batch_size)
    require_inputs(paths)

    summary = IngestSummary(db_path=db_path, workers=1)
    con = open_store(db_path)
    try:
        writer = StoreWriter(con)
        stats = ReadStats()
        chunks = iter_chunks(paths, field_map, done_files(con), stats, chunk_docs=min(CHUNK_DOCS, batch_size))
        with _progress(console) as progress:
            task = progress.add_task("reading", total=None)
            _store_all(chunks, writer, batch_size, workers, field_map, summary, progress, task, stats)
        summary.files = stats.files
        summary.files_unchanged = stats.unchanged
        summary.store_seconds = time.perf_counter() - started
        con.close()  # frees what DuckDB cached while writing; linking reads little of it
        con = open_store(db_path)
        limit_memory(con, writer.stored)
        _link(con, summary, console)
    finally:
        con.close()
    _index(db_path, summary, console)
    summary.seconds = time.perf_counter() - started
    print_summary(summary, console)
    return summary


@dataclass
class _FileTally:
    notices: int = 0
    errors: list[SourceError] = field(default_factory=list)


def _store_all(
    chunks: Iterator[Chunk],
    writer: StoreWriter,
    batch_size: int,
    workers: int,
    field_map: dict[str, str] | None,
    summary: IngestSummary,
    progress: Progress,
    task: int,
    stats: ReadStats,
) -> None:
    tallies: dict[str, _FileTally] = defaultdict(_FileTally)
    batch = Batch()
    background = BackgroundWriter(writer)

    def show() -> None:
        progress.update(
            task,
            completed=summary.notices_seen,
            description=f"files {stats.files:,} · added {background.added:,} · skipped {summary.errors:,}",
        )

    try:
        for result, finished, used in ordered_results(chunks, workers, field_map, summary.notes.append):
            summary.workers = max(summary.workers, used)
            batch.add(result.tables, result.ids)
            summary.notices_seen += len(result.ids)
            for path, count in result.per_path.items():
                tallies[path].notices += count
            for error in result.errors:
                tallies[error.path].errors.append(error)
                summary.record_error(error)
            for end in finished:
                batch.files.append(_file_row(end, tallies.pop(end.path, _FileTally()), summary))
            if batch.notices >= batch_size:
                background.submit(batch)
                summary.batches += 1
                batch = Batch()
            show()
        if batch.notices or batch.files:
            background.submit(batch)
            summary.batches += 1
        background.wait()
    finally:
        background.close()
    summary.notices_added += background.added
    show()


def _file_row(end: FileEnd, tally: _FileTally, summary: IngestSummary) -> FileRow:
    for error in end.errors:
        summary.record_error(error)
    errors = [*end.errors, *tally.errors]
    if tally.notices == 0 and not errors:
        nothing = SourceError(end.path, "no notices found in the file")
        summary.record_error(nothing)
        errors.append(nothing)
    if tally.notices and not errors:
        status = "done"
    elif tally.notices:
        status = "partial"
        summary.files_partial += 1
    else:
        status = "skipped"
        summary.files_skipped += 1
    return FileRow(
        path=end.path,
        size=end.size,
        mtime=end.mtime,
        status=status,
        notices=tally.notices,
        errors=len(errors),
        error=errors[0].reason if errors else None,
    )


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.completed:,} notices"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _link(con: duckdb.DuckDBPyConnection, summary: IngestSummary, console: Console) -> None:
    from procurewatch.dedupe import link_pending

    t0 = time.perf_counter()
    console.print("linking the phases of each procurement …", highlight=False)
    try:
        summary.linked = link_pending(con) or 0
    except Exception as exc:  # the notices are stored; say what failed and carry on
        summary.warnings.append(f"linking failed (notices are stored; re-run ingest to retry): {exc!r}")
    summary.link_seconds = time.perf_counter() - t0


def _index(db_path: Path, summary: IngestSummary, console: Console) -> None:
    from procurewatch.store.search import sync_index

    t0 = time.perf_counter()
    console.print("updating the search index …", highlight=False)
    try:
        summary.indexed = sync_index(db_path) or 0
    except Exception as exc:
        summary.warnings.append(f"search index update failed (re-run ingest to retry): {exc!r}")
    summary.index_seconds = time.perf_counter() - t0
