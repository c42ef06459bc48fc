"""Ingest and extract speed and memory on a generated corpus. Prints figures; asserts nothing.

    python bench/ingest.py                 # 200,000 scraped Chinese JSONL records: ingest and extract
    python bench/ingest.py --n 5000        # a quick look
    python bench/ingest.py --ocds          # 200,000 OCDS releases (JSONL): ingest
    python bench/ingest.py --ocds --corpus DIR   # reuse a corpus kept with --keep (DIR/corpus)
    python bench/ingest.py --floor --sizes 50000,200000,400000 --rounds 3   # against the floor, per phase

With --floor, each size's corpus is ingested and the floor of the same work (bench/floor.py: JSON
decode, the project's normaliser, rjieba, one pass of the term automaton, in one process) is run on
it, interleaved round by round so both see the same machine load; the minimum of the rounds is
kept, per phase too, and the ratio printed with the cost per notice at each size.

The corpus is built by replicating the records under ../shared/data/bulk with varied ids and
titles (or the bundled examples when shared is absent) into a temporary folder. Each command runs
as a child process; peak RSS is the largest sum over the child and its workers, polled from /proc,
and the largest single process (getrusage).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROCUREWATCH_SHARED", REPO.parent / "shared")) / "data" / "bulk"
EXAMPLES = REPO / "src" / "procurewatch" / "examples"
ID_KEYS = {"id", "infoid", "sourceId", "项目编号", "projectNo"}
TITLE_KEYS = {"title", "标题", "name"}
LINES_PER_FILE = 20_000


# ---------------------------------------------------------------- corpus


def scraped_records() -> list[dict[str, Any]]:
    """Chinese scraped records from bulk (JSONL), else records made from the bundled examples."""
    files = sorted(SHARED.glob("cn-*/*.jsonl")) if SHARED.is_dir() else []
    records = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines() if line]
    if records:
        return records
    sys.path.insert(0, str(REPO / "src"))
    from procurewatch.model import Document
    from procurewatch.sources import iter_documents

    return [
        {"title": d.title, "content": d.body, "url": d.url}
        for d in iter_documents([EXAMPLES])
        if isinstance(d, Document) and (d.title or d.body) and d.kind != "ocds"
    ]


def vary(value: Any, copy: int) -> Any:
    """The same record with its ids and titles made unique for this copy (nested objects too)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, str) and key in ID_KEYS:
                out[key] = f"{item}-{copy}"
            elif isinstance(item, str) and key in TITLE_KEYS:
                out[key] = f"{item}（{copy}）"
            else:
                out[key] = vary(item, copy)
        return out
    if isinstance(value, list):
        return [vary(v, copy) for v in value]
    return value


def ocds_releases() -> list[dict[str, Any]]:
    """Releases from the OCDS files under bulk (packages, bare releases, compiled records)."""
    releases: list[dict[str, Any]] = []
    for path in sorted(SHARED.glob("ocds-*/**/*.json")):
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError):
            continue  # concatenated streams and other encodings are the readers' test cases, not ours
        for release in _releases_in(data):
            if isinstance(release, dict) and release.get("ocid"):
                releases.append(release)
    return releases


def _releases_in(data: Any) -> Iterator[Any]:
    if isinstance(data, list):
        for item in data:
            yield from _releases_in(item)
    elif isinstance(data, dict):
        if "releases" in data and isinstance(data["releases"], list):
            yield from (r for r in data["releases"] if isinstance(r, dict) and "tag" in r)
        if "records" in data and isinstance(data["records"], list):
            for record in data["records"]:
                if isinstance(record, dict) and isinstance(record.get("compiledRelease"), dict):
                    yield record["compiledRelease"]
        if "ocid" in data and "tag" in data:
            yield data


def vary_release(release: dict[str, Any], copy: int, index: int) -> dict[str, Any]:
    out = dict(release)
    out["ocid"] = f"{release['ocid']}-b{copy}"
    out["id"] = f"{release.get('id', 'r')}-b{index}"  # bulk holds some releases twice; keep each distinct
    tender = release.get("tender")
    if isinstance(tender, dict) and isinstance(tender.get("title"), str):
        out["tender"] = {**tender, "title": f"{tender['title']} ({copy})"}
    return out


def write_corpus(folder: Path, n: int, ocds: bool) -> tuple[int, int]:
    """Write n notices as JSONL files; return (notices, bytes)."""
    base = ocds_releases() if ocds else scraped_records()
    if not base:
        raise SystemExit("no source records found (neither ../shared/data/bulk nor examples/)")
    folder.mkdir(parents=True, exist_ok=True)
    written = size = 0
    out = None
    for i in range(n):
        if i % LINES_PER_FILE == 0:
            if out:
                out.close()
            out = (folder / f"part-{i // LINES_PER_FILE:04d}.jsonl").open("w", encoding="utf-8")
        copy, record = divmod(i, len(base))
        item = vary_release(base[record], copy, i) if ocds else vary(base[record], copy)
        line = json.dumps(item, ensure_ascii=False) + "\n"
        size += out.write(line)  # type: ignore[union-attr]
        written += 1
    if out:
        out.close()
    return written, size


# ---------------------------------------------------------------- measuring


def tree_pids(root: int) -> list[int]:
    """A process and all its descendants."""
    pids = []
    stack = [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return pids


def process_memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB. PSS shares each page among the processes mapping it, so the
    libraries a pool of workers all load count once in a sum over the tree; RSS counts them in each."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def tree_memory_kb(root: int, peaks: dict[int, int] | None = None) -> tuple[int, int, list[int]]:
    """(sum of RSS, sum of PSS, RSS of each process, the root first) over a process tree, in kB; with
    `peaks`, each process's largest RSS so far is kept there by pid."""
    pids = tree_pids(root)
    each = [process_memory_kb(pid) for pid in pids]
    if peaks is not None:
        for pid, (rss, _) in zip(pids, each, strict=True):
            peaks[pid] = max(peaks.get(pid, 0), rss)
    return sum(r for r, _ in each), sum(p for _, p in each), [r for r, _ in each]


def process_role(pid: int) -> str:
    """What a process of an ingest's tree is, from its command line (for the memory report)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "ended"
    if "procurewatch.cli" in cmd:
        return "ingest"
    if "resource_tracker" in cmd:
        return "resource tracker"
    return "child" if "spawn_main" in cmd or "forkserver" in cmd else cmd[-40:]


def children_cpu_seconds() -> float:
    """User + system CPU seconds of every child process ended so far (and of their own children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd: list[str], stdout: Any = subprocess.DEVNULL) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    peak_tree = peak_pss = 0
    peak_split: list[int] = []
    peak_by_phase: dict[str, int] = {}
    pss_by_phase: dict[str, int] = {}
    each_peak: dict[int, int] = {}
    roles: dict[int, str] = {}
    while proc.poll() is None:
        before_poll = dict(each_peak)
        rss, pss, split = tree_memory_kb(proc.pid, each_peak)
        phase = current_phase(err_lines)
        for pid, kb in each_peak.items():
            if pid not in roles:
                roles[pid] = f"{process_role(pid)}, started {phase}"
            if kb > before_poll.get(pid, 0):  # a new peak: the phase it came in
                roles[pid] = roles[pid].split("; peak")[0] + f"; peak {phase}"
        if rss > peak_tree:
            peak_tree, peak_split = rss, split
        peak_pss = max(peak_pss, pss)
        peak_by_phase[phase] = max(peak_by_phase.get(phase, 0), rss)
        pss_by_phase[phase] = max(pss_by_phase.get(phase, 0), pss)
        time.sleep(0.2)
    proc.wait()
    reader.join()
    err = "".join(err_lines)
    seconds = time.perf_counter() - started
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 3):
        print(err[-3000:], file=sys.stderr)
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    phases = {
        name: float(m.group(1))
        for name in ("storing", "linking", "indexing")
        if (m := re.search(rf"seconds {name}\s*│\s*([0-9.]+)", err))
    }
    return {
        "seconds": seconds,
        "cpu_seconds": children_cpu_seconds() - cpu_before,
        "phases": phases,
        "peak_tree_mb": peak_tree / 1024,
        "peak_pss_mb": peak_pss / 1024,
        "peak_split_mb": [kb / 1024 for kb in peak_split],
        "peak_by_phase_mb": {k: v / 1024 for k, v in peak_by_phase.items()},
        "pss_by_phase_mb": {k: v / 1024 for k, v in pss_by_phase.items()},
        # ru_maxrss only grows; when an earlier child was bigger this is that child's figure
        "peak_single_mb": max(single, before) / 1024,
        "exit": proc.returncode,
        "stderr": err,
        # each process's own peak, largest first: what it is, the phase it started in and that of its peak
        "process_peaks_mb": sorted(((kb / 1024, roles[pid]) for pid, kb in each_peak.items()), reverse=True),
    }


PHASE_STARTS = (("indexing", "updating the search index"), ("linking", "linking the phases"))


def current_phase(err_lines: list[str]) -> str:
    """The ingest phase the child has announced last on stderr: storing, linking or indexing."""
    for phase, marker in PHASE_STARTS:
        if any(marker in line for line in err_lines):
            return phase
    return "storing"


def ingest_command(corpus: Path, db: Path, batch_size: int, workers: int | None) -> list[str]:
    """`procurewatch ingest` of `corpus` into `db`, as a child process runs it."""
    cmd = [sys.executable, "-m", "procurewatch.cli", "ingest", str(corpus), "--db", str(db)]
    return [*cmd, "--batch-size", str(batch_size), *(["--workers", str(workers)] if workers else [])]


def notices_in(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    (n,) = con.execute("SELECT count(*) FROM notices").fetchone()  # type: ignore[misc]
    con.close()
    return int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000, help="notices (or OCDS releases) in the corpus")
    ap.add_argument("--ocds", action="store_true", help="OCDS releases instead of scraped Chinese records")
    ap.add_argument("--workers", type=int, default=None, help="ingest --workers (default: CPU count)")
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--no-extract", action="store_true", help="measure ingest only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument(
        "--corpus", type=Path, help="use this folder of JSONL files (from --keep) instead of building one"
    )
    ap.add_argument("--floor", action="store_true", help="interleave ingest with the floor of its work")
    ap.add_argument("--sizes", help="with --floor: comma-separated corpus sizes (default: --n)")
    ap.add_argument("--rounds", type=int, default=3, help="with --floor: interleaved rounds per size")
    args = ap.parse_args()
    if args.floor:
        sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else [args.n]
        against_floor(sizes, args.rounds, args.ocds, args.workers, args.batch_size)
        return

    tmp = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    try:
        t0 = time.perf_counter()
        if args.corpus:
            corpus = args.corpus
            files = sorted(corpus.glob("*.jsonl"))
            n = sum(1 for f in files for _ in f.open("rb"))
            size = sum(f.stat().st_size for f in files)
        else:
            corpus = tmp / "corpus"
            n, size = write_corpus(corpus, args.n, args.ocds)
        unit = "releases" if args.ocds else "notices"
        print(
            f"corpus: {n:,} {unit} in {len(list(corpus.iterdir()))} JSONL files, {size / 1e6:,.0f} MB "
            f"({'counted' if args.corpus else 'built'} in {time.perf_counter() - t0:.1f} s) at {corpus}"
        )
        cli = [sys.executable, "-m", "procurewatch.cli"]
        ingest_cmd = ingest_command(corpus, tmp / "bench.duckdb", args.batch_size, args.workers)
        rows = []
        result = measure(ingest_cmd)
        stored = notices_in(tmp / "bench.duckdb")
        rows.append(("ingest", result, stored))
        if not args.no_extract and not args.ocds:
            result = measure([*cli, "extract", str(corpus), "--format", "jsonl"])
            rows.append(("extract", result, n))

        print()
        print(
            f"{'command':<8} {unit:>10} {'seconds':>9} {unit + '/s':>12} {'peak RSS tree':>14} "
            f"{'largest proc':>13}"
        )
        for name, r, count in rows:
            print(
                f"{name:<8} {count:>10,} {r['seconds']:>9.1f} {count / r['seconds']:>12,.0f} "
                f"{r['peak_tree_mb']:>11,.0f} MB {r['peak_single_mb']:>10,.0f} MB"
                + ("  (some inputs skipped)" if r["exit"] == 3 else "")
            )
        phases = rows[0][1]["phases"]
        if phases:
            first = rows[0][1]
            print(
                "ingest peak RSS (tree) by phase: "
                + ", ".join(f"{k} {v:,.0f} MB" for k, v in first["peak_by_phase_mb"].items())
                + " (at the peak, per process: "
                + " + ".join(f"{v:,.0f}" for v in first["peak_split_mb"])
                + " MB)"
            )
            print(
                "ingest peak PSS (tree, shared pages counted once) "
                f"{first['peak_pss_mb']:,.0f} MB; by phase: "
                + ", ".join(f"{k} {v:,.0f} MB" for k, v in first["pss_by_phase_mb"].items())
            )
            print(
                "ingest phases (from its summary): "
                + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())  # type: ignore[union-attr]
                + (
                    f"; storing alone {stored / phases['storing']:,.0f} {unit}/s"
                    if phases.get("storing")
                    else ""
                )  # type: ignore[index]
            )
        if stored != n:
            print(f"note: {n:,} {unit} written, {stored:,} stored")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- against the floor

FLOOR = Path(__file__).resolve().parent / "floor.py"
PHASES = ("storing", "linking", "indexing")


def floor_run(corpus: Path, mode: str, ocds: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of bench/floor.py's work (`full` or `json`) on `corpus`, in a child."""
    cmd = [sys.executable, str(FLOOR), "--corpus", str(corpus), "--floor-only", mode, *(["--ocds"] * ocds)]
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, children_cpu_seconds() - cpu_before


def against_floor(sizes: list[int], rounds: int, ocds: bool, workers: int | None, batch_size: int) -> None:
    """Ingest and the floor, interleaved, for every size; the minimum of the rounds, per phase too."""
    unit = "releases" if ocds else "notices"
    table: list[tuple[int, dict[str, float], float]] = []
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="pw-floor-"))
        try:
            corpus = tmp / "corpus"
            written, size = write_corpus(corpus, n, ocds)
            print(f"{written:,} {unit}, {size / 1e6:,.0f} MB", flush=True)
            db = tmp / "f.duckdb"
            cmd = ingest_command(corpus, db, batch_size, workers)
            best: dict[str, float] = {}
            for round_ in range(rounds):
                for leftover in tmp.glob("f.duckdb*"):
                    shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                result = measure(cmd)
                floor, floor_cpu = floor_run(corpus, "full", ocds)
                figures = {
                    "ingest": result["seconds"],
                    **result["phases"],
                    "peak MB": result["peak_tree_mb"],
                    "ingest CPU": result["cpu_seconds"],
                    "floor": floor,
                    "floor CPU": floor_cpu,
                    "json only": floor_run(corpus, "json", ocds)[0],
                }
                for name, value in figures.items():
                    best[name] = min(best.get(name, value), value)
                print(
                    f"  round {round_ + 1}: " + ", ".join(f"{k} {v:,.1f}" for k, v in figures.items()),
                    flush=True,
                )
                print(
                    "    peak MB by phase: "
                    + ", ".join(f"{k} {v:,.0f}" for k, v in result["peak_by_phase_mb"].items())
                    + " (per process at the peak: "
                    + " + ".join(f"{v:,.0f}" for v in result["peak_split_mb"])
                    + ")",
                    flush=True,
                )
            table.append((written, best, size))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nmin of {rounds} interleaved rounds ({'OCDS releases' if ocds else 'scraped notices'}):")
    print(
        f"| {unit} | ingest s | storing | linking | indexing | floor s | json only s | ingest ÷ floor "
        "| µs per notice | peak MB (RSS summed) | CPU s ingest / floor (÷) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, best, _ in table:
        phases = " | ".join(f"{best[p]:.1f}" if p in best else "–" for p in PHASES)
        print(
            f"| {n:,} | {best['ingest']:.1f} | {phases} | {best['floor']:.1f} | {best['json only']:.1f} "
            f"| **{best['ingest'] / best['floor']:.2f}×** | {best['ingest'] / n * 1e6:,.0f} "
            f"| {best['peak MB']:,.0f} | {best['ingest CPU']:.1f} / {best['floor CPU']:.1f} "
            f"({best['ingest CPU'] / best['floor CPU']:.2f}×) |"
        )
    by_size = {n: best["ingest"] / n for n, best, _ in table}
    if 200_000 in by_size:
        for n, cost in by_size.items():
            if n > 200_000:
                print(f"cost per notice at {n:,} ÷ at 200,000: {cost / by_size[200_000]:.3f}")


if __name__ == "__main__":
    main()
