"""Linking one unit of independent components (link/components.py) apart from the store: on a worker.

`unit_tables(con, unit)` reads from the store what one unit needs, as Arrow tables (the cluster ships
them as Parquet); `link_unit(tables)` links its pending notices in a DuckDB of its own, in memory, with
run.py's very code: the same passes (each pending notice in the pass the store would link it in, in the
same order), the same Linker, the same candidates, and it returns their `notice_links` rows.
`link_by_components(con)` does every unit here, one after the other: the same answers as
`link_pending`, which is what proves the cut (tests/link/test_components.py).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from procurewatch.link.components import ComponentPlan, plan_components
from procurewatch.link.keys import settings
from procurewatch.link.procurements import refresh_procurements
from procurewatch.link.run import collector_paused, complete_pending_link_rows, link_selected
from procurewatch.store.tables import TABLES

# What a unit's notices bring along: the columns linking and the procurements' aggregate rows read.
NOTICE_COLUMNS = (
    *("id", "fingerprint", "published", "ocid", "title", "notice_type", "buyer", "project_code"),
    *("amount_value", "amount_currency", "amount_kind", "relevant", "score", "title_match"),
    *("country", "province", "city", "admin_code", "role"),
)

# table -> the rows of the notices of `_link_unit` (with their unit), read from the store
UNIT_QUERIES: dict[str, str] = {
    "notices": f"SELECT u.unit, {', '.join('n.' + c for c in NOTICE_COLUMNS)}"
    " FROM notices n JOIN _link_unit u ON u.id = n.id",
    "notice_keys": "SELECT u.unit, k.* FROM notice_keys k JOIN _link_unit u ON u.id = k.notice_id",
    # the near-duplicate candidates of its pending notices, decided before the cut (link/near_plan.py)
    "near_plan": "SELECT u.unit, g.* FROM _near_plan g JOIN _link_unit u ON u.id = g.notice_id",
    "notice_links": "SELECT u.unit, l.* FROM notice_links l JOIN _link_unit u ON u.id = l.notice_id",
    "plan": "SELECT u.unit, p.id, p.ord, p.pass FROM _link_plan p JOIN _link_unit u ON u.id = p.id",
}


def unit_tables(con: duckdb.DuckDBPyConnection, unit: int) -> dict[str, pa.Table]:
    """One unit's rows of every table `link_unit` needs (the `unit` column left out)."""
    return {
        name: con.sql(f"SELECT * EXCLUDE (unit) FROM ({sql}) WHERE unit = ?", params=[unit]).to_arrow_table()
        for name, sql in UNIT_QUERIES.items()
    }


def link_unit(tables: dict[str, pa.Table]) -> pa.Table:
    """The notice_links rows of the unit's pending notices (`plan`), linked as the store would link them."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")
        for name in ("notices", "notice_keys", "near_plan", "plan"):
            con.register("_given", tables[name])
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM _given")
            con.unregister("_given")
        for schema in TABLES:
            if schema.name in ("notice_links", "procurements", "notice_minhash"):  # no signature needed
                con.execute(schema.create_sql())
        con.register("_given", tables["notice_links"])
        con.execute("INSERT INTO notice_links SELECT * FROM _given")
        con.unregister("_given")
        refresh_procurements(con)  # the linked notices' procurements, as the store holds them
        s = settings()
        with collector_paused():
            for (number,) in con.execute("SELECT DISTINCT pass FROM plan ORDER BY pass").fetchall():
                con.execute("DROP TABLE IF EXISTS _pending")
                con.execute("CREATE TEMP TABLE _pending AS SELECT id, ord FROM plan WHERE pass = ?", [number])
                link_selected(con, s, planned_near=True)
        return con.sql(
            """SELECT notice_id, procurement_id, reason, score, duplicate_of FROM notice_links
               SEMI JOIN plan p ON p.id = notice_id ORDER BY notice_id"""
        ).to_arrow_table()
    finally:
        con.close()


def prepare(con: duckdb.DuckDBPyConnection) -> ComponentPlan:
    """Give every pending notice its link keys (an older store may lack some), then plan the units."""
    complete_pending_link_rows(con)
    return plan_components(con)


def store_links(con: duckdb.DuckDBPyConnection, links_sql: str) -> int:
    """Write the link rows the units gave (`links_sql` selects them) and refresh their procurements, in
    one transaction: a store is linked by all units or by none, so a rerun plans the same units."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DROP TABLE IF EXISTS _unit_links")
        con.execute(f"CREATE TEMP TABLE _unit_links AS {links_sql}")
        con.execute(
            """INSERT INTO notice_links
               SELECT notice_id, procurement_id, reason, score, duplicate_of FROM _unit_links"""
        )
        refresh_procurements(con, "SELECT DISTINCT procurement_id FROM _unit_links")
        [(count,)] = con.execute("SELECT count(*) FROM _unit_links").fetchall()
        con.execute("DROP TABLE _unit_links")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(count)


def link_by_components(con: duckdb.DuckDBPyConnection) -> int:
    """Link every pending notice unit by unit, here; return how many were linked."""
    plan = prepare(con)
    results = [link_unit(unit_tables(con, unit)) for unit in range(plan.units)]
    if not results:
        return 0
    con.register("_results", pa.concat_tables(results))
    try:
        return store_links(con, "SELECT * FROM _results")
    finally:
        con.unregister("_results")
