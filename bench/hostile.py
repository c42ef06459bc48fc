"""What the worst input of each hostile kind costs ingest: peak RSS and seconds. Prints figures; asserts
nothing. Targets (issue 16): under 500 MB and 10 s each.

    python bench/hostile.py                     # every kind of tests/hostile.py, at its worst size
    python bench/hostile.py --kinds deep_json csv_gz_quote_bomb
    python bench/hostile.py --small             # the sizes the tests use (just over each budget)

Each kind is written alone into a temporary folder (tests/hostile.py, `big=True`), beside one good
notice, and ingested by `procurewatch ingest --workers 1` in a child process; peak RSS is the largest
sum over the child and its descendants, polled from /proc every 20 ms. The first row, "baseline", is the
good notice alone: what starting Python, creating the store, linking and indexing cost whatever the input;
"beyond" is a kind's seconds less the baseline's (the machine's load moves both).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]  # this checkout's package, not an installed one

from tests import hostile  # noqa: E402  (the generator lives with the tests that use it)

TARGET_MB = 500
TARGET_SECONDS = 10.0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and every descendant, in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def measure(command: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB, the end of stderr) of a command."""
    peak = 0.0
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    _, stderr = process.communicate(timeout=900)
    seconds = time.perf_counter() - started
    done.set()
    poller.join()
    return process.returncode, seconds, peak, stderr[-2000:]


def input_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kinds", nargs="*", default=list(hostile.KINDS), choices=list(hostile.KINDS))
    ap.add_argument("--small", action="store_true", help="the tests' sizes instead of the worst")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ap.add_argument("--json", action="store_true", help="one JSON object per kind instead of a table")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    if not args.json:
        print(
            f"{'kind':<24} {'input':>10} {'exit':>4} {'seconds':>8} {'beyond':>7} {'peak RSS':>9}  "
            "within target"
        )
    baseline = 0.0
    for kind in ["baseline", *args.kinds]:  # baseline: the good notice alone (start-up, store, index)
        root = Path(tempfile.mkdtemp(prefix=f"pw-hostile-{kind}-"))
        try:
            folder = root / "corpus"
            folder.mkdir()
            (folder / "good.jsonl").write_bytes(hostile.record_line(0))
            if kind != "baseline":
                hostile.KINDS[kind](folder, not args.small)
            size = input_size(folder)
            command = [sys.executable, "-m", "procurewatch.cli", "ingest", str(folder)]
            command += ["--db", str(root / "store.duckdb"), "--workers", "1"]
            code, seconds, peak, stderr = measure(command, env)
        finally:
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        baseline = baseline or seconds
        ok = peak < TARGET_MB and seconds < TARGET_SECONDS and code in (0, 3) and "Traceback" not in stderr
        if args.json:
            row = {
                "kind": kind,
                "bytes": size,
                "exit": code,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak),
            }
            print(json.dumps(row))
        else:
            verdict = "yes" if ok else "NO"
            print(
                f"{kind:<24} {size / 2**20:>8.1f}MB {code:>4} {seconds:>8.1f} {seconds - baseline:>7.1f} "
                f"{peak:>7.0f}MB  {verdict}",
                flush=True,
            )
        if code not in (0, 3) or "Traceback" in stderr:
            print(stderr, file=sys.stderr)


if __name__ == "__main__":
    main()
