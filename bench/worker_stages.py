"""CPU microseconds a notice in each stage of what the ingest workers do (ingest/chunks.py `build_chunk`),
for one or several source trees side by side. Prints figures; asserts nothing.

    python bench/worker_stages.py /tmp/pw/c20k --warm-from /tmp/pw/c200k/part-0009.jsonl   # this tree
    python bench/worker_stages.py /tmp/pw/c20k --src ../main/src --src src   # main against this tree

Each round of each tree runs in a child process of its own (trees interleaved, the minimum of the rounds
kept): the records of the JSON Lines files under `path` are decoded once, then each stage is timed alone
(time.process_time) over all of them, in the order the workers run them — json decode, record →
Document (sources/fields.py), understand (parse/, a chunk's documents at a time where the tree can),
detect (detect/), and the chunk's tables (store/plain_columns.py, link/keys.py link_rows, both with the
string columns packed as the workers send them) a chunk of ingest's size at a time. Before timing, the
process warms up on `--warm` other records (those after the measured ones, or the last ones of
`--warm-from`), so that data files are loaded and caches hold what a long ingest's would; each measured
record is then met once, as in an ingest. The garbage collector is set as the tree's workers set it
(processes.py); this process holds every record, Document and Notice at once, so its full collections
cost more than a worker's, which holds a chunk's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = (
    "json decode",
    "record → Document",
    "understand",
    "detect",
    "plain columns",
    "link rows",
    "chunk tables",
)
WORKER_STAGES = ("json decode", "record → Document", "understand", "detect", "chunk tables")  # the sum


def _lines(path: Path) -> list[bytes]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    return [line for file in files for line in file.read_bytes().split(b"\n") if line.strip()]


def run_stages(path: Path, n: int, warm: int, warm_from: Path | None) -> dict[str, float]:
    """µs a notice per stage over the first `n` records (runs in the child process)."""
    from procurewatch.detect import detect
    from procurewatch.ingest.chunks import _strings_as_buffers, notice_tables
    from procurewatch.ingest.reading import CHUNK_DOCS
    from procurewatch.link.keys import link_rows
    from procurewatch.parse import understand
    from procurewatch.pipeline import build_notice
    from procurewatch.sources import json_decode
    from procurewatch.sources.budget import bounded_document
    from procurewatch.sources.fields import record_to_document
    from procurewatch.store.plain_columns import plain_columns

    try:  # the workers' garbage collector runs less often than Python's default, where the tree says so
        from procurewatch.processes import collect_as_workers_do

        collect_as_workers_do()
    except ImportError:
        pass
    try:  # the workers detect a batch of notices with their texts folded together, where the tree can
        from procurewatch.detect.detector import detection_texts
    except ImportError:
        detection_texts = None
    try:  # the workers understand a batch of documents a step at a time, where the tree can
        from procurewatch.parse.notice import understand_many
    except ImportError:
        understand_many = None

    def understand_as_workers_do(docs: list[Any]) -> list[Any]:
        if understand_many is None:
            return [understand(doc) for doc in docs]
        return [
            notice
            for i in range(0, len(docs), CHUNK_DOCS)
            for notice in understand_many(docs[i : i + CHUNK_DOCS])
        ]

    def detect_as_workers_do(notices: list[Any]) -> list[Any]:
        if detection_texts is None:
            return [detect(notice) for notice in notices]
        batches = [notices[i : i + CHUNK_DOCS] for i in range(0, len(notices), CHUNK_DOCS)]
        return [
            detect(notice, texts)
            for batch in batches
            for notice, texts in zip(batch, detection_texts(batch), strict=True)
        ]

    def stages(raw: list[bytes], timed: Callable[[str, Callable[[], Any]], Any]) -> None:
        records = timed("json decode", lambda: [json_decode.loads(line) for line in raw])
        name = str(path)
        docs = timed(
            "record → Document",
            lambda: [
                bounded_document(record_to_document(r, path=name, locator=str(i), source_key=name))
                for i, r in enumerate(records, start=1)
            ],
        )
        notices = timed("understand", lambda: understand_as_workers_do(docs))
        timed("detect", lambda: detect_as_workers_do(notices))
        built = [build_notice(doc) for doc in docs]
        chunks = [built[i : i + CHUNK_DOCS] for i in range(0, len(built), CHUNK_DOCS)]
        owns = timed("plain columns", lambda: [plain_columns(chunk) for chunk in chunks])
        keys = ("id", "title", "body", "buyer", "project_code", "notice_type")
        timed("link rows", lambda: [link_rows(*(own["notices"][key] for key in keys)) for own in owns])
        timed("chunk tables", lambda: [_strings_as_buffers(notice_tables(chunk)) for chunk in chunks])

    lines = _lines(path)
    measured = lines[:n]
    others = _lines(warm_from)[-warm:] if warm_from else lines[len(measured) :][:warm]
    stages(others or measured[:warm], lambda _name, work: work())
    figures: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], Any]) -> Any:
        started = time.process_time()
        result = work()
        figures[stage] = (time.process_time() - started) / len(measured) * 1e6
        return result

    stages(measured, timed)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", type=Path, help="a JSON Lines file of scraped records, or a folder of them")
    parser.add_argument("--src", action="append", help="a source tree to measure (default: this one's src)")
    parser.add_argument("--n", type=int, default=20_000, help="records measured")
    parser.add_argument("--warm", type=int, default=2_000, help="other records run first")
    parser.add_argument("--warm-from", type=Path, help="the records to warm up on (default: after the n)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_stages(args.path, args.n, args.warm, args.warm_from)))
        return
    trees = args.src or [str(Path(__file__).resolve().parent.parent / "src")]
    best: dict[str, dict[str, float]] = {tree: {} for tree in trees}
    for _ in range(args.rounds):
        for tree in trees:
            command = [sys.executable, __file__, str(args.path), "--child", "--n", str(args.n)]
            command += ["--warm", str(args.warm)] + (
                ["--warm-from", str(args.warm_from)] if args.warm_from else []
            )
            env = os.environ | {"PYTHONPATH": str(Path(tree).resolve())}
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            for stage, micros in json.loads(done.stdout.splitlines()[-1]).items():
                best[tree][stage] = min(best[tree].get(stage, micros), micros)
    print(f"µs a notice, min of {args.rounds} (load {os.getloadavg()[0]:.1f})")
    print(f"{'stage':20}" + "".join(f"{tree[-28:]:>30}" for tree in trees))
    for stage in STAGES:
        print(f"{stage:20}" + "".join(f"{best[tree][stage]:30.1f}" for tree in trees))
    total = [sum(best[tree][stage] for stage in WORKER_STAGES) for tree in trees]
    print(f"{'worker total':20}" + "".join(f"{micros:30.1f}" for micros in total))


if __name__ == "__main__":
    main()
