"""How much page chrome the HTML reader removes, and whether the notice body survives, on labelled real pages.

    python bench/main_content.py [--labels bench/labels/html-main-content.jsonl] [--shared ../shared/data]

Each label names a saved page (`path`, relative to --shared), strings the notice body must keep (`keep`:
its title, the award/amount or key paragraph) and chrome strings it must lose (`drop`: breadcrumbs,
buttons, site names, related-notice lists). The page is read twice, with and without main-content
extraction, and the script prints per page and in total: kept strings present, chrome strings removed,
labelled chrome characters removed, body characters before and after, and the time per page (the fastest
of five reads).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from procurewatch.sources.html import read_html

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_LABELS = Path(__file__).resolve().parent / "labels" / "html-main-content.jsonl"


REPEAT = 5  # each page is read this many times and the fastest read counts: the machine may be shared


def _read(data: bytes, path: str, main_content: bool) -> tuple[str, float]:
    fastest = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        doc = read_html(data, path=path, source_key=path, main_content=main_content)
        fastest = min(fastest, time.perf_counter() - start)
    return f"\n{doc.title}\n{doc.body}\n", fastest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args()
    labels = [
        json.loads(line) for line in args.labels.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    totals = dict.fromkeys(("keep", "kept", "drop", "dropped", "chrome", "chrome_gone", "before", "after"), 0)
    seconds = {True: 0.0, False: 0.0}
    pages = 0
    print(f"{'page':34} {'keep':>6} {'drop':>6} {'body before':>12} {'after':>7}")
    for label in labels:
        page = args.shared / label["path"]
        if not page.is_file():
            print(f"{label['path']}: absent, skipped", file=sys.stderr)
            continue
        pages += 1
        data = page.read_bytes()
        before, t_before = _read(data, label["path"], main_content=False)
        after, t_after = _read(data, label["path"], main_content=True)
        seconds[False] += t_before
        seconds[True] += t_after
        kept = sum(1 for s in label["keep"] if s in after)
        present = [s for s in label["drop"] if s in before]
        gone = [s for s in present if s not in after]
        totals["keep"] += len(label["keep"])
        totals["kept"] += kept
        totals["drop"] += len(present)
        totals["dropped"] += len(gone)
        totals["chrome"] += sum(len(s.strip()) for s in present)
        totals["chrome_gone"] += sum(len(s.strip()) for s in gone)
        totals["before"] += len(before)
        totals["after"] += len(after)
        print(
            f"{Path(label['path']).name:34} {kept:>3}/{len(label['keep']):<2}"
            f" {len(gone):>3}/{len(present):<2}"
            f" {len(before):>12,} {len(after):>7,}"
        )
    if not pages:
        print("no labelled page found (is --shared right?)", file=sys.stderr)
        return 1
    t = totals
    print(
        f"\n{pages} pages: notice strings kept {t['kept']}/{t['keep']}; chrome strings removed "
        f"{t['dropped']}/{t['drop']} ({t['chrome_gone']}/{t['chrome']} labelled chrome characters); body "
        f"{t['before']:,} → {t['after']:,} characters ({1 - t['after'] / t['before']:.1%} removed); "
        f"read time {seconds[False] / pages * 1000:.2f} ms/page without, {seconds[True] / pages * 1000:.2f} "
        "ms/page with main-content extraction"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
