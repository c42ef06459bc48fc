"""The search index's roles on a store, CPU per notice: the main thread (reading the store, building
documents), the pool's helper threads (handing batches over and taking the results back), tantivy's
threads, and the processes cutting texts; and the rate indexing can reach on N cores. Prints figures;
asserts nothing.

    python bench/index_roles.py STORE      # STORE's index rebuilt inline, then with 2 threads + 1 process
    python bench/index_roles.py STORE --plans 1:0,2:0,1:1,2:1 --rounds 3

The main thread and the helper threads hold Python's lock, so together they are the part that stays
serial: whatever the cores, indexing goes no faster than one notice per their microseconds. Thread CPU
is polled from /proc/self/task (Linux); the processes' CPU is this process's reaped children's.
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Roles:
    """CPU microseconds a notice by role, and the run's wall seconds."""

    notices: int
    threads: int
    processes: int
    wall: float
    main: float
    helpers: float  # the pool's Python threads (feeder, result handler)
    tantivy: float  # tantivy's indexing, merging and other native threads
    cutting: float  # the processes cutting texts
    peak_mb: float = 0.0  # RSS summed over this process and its children, polled

    @property
    def serial(self) -> float:
        return self.main + self.helpers

    def seconds_a_notice(self, cores: int, threads: int, processes: int) -> float:
        """The wall seconds a notice with `threads` tantivy threads and `processes` cutting processes on
        `cores` cores: the slowest role, and never less than all the work shared by every core. With no
        process the main thread cuts the texts as well (costed as the processes cut them: a little more
        than inline)."""
        serial = self.serial + (0 if processes else self.cutting)
        roles = [serial, self.tantivy / threads] + ([self.cutting / processes] if processes else [])
        return max(*roles, (self.serial + self.tantivy + self.cutting) / cores) / 1e6

    def describe(self) -> str:
        return (
            f"{self.threads} tantivy thread(s), {self.processes} cutting process(es): {self.wall:.1f} s "
            f"wall; µs a notice: main thread {self.main:.1f}, pool threads {self.helpers:.1f}, tantivy "
            f"{self.tantivy:.1f}, cutting processes {self.cutting:.1f}; peak RSS summed {self.peak_mb:.0f} MB"
        )


class _ThreadCpu:
    """Each thread's CPU seconds as last seen, polled (threads that end are still counted), and the
    largest RSS summed over this process and its children."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], float] = {}
        self.peak_kb = 0
        self.stop = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)

    def sample(self) -> None:
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/self/task/{tid}/comm") as f:
                    name = f.read().strip()
            except OSError:
                continue
            self.seen[(tid, name)] = (int(fields[11]) + int(fields[12])) / TICK

    def _poll(self) -> None:
        while not self.stop.wait(0.05):
            self.sample()
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))


def _tree_rss_kb(root: int) -> int:
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(entry) == root or status.get("PPid", "").strip() == str(root):
            total += int(status.get("VmRSS", "0 kB").split()[0])
    return total


def measure(db: Path, threads: int, processes: int) -> Roles:
    """Rebuild `db`'s index with the given plan, the pool started whatever the store's size."""
    from procurewatch.search.cores import IndexingPlan
    from procurewatch.search.index import rebuild_index

    cpu = _ThreadCpu()
    cpu.sample()
    before = dict(cpu.seen)
    cpu.poller.start()
    main_tid, poller_tid = str(threading.get_native_id()), str(cpu.poller.native_id)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, main_cpu = time.perf_counter(), time.thread_time()
    notices = rebuild_index(db, plan=IndexingPlan(threads, processes, 0))
    main_cpu, wall = time.thread_time() - main_cpu, time.perf_counter() - started
    cpu.stop.set()
    cpu.poller.join()
    cpu.sample()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    helpers = tantivy = 0.0
    for (tid, name), seconds in cpu.seen.items():
        if tid in (main_tid, poller_tid):
            continue
        spent = seconds - before.get((tid, name), 0.0)
        if name.startswith("python"):  # Python's threads keep the process's name
            helpers += spent
        else:
            tantivy += spent
    cutting = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    per = 1e6 / max(notices, 1)
    spent = (main_cpu * per, helpers * per, tantivy * per, cutting * per)
    return Roles(notices, threads, processes, wall, *spent, peak_mb=cpu.peak_kb / 1024)


def rates(roles: Roles, cores_list: tuple[int, ...] = (2, 4, 8, 16, 32)) -> list[tuple[int, int, int, float]]:
    """(cores, tantivy threads, cutting processes, notices a second) by data/indexing.json's rungs."""
    from procurewatch.search.cores import indexing_plan
    from procurewatch.search.index import WRITER_HEAP

    out = []
    for cores in cores_list:
        plan = indexing_plan(WRITER_HEAP, cores)
        seconds = roles.seconds_a_notice(cores, plan.tantivy_threads, plan.cutting_processes)
        out.append((cores, plan.tantivy_threads, plan.cutting_processes, 1 / seconds))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path)
    ap.add_argument("--plans", default="1:0,2:1", help="THREADS:PROCESSES, comma-separated")
    ap.add_argument("--rounds", type=int, default=1, help="each plan this many times, interleaved")
    args = ap.parse_args()
    plans = [tuple(map(int, p.split(":"))) for p in args.plans.split(",")]
    best: dict[tuple[int, int], Roles] = {}
    for _ in range(args.rounds):
        for threads, processes in plans:
            roles = measure(args.store, threads, processes)
            print(f"load {os.getloadavg()[0]:.1f}; {roles.describe()}", flush=True)
            total = roles.main + roles.helpers + roles.tantivy + roles.cutting
            kept = best.get((threads, processes))
            if kept is None or total < kept.main + kept.helpers + kept.tantivy + kept.cutting:
                best[(threads, processes)] = roles
    # the rates from a run as a bigger client indexes: a pool, and tantivy's CPU as it is with more
    # than one thread (each thread's share of the heap is smaller: more segments, more merging)
    runs = list(best.values())
    pooled = [r for r in runs if r.processes and r.threads > 1] or [r for r in runs if r.processes] or runs
    roles = min(pooled, key=lambda r: r.serial + r.tantivy + r.cutting)
    print(f"\nthe rates below from: {roles.describe()}")
    print(
        f"\nserial part (main + pool threads): {roles.serial:.1f} µs a notice, "
        f"at most {1e6 / roles.serial:,.0f} notices/s"
    )
    for cores, threads, processes, rate in rates(roles):
        print(f"{cores} cores: {threads} tantivy thread(s), {processes} cutting process(es): {rate:,.0f}/s")


if __name__ == "__main__":
    main()
