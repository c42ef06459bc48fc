"""Running `build_chunk` over chunks: inline for small inputs, else in a bounded `spawn` worker pool.

Results come back in input order (the writer relies on it to close files), with at most a few
chunks in flight so memory stays flat whatever the corpus size. If a worker dies (killed for
memory, say), the chunks it held and everything after are processed in this process instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from procurewatch.ingest.chunks import ChunkResult, build_chunk
from procurewatch.ingest.reading import Chunk, FileEnd
from procurewatch.processes import spawn_with_wide_results, start_worker

# Below this many chunks the whole input is handled in-process: starting workers costs more.
POOL_AFTER_CHUNKS = 3


def ordered_results(
    chunks: Iterator[Chunk],
    workers: int,
    field_map: dict[str, str] | None,
    warn: Callable[[str], None],
) -> Iterator[tuple[ChunkResult, list[FileEnd], int]]:
    """(result, files finished with this chunk, workers used) for every chunk, in input order.

    The files a chunk finishes are those the worker read whole and those whose last document it held.
    """
    head: list[Chunk] = []
    for chunk in chunks:
        head.append(chunk)
        if len(head) >= POOL_AFTER_CHUNKS:
            break
    if workers <= 1 or len(head) < POOL_AFTER_CHUNKS:
        for chunk in _chain(head, chunks):
            yield _inline(chunk, field_map)
        return

    in_flight: deque[tuple[Future[ChunkResult], Chunk]] = deque()
    limit = 2 * workers + 1
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=spawn_with_wide_results(), initializer=start_worker
    )
    pending = _chain(head, chunks)
    submitting: list[Chunk] = []
    try:
        for chunk in pending:
            submitting = [chunk]
            in_flight.append(
                (pool.submit(build_chunk, chunk.docs, chunk.files, field_map, chunk.slices), chunk)
            )
            submitting = []
            while len(in_flight) >= limit:
                future, oldest = in_flight[0]
                result = future.result()
                in_flight.popleft()
                yield result, [*result.file_ends, *oldest.finished], workers
        while in_flight:
            future, oldest = in_flight[0]
            result = future.result()
            in_flight.popleft()
            yield result, [*result.file_ends, *oldest.finished], workers
    except BrokenProcessPool:
        warn("a worker process died; the rest of the input was processed without workers")
        lost = [chunk for _, chunk in in_flight] + submitting
        in_flight.clear()
        for chunk in _chain(lost, pending):
            yield _inline(chunk, field_map)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _inline(chunk: Chunk, field_map: dict[str, str] | None) -> tuple[ChunkResult, list[FileEnd], int]:
    """The chunk built in this process."""
    result = build_chunk(chunk.docs, chunk.files, field_map, chunk.slices)
    return result, [*result.file_ends, *chunk.finished], 1


def _chain(head: list[Chunk], rest: Iterator[Chunk]) -> Iterator[Chunk]:
    yield from head
    yield from rest
