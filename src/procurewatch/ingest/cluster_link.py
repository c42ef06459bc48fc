"""The linking step on a Dask cluster: independent units of components linked on the workers.

The client plans the units from the stored keys (link/components.py: SQL under a memory limit, no text),
writes each unit's rows as Parquet files under `dataset/link-<plan digest>/unit-<n>/` (one sorted
read of each table, written as it streams), and the workers link them (link/unit.py: run.py's code,
in a DuckDB of their own) and write each unit's `notice_links` rows beside its inputs. The client
stores every unit's rows and refreshes the procurements in one transaction, so a store is linked by
all units or by none. Resumable: a rerun over the same store plans the same units (the folder is
named by a digest of the plan) and a unit whose links file exists is not linked again; the unit
folders go once the links are committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from procurewatch.ingest.summary import IngestSummary
from procurewatch.link.components import ComponentPlan
from procurewatch.link.procurements import refresh_procurements
from procurewatch.link.unit import UNIT_QUERIES, link_unit, prepare
from procurewatch.store.db import memory_limit_for, within_memory_limit

LINKS = "links.parquet"


def cluster_link_phase(
    db_path: Path, summary: IngestSummary, console: Console, cluster: str, dataset: str | None
) -> None:
    """Link every pending notice on the cluster. A failure is a warning: the notices are stored."""
    from procurewatch.ingest.steps import organisation_phase
    from procurewatch.store.db import open_store

    t0 = time.perf_counter()
    dataset = dataset or str(db_path.with_name(db_path.name + ".parts"))
    console.print("linking the phases of each procurement on the cluster …", highlight=False)
    try:
        con = open_store(db_path)
        try:
            done = link_on_cluster(con, cluster, dataset)
        finally:
            con.close()
        summary.linked = done.linked
        summary.notes.append("linking: " + done.plan.describe())
        if done.plan.pending:
            summary.notes.append(
                f"linked {done.plan.units - done.reused:,} unit(s) on the cluster"
                + (f"; {done.reused:,} linked by an earlier run were reused" if done.reused else "")
                + " ("
                + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in done.seconds.items())
                + ")"
            )
    except Exception as exc:  # the notices are stored; say what failed and carry on
        summary.warnings.append(f"linking failed (notices are stored; re-run ingest to retry): {exc!r}")
    summary.link_seconds = time.perf_counter() - t0
    organisation_phase(db_path, summary, console)


@dataclass
class ClusterLinking:
    plan: ComponentPlan
    linked: int = 0
    reused: int = 0  # units linked by an earlier run
    seconds: dict[str, float] = field(default_factory=dict)


def link_on_cluster(con: duckdb.DuckDBPyConnection, cluster: str, dataset: str) -> ClusterLinking:
    """Plan the units here, link them on the cluster, store their links; with the time of each step."""
    from procurewatch.ingest.cluster import connect

    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        done.seconds[step] = now - clock  # planning, writing the units, the workers, storing the links
        clock = now

    done = ClusterLinking(prepare(con))
    lap("planning")
    if not done.plan.pending:
        return done
    folder = f"{dataset.rstrip('/')}/link-{_plan_digest(con)}"
    finished = finished_units(folder, done.plan.units)
    done.reused = len(finished)
    [(stored,)] = con.execute("SELECT count(*) FROM notices").fetchall()
    # without a limit DuckDB held the whole sorted read of the units' rows and the links' transaction
    # (docs/measurements.md); each step can be done again: a read, and a transaction rolled back
    limit = memory_limit_for(stored)
    within_memory_limit(con, limit, lambda: export_units(con, folder, done.plan.units, skip=finished))
    lap("writing")
    with connect(cluster) as client:
        futures = [
            client.submit(link_unit_files, folder, unit, key=f"link-{folder}-{unit}", pure=False)
            for unit in range(done.plan.units)
            if unit not in finished
        ]
        client.gather(futures)
    lap("workers")
    done.linked = within_memory_limit(con, limit, lambda: store_unit_links(con, folder, done.plan.units))
    remove_link_folders(dataset)
    lap("storing")
    return done


def _plan_digest(con: duckdb.DuckDBPyConnection) -> str:
    """Names the plan: the same store state gives the same units, so their links can be reused."""
    [(a, b, c)] = con.execute(
        """SELECT (SELECT bit_xor(hash(id, unit)) FROM _link_unit),
                  (SELECT bit_xor(hash(id, ord, pass)) FROM _link_plan),
                  (SELECT bit_xor(hash(notice_id, other, rank)) FROM _near_plan)"""
    ).fetchall()
    return f"{(a or 0) ^ (b or 0) ^ (c or 0):016x}"


def _unit_folder(folder: str, unit: int) -> str:
    return f"{folder}/unit-{unit:06d}"


def export_units(con: duckdb.DuckDBPyConnection, folder: str, units: int, skip: set[int]) -> None:
    """Each unit's rows of every table `link_unit` reads, as `<unit folder>/<table>.parquet`: one read
    of each table in unit order, cut where the unit changes (the client holds one unit's rows)."""
    fs, root = fsspec.core.url_to_fs(folder)
    for name, sql in UNIT_QUERIES.items():
        reader = con.sql(f"SELECT * FROM ({sql}) ORDER BY unit").to_arrow_reader()
        for unit, table in _by_unit(reader, units):
            if unit in skip:
                continue
            fs.makedirs(_unit_folder(root, unit), exist_ok=True)
            with fs.open(f"{_unit_folder(root, unit)}/{name}.parquet", "wb") as stream:
                pq.write_table(table, stream)


def _by_unit(reader: pa.RecordBatchReader, units: int) -> Iterator[tuple[int, pa.Table]]:
    """The rows of each unit, in unit order (the reader's rows are sorted by unit); every unit of the
    plan is named, with no rows when it has none in this table."""
    held: list[pa.RecordBatch] = []
    current = 0
    for batch in reader:
        of_row = batch.column("unit").to_numpy()
        start = 0
        while start < len(of_row):
            unit = int(of_row[start])
            while current < unit:
                yield current, _rows(reader.schema, held)
                held, current = [], current + 1
            end = start + int(np.searchsorted(of_row[start:], unit, side="right"))
            held.append(batch.slice(start, end - start))
            start = end
    while current < units:
        yield current, _rows(reader.schema, held)
        held, current = [], current + 1


def _rows(schema: pa.Schema, batches: list[pa.RecordBatch]) -> pa.Table:
    return pa.Table.from_batches(batches, schema=schema).drop_columns(["unit"])


def link_unit_files(folder: str, unit: int) -> int:
    """On a worker: link one unit from its Parquet files, write its links file; return its row count."""
    fs, root = fsspec.core.url_to_fs(folder)
    here = _unit_folder(root, unit)
    if fs.exists(f"{here}/{LINKS}"):
        return -1
    tables = {}
    for name in UNIT_QUERIES:
        with fs.open(f"{here}/{name}.parquet", "rb") as stream:
            tables[name] = pq.read_table(stream)
    links = link_unit(tables)
    with fs.open(f"{here}/{LINKS}.part", "wb") as stream:
        pq.write_table(links, stream)
    fs.mv(f"{here}/{LINKS}.part", f"{here}/{LINKS}")  # written whole, or not there
    return links.num_rows


def finished_units(folder: str, units: int) -> set[int]:
    fs, root = fsspec.core.url_to_fs(folder)
    if not fs.exists(root):
        return set()
    names = {Path(p).parent.name for p in fs.glob(f"{root}/unit-*/{LINKS}")}
    return {unit for unit in range(units) if f"unit-{unit:06d}" in names}


def store_unit_links(con: duckdb.DuckDBPyConnection, folder: str, units: int) -> int:
    """Every unit's links into the store and the procurements refreshed, in one transaction."""
    fs, root = fsspec.core.url_to_fs(folder)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DROP TABLE IF EXISTS _unit_links")
        con.execute("CREATE TEMP TABLE _unit_links (procurement_id VARCHAR)")
        linked = 0
        for unit in range(units):
            with fs.open(f"{_unit_folder(root, unit)}/{LINKS}", "rb") as stream:
                rows = pq.read_table(stream)
            con.register("_rows", rows)
            con.execute(
                """INSERT INTO notice_links
                   SELECT notice_id, procurement_id, reason, score, duplicate_of FROM _rows"""
            )
            con.execute("INSERT INTO _unit_links SELECT DISTINCT procurement_id FROM _rows")
            con.unregister("_rows")
            linked += rows.num_rows
        refresh_procurements(con, "SELECT DISTINCT procurement_id FROM _unit_links")
        con.execute("DROP TABLE _unit_links")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return linked


def remove_link_folders(dataset: str) -> None:
    """Every unit folder under `dataset`: this plan's, whose links are stored, and those of plans an
    earlier run left (the store has changed since, so they will not be asked for again)."""
    fs, root = fsspec.core.url_to_fs(dataset)
    for folder in fs.glob(f"{root.rstrip('/')}/link-*"):
        fs.rm(folder, recursive=True)
