"""The phases of ingest after reading (linking, indexing), and running a phase in a process of its own.

A process keeps most of the memory it has used: DuckDB's caches, the heap its allocator cannot give
back, the libraries each phase loads. Run one after the other in one process, the phases of a big
ingest stack up (what storing leaves stays under linking's peak, and linking's under indexing's).
So `run_ingest` runs storing and linking each in a child process started
for it (`python -m procurewatch.ingest.steps <phase> <result file>`, the request as JSON on stdin,
the summary as JSON in the result file; the child's messages go to the same terminal) and indexes
in its own process, which has loaded nothing heavy until then.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from procurewatch import errors
from procurewatch.errors import StepError
from procurewatch.ingest.memory import arrow_allocates_from_the_system, give_back_big_blocks
from procurewatch.ingest.summary import IngestSummary
from procurewatch.processes import child_environment

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


class PhaseError(StepError):
    """A step's process ended without a result (killed, or it crashed: its traceback is above)."""


# ---------------------------------------------------------------- the phases


# the factors of linking's planned DuckDB limit it is retried under (docs/measurements.md)
LINK_LIMIT_STEPS = (1, 1.25, 1.5, 2, 4)

# the write-ahead log DuckDB lets grow while linking before it checkpoints on a COMMIT: under DuckDB's
# default (16 MB) a linking pass's links and recomputed procurements went past it every few passes, and
# each checkpoint wrote the changed row groups again; a bigger log held more of the store in memory at
# 400,000 notices. What is left is checkpointed when the step closes the store (docs/measurements.md)
LINK_CHECKPOINT_WAL = "64MB"


def _link_under_rising_limits(
    con: DuckDBPyConnection, limit: int, summary: IngestSummary, reopen: Callable[[], DuckDBPyConnection]
) -> DuckDBPyConnection:
    """Link under `limit`; the limit is sized from measurements, so a store that needs more is linked
    on (the passes done stay committed) under 1.25, 1.5, 2 and 4 times the limit, then DuckDB's own: a
    smaller step up lets DuckDB hold less than the pass needs more. A pass whose COMMIT runs short can
    leave DuckDB's database invalidated: the store is then opened again (`reopen`) and linked on.
    Returns the connection linking ended on."""
    from procurewatch.link.run import link_pending
    from procurewatch.store.db import (
        SHORT_OF_MEMORY,
        over_limit_note,
        set_memory_limit,
        short_of_memory,
        still_usable,
    )

    for factor in LINK_LIMIT_STEPS:
        if factor > 1:
            set_memory_limit(con, int(limit * factor))
        try:
            link_pending(con)
            return con
        except SHORT_OF_MEMORY as exc:
            if not short_of_memory(exc):
                raise
            if not still_usable(con):
                with suppress(Exception):
                    con.close()
                con = reopen()
            continue
    con.execute("RESET memory_limit")
    summary.notes.append(over_limit_note("linking"))
    link_pending(con)
    return con


def link_phase(db_path: Path, summary: IngestSummary, console: Console) -> None:
    """Link every notice not linked yet into procurements. A failure is a warning: the notices are stored."""
    from procurewatch.store.db import limit_memory

    t0 = time.perf_counter()
    give_back_big_blocks()
    arrow_allocates_from_the_system()  # the Arrow tables of a pass are freed before the next
    console.print("linking the phases of each procurement …", highlight=False)
    try:
        con = _open_for_linking(db_path)
        try:
            (stored,) = con.execute("SELECT count(*) FROM notices").fetchall()[0]
            limit = limit_memory(con, stored)
            links = _links(con)
            con = _link_under_rising_limits(con, limit, summary, lambda: _open_for_linking(db_path))
            summary.linked = _links(con) - links
        finally:
            con.close()
    except Exception as exc:  # the notices are stored; say what failed and carry on
        summary.warnings.append(f"linking failed (notices are stored; re-run ingest to retry): {exc!r}")
    summary.link_seconds = time.perf_counter() - t0
    organisation_phase(db_path, summary, console)


def _open_for_linking(db_path: Path) -> DuckDBPyConnection:
    from procurewatch.store.db import open_store

    con = open_store(db_path)
    con.execute(f"SET checkpoint_threshold = '{LINK_CHECKPOINT_WAL}'")
    return con


def organisation_phase(db_path: Path, summary: IngestSummary, console: Console) -> None:
    """Rebuild the organisations behind the names (entities/build.py). A failure is a warning."""
    from procurewatch.entities.build import build_organisations
    from procurewatch.store.db import open_store

    t0 = time.perf_counter()
    console.print("resolving buyers and suppliers into organisations …", highlight=False)
    try:
        con = open_store(db_path)
        try:
            summary.organisations = build_organisations(con)["organisations"]
        finally:
            con.close()
    except Exception as exc:  # the notices and links are stored; say what failed and carry on
        summary.warnings.append(f"organisations not rebuilt (re-run ingest to retry): {exc!r}")
    summary.organisation_seconds = time.perf_counter() - t0


def _links(con: Any) -> int:
    (count,) = con.execute("SELECT count(*) FROM notice_links").fetchall()[0]
    return int(count)


def index_phase(db_path: Path, summary: IngestSummary, console: Console) -> None:
    from procurewatch.search.index import sync_index

    t0 = time.perf_counter()
    give_back_big_blocks()
    console.print("updating the search index …", highlight=False)
    try:
        summary.indexed = sync_index(db_path, summary.notes) or 0
    except Exception as exc:
        summary.warnings.append(f"search index update failed (re-run ingest to retry): {exc!r}")
    summary.index_seconds = time.perf_counter() - t0


def run_phase(phase: str, request: dict[str, Any], console: Console) -> IngestSummary:
    """Run `phase` here on a request as `run_in_child` sends it."""
    db_path = Path(request["db_path"])
    if phase == "store":
        from procurewatch.ingest.storing import store_phase

        return store_phase(
            [Path(p) for p in request["paths"]],
            db_path,
            request["field_map"],
            request["batch_size"],
            request["workers"],
            console,
        )
    summary = IngestSummary.from_json(request["summary"])
    link_phase(db_path, summary, console)
    return summary


# ---------------------------------------------------------------- in a child process


def run_in_child(phase: str, request: dict[str, Any], quiet: bool) -> IngestSummary:
    """Run `phase` in a new Python process and return its summary.

    Raises the child's IngestUsageError (same class and message), KeyboardInterrupt when the run is
    interrupted (the child, in the same process group, stops on the same Ctrl-C), and PhaseError
    when the child ends without a result."""
    with tempfile.TemporaryDirectory(prefix="procurewatch-phase-") as folder:
        result_file = Path(folder) / "result.json"
        command = [sys.executable, "-m", "procurewatch.ingest.steps", phase, str(result_file)]
        child = subprocess.Popen(command, stdin=subprocess.PIPE, env=child_environment())
        try:
            child.communicate(json.dumps({**request, "quiet": quiet}).encode("utf-8"))
        except KeyboardInterrupt:
            child.wait()
            raise
        if child.returncode in (130, -2):
            raise KeyboardInterrupt
        if child.returncode != 0 or not result_file.exists():
            raise PhaseError(f"the {phase} process ended with exit code {child.returncode} and no result")
        result = json.loads(result_file.read_text(encoding="utf-8"))
    if "error" in result:
        kind = getattr(errors, result["error"]["kind"], errors.UsageError)
        raise kind(result["error"]["message"])
    return IngestSummary.from_json(result["summary"])


def _child_main(argv: list[str]) -> int:
    phase, result_file = argv
    request = json.loads(sys.stdin.buffer.read())
    console = Console(stderr=True, quiet=bool(request.get("quiet")))
    try:
        result: dict[str, Any] = {"summary": run_phase(phase, request, console).to_json()}
    except errors.UsageError as exc:
        result = {"error": {"kind": type(exc).__name__, "message": str(exc)}}
    except KeyboardInterrupt:
        return 130
    written = Path(result_file).with_suffix(".tmp")
    written.write_text(json.dumps(result), encoding="utf-8")
    written.replace(result_file)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
