"""Worker processes of a pool (ingest/pool.py, search/cutting.py): how many cores this process may use,
what each worker does when it starts (leave Ctrl-C to the process that started it, end with it,
and collect cyclic garbage less often), and a pool's `spawn` context whose results' pipe holds a whole
chunk's result; and the environment of a child `python -m procurewatch…` (ingest/steps.py,
search/segment_merge.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.context
import multiprocessing.queues
import os
import platform
import signal
from pathlib import Path


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which a container or `taskset` narrows)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity outside Linux
        return max(1, os.cpu_count() or 1)


# Bytes the pipe carrying a pool's results back may hold (Linux's default is 64 KiB, and lets an
# unprivileged process ask for up to 1 MiB: /proc/sys/fs/pipe-max-size). A worker's pickled chunk result
# is several times Linux's default: through it, the result went in many writes and reads, each waking
# the other side, and the reading process grew its buffer a piece at a time (docs/measurements.md).
RESULT_PIPE_BYTES = 2**20


class _WidePipeQueue(multiprocessing.queues.SimpleQueue):
    """A SimpleQueue whose pipe holds up to RESULT_PIPE_BYTES (as much as Linux grants; elsewhere, or
    refused, the pipe stays as it is)."""

    def __init__(self, *, ctx: multiprocessing.context.BaseContext) -> None:
        super().__init__(ctx=ctx)
        try:
            import fcntl
        except ImportError:  # not a POSIX system
            return
        set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
        if set_size is not None:
            with contextlib.suppress(OSError):  # over the user's pipe allowance, say
                fcntl.fcntl(self._reader.fileno(), set_size, RESULT_PIPE_BYTES)  # type: ignore[attr-defined]


class _SpawnWideResults(multiprocessing.context.SpawnContext):
    """The `spawn` context, but for the SimpleQueue a ProcessPoolExecutor takes from it for its workers'
    results (`mp_context` provides SimpleQueue, Queue and Process, as its documentation says)."""

    def SimpleQueue(self) -> multiprocessing.queues.SimpleQueue:
        return _WidePipeQueue(ctx=self.get_context())


def spawn_with_wide_results() -> multiprocessing.context.BaseContext:
    """A `spawn` context for a ProcessPoolExecutor whose results are big (ingest/pool.py)."""
    return _SpawnWideResults()


# Container objects allocated (net of those freed) between two collections of the youngest generation.
# A chunk's notices hold a few thousand at once, all freed by reference counting when it is sent: at
# Python's 700, collections ran inside every chunk, moved its live objects to older generations and so
# set off full collections over every object of the loaded parser and detector data.
WORKER_GC_THRESHOLD = 20_000


def start_worker() -> None:
    """A pool's initializer: Ctrl-C is handled once, by the main process, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    collect_as_workers_do()
    end_with_the_parent()


def collect_as_workers_do() -> None:
    """Run the cyclic garbage collector after WORKER_GC_THRESHOLD allocations, not 700."""
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


PR_SET_PDEATHSIG = 1  # prctl option, from Linux's prctl.h


def end_with_the_parent() -> None:
    """Have Linux kill this worker when the process that started it dies. Killed with -9, that process
    closes nothing: a worker then waits forever to hand back its result, on a pipe only the workers
    still hold open, keeping its memory. Does nothing where the C library is not glibc. (Linux sends
    the signal when the thread that started the worker ends: each pool is started and fed from its
    process's main thread.)"""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    parent = multiprocessing.parent_process()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent.pid:  # it died before the request was made
        os._exit(1)


def child_environment() -> dict[str, str]:
    """This process's environment with this package's folder first on PYTHONPATH: a child started as
    `python -m procurewatch.…` imports the code this process runs."""
    package_root = str(Path(__file__).resolve().parents[1])
    search_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": search_path}
