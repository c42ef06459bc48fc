"""What a pool's worker process sets up when it starts (processes.start_worker), and the pool's context
whose results' pipe holds a chunk's result (processes.spawn_with_wide_results)."""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from procurewatch.processes import (
    RESULT_PIPE_BYTES,
    WORKER_GC_THRESHOLD,
    spawn_with_wide_results,
    start_worker,
)


def _settings() -> tuple[tuple[int, int, int], bool]:
    return gc.get_threshold(), signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_worker_collects_garbage_less_often_and_leaves_ctrl_c_to_its_parent():
    before = gc.get_threshold()
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker
    ) as pool:
        threshold, ignores_ctrl_c = pool.submit(_settings).result()
    assert threshold == (WORKER_GC_THRESHOLD, *before[1:])
    assert ignores_ctrl_c
    assert gc.get_threshold() == before  # the process that started the pool keeps its own


def _big(size: int) -> bytes:
    return bytes(range(256)) * (size // 256)


def test_results_bigger_than_the_pipe_come_back_whole_in_order():
    context = spawn_with_wide_results()
    assert context.get_start_method() == "spawn"
    sizes = [10, 3 * RESULT_PIPE_BYTES, RESULT_PIPE_BYTES // 2, 256 * 1000]
    with ProcessPoolExecutor(max_workers=2, mp_context=context, initializer=start_worker) as pool:
        results = [future.result() for future in [pool.submit(_big, size) for size in sizes]]
    assert results == [_big(size) for size in sizes]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are Linux's")
def test_the_results_pipe_holds_a_chunk_s_result():
    import fcntl

    queue = spawn_with_wide_results().SimpleQueue()
    try:
        size = fcntl.fcntl(queue._reader.fileno(), fcntl.F_GETPIPE_SZ)  # type: ignore[attr-defined]
    finally:
        queue.close()
    max_size = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    # more than Linux grants an unprivileged process leaves the pipe as it was
    assert size == RESULT_PIPE_BYTES or max_size < RESULT_PIPE_BYTES
