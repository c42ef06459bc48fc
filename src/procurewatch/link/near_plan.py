"""Near-duplicate candidates decided before linking is cut into components (link/components.py).

Which notices candidates.py offers a pending notice as near-duplicates depends on no link: on the LSH
buckets it shares in its pass (its pass's earlier notices and every notice of an earlier pass or an
earlier ingest, buckets of at most `max_bucket` of them), the cap of `max_candidates` (most shared
bands first, then id), the estimated Jaccard of their signatures and their titles. The pass of every
pending notice is known before linking, so `plan_near` replays candidates.py for all passes at once
and keeps the pairs the Linker can act on: those at or above `near_duplicate` whose titles agree
(decision.titles_agree; the Linker skips the others without looking at anything else).

Its memory does not grow with the store: the bucket pairs are made, capped and joined to their
signatures and titles in DuckDB, under `PLAN_MEMORY` (spilling to its temporary file beyond), and
Python judges them a chunk of DuckDB's at a time, its answers going back into DuckDB. The kept pairs
stay there too: they are ranked by a window and left in temp tables, not handed to Python.

Whether a kept pair links depends on the state of the pass: an earlier rule (ocid, fingerprint,
project code) may decide first, and keys_conflict compares the notice with the candidate's
procurement as it stands then. So every kept pair joins its two notices' components (over-joining is
safe). A unit of components is given its notices' lists (`_near_plan`) and `given_near` reads them
instead of its own LSH buckets: in a unit a bucket holds only some of its notices, so it would look
small enough to pair where the store's does not, and a candidate left out of the unit would free a
place under the cap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb
import numpy as np
import pyarrow as pa
from rapidfuzz import process
from rapidfuzz.distance import Indel

from procurewatch.link.candidates import Near, signature_matrix
from procurewatch.link.decision import Other, Pending, titles_agree
from procurewatch.link.keys import Settings, normalise_text, phase_of
from procurewatch.store.db import within_memory_limit

T = TypeVar("T")

# DuckDB's memory limit while planning: what planning holds beside the kept pairs (docs/measurements.md)
PLAN_MEMORY = 256 * 2**20
# pairs compared at a time: small enough for the minima to stay in cache
_SCORE_STEP = 16_384


def plan_near(con: duckdb.DuckDBPyConnection, s: Settings) -> None:
    """Every pending notice's near-duplicate candidates as candidates.py would find them in its pass,
    kept when the Linker can act on them: in the temp table `_near_plan(notice_id, other, score,
    rank)`, and as node pairs in the temp table `_near_edges(x, y)` (the `i` of `_link_nodes`, which
    must exist, as `_link_plan`)."""
    within_plan_memory(con, lambda: _plan(con, s))


def within_plan_memory(con: duckdb.DuckDBPyConnection, step: Callable[[], T]) -> T:
    """`step` under `PLAN_MEMORY`, spilling beyond it; again under the caller's limit if a join could
    not spill enough."""
    return within_memory_limit(con, PLAN_MEMORY, step)


def _plan(con: duckdb.DuckDBPyConnection, s: Settings) -> None:
    _node_table(con)
    _bucket_pairs(con, s)
    _kept(con, s)
    con.execute("DROP TABLE _near_nodes")
    con.execute("DROP TABLE IF EXISTS _near_plan")
    # best first, ties in candidate order (more shared bands, then id): y_rank is unique within an x
    con.execute(
        """CREATE TEMP TABLE _near_plan AS
           SELECT a.id AS notice_id, b.id AS other, g.score, g.rank FROM (
               SELECT x, y, score, (row_number() OVER (
                          PARTITION BY x ORDER BY score DESC, shared DESC, y_rank) - 1)::INTEGER AS rank
               FROM _near_kept) g
           JOIN _link_nodes a ON a.i = g.x JOIN _link_nodes b ON b.i = g.y"""
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _near_edges AS SELECT x, y FROM _near_kept")
    con.execute("DROP TABLE _near_kept")


def _node_table(con: duckdb.DuckDBPyConnection) -> None:
    """`_near_nodes(id, i, pass, ord, id_rank)`: every node, its pass (-1 when linked) and link order,
    and the rank of its id in id order (candidates.py breaks ties in shared bands by id)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _near_nodes AS
           SELECT d.id, d.i, coalesce(p.pass, -1) AS pass, coalesce(p.ord, -1) AS ord,
                  row_number() OVER (ORDER BY d.id) AS id_rank
           FROM _link_nodes d LEFT JOIN _link_plan p ON p.id = d.id"""
    )


def _bucket_pairs(con: duckdb.DuckDBPyConnection, s: Settings) -> None:
    """`_near_pairs(x, y)`: once for every band in which x, pending, shares a bucket with y in x's pass
    as candidates.py pairs them, made a band at a time (the rows of all bands are the store's biggest
    table). In pass k a bucket holds P notices of pass k and S linked ones (earlier passes and the
    store): with S <= max_bucket it pairs every notice of k with all before it when
    2 <= P + S <= max_bucket; with more linked ones (left out as boilerplate) it pairs the notices of
    k among themselves when 2 <= P <= max_bucket. Its members are numbered by pass (linked first),
    then link order: a notice's partners are the `partners` members just before it."""
    con.execute("CREATE OR REPLACE TEMP TABLE _near_pairs (x BIGINT, y BIGINT)")
    # the bands' rows joined to their nodes once, sorted by band so that each band's rows are read
    # without scanning the others' (a join per band read the store's biggest table once a band); only
    # buckets holding a pending notice can pair, and a bucket's numbering is its own: the others go
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _near_banded AS
           WITH banded AS (SELECT b.band, b.hash, d.i, d.pass, d.ord
                           FROM notice_lsh_bands b JOIN _near_nodes d ON d.id = b.notice_id)
           SELECT * FROM banded
           SEMI JOIN (SELECT DISTINCT band, hash FROM banded WHERE pass >= 0) p USING (band, hash)
           ORDER BY band"""
    )
    for band in range(len(s.bands)):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _near_members AS
               SELECT i, pass, hash,
                      row_number() OVER (PARTITION BY hash ORDER BY pass, ord, i) - 1 AS pos,
                      row_number() OVER (PARTITION BY hash, pass ORDER BY ord, i) - 1 AS in_pass,
                      count(*) OVER (PARTITION BY hash, pass) AS here
               FROM _near_banded WHERE band = ?""",
            [band],
        )
        con.execute(
            """INSERT INTO _near_pairs
               WITH pairing AS (
                   SELECT i, hash, pos, CASE WHEN pos - in_pass <= $max THEN pos ELSE in_pass END AS partners
                   FROM _near_members
                   WHERE pass >= 0 AND CASE WHEN pos - in_pass <= $max
                                            THEN pos - in_pass + here BETWEEN 2 AND $max
                                            ELSE here BETWEEN 2 AND $max END),
               wanted AS (SELECT i, hash, unnest(range(pos - partners, pos)) AS pos FROM pairing)
               SELECT w.i, m.i FROM wanted w JOIN _near_members m ON m.hash = w.hash AND m.pos = w.pos""",
            {"max": s.max_bucket},
        )
    con.execute("DROP TABLE IF EXISTS _near_members")
    con.execute("DROP TABLE IF EXISTS _near_banded")


def _kept(con: duckdb.DuckDBPyConnection, s: Settings) -> None:
    """The pairs candidates.py would score (at most `max_candidates` per x, most shared bands first,
    then by id) that the Linker can act on, in the temp table `_near_kept(x, y, score, shared,
    y_rank)` (shared bands, id rank of y). Both notices must have a signature. A table of pairs is
    joined to one table at a time (DuckDB spills a join whose table outgrows its limit); Python judges
    titles and signatures a chunk of pairs at a time and hands its answers back to DuckDB."""

    def agree(mine: pa.ChunkedArray, theirs: pa.ChunkedArray) -> pa.Array:
        return pa.array(_titles_agree(mine.to_pylist(), theirs.to_pylist(), s))

    def score(mine: pa.ChunkedArray, theirs: pa.ChunkedArray) -> pa.Array:
        return pa.array(_scores(mine.combine_chunks(), theirs.combine_chunks(), s))

    con.create_function("_near_titles_agree", agree, ["VARCHAR", "VARCHAR"], "BOOLEAN", type="arrow")
    con.create_function("_near_score", score, ["BLOB", "BLOB"], "DOUBLE", type="arrow")
    try:
        for step in _kept_steps(s):
            con.execute(step)
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _near_kept AS
               SELECT x, y, score, shared, id_rank AS y_rank FROM _near_b WHERE score >= ?""",
            [s.near_duplicate],
        )
    finally:
        con.remove_function("_near_titles_agree")
        con.remove_function("_near_score")
        for table in ("_near_pairs", "_near_titles", "_near_a", "_near_b"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _kept_steps(s: Settings) -> list[str]:
    """_kept's steps: each joins a table of pairs to one other table. Titles agree as
    decision.titles_agree has it: equal, or one (6+ characters) inside the other, or else
    titles_close is asked, only of titles at most `title_max_edits` characters apart in length (as
    Python counts them) and, with fewer than 2 edits allowed, not of equal lengths: equal lengths are
    an even number of insertions and deletions apart."""
    fewest = 1 if s.title_max_edits < 2 else 0
    return [
        f"""CREATE OR REPLACE TEMP TABLE _near_a AS
            SELECT p.x, p.y, p.shared, n.id_rank
            FROM (SELECT x, y, count(*) AS shared FROM _near_pairs GROUP BY x, y) p
            JOIN _near_nodes n ON n.i = p.y
            QUALIFY row_number() OVER (PARTITION BY p.x ORDER BY p.shared DESC, n.id_rank)
                    <= {s.max_candidates:d}""",
        "DROP TABLE _near_pairs",
        """CREATE OR REPLACE TEMP TABLE _near_titles AS
           SELECT n.i, n.id, coalesce(k.title_key, '') AS title_key
           FROM _near_nodes n LEFT JOIN notice_keys k ON k.notice_id = n.id""",
        """CREATE OR REPLACE TEMP TABLE _near_b AS
           SELECT c.*, t.id AS x_id, t.title_key AS x_title
           FROM _near_a c JOIN _near_titles t ON t.i = c.x""",
        f"""CREATE OR REPLACE TEMP TABLE _near_a AS
            SELECT c.* EXCLUDE (x_title), t.id AS y_id FROM _near_b c JOIN _near_titles t ON t.i = c.y
            WHERE c.x_title = t.title_key
               OR (least(length(c.x_title), length(t.title_key)) >= 6
                   AND (contains(c.x_title, t.title_key) OR contains(t.title_key, c.x_title)))
               OR (abs(length(c.x_title) - length(t.title_key)) BETWEEN {fewest} AND {s.title_max_edits:d}
                   AND _near_titles_agree(c.x_title, t.title_key))""",
        """CREATE OR REPLACE TEMP TABLE _near_b AS
           SELECT c.* EXCLUDE (x_id), m.signature AS x_signature
           FROM _near_a c JOIN notice_minhash m ON m.notice_id = c.x_id""",
        """CREATE OR REPLACE TEMP TABLE _near_a AS
           SELECT c.* EXCLUDE (y_id), m.signature AS y_signature
           FROM _near_b c JOIN notice_minhash m ON m.notice_id = c.y_id""",
        # scored apart from the join: a join spilling past the limit leaves no room to hand chunks to Python
        """CREATE OR REPLACE TEMP TABLE _near_b AS
           SELECT x, y, shared, id_rank, _near_score(x_signature, y_signature) AS score FROM _near_a""",
    ]


def _scores(mine: pa.BinaryArray, theirs: pa.BinaryArray, s: Settings) -> np.ndarray:
    """Estimated Jaccard of each pair: the share of equal MinHash minima."""
    a, b = signature_matrix(mine, s.num_perm), signature_matrix(theirs, s.num_perm)
    scores = np.empty(len(a))
    for lo in range(0, len(a), _SCORE_STEP):
        hi = lo + _SCORE_STEP
        scores[lo:hi] = np.count_nonzero(a[lo:hi] == b[lo:hi], axis=1) / s.num_perm
    return scores


def _titles_agree(mine: list[str], theirs: list[str], s: Settings) -> np.ndarray:
    """decision.titles_agree of each pair of titles, asked only of the pairs at most `title_max_edits`
    insertions and deletions apart or where the shorter (6+) may be inside the longer: no other pair
    can agree."""
    edits = process.cpdist(mine, theirs, scorer=Indel.distance, workers=1).astype(np.int64)
    lengths = np.fromiter(map(len, mine + theirs), dtype=np.int64, count=2 * len(mine))
    la, lb = lengths[: len(mine)], lengths[len(mine) :]
    ask = np.flatnonzero(
        (edits <= s.title_max_edits) | ((edits == np.abs(la - lb)) & (np.minimum(la, lb) >= 6))
    )
    agree = np.zeros(len(mine), dtype=bool)
    agree[ask] = [titles_agree(mine[i], theirs[i], s) for i in ask.tolist()]
    return agree


def given_near(con: duckdb.DuckDBPyConnection, pending: list[Pending]) -> Near:
    """In a unit's own store: the near-duplicate candidates of the pending notices (in link order) from
    the planned table `near_plan`, as candidates.near_duplicates gives them. Fills the temp table
    `_candidates(other)` with the stored notices among them."""
    index = {p.id: i for i, p in enumerate(pending)}
    con.register("_order", pa.table({"id": pa.array(list(index), pa.string()), "x": range(len(pending))}))
    rows = con.execute(
        """SELECT o.x, g.other, g.score, coalesce(k.title_key, ''), n.notice_type, n.title
           FROM near_plan g JOIN _order o ON o.id = g.notice_id LEFT JOIN notices n ON n.id = g.other
           LEFT JOIN notice_keys k ON k.notice_id = g.other ORDER BY o.x, g.rank"""
    ).fetchall()
    con.unregister("_order")
    xs, others, scores, stored = [], [], [], {}
    for x, other, score, title_key, notice_type, title in rows:
        if other in index:  # an earlier notice of this pass
            p = pending[index[other]]
            others.append(Other(p.id, p.title_key, p.phase, p.title_norm))
        else:
            if other not in stored:
                stored[other] = Other(other, title_key, phase_of(notice_type, title), normalise_text(title))
            others.append(stored[other])
        xs.append(x)
        scores.append(score)
    con.execute("DROP TABLE IF EXISTS _candidates")
    con.register("_candidate_ids", pa.table({"other": pa.array(list(stored), pa.string())}))
    con.execute("CREATE TEMP TABLE _candidates AS SELECT other FROM _candidate_ids")
    con.unregister("_candidate_ids")
    offsets = np.searchsorted(np.array(xs, dtype=np.int64), np.arange(len(pending) + 1)).tolist()
    return Near(offsets, others, scores)
