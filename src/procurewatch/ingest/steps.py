"""The phases of ingest after reading (linking, indexing), and running a phase in a process of its own.

A process keeps most of the memory it has used: DuckDB's caches, the heap its allocator cannot give
back, the libraries each phase loads. Run one after the other in one process, the phases of a big
ingest stack up (what storing leaves stays under linking's peak, and linking's under indexing's).
So `run_ingest` runs storing and linking each in a child process started
for it (`python -m procurewatch.ingest.steps <phase> <result file>`, the request as JSON on stdin,
the summary as JSON in the result file; the child's messages go to the same terminal) and indexes
in its own process, which has loaded nothing heavy until then. The linking process starts while
storing writes its last batches, and imports what it needs until storing's summary comes.
"""

from __future__ import annotations

import json
import os
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

# Memory DuckDB keeps for its buffer blocks once it has used it while linking (its block allocator): each
# pass's temporary tables and hash tables are otherwise given back to the system and come again as fresh
# pages (docs/measurements.md). Pages DuckDB never touches are never resident.
LINK_BLOCK_MEMORY = "160MB"


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
    con.execute(f"SET block_allocator_memory = '{LINK_BLOCK_MEMORY}'")
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


def run_phase(
    phase: str, request: dict[str, Any], console: Console, when_read: Callable[[], None] | None = None
) -> IngestSummary:
    """Run `phase` here on a request as `StepProcess` sends it; `when_read` is called once storing has
    read every input (its workers have ended)."""
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
            when_read,
        )
    summary = IngestSummary.from_json(request["summary"])
    link_phase(db_path, summary, console)
    return summary


# ---------------------------------------------------------------- in a child process


def store_then_link_in_children(request: dict[str, Any], quiet: bool) -> IngestSummary:
    """Store, then link, each in a process of its own; return the summary of both.

    The linking process is started once the storing process's workers have ended (their memory is
    given back), while it writes and checkpoints its last batches on one core: it imports what
    linking needs meanwhile, and gets its request (with storing's summary) when storing is done."""
    store = StepProcess("store", quiet, tells_when_read=True)
    link: StepProcess | None = None
    try:
        store.send(request)
        if store.wait_until_read():
            link = StepProcess("link", quiet)
        summary = store.result()
        link = link or StepProcess("link", quiet)
        link.send({**request, "summary": summary.to_json()})
        return link.result()
    finally:
        for step in (store, link):
            if step is not None:
                step.end()


class StepProcess:
    """A step run in a new Python process (`python -m procurewatch.ingest.steps <phase> <result file>`),
    started before its request is sent: it imports what its phase needs while it waits for it.

    With `tells_when_read`, the process says when it has read every input (for storing: its workers
    have ended) through a pipe, `wait_until_read`."""

    def __init__(self, phase: str, quiet: bool, tells_when_read: bool = False) -> None:
        self.phase = phase
        self.quiet = quiet
        self._folder = tempfile.TemporaryDirectory(prefix="procurewatch-phase-")
        self._result_file = Path(self._folder.name) / "result.json"
        self._read_end: int | None = None
        command = [sys.executable, "-m", "procurewatch.ingest.steps", phase, str(self._result_file)]
        write_end = None
        if tells_when_read:
            self._read_end, write_end = os.pipe()
            command.append(str(write_end))
        try:
            self._child = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                env=child_environment(),
                pass_fds=() if write_end is None else (write_end,),
            )
        finally:
            if write_end is not None:
                os.close(write_end)  # the child holds it now: its end (or exit) is what the parent reads

    def send(self, request: dict[str, Any]) -> None:
        """Hand the process its request (a process that has ended already is found out by `result`)."""
        stdin = self._child.stdin
        assert stdin is not None
        with suppress(BrokenPipeError):
            stdin.write(json.dumps({**request, "quiet": self.quiet}).encode("utf-8"))
        with suppress(BrokenPipeError):
            stdin.close()

    def wait_until_read(self) -> bool:
        """Block until the process has read every input (True), or has ended before saying so."""
        if self._read_end is None:
            return False
        told = os.read(self._read_end, 1) != b""  # nothing once the process has ended
        os.close(self._read_end)
        self._read_end = None
        return told

    def result(self) -> IngestSummary:
        """The step's summary once the process has ended. Raises the child's IngestUsageError (same class
        and message), KeyboardInterrupt when the run is interrupted (the child, in the same process group,
        stops on the same Ctrl-C), and PhaseError when the child ends without a result."""
        try:
            self._child.wait()
        except KeyboardInterrupt:
            self._child.wait()
            raise
        if self._child.returncode in (130, -2):
            raise KeyboardInterrupt
        if self._child.returncode != 0 or not self._result_file.exists():
            raise PhaseError(
                f"the {self.phase} process ended with exit code {self._child.returncode} and no result"
            )
        result = json.loads(self._result_file.read_text(encoding="utf-8"))
        if "error" in result:
            kind = getattr(errors, result["error"]["kind"], errors.UsageError)
            raise kind(result["error"]["message"])
        return IngestSummary.from_json(result["summary"])

    def end(self) -> None:
        """Let the process end (one never sent its request reads nothing and ends) and remove its files."""
        stdin = self._child.stdin
        if stdin is not None and not stdin.closed:
            with suppress(BrokenPipeError):
                stdin.close()
        self._child.wait()
        if self._read_end is not None:
            os.close(self._read_end)
            self._read_end = None
        self._folder.cleanup()


def _prepare(phase: str) -> None:
    """Import what `phase` needs, and for linking load the tables it reads from the knowledge files,
    before its request comes."""
    if phase == "store":
        import procurewatch.ingest.storing

        return
    import procurewatch.entities.build
    import procurewatch.link.run
    import procurewatch.store.db  # noqa: F401
    from procurewatch.entities.resolve import place_names, vendor_alias_keys
    from procurewatch.link.keys import normalise_many

    normalise_many(["招标"])  # its character tables
    vendor_alias_keys()
    place_names()


def _child_main(argv: list[str]) -> int:
    phase, result_file, *tell_fd = argv
    try:
        _prepare(phase)
        raw = sys.stdin.buffer.read()
        if not raw:  # the parent gave up before sending the request
            return 0
        request = json.loads(raw)
        console = Console(stderr=True, quiet=bool(request.get("quiet")))
        when_read = _teller(int(tell_fd[0])) if tell_fd else None
        try:
            result: dict[str, Any] = {"summary": run_phase(phase, request, console, when_read).to_json()}
        except errors.UsageError as exc:
            result = {"error": {"kind": type(exc).__name__, "message": str(exc)}}
    except KeyboardInterrupt:
        return 130
    written = Path(result_file).with_suffix(".tmp")
    written.write_text(json.dumps(result), encoding="utf-8")
    written.replace(result_file)
    return 0


def _teller(fd: int) -> Callable[[], None]:
    def tell() -> None:
        with suppress(OSError):
            os.write(fd, b"r")
            os.close(fd)

    return tell


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
