"""Connected components of a graph held in DuckDB, named by their smallest node (link/components.py).

`label_components` works on tables, so DuckDB's memory limit bounds it (joins and aggregates spill to
its temporary file) and the client holds nothing that grows with the graph. Each round hooks every
node with a smaller neighbour under the smallest of them, flattens the hooks (each hooked node takes
its root's root until no root is hooked: as many steps as the log of the deepest chain) and
contracts the graph: each edge becomes the edge between its ends' roots, loops and repeats dropped.

Rounds: a node left unhooked had only larger neighbours, all hooked. If one of them was hooked under
it, it absorbed a node; if none was, the contracted edges give it a smaller neighbour and it is
hooked in the next round. So the nodes with an edge at least halve every two rounds, whatever the
numbering (a chain numbered in order takes one round, its flattening log2 of its length steps).
"""

from __future__ import annotations

import duckdb

LABELS = "_component_label"


def label_components(con: duckdb.DuckDBPyConnection, edges_sql: str) -> int:
    """Fill the temp table `_component_label(node, label)` from the edges (a, b) that `edges_sql`
    selects (BIGINT nodes): every node joined to a smaller one, with the smallest node of its
    component; a node not in the table is the smallest of its own. Returns the number of rounds."""
    rounds = 0
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _cc_edges AS
                SELECT DISTINCT least(a, b)::BIGINT AS a, greatest(a, b)::BIGINT AS b
                FROM ({edges_sql}) WHERE a <> b"""
        )
        while con.execute("SELECT count(*) FROM _cc_edges").fetchall()[0][0]:
            rounds += 1
            _hook(con, f"_cc_hook_{rounds - 1}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {LABELS} (node BIGINT, label BIGINT)")
        for r in reversed(range(rounds)):  # a later round's roots are final: resolve earlier hooks to them
            con.execute(
                f"""INSERT INTO {LABELS}
                    SELECT h.node, coalesce(l.label, h.root) FROM _cc_hook_{r} h
                    LEFT JOIN {LABELS} l ON l.node = h.root"""
            )
            con.execute(f"DROP TABLE _cc_hook_{r}")
    finally:
        for table in ("_cc_edges", "_cc_jump", "_cc_next", *(f"_cc_hook_{r}" for r in range(rounds))):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return rounds


def _hook(con: duckdb.DuckDBPyConnection, hooks: str) -> None:
    """One round: `hooks(node, root)` for every node with a smaller neighbour (root: the smallest node
    it reaches by hooks), and `_cc_edges` contracted onto the roots."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {hooks} AS SELECT b AS node, min(a) AS root FROM _cc_edges GROUP BY b"
    )
    moved = True
    while moved:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _cc_jump AS
                SELECT h.node, coalesce(g.root, h.root) AS root, g.root IS NOT NULL AS moved
                FROM {hooks} h LEFT JOIN {hooks} g ON g.node = h.root"""
        )
        [(moved,)] = con.execute("SELECT coalesce(bool_or(moved), false) FROM _cc_jump").fetchall()
        con.execute(f"DROP TABLE {hooks}")
        con.execute(f"ALTER TABLE _cc_jump RENAME TO {hooks}")
    # every b has a hook; a has one unless it is a root
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cc_next AS
            SELECT DISTINCT least(x, y) AS a, greatest(x, y) AS b FROM (
                SELECT coalesce(ha.root, e.a) AS x, hb.root AS y FROM _cc_edges e
                JOIN {hooks} hb ON hb.node = e.b LEFT JOIN {hooks} ha ON ha.node = e.a)
            WHERE x <> y"""
    )
    con.execute("DROP TABLE _cc_edges")
    con.execute("ALTER TABLE _cc_next RENAME TO _cc_edges")
