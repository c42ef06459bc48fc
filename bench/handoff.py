"""The hand-off exports of a whole store, validated by the field's own tools. Prints figures; asserts
nothing.

    python bench/handoff.py ../shared/data/eval-dev       # ingest into a temporary store, export, validate
    python bench/handoff.py --store work.duckdb           # an existing store
    python bench/handoff.py --generated 20000             # bench/ingest.py's generated corpus, for speed

For each format (ftm, ocds, sqlite): what was written, the seconds the export took and the seconds per
10,000 notices, the export's peak resident memory (it runs as `procurewatch export` in a child process;
the exports stream notices and bodies in parts; the selection's ids and the store-wide procurement
figures computed once before streaming still grow with the store), and the validation:
followthemoney's model validation and `ftm validate` (entities), the OCDS 1.1 release package
schema shipped in data/ with and without the procurewatch extension (jsonschema) and `ocdskit compile`,
and for SQLite a full-text query that must find a notice.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import write_corpus  # noqa: E402
from tests.report.handoff_checks import (  # noqa: E402
    ftm_problems,
    ocds_problems,
    ocdskit_compile,
    patched_release_schema,
)

SEARCH_TERMS = ("人脸识别", "视频监控", "CCTV")
# CPU seconds are given beside wall seconds: on a shared machine the wall time says more about the load
FILES = {"ftm": "entities.ftm.json", "ocds": "releases.ocds.json", "sqlite": "store.sqlite"}


def notices_in(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM notices").fetchall()[0][0]
    finally:
        con.close()


def ingest(folder: Path, db: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "procurewatch.cli", "ingest", str(folder), "--db", str(db)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def export(db: Path, out: Path, fmt: str) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds and peak resident MB of `procurewatch export` in a child process, and
    what it printed."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "procurewatch.cli",
            "export",
            "--db",
            str(db),
            "--format",
            fmt,
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    printed = child.stdout.read().decode("utf-8", "replace").strip()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"export {fmt} failed: {printed}")
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, cpu, usage.ru_maxrss // 1024, printed


def validate(fmt: str, out: Path, work: Path) -> dict[str, object]:
    if fmt == "ftm":
        problems = ftm_problems(out)
        return {"followthemoney problems": len(problems), "first": problems[:3]}
    if fmt == "ocds":
        package = json.loads(out.read_text(encoding="utf-8"))
        start = time.perf_counter()
        official, extended = ocds_problems(package), ocds_problems(package, patched_release_schema())
        checked = time.perf_counter()
        compiled = ocdskit_compile(out, work)
        return {
            "OCDS 1.1 schema errors": len(official),
            "with the extension": len(extended),
            "jsonschema seconds (both)": round(checked - start, 1),
            "ocdskit compiled releases": len(compiled),
            "ocdskit seconds": round(time.perf_counter() - checked, 1),
        }
    import sqlite_utils

    store = sqlite_utils.Database(out)
    return {
        "fts table": store["notices"].detect_fts(),
        **{f"hits for {t}": len(list(store["notices"].search(t, quote=True))) for t in SEARCH_TERMS},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, help="inputs to ingest into a temporary store")
    ap.add_argument("--store", type=Path, help="an existing store instead")
    ap.add_argument("--generated", type=int, help="ingest this many generated notices (bench/ingest.py)")
    ap.add_argument("--no-validate", action="store_true", help="only write and time (large stores)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = args.store
        if db is None:
            db = work / "store.duckdb"
            folder = args.folder
            if args.generated:
                folder = work / "corpus"
                write_corpus(folder, args.generated, ocds=False)
            if folder is None:
                raise SystemExit("give a folder, --store or --generated")
            print(f"ingest {folder}: {ingest(folder, db):.1f} s")
        notices = notices_in(db)
        print(f"{notices} notices in the store")
        for fmt, name in FILES.items():
            out = work / name
            seconds, cpu, rss, printed = export(db, out, fmt)
            print(f"\n{fmt}: {printed}, {out.stat().st_size / 1e6:.1f} MB, {seconds:.2f} s ({cpu:.2f} s CPU)")
            print(f"  peak resident memory of the export: {rss} MB")
            if notices:
                per = 10_000 / notices
                print(f"  {seconds * per:.1f} s per 10,000 notices ({cpu * per:.1f} s CPU)")
            if args.no_validate:
                continue
            for key, value in validate(fmt, out, work).items():
                print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
