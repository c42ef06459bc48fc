"""The storing phase of ingest: read → understand → detect → store, in batches of one transaction each.

This process reads big files (or cuts big JSON Lines files into slices of lines), turns the columns
it gets back into Arrow tables and writes them to DuckDB; the understanding, detecting and turning
of notices into plain columns runs inline or, with `workers` > 1, in a `spawn` pool. Work flows in
bounded, ordered chunks, so memory stays flat and a
file is recorded as done only in the transaction that stores its last notice. A crash loses at most
the batches in flight; re-running completes them (stored ids are not rewritten).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from procurewatch.ingest.memory import arrow_allocates_from_the_system
from procurewatch.ingest.pool import ordered_results
from procurewatch.ingest.reading import CHUNK_DOCS, FileEnd, ReadStats, iter_chunks
from procurewatch.ingest.summary import IngestSummary, clear_skipped_list
from procurewatch.model import SkippedInput
from procurewatch.sources.ocr_pool import pages_read
from procurewatch.store.arrow_tables import sized_tables
from procurewatch.store.db import open_store, over_limit_note
from procurewatch.store.writer import BackgroundWriter, Batch, FileRow, PartFile, StoreWriter, done_files


def store_phase(
    paths: list[Path],
    db_path: Path,
    field_map: dict[str, str] | None,
    batch_size: int,
    workers: int,
    console: Console,
    when_read: Callable[[], None] | None = None,
) -> IngestSummary:
    """Store every notice under `paths`; the summary says what was read, added and skipped.
    `when_read` is called once every input is read and understood (the workers have ended), before
    the last batches are written."""
    arrow_allocates_from_the_system()
    with storing_step(db_path) as step:
        summary = step.summary
        chunks = iter_chunks(
            paths, field_map, done_files(step.con), step.stats, chunk_docs=min(CHUNK_DOCS, batch_size)
        )
        built = (
            Built(tables, result.ids, result.per_path, result.errors, finished, used, sizes=sizes)
            for result, finished, used in ordered_results(chunks, workers, field_map, summary.notes.append)
            for tables, sizes in [sized_tables(result.columns)]
        )
        if when_read is not None:
            built = _then(built, when_read)
        with progress_bar(console) as progress:
            task = progress.add_task("reading", total=None)
            store_built(built, step.writer, batch_size, summary, progress, task, step.stats)
    return summary


def _then(items: Iterator[Built], after: Callable[[], None]) -> Iterator[Built]:
    """`items`, then `after()` once they are exhausted."""
    yield from items
    after()


@dataclass(slots=True)
class StoringStep:
    """The store opened for a storing step (local or on a cluster), and what the step tells of it."""

    writer: StoreWriter
    stats: ReadStats
    summary: IngestSummary

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The store's connection (the writer's: it opens the store again if DuckDB invalidates it)."""
        return self.writer.con


@contextmanager
def storing_step(db_path: Path) -> Iterator[StoringStep]:
    """Open the store for a storing step; on the way out, close it and complete the step's summary
    (files read and unchanged, the time taken, whether DuckDB needed more memory than planned)."""
    started = time.perf_counter()
    summary = IngestSummary(db_path=db_path, workers=1)
    con = open_store(db_path)
    clear_skipped_list(db_path)  # once the store is ours: a run refused for a lock leaves the list alone
    stats = ReadStats()
    writer: StoreWriter | None = None
    try:
        writer = StoreWriter(con, reopen=lambda: open_store(db_path))
        yield StoringStep(writer, stats, summary)
        if writer.unlimited:
            summary.notes.append(over_limit_note("storing"))
    finally:
        (writer.con if writer is not None else con).close()
    summary.files = stats.files
    summary.files_unchanged = stats.unchanged
    summary.store_seconds = time.perf_counter() - started


@dataclass(slots=True)
class Built:
    """What understanding one chunk (or one cluster shard) gives the writer, in input order."""

    tables: dict[str, pa.Table]  # the rows of every notice table
    ids: list[str]
    per_path: Counter[str]  # notices made, per file
    errors: list[SkippedInput]  # notices (or parts of files) that could not be read
    finished: list[FileEnd]  # files whose last notice is in this or an earlier piece of work
    workers: int
    name: str | None = None  # a cluster shard's id, for the shards stored whole (store_built)
    part_files: dict[str, PartFile] | None = None  # a cluster shard's rows on disk, instead of `tables`
    sizes: dict[str, int] | None = None  # each table's `nbytes`, when known (counted as it was made)


@dataclass
class _FileTally:
    notices: int = 0
    errors: list[SkippedInput] = field(default_factory=list)


def store_built(
    built: Iterator[Built],
    writer: StoreWriter,
    batch_size: int,
    summary: IngestSummary,
    progress: Progress,
    task: int,
    stats: ReadStats,
    detail: Callable[[], str] | None = None,
) -> list[str]:
    """Write every piece of built work in batches; a file is recorded in the batch holding its last notice.
    Returns the names of the named pieces whose every notice was new to the store."""
    tallies: dict[str, _FileTally] = defaultdict(_FileTally)
    batch = Batch()
    background = BackgroundWriter(writer, batch_size)

    def show() -> None:
        progress.update(
            task,
            completed=summary.notices_seen,
            description=f"files {stats.files:,} · added {background.added:,} · skipped {summary.errors:,}"
            + (f" · {detail()}" if detail else ""),
        )

    try:
        for piece in built:
            summary.workers = max(summary.workers, piece.workers)
            batch.add(piece.tables, piece.ids, piece.name, piece.part_files, piece.sizes)
            summary.notices_seen += len(piece.ids)
            for path, count in piece.per_path.items():
                tallies[path].notices += count
            for error in piece.errors:
                tallies[error.path].errors.append(error)
                summary.record_error(error)
            for end in piece.finished:
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
        writer.checkpoint()
    finally:
        background.close()
    summary.notices_added += background.added
    show()
    return background.stored_whole


def _file_row(end: FileEnd, tally: _FileTally, summary: IngestSummary) -> FileRow:
    for error in end.errors:
        summary.record_error(error)
    errors = [*end.errors, *tally.errors]
    if tally.notices == 0 and not errors:
        nothing = SkippedInput(end.path, "no notices found in the file")
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


class _OcrPages(ProgressColumn):
    """Pages read by OCR in this process, counted live: a long scan read here (a small input is read
    in this process) shows its pages as they come, between the notices it adds."""

    def render(self, task: Task) -> Text:
        pages = pages_read()
        return Text(f"· OCR {pages:,} page(s)" if pages else "")


# Redraws of the progress bar a second. Each one takes this process's GIL from the writer and the
# results' reader: at Rich's default (10) drawing on a terminal cost ~9 us a notice of c20k's
# storing main process, at 4 ~4 (docs/measurements.md).
PROGRESS_REFRESH_PER_SECOND = 4


def progress_bar(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.completed:,} notices"),
        TextColumn("{task.description}"),
        _OcrPages(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        refresh_per_second=PROGRESS_REFRESH_PER_SECOND,
    )
