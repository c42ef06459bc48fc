"""The linking step under DuckDB's memory limit: a store that needs more is linked all the same."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import duckdb
from rich.console import Console

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


def test_linking_that_runs_out_of_memory_goes_on_without_the_limit(tmp_path, monkeypatch):
    db, stored, links = _unlinked_store(tmp_path)
    link_pending = linking.link_pending
    limits = []

    def out_of_memory_after_one_pass(con):
        limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(limits) == 1:
            con.execute("BEGIN TRANSACTION")
            linking.link_pass(con, 5)  # one pass committed, then DuckDB runs out in the next
            con.execute("COMMIT")
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 2.0 MiB")
        return link_pending(con)

    monkeypatch.setattr(linking, "link_pending", out_of_memory_after_one_pass)
    summary = IngestSummary(db_path=db)
    link_phase(db, summary, Console(file=io.StringIO()))
    assert summary.warnings == []
    assert summary.linked == stored >= 20
    assert any("more memory" in note for note in summary.notes)
    assert len(limits) == 2 and limits[0] != limits[1]  # the second call under DuckDB's own limit
    con = duckdb.connect(str(db))
    assert sorted(con.execute("SELECT * FROM notice_links").fetchall()) == links
    con.close()


def test_other_linking_errors_are_a_warning(tmp_path, monkeypatch):
    db, _, _ = _unlinked_store(tmp_path)

    def broken(con):
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(linking, "link_pending", broken)
    summary = IngestSummary(db_path=db)
    link_phase(db, summary, Console(file=io.StringIO()))
    assert summary.linked == 0 and any("disk full" in w for w in summary.warnings)
