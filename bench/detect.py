"""CPU cost of detection alone: detect() per notice, on Notices built once from an input.

    python bench/detect.py ../shared/data/eval-dev/docs [--rounds 3]
    python bench/detect.py /path/to/scraped-jsonl-dir

Reads and understands every document once (not timed), then times detect() over all the Notices
with time.process_time, `--rounds` times, and prints the minimum in microseconds per notice, with a
digest of the detections so two versions can be checked to give the same output. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import time

from procurewatch.detect import detect
from procurewatch.model import Notice, SkippedInput
from procurewatch.parse import understand
from procurewatch.sources import iter_documents


def notices_of(path: str) -> list[Notice]:
    out = []
    for item in iter_documents([path]):
        if isinstance(item, SkippedInput):
            continue
        try:
            out.append(understand(item))
        except Exception:  # a notice the pipeline would skip; detection never sees it
            continue
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    notices = notices_of(args.path)
    if not notices:
        raise SystemExit(f"no notice in {args.path}")
    detect(notices[0])  # knowledge loaded before timing
    best = float("inf")
    found = []
    for _ in range(args.rounds):
        started = time.process_time()
        found = [detect(n) for n in notices]
        best = min(best, time.process_time() - started)
    digest = hashlib.sha256(repr(found).encode()).hexdigest()[:16]
    per_notice = best / len(notices) * 1e6
    print(f"{len(notices)} notices: detect() {per_notice:.1f} us/notice (min of {args.rounds})")
    print(f"detections digest {digest}")


if __name__ == "__main__":
    main()
