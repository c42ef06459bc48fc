"""Linking notices into procurements, so that one purchase is counted once.

`link_pending(con)` links every notice that has no `notice_links` row yet, in date order, to a
procurement already in the store or to one created in the same run; the rules are in decision.py,
the near-duplicate candidates they weigh come from candidates.py. This module runs the passes: it
reads each pass's pending notices and the state the rules need from the store, links them, writes
the links and has the touched procurements' aggregate rows recomputed (procurements.py).

Incremental: each notice's MinHash signature, LSH band hashes and comparison keys are made when it
is stored (keys.py) and kept in `notice_minhash` / `notice_lsh_bands` / `notice_keys`, so linking
never re-reads bodies and the store is never re-shingled. Settings live in data/linking.json.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from procurewatch.link.candidates import Batch, FullBuckets, near_duplicates, signature_matrix
from procurewatch.link.decision import Linker, Pending, Proc, distinguishing_tokens
from procurewatch.link.keys import (
    Settings,
    band_hashes_many,
    link_rows,
    normalise_many,
    phase_of,
    settings,
)
from procurewatch.link.near_plan import given_near
from procurewatch.link.procurements import refresh_procurements
from procurewatch.store.arrow_tables import to_tables
from procurewatch.store.db import in_transaction
from procurewatch.store.tables import LINK_KEY_TABLES


def link_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Link every notice without a notice_links row; return how many were linked.

    Pending notices are linked in date-ordered passes of `pending_chunk` (one transaction each when
    the caller holds none): each pass links against the store as the passes before it left it, so
    the result is that of linking incrementally, and memory stays flat for any number of notices.
    """
    chunk = settings().pending_chunk
    full = FullBuckets(len(settings().bands))
    _order_pending(con)
    linked = 0
    try:
        while True:
            own_transaction = _begin(con)
            try:
                with collector_paused():
                    done = link_pass(con, chunk, full=full, linked_before=linked)
                if own_transaction:
                    con.execute("COMMIT")
            except BaseException:
                if own_transaction:
                    con.execute("ROLLBACK")
                raise
            linked += done
            # the cached tokens are mostly of this pass's titles: kept, they would only raise the later
            # passes' peak
            distinguishing_tokens.cache_clear()
            if done < chunk:
                return linked
    finally:
        with suppress(duckdb.TransactionException):  # the caller's failed transaction took it away already
            con.execute("DROP TABLE IF EXISTS _run_order")


def _order_pending(con: duckdb.DuckDBPyConnection) -> None:
    """`_run_order(id, ord)`: every pending notice in link order, numbered from 1. The passes take it
    slice by slice: they link exactly their notices, so the order of what is left never changes, and
    it is sorted once instead of once per pass."""
    con.execute("DROP TABLE IF EXISTS _run_order")
    con.execute(
        """CREATE TEMP TABLE _run_order AS
           SELECT n.id, row_number() OVER (ORDER BY n.published NULLS LAST, n.id) AS ord
           FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id ORDER BY ord"""
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Linking allocates millions of small acyclic objects while holding hundreds of thousands: the
    cyclic garbage collector would rescan them over and over, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    """Begin a transaction of our own unless the caller holds one (we then run inside it)."""
    if in_transaction(con):
        return False
    con.execute("BEGIN TRANSACTION")
    return True


def link_pass(
    con: duckdb.DuckDBPyConnection,
    limit: int,
    *,
    full: FullBuckets | None = None,
    linked_before: int | None = None,
) -> int:
    """Link the first `limit` pending notices in date order, in the caller's transaction; return how
    many were linked (fewer than `limit`: none are left). `full`: the LSH buckets found too big so far
    in this run (candidates.FullBuckets); `linked_before`: the notices this run linked before this pass,
    the pending ones then being read from the run's `_run_order` (link_pending); without it, the pending
    notices are put in link order for this pass alone."""
    s = settings()
    con.execute("DROP TABLE IF EXISTS _pending")
    if linked_before is None:  # a pass on its own: the pending notices put in link order for it
        _order_pending(con)
        linked_before = 0
    con.execute(
        "CREATE TEMP TABLE _pending AS SELECT id, ord - ? AS ord FROM _run_order WHERE ord > ? AND ord <= ?",
        [linked_before, linked_before, linked_before + limit],
    )
    return link_selected(con, s, full=full)


def link_selected(
    con: duckdb.DuckDBPyConnection,
    s: Settings,
    *,
    planned_near: bool = False,
    full: FullBuckets | None = None,
) -> int:
    """Link the notices of the temp table `_pending(id, ord)` in `ord` order, in the caller's
    transaction, against the store; return how many were linked.

    `planned_near`: the near-duplicate candidates are read from the table `near_plan` made before the
    cut (link/near_plan.py), not found by LSH: a unit of components holds only part of each bucket."""
    (count,) = con.execute("SELECT count(*) FROM _pending").fetchone() or (0,)
    if not count:
        return 0
    # the pass's notices, candidates and rules' state are gone before the procurements are recomputed,
    # DuckDB's heaviest statement of the pass
    links = _decided_links(con, s, planned_near, full)
    con.register("_links", links)
    con.execute(
        "INSERT INTO notice_links SELECT notice_id, procurement_id, reason, score, duplicate_of FROM _links"
    )
    refresh_procurements(con, "SELECT DISTINCT procurement_id FROM _links")
    con.unregister("_links")
    con.execute("DROP TABLE IF EXISTS _pending")
    con.execute("DROP TABLE IF EXISTS _candidates")
    return links.num_rows


def _decided_links(
    con: duckdb.DuckDBPyConnection, s: Settings, planned_near: bool, full: FullBuckets | None
) -> pa.Table:
    """The link row of each notice of `_pending`, decided in link order."""
    batch = _read_pending(con, s)
    # both fill _candidates, which the reads below use
    candidates = given_near(con, batch.pending) if planned_near else near_duplicates(con, batch, s, full)
    linker = _linker(con, batch.pending, s)
    decided = [linker.link(p, candidates.of(i)) for i, p in enumerate(batch.pending)]
    names = ("notice_id", "procurement_id", "reason", "score", "duplicate_of")
    columns = [[p.id for p in batch.pending], *map(list, zip(*decided, strict=True))]
    return pa.table(dict(zip(names, columns, strict=True)))


# ---------------------------------------------------------------- reading the store


# the pending notices in link order, with their stored keys (a notice stored without them is left out)
_PENDING_ROWS = """
SELECT n.id, n.fingerprint, n.published, n.ocid, n.title, n.notice_type,
       k.buyer_key, k.title_key, k.code_key, k.cancelled, p.ord
FROM _pending p JOIN notices n ON n.id = p.id JOIN notice_keys k ON k.notice_id = p.id
ORDER BY p.ord
"""


def _read_pending(con: duckdb.DuckDBPyConnection, s: Settings) -> Batch:
    """Pending notices in link order, with the keys and signatures stored beside them."""
    [(count,)] = con.execute("SELECT count(*) FROM _pending").fetchall()
    table = con.sql(_PENDING_ROWS).to_arrow_table()
    if table.num_rows < count:  # some were stored without link rows: made now, then all read again
        del table
        _complete_link_rows(con)
        table = con.sql(_PENDING_ROWS).to_arrow_table()
    sigs, has_sig = _pending_signatures(con, table.column(table.num_columns - 1).to_numpy(), s.num_perm)
    ids, fps, days, ocids, titles, types, buyer_keys, title_keys, code_keys, cancelled = (
        dates_of(column) if name == "published" else column.to_pylist()
        for name, column in zip(table.column_names[:-1], table.columns[:-1], strict=True)
    )
    del table
    bands = band_hashes_many(sigs)  # a notice without a signature has zero minima, and zero band hashes
    title_norms = normalise_many(titles)
    pending = [
        Pending(
            nid,
            fp,
            published,
            ocid or None,
            buyer,
            tkey or "",
            code,
            cancel,
            phase_of(ntype, title),
            title_norm,
        )
        for nid, fp, published, ocid, title, ntype, buyer, tkey, code, cancel, title_norm in zip(
            ids,
            fps,
            days,
            ocids,
            titles,
            types,
            buyer_keys,
            title_keys,
            code_keys,
            cancelled,
            title_norms,
            strict=True,
        )
    ]
    return Batch(pending, sigs, has_sig, bands)


def dates_of(column: pa.ChunkedArray | pa.Array) -> list[date | None]:
    """A date column as Python dates: each distinct day made once (a pass's notices share a few hundred
    days), not a date object converted from Arrow per row."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = column.dictionary_encode()
    days: list[date | None] = encoded.dictionary.to_pylist()
    if encoded.indices.null_count:
        days.append(None)
        indices = encoded.indices.fill_null(len(days) - 1)
    else:
        indices = encoded.indices
    return [days[i] for i in indices.to_numpy().tolist()]


def _pending_signatures(
    con: duckdb.DuckDBPyConnection, ords: np.ndarray, num_perm: int
) -> tuple[np.ndarray, np.ndarray]:
    """The stored signatures of the pending notices whose `ords` are given in link order, a row each
    (zero where a notice has none), and which have one. Read apart from the other columns and put in
    place by ord: sorting whole rows would carry each signature's bytes through the sort."""
    table = con.sql(
        "SELECT p.ord, m.signature FROM _pending p JOIN notice_minhash m ON m.notice_id = p.id"
    ).to_arrow_table()
    rows = np.searchsorted(ords, table.column(0).to_numpy())
    sigs = np.zeros((len(ords), num_perm), dtype=np.uint32)
    sigs[rows] = signature_matrix(table.column(1), num_perm)
    has_sig = np.zeros(len(ords), dtype=bool)
    has_sig[rows] = True
    return sigs, has_sig


def complete_pending_link_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Give every pending notice stored without link rows its keys, signature and bands."""
    con.execute("DROP TABLE IF EXISTS _pending")
    con.execute(
        """CREATE TEMP TABLE _pending AS
           SELECT id, row_number() OVER (ORDER BY published NULLS LAST, id) AS ord
           FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id"""
    )
    _complete_link_rows(con)
    con.execute("DROP TABLE _pending")


def _complete_link_rows(con: duckdb.DuckDBPyConnection, step: int = 20_000) -> None:
    """Give pending notices stored without link rows (by a version that made them while linking)
    their keys, signatures and bands, from their stored text."""
    con.execute("DROP TABLE IF EXISTS _unkeyed")
    con.execute(
        """CREATE TEMP TABLE _unkeyed AS SELECT id, row_number() OVER (ORDER BY ord) AS r
           FROM _pending p ANTI JOIN notice_keys k ON k.notice_id = p.id"""
    )
    (total,) = con.execute("SELECT count(*) FROM _unkeyed").fetchone() or (0,)
    if not total:
        con.execute("DROP TABLE _unkeyed")
        return
    for name in LINK_KEY_TABLES:  # half-made rows: made again below
        con.execute(f"DELETE FROM {name} WHERE notice_id IN (SELECT id FROM _unkeyed)")
    for low in range(1, total + 1, step):
        chunk = con.sql(
            """SELECT n.id, n.title, n.body, n.buyer, n.project_code, n.notice_type
               FROM notices n JOIN _unkeyed u ON u.id = n.id WHERE u.r >= ? AND u.r < ? ORDER BY u.r""",
            params=[low, low + step],
        ).to_arrow_table()
        made = link_rows(*(chunk.column(i).to_pylist() for i in range(chunk.num_columns)))
        for name, rows in to_tables(made.columns).items():
            con.register("_link_rows", rows)
            con.execute(f"INSERT INTO {name} SELECT * FROM _link_rows")
            con.unregister("_link_rows")
    con.execute("DROP TABLE IF EXISTS _unkeyed")


def _linker(con: duckdb.DuckDBPyConnection, pending: list[Pending], s: Settings) -> Linker:
    """The rules' state for this pass, read from the store: what the pending notices and their stored
    near-duplicate candidates (in `_candidates`) can be linked to."""
    con.register(
        "_pending_keys",
        pa.table(
            {
                "ocid": pa.array([p.ocid for p in pending], pa.string()),
                "fingerprint": pa.array([p.fingerprint for p in pending], pa.string()),
            }
        ),
    )
    ocids: dict[str, str] = dict(
        con.execute(
            """SELECT ocid, min(id) FROM procurements
               WHERE ocid IN (SELECT ocid FROM _pending_keys) GROUP BY ocid"""
        ).fetchall()
    )
    fingerprints = _store_fingerprints(con)
    con.unregister("_pending_keys")
    procs, crowded = _store_procurements(con, pending, s.max_fuzzy_pool)
    link_of: dict[str, str] = dict(
        con.execute(
            """SELECT l.notice_id, l.procurement_id FROM notice_links l
               JOIN _candidates c ON c.other = l.notice_id"""
        ).fetchall()
    )
    return Linker(s, fingerprints, ocids, procs, crowded, link_of)


def _store_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """The first linked notice, and its procurement, of each fingerprint in `_pending_keys`."""
    rows = con.execute(
        """SELECT n.fingerprint, arg_min(n.id, coalesce(n.published, DATE '9999-12-31')),
                  arg_min(l.procurement_id, coalesce(n.published, DATE '9999-12-31'))
           FROM notices n JOIN notice_links l ON l.notice_id = n.id
           WHERE n.fingerprint IN (SELECT fingerprint FROM _pending_keys)
           GROUP BY n.fingerprint"""
    ).fetchall()
    return {fp: (nid, pid) for fp, nid, pid in rows}


def _store_procurements(
    con: duckdb.DuckDBPyConnection, pending: list[Pending], max_pool: int
) -> tuple[dict[str, Proc], set[str]]:
    """Stored procurements that could receive a pending notice: same code, buyer or title key, or linked
    to a near-duplicate candidate; and the crowded buyer keys, those with more than `max_pool` stored
    procurements. A crowded buyer's procurements are only compared by exact title, so they are not
    read by buyer: a large store holds many of them, and reading them all would be for nothing."""
    keys = pa.table(
        {
            "code_key": [p.code_key for p in pending],
            "buyer_key": [p.buyer_key for p in pending],
            "title_key": [p.title_key for p in pending],
        }
    )
    con.register("_pkeys", keys)
    crowded = {
        key
        for (key,) in con.execute(
            """SELECT buyer_key FROM procurements WHERE buyer_key IN (SELECT buyer_key FROM _pkeys)
               GROUP BY buyer_key HAVING count(*) > ?""",
            [max_pool],
        ).fetchall()
    }
    con.register("_crowded", pa.table({"buyer_key": pa.array(sorted(crowded), pa.string())}))
    rows = con.execute(
        """SELECT id, title_key, buyer_key, code_key, first_published, last_published FROM procurements
           WHERE code_key IN (SELECT code_key FROM _pkeys)
              OR (buyer_key IN (SELECT buyer_key FROM _pkeys)
                  AND buyer_key NOT IN (SELECT buyer_key FROM _crowded))
              OR title_key IN (SELECT title_key FROM _pkeys)
              OR id IN (SELECT l.procurement_id FROM notice_links l
                        JOIN (SELECT DISTINCT other FROM _candidates) c ON c.other = l.notice_id)"""
    ).fetchall()
    con.unregister("_pkeys")
    con.unregister("_crowded")
    return {r[0]: Proc(r[0], r[1] or "", r[2], r[3], r[4], r[5]) for r in rows}, crowded
