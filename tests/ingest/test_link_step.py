"""The linking step under DuckDB's memory limit: a store that needs more is linked all the same."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from procurewatch.ingest import steps
from procurewatch.ingest.runner import run_ingest
from procurewatch.ingest.steps import link_phase
from procurewatch.ingest.summary import IngestSummary
from procurewatch.link import run as linking

EXAMPLES = Path(str(resources.files("procurewatch").joinpath("examples")))


def _unlinked_store(tmp_path: Path) -> tuple[Path, int, list[tuple]]:
    db = tmp_path / "s.duckdb"
    summary = run_ingest([EXAMPLES], db, console=Console(file=io.StringIO()), workers=1)
    con = duckdb.connect(str(db))
    links = sorted(con.execute("SELECT * FROM notice_links").fetchall())
    con.execute("DELETE FROM notice_links")
    con.execute("DELETE FROM procurements")
    con.close()
    return db, summary.notices_added, links


def _one_pass_committed(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("BEGIN TRANSACTION")
    linking.link_pass(con, 5)
    con.execute("COMMIT")


def _link_step(db: Path) -> IngestSummary:
    summary = IngestSummary(db_path=db)
    link_phase(db, summary, Console(file=io.StringIO()))
    return summary


def _stored_links(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return sorted(con.execute("SELECT * FROM notice_links").fetchall())
    finally:
        con.close()


def _mb(setting: str) -> float:
    number, unit = setting.split()
    return float(number) * {"MiB": 1, "GiB": 1024}[unit]


@pytest.mark.parametrize("failures", [1, 5])
def test_linking_that_runs_out_of_memory_goes_on_under_a_raised_limit(tmp_path, monkeypatch, failures):
    """Out of memory once: linking goes on under 1.25 times the limit. Five times (1.25, 1.5, 2 and 4
    times): under DuckDB's own limit, and the summary says so. Passes done before are kept, never redone."""
    db, stored, links = _unlinked_store(tmp_path)
    link_pending = linking.link_pending
    limits = []

    def out_of_memory_after_one_pass(con):
        limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(limits) <= failures:
            _one_pass_committed(con)  # then DuckDB runs out in the next
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 2.0 MiB")
        return link_pending(con)

    monkeypatch.setattr(linking, "link_pending", out_of_memory_after_one_pass)
    summary = _link_step(db)
    assert summary.warnings == []
    assert summary.linked == stored >= 20
    assert len(limits) == failures + 1
    assert _mb(limits[1]) == pytest.approx(1.25 * _mb(limits[0]), rel=0.01)
    if failures == 1:
        assert not any("more memory" in note for note in summary.notes)
    else:
        for step, factor in enumerate((1.5, 2, 4), start=2):
            assert _mb(limits[step]) == pytest.approx(factor * _mb(limits[0]), rel=0.01)
        assert _mb(limits[5]) > 4 * _mb(limits[0])  # DuckDB's own limit: most of the machine's memory
        assert any("more memory" in note for note in summary.notes)
    assert _stored_links(db) == links


def test_linking_goes_on_after_a_commit_that_invalidates_the_database(tmp_path, monkeypatch):
    """A pass's COMMIT short of memory can invalidate DuckDB's database: the passes committed before
    stay, the store is opened again and linking goes on from there."""
    db, stored, links = _unlinked_store(tmp_path)
    link_pending = linking.link_pending
    connections = []

    def invalidated_after_one_pass(con):
        connections.append(con)
        if len(connections) == 1:
            _one_pass_committed(con)
            con.close()  # as unusable as an invalidated database
            raise duckdb.FatalException("FATAL Error: Failed: database has been invalidated")
        return link_pending(con)

    monkeypatch.setattr(linking, "link_pending", invalidated_after_one_pass)
    summary = _link_step(db)
    assert summary.warnings == []
    assert len(connections) == 2 and connections[0] is not connections[1]
    assert summary.linked == stored >= 20
    assert _stored_links(db) == links


def test_other_linking_errors_are_a_warning(tmp_path, monkeypatch):
    db, _, _ = _unlinked_store(tmp_path)

    def broken(con):
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(linking, "link_pending", broken)
    summary = _link_step(db)
    assert summary.linked == 0 and any("disk full" in w for w in summary.warnings)


def test_linking_checkpoints_past_its_own_write_ahead_log_size(tmp_path, monkeypatch):
    """DuckDB checkpoints a linking COMMIT only past LINK_CHECKPOINT_WAL of write-ahead log, and keeps
    LINK_BLOCK_MEMORY of buffer blocks, on a store opened again after an invalidated database too; the
    step leaves the store checkpointed."""
    db, stored, links = _unlinked_store(tmp_path)
    link_pending = linking.link_pending
    thresholds = []
    block_memory = []

    def recorded(con):
        thresholds.append(con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()[0][0])
        block_memory.append(con.execute("SELECT current_setting('block_allocator_memory')").fetchall()[0][0])
        if len(thresholds) == 1:
            _one_pass_committed(con)
            con.close()
            raise duckdb.FatalException("FATAL Error: Failed: database has been invalidated")
        return link_pending(con)

    monkeypatch.setattr(linking, "link_pending", recorded)
    summary = _link_step(db)
    assert summary.linked == stored >= 20
    wanted = int(steps.LINK_CHECKPOINT_WAL.removesuffix("MB")) * 10**6 / 2**20
    assert [_mb(t) for t in thresholds] == pytest.approx([wanted, wanted], rel=0.01)
    kept = int(steps.LINK_BLOCK_MEMORY.removesuffix("MB")) * 10**6 / 2**20
    assert [_mb(m) for m in block_memory] == pytest.approx([kept, kept], rel=0.01)
    assert not Path(f"{db}.wal").exists()
    assert _stored_links(db) == links
