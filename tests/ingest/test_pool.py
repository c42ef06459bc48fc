"""The worker pool of the storing step when the process running it is killed with -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Runs the pool over small text files, one a chunk, says its pid once a result is back, then waits
# to be killed with its workers busy or blocked handing back results.
STORING = """
import os, sys, time
from pathlib import Path
from procurewatch.ingest.pool import ordered_results
from procurewatch.ingest.reading import ReadStats, iter_chunks

chunks = iter_chunks([Path(sys.argv[1])], None, {}, ReadStats(), chunk_docs=2)
for _ in ordered_results(chunks, 2, None, print):
    print(os.getpid(), flush=True)
    time.sleep(120)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; reaping it is its new parent's business


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers end with their parent on Linux")
def test_the_workers_end_when_the_storing_process_is_killed(tmp_path: Path) -> None:
    corpus = tmp_path / "texts"
    corpus.mkdir()
    for i in range(12):
        text = f"第{i}号 视频监控设备采购公告\n采购人：某市公安局\n"
        (corpus / f"notice-{i:03d}.txt").write_text(text, encoding="utf-8")
    storing = subprocess.Popen(
        [sys.executable, "-c", STORING, str(corpus)], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        assert storing.stdout is not None
        pid = int(storing.stdout.readline())
        workers = [
            child for child in _children(pid) if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
    finally:
        os.kill(storing.pid, signal.SIGKILL)
        storing.wait()
    deadline = time.monotonic() + 20
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [worker for worker in workers if _running(worker)]
    for worker in left:  # not to leave them behind when the test fails
        os.kill(worker, signal.SIGKILL)
    assert left == []
