"""The pending notices cut into components that no linking rule looks across, and packed into units.

Every rule of decision.py compares a notice only with notices that share one of its keys: the ocid,
the fingerprint, the code, buyer and title keys (the procurements in play are found by these, the
crowded buyers are counted by buyer key), a near-duplicate candidate, and the procurement an already
linked notice is in. `plan_components` joins notices by these keys (union-find over the keys stored in
notices / notice_keys / notice_links, on arrays), so linking each component alone, in the same order
and the same passes, decides what linking all of them decides.

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

from procurewatch.link.keys import settings
from procurewatch.link.near_plan import plan_near

# notices per unit of work: small components are packed together up to this size
UNIT_NOTICES = 20_000


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
    _plan_passes(con, s.pending_chunk)
    [(pending, passes)] = con.execute("SELECT count(*), count(DISTINCT pass) FROM _link_plan").fetchall()
    con.execute("DROP TABLE IF EXISTS _link_nodes")
    con.execute(
        "CREATE TEMP TABLE _link_nodes AS SELECT id, (row_number() OVER () - 1)::BIGINT AS i FROM notices"
    )
    [(total,)] = con.execute("SELECT count(*) FROM _link_nodes").fetchall()
    near_x, near_y = plan_near(con, s)
    edges = con.sql(_EDGES).fetchnumpy()
    keys, key_node = np.unique(edges["k"], return_inverse=True)
    label = connected(
        np.concatenate([edges["i"].astype(np.int64), near_x]),
        np.concatenate([total + key_node.astype(np.int64), near_y]),
        total + len(keys),
    )
    label = label[:total]
    is_pending = np.zeros(total, dtype=bool)
    is_pending[con.sql("SELECT i FROM _link_nodes SEMI JOIN _link_plan USING (id)").fetchnumpy()["i"]] = True
    wanted = np.unique(label[is_pending])  # components holding a pending notice
    sizes = np.bincount(label, minlength=total)[wanted]
    unit_of_component = _pack(sizes, unit_notices)
    slot = np.full(total, -1, dtype=np.int64)
    slot[wanted] = unit_of_component
    unit = slot[label]
    shipped = np.flatnonzero(unit >= 0)
    con.register(
        "_units",
        pa.table({"i": shipped, "unit": unit[shipped].astype(np.int32), "pending": is_pending[shipped]}),
    )
    con.execute("DROP TABLE IF EXISTS _link_unit")
    con.execute(
        """CREATE TEMP TABLE _link_unit AS
           SELECT n.id, u.unit, u.pending FROM _units u JOIN _link_nodes n ON n.i = u.i"""
    )
    con.unregister("_units")
    con.execute("DROP TABLE _link_nodes")
    return ComponentPlan(
        pending=int(pending),
        notices=len(shipped),
        components=len(wanted),
        largest=int(sizes.max()) if len(sizes) else 0,
        units=int(unit_of_component.max()) + 1 if len(sizes) else 0,
        passes=int(passes),
    )


def _plan_passes(con: duckdb.DuckDBPyConnection, chunk: int) -> None:
    """The pending notices in the order run.py links them, and the pass each is linked in."""
    con.execute("DROP TABLE IF EXISTS _link_plan")
    con.execute(
        """CREATE TEMP TABLE _link_plan AS
           SELECT id, ord, (ord // ?)::INTEGER AS pass FROM (
               SELECT n.id, (row_number() OVER (ORDER BY n.published NULLS LAST, n.id) - 1)::BIGINT AS ord
               FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id)""",
        [chunk],
    )


# notice node -> key: every key a rule compares but the near-duplicate candidates (a 64-bit hash of
# kind and value: a collision can only join two components, which changes no answer)
_EDGES = """
SELECT d.i, hash('o', n.ocid) AS k FROM notices n JOIN _link_nodes d ON d.id = n.id WHERE n.ocid <> ''
UNION ALL SELECT d.i, hash('f', n.fingerprint) FROM notices n JOIN _link_nodes d ON d.id = n.id
UNION ALL SELECT d.i, hash('c', k.code_key) FROM notice_keys k JOIN _link_nodes d ON d.id = k.notice_id
          WHERE k.code_key <> ''
UNION ALL SELECT d.i, hash('b', k.buyer_key) FROM notice_keys k JOIN _link_nodes d ON d.id = k.notice_id
          WHERE k.buyer_key <> ''
UNION ALL SELECT d.i, hash('t', k.title_key) FROM notice_keys k JOIN _link_nodes d ON d.id = k.notice_id
          WHERE k.title_key <> ''
UNION ALL SELECT d.i, hash('p', l.procurement_id) FROM notice_links l
          JOIN _link_nodes d ON d.id = l.notice_id
"""


def connected(a: np.ndarray, b: np.ndarray, nodes: int) -> np.ndarray:
    """The component of each of `nodes` nodes joined by the edges (a[i], b[i]), named by its smallest
    node: roots are hooked under the smaller root of every edge, then paths are halved until flat."""
    parent = np.arange(nodes, dtype=np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        differ = ra != rb
        if not differ.any():
            return parent
        low, high = np.minimum(ra[differ], rb[differ]), np.maximum(ra[differ], rb[differ])
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def _pack(sizes: np.ndarray, unit_notices: int) -> np.ndarray:
    """The unit of each component: consecutive components fill a unit up to `unit_notices` notices (a
    bigger component has a unit of its own)."""
    unit = np.empty(len(sizes), dtype=np.int64)
    current, filled = 0, 0
    for i, size in enumerate(sizes.tolist()):
        if filled and filled + size > unit_notices:
            current, filled = current + 1, 0
        unit[i] = current
        filled += size
    return unit
