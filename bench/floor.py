"""The floor of ingest's own work, and how far `procurewatch ingest` is above it. Prints figures;
asserts nothing.

    python bench/floor.py                  # 200,000 scraped Chinese JSONL records, 3 interleaved rounds
    python bench/floor.py --n 50000 --rounds 2
    python bench/floor.py --ocds           # OCDS releases: a bare ijson pass plus the same detection floor

The floor does, in one process, only what no ingest can skip: decode every JSON line, normalise its
text with the project's own normaliser (detect/folding.py: width, case, Traditional → Simplified),
segment it with rjieba, and run one Aho-Corasick pass with every taxonomy term (detect/lexicon.py's
`matcher`, the automaton detection scans with). "json only" decodes and nothing else. Floor and
ingest run as child processes, interleaved, and the minimum of the rounds is kept, so the ratio is
taken under the same machine load (bench/ingest.py --floor runs the comparison, for several sizes too).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import against_floor  # bench/ingest.py


def texts_of(value: Any, out: list[str]) -> None:
    """Every string inside a decoded record (the text a notice is made of)."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            texts_of(item, out)
    elif isinstance(value, list):
        for item in value:
            texts_of(item, out)


def run_floor(corpus: Path, mode: str, ocds: bool) -> None:
    """The floor's work over every JSONL file of `corpus` (runs in a child process)."""
    import rjieba

    from procurewatch.detect.folding import normalise
    from procurewatch.detect.lexicon import lexicon

    matcher = lexicon().matcher
    if ocds:
        import ijson

        def records(stream: Any) -> Any:
            for line in stream:
                yield next(ijson.items(line, ""))
    else:

        def records(stream: Any) -> Any:
            for line in stream:
                yield json.loads(line)

    hits = 0
    for path in sorted(corpus.glob("*.jsonl")):
        with path.open("rb") as stream:
            for record in records(stream):
                if mode == "json":
                    continue
                parts: list[str] = []
                texts_of(record, parts)
                text = normalise("\n".join(parts)).text
                rjieba.cut(text)
                hits += len(matcher.find_matches_as_indexes(text, overlapping=True))
    print(hits)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ocds", action="store_true")
    ap.add_argument("--floor-only", choices=["json", "full"], help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.floor_only:
        run_floor(args.corpus, args.floor_only, args.ocds)
        return
    against_floor([args.n], args.rounds, args.ocds, None, 2000)


if __name__ == "__main__":
    main()
