"""The pending notices cut into components that no linking rule looks across, and packed into units.

Every rule of decision.py compares a notice only with notices that share one of its keys: the ocid,
the fingerprint, the code, buyer and title keys (the procurements in play are found by these, the
crowded buyers are counted by buyer key), a near-duplicate candidate, and the procurement an already
linked notice is in. `plan_components` joins notices by these keys (the keys stored in notices /
notice_keys / notice_links), so linking each component alone, in the same order and the same passes,
decides what linking all of them decides.

Its memory does not grow with the store: the near-duplicate pairs near_plan.py keeps stay in DuckDB
(`_near_edges`), and the components are found in DuckDB (link/connected.py: each notice joined to
the first notice of each key it shares, then rounds of hooks) under near_plan.py's `PLAN_MEMORY`,
spilling beyond it. They are named by their first notice (in the store's order) and packed in that
order: consecutive components fill a unit up to `unit_notices`, their sizes streamed to Python a
batch at a time, which keeps only the first component of each unit.

The near-duplicate candidates are decided before the cut (link/near_plan.py): a notice is joined to
the candidates the Linker could accept (close enough, titles agreeing), not to every notice of the
LSH buckets it shares. Buckets join unrelated notices through boilerplate and chains (93% of 200,000
generated notices in one component); the candidates join re-posts and their procurements (the largest
component is then the largest buyer's purchases, 8%). A unit is given its notices' candidate lists
and does not look for them again.

What the cut cannot promise: from the second pass on, a pass reads the stored procurements in
DuckDB's scan order, and that order breaks ties between equally good procurements (the first of them
near in date under the project-code rule, equal title scores under the similarity rule) and between
equally early notices of one fingerprint. A unit's own store holds its procurements in another
physical order. No such tie changed a link where it was compared (200,000 notices in 8 passes, link
for link), but a local ingest does not fix that order either (a parallel scan of a big table).

Temp tables left for the caller: `_link_plan(id, ord, pass)` (the pending notices in link order and
the pass of `pending_chunk` each falls in), `_link_unit(id, unit, pending)` (every notice a unit
needs: its pending notices and the linked ones they can reach) and `_near_plan(notice_id, other,
score, rank)` (near_plan.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from procurewatch.link.connected import LABELS, label_components
from procurewatch.link.keys import settings
from procurewatch.link.near_plan import plan_near, within_plan_memory

# notices per unit of work: small components are packed together up to this size
UNIT_NOTICES = 20_000
# components' sizes handed to the packing at a time
_PACK_BATCH = 1 << 20


@dataclass(frozen=True)
class ComponentPlan:
    pending: int  # notices to link
    notices: int  # notices in the units: the pending ones and the linked ones they can reach
    components: int  # components holding a pending notice
    largest: int  # notices in the largest of them
    units: int
    passes: int

    def describe(self) -> str:
        share = self.largest / self.notices if self.notices else 0.0
        return (
            f"{self.pending:,} notice(s) to link in {self.components:,} independent component(s); "
            f"the largest holds {self.largest:,} notice(s) ({share:.1%}); {self.units:,} unit(s) of work"
        )


def plan_components(con: duckdb.DuckDBPyConnection, unit_notices: int = UNIT_NOTICES) -> ComponentPlan:
    """Plan the linking of every pending notice as independent units (see the module's note)."""
    s = settings()
    within_plan_memory(con, lambda: _plan_passes(con, s.pending_chunk))
    [(pending, passes)] = con.execute("SELECT count(*), count(DISTINCT pass) FROM _link_plan").fetchall()
    try:
        plan_near(con, s)
        packed = within_plan_memory(con, lambda: _units(con, unit_notices))
    finally:
        for table in ("_near_edges", "_cc_keyed", "_cc_nodes", "_cc_sizes", LABELS, "_link_nodes"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return ComponentPlan(
        pending=int(pending),
        notices=packed.notices,
        components=packed.components,
        largest=packed.largest,
        units=packed.units,
        passes=int(passes),
    )


def _plan_passes(con: duckdb.DuckDBPyConnection, chunk: int) -> None:
    """The pending notices in the order run.py links them, and the pass each is linked in; and
    `_link_nodes(id, i)`: every notice numbered (as a node of the graph)."""
    con.execute("DROP TABLE IF EXISTS _link_plan")
    con.execute(
        """CREATE TEMP TABLE _link_plan AS
           SELECT id, ord, (ord // ?)::INTEGER AS pass FROM (
               SELECT n.id, (row_number() OVER (ORDER BY n.published NULLS LAST, n.id) - 1)::BIGINT AS ord
               FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id)""",
        [chunk],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _link_nodes AS"
        " SELECT id, (row_number() OVER () - 1)::BIGINT AS i FROM notices"
    )


# notice node -> key: every key a rule compares but the near-duplicate candidates (a 64-bit hash of
# kind and value: a collision can only join two components, which changes no answer); one join to
# the nodes for each table read
_EDGES = """
SELECT i, k FROM (
    SELECT d.i, unnest([CASE WHEN n.ocid <> '' THEN hash('o', n.ocid) END, hash('f', n.fingerprint)]) AS k
    FROM notices n JOIN _link_nodes d ON d.id = n.id
    UNION ALL
    SELECT d.i, unnest([CASE WHEN k.code_key <> '' THEN hash('c', k.code_key) END,
                        CASE WHEN k.buyer_key <> '' THEN hash('b', k.buyer_key) END,
                        CASE WHEN k.title_key <> '' THEN hash('t', k.title_key) END]) AS k
    FROM notice_keys k JOIN _link_nodes d ON d.id = k.notice_id
    UNION ALL
    SELECT d.i, hash('p', l.procurement_id) FROM notice_links l JOIN _link_nodes d ON d.id = l.notice_id
) WHERE k IS NOT NULL
"""


# node -> node: each notice joined to the first notice (smallest node) of each key it shares, and the
# near-duplicate pairs
_NODE_EDGES = """
SELECT f.first AS a, k.i AS b FROM _cc_keyed k
JOIN (SELECT k, min(i) AS first FROM _cc_keyed GROUP BY k HAVING count(*) > 1) f ON f.k = k.k
UNION ALL SELECT x, y FROM _near_edges
"""


@dataclass(frozen=True)
class _Packed:
    notices: int
    components: int
    largest: int
    units: int


def _units(con: duckdb.DuckDBPyConnection, unit_notices: int) -> _Packed:
    """`_link_unit` from the components (named by their smallest node, in that order) holding a
    pending notice: each component's unit packed from their sizes, streamed a batch at a time."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cc_keyed AS {_EDGES}")
    label_components(con, _NODE_EDGES)
    con.execute("DROP TABLE _cc_keyed")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cc_nodes AS
            SELECT d.id, coalesce(l.label, d.i) AS label, p.id IS NOT NULL AS pending
            FROM _link_nodes d LEFT JOIN {LABELS} l ON l.node = d.i LEFT JOIN _link_plan p ON p.id = d.id"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _cc_sizes AS
           SELECT label, count(*) AS size FROM _cc_nodes GROUP BY label HAVING bool_or(pending)"""
    )
    reader = con.sql("SELECT label, size FROM _cc_sizes ORDER BY label").to_arrow_reader(_PACK_BATCH)
    packing = UnitPacking(unit_notices)
    for batch in reader:
        packing.add(batch.column(0).to_numpy(), batch.column(1).to_numpy())
    con.register(
        "_unit_starts",
        pa.table(
            {
                "label": pa.array(packing.starts, pa.int64()),
                "unit": pa.array(range(len(packing.starts)), pa.int32()),
            }
        ),
    )
    con.execute("DROP TABLE IF EXISTS _link_unit")
    con.execute(
        """CREATE TEMP TABLE _link_unit AS
           SELECT c.id, u.unit, c.pending FROM _cc_nodes c JOIN (
               SELECT z.label, s.unit FROM _cc_sizes z ASOF JOIN _unit_starts s ON z.label >= s.label
           ) u ON u.label = c.label"""
    )
    con.unregister("_unit_starts")
    return _Packed(packing.notices, packing.components, packing.largest, len(packing.starts))


class UnitPacking:
    """Consecutive components fill a unit up to `unit_notices` notices (a bigger component has a unit
    of its own), given their sizes in order a batch at a time: what is kept is the first component
    of each unit (at most about 2 * notices / unit_notices of them: two units side by side hold more
    than `unit_notices`), not a figure per component."""

    def __init__(self, unit_notices: int) -> None:
        self.unit_notices = unit_notices
        self.starts: list[int] = []  # the name of the first component of each unit
        self.filled = 0  # notices in the last unit so far
        self.notices = self.components = self.largest = 0

    def add(self, names: np.ndarray, sizes: np.ndarray) -> None:
        if not len(sizes):
            return
        ends = np.cumsum(sizes, dtype=np.int64)  # notices of the batch up to each component, itself included
        begins = ends - sizes
        if not self.starts:
            self.starts.append(int(names[0]))
        base = -self.filled  # the notices of the batch before the last unit began
        while True:
            j = int(np.searchsorted(ends, base + self.unit_notices, side="right"))  # the first that overflows
            if j < len(sizes) and begins[j] == base:  # it begins the unit: bigger than a unit, alone in it
                j += 1
            if j >= len(sizes):
                break
            self.starts.append(int(names[j]))
            base = int(begins[j])
        self.filled = int(ends[-1]) - base
        self.notices += int(ends[-1])
        self.components += len(sizes)
        self.largest = max(self.largest, int(sizes.max()))
