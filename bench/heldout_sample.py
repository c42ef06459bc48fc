"""Draw a held-out sample of notices that no label file names yet, with a fixed seed.

    python bench/heldout_sample.py DUMP.jsonl [--seed 20261206] [--zh 40] [--other 20] [--flagged 20]
    python bench/heldout_sample.py DUMP.jsonl --without heldout-4.jsonl   # redraws bench/labels/heldout-4

DUMP.jsonl holds one line per extracted notice: {"path", "locator", "rec"} (path relative to the
shared data folder, rec = `to_record` output). Already-labelled notices (every bench/labels file,
eval-dev and dev2 labels) and notices whose title equals a labelled notice's are left out of the
draw; a drawn notice that is a re-issued call (第二次, 重新) of a labelled procurement or of one drawn
before is then dropped, and the last stratum is topped up.
Prints four lists: a uniform sample of Chinese notices, a uniform sample of other notices, a sample
of notices the detector calls surveillance, stratified by source file, and, when fewer flagged ones
exist than asked for, notices with a score below the threshold to fill the same number.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# a re-issued call names the same procurement: (第二次), 【第2次】, （重新询比）, 重新
_REISSUE = re.compile(r"[(（【\[][^)）】\]]*(?:第.{1,2}次|二次|重新)[^)）】\]]*[)）】\]]|重新")


def project_title(title: str | None) -> str:
    return _REISSUE.sub("", title or "").strip()


SHARED = ROOT.parent / "shared" / "data"


def labelled_keys(without: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for path in sorted((ROOT / "bench" / "labels").glob("*.jsonl")):
        if path.name in without:
            continue
        for line in path.read_text("utf-8").splitlines():
            label = json.loads(line)
            if "path" in label:
                keys.add((label["path"], str(label.get("locator") or "")))
    for family in ("eval-dev", "dev2"):
        for line in (SHARED / family / "labels.jsonl").read_text("utf-8").splitlines():
            keys.add((f"{family}/docs/{json.loads(line)['file']}", ""))
    return keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dump", type=Path)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--zh", type=int, default=40)
    parser.add_argument("--other", type=int, default=20)
    parser.add_argument("--flagged", type=int, default=20)
    parser.add_argument("--without", action="append", default=[], help="label file to ignore (redraw it)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dump.read_text("utf-8").splitlines()]
    done = labelled_keys(tuple(args.without))
    done_titles = {r["rec"].get("title") for r in rows if (r["path"], r["locator"]) in done}
    fresh = [
        r for r in rows if (r["path"], r["locator"]) not in done and r["rec"].get("title") not in done_titles
    ]
    rng = random.Random(args.seed)
    chinese = [r for r in fresh if r["path"].startswith("bulk/cn-")]
    other = [r for r in fresh if not r["path"].startswith("bulk/cn-")]
    picked_zh = rng.sample(chinese, args.zh)
    picked_other = rng.sample(other, args.other)
    taken = {(r["path"], r["locator"]) for r in picked_zh + picked_other}
    by_file: dict[str, list[dict]] = defaultdict(list)
    for r in fresh:
        if r["rec"]["surveillance"]["relevant"] and (r["path"], r["locator"]) not in taken:
            by_file[r["path"]].append(r)
    flagged: list[dict] = []
    files = sorted(by_file)
    while len(flagged) < args.flagged and any(by_file.values()):
        for name in files:
            if by_file[name] and len(flagged) < args.flagged:
                flagged.append(by_file[name].pop(rng.randrange(len(by_file[name]))))
    taken |= {(r["path"], r["locator"]) for r in flagged}
    near_pool = [
        r
        for r in fresh
        if not r["rec"]["surveillance"]["relevant"]
        and r["rec"]["surveillance"]["score"] > 0
        and (r["path"], r["locator"]) not in taken
    ]
    near = rng.sample(near_pool, min(len(near_pool), max(0, args.flagged - len(flagged))))
    # a re-issued call of a labelled procurement, or of one picked before, is the same procurement
    seen = {project_title(r["rec"].get("title")) for r in rows if (r["path"], r["locator"]) in done}
    strata = {"random-zh": picked_zh, "random-other": picked_other, "flagged": flagged, "near": near}
    for name, picked in strata.items():
        kept = []
        for r in picked:
            title = project_title(r["rec"].get("title"))
            if title not in seen:
                seen.add(title)
                kept.append(r)
        strata[name] = kept
    spare = [r for r in near_pool if project_title(r["rec"].get("title")) not in seen and r not in near]
    while len(strata["flagged"]) + len(strata["near"]) < args.flagged and spare:
        extra = spare.pop(rng.randrange(len(spare)))
        seen.add(project_title(extra["rec"].get("title")))
        strata["near"].append(extra)
        spare = [r for r in spare if project_title(r["rec"].get("title")) not in seen]
    for stratum, picked in strata.items():
        for r in picked:
            print(
                json.dumps(
                    {"stratum": stratum, "path": r["path"], "locator": r["locator"]}, ensure_ascii=False
                )
            )


if __name__ == "__main__":
    main()
