"""What a pool's worker process sets up when it starts (processes.start_worker)."""

from __future__ import annotations

import gc
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor

from procurewatch.processes import WORKER_GC_THRESHOLD, start_worker


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
