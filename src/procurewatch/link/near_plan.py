"""Near-duplicate candidates decided before linking is cut into components (link/components.py).

Which notices candidates.py offers a pending notice as near-duplicates depends on no link: on the LSH
buckets it shares in its pass (its pass's earlier notices and every notice of an earlier pass or an
earlier ingest, buckets of at most `max_bucket` of them), the cap of `max_candidates` (most shared
bands first, then id), the estimated Jaccard of their signatures and their titles. The pass of every
pending notice is known before linking, so `plan_near` replays candidates.py for all passes at once,
on arrays, and keeps the pairs the Linker can act on: those at or above `near_duplicate` whose titles
agree (decision.titles_agree; the Linker skips the others without looking at anything else).

Whether a kept pair links depends on the state of the pass: an earlier rule (ocid, fingerprint,
project code) may decide first, and keys_conflict compares the notice with the candidate's
procurement as it stands then. So every kept pair joins its two notices' components (over-joining is
safe). A unit of components is given its notices' lists (`_near_plan`) and `given_near` reads them
instead of its own LSH buckets: in a unit a bucket holds only some of its notices, so it would look
small enough to pair where the store's does not, and a candidate left out of the unit would free a
place under the cap.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from rapidfuzz import process
from rapidfuzz.distance import Indel

from procurewatch.link.candidates import Near
from procurewatch.link.decision import Other, Pending, titles_agree
from procurewatch.link.keys import Settings, normalise_text, phase_of

# pairs scored at a time: small enough for the minima to stay in cache
_SCORE_STEP = 16_384


def plan_near(con: duckdb.DuckDBPyConnection, s: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Every pending notice's near-duplicate candidates as candidates.py would find them in its pass,
    kept when the Linker can act on them: in the temp table `_near_plan(notice_id, other, score,
    rank)`, and returned as node pairs (the `i` of `_link_nodes`, which must exist, as `_link_plan`)."""
    ids = con.sql("SELECT id FROM _link_nodes ORDER BY i").fetchnumpy()["id"]
    x, y = _bucket_pairs(con, s, _id_ranks(ids))
    scores, known = _scores(con, x, y, s)
    keep = known & (scores >= s.near_duplicate)
    x, y, scores = x[keep], y[keep], scores[keep]
    agree = _titles_agree(con, x, y, s)
    x, y, scores = x[agree], y[agree], scores[agree]
    order = np.lexsort((np.arange(len(x)), -scores, x))  # best first, ties in candidate order
    x, y, scores = x[order], y[order], scores[order]
    rank = np.arange(len(x)) - np.searchsorted(x, x)
    con.execute("DROP TABLE IF EXISTS _near_plan")
    con.register(
        "_near",
        pa.table(
            {
                "notice_id": pa.array(ids[x], pa.string()),
                "other": pa.array(ids[y], pa.string()),
                "score": pa.array(scores, pa.float64()),
                "rank": pa.array(rank, pa.int32()),
            }
        ),
    )
    con.execute("CREATE TEMP TABLE _near_plan AS SELECT * FROM _near")
    con.unregister("_near")
    return x, y


def _id_ranks(ids: np.ndarray) -> np.ndarray:
    """The rank of each node's id in id order: candidates.py breaks ties in shared bands by id."""
    by_id = np.argsort(np.array(ids.tolist(), dtype=str), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_id] = np.arange(len(ids))
    return rank


def _bucket_pairs(
    con: duckdb.DuckDBPyConnection, s: Settings, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Node pairs (x, y) that candidates.py would score: x pending, y sharing a bucket with x in x's
    pass, at most `max_candidates` per x, most shared bands first, then by id."""
    nodes = len(rank)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _near_nodes AS
           SELECT d.id, d.i, coalesce(p.pass, -1) AS pass, coalesce(p.ord, -1) AS ord
           FROM _link_nodes d LEFT JOIN _link_plan p ON p.id = d.id"""
    )
    codes = [np.empty(0, dtype=np.int64)]  # x * nodes + rank of y, one per shared band
    for band in range(len(s.bands)):  # a band at a time: the rows of all bands are the store's biggest table
        x, y = _pairs_in_band(con, s, band)
        codes.append(x * nodes + rank[y])
    con.execute("DROP TABLE _near_nodes")
    by_rank = np.argsort(rank)
    pairs, shared = np.unique(np.concatenate(codes), return_counts=True)
    x, y = pairs // nodes, by_rank[pairs % nodes]
    nbands = len(s.bands)
    order = np.argsort(x * (nbands + 1) + (nbands - shared), kind="stable")
    x, y = x[order], y[order]
    keep = np.arange(len(x)) - np.searchsorted(x, x) < s.max_candidates
    return x[keep], y[keep]


def _pairs_in_band(con: duckdb.DuckDBPyConnection, s: Settings, band: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs one band's buckets make. In pass k a bucket holds P notices of pass k and S linked ones
    (earlier passes and the store): with S <= max_bucket it pairs every notice of k with all before
    it when 2 <= P + S <= max_bucket; with more linked ones (left out as boilerplate) it pairs the
    notices of k among themselves when 2 <= P <= max_bucket. Rows sorted by bucket, then pass (linked
    first), then link order: a notice's partners are the rows just before it."""
    rows = con.sql(
        """SELECT d.i, d.pass, d.ord, b.hash FROM notice_lsh_bands b JOIN _near_nodes d ON d.id = b.notice_id
           WHERE b.band = ?""",
        params=[band],
    ).fetchnumpy()
    order = np.lexsort((rows["ord"], rows["pass"], rows["hash"]))
    node, passes, bucket_hash = (rows[c][order].astype(np.int64) for c in ("i", "pass", "hash"))
    n = len(node)
    if not n:
        return node, node
    position = np.arange(n)
    new_bucket = np.r_[True, bucket_hash[1:] != bucket_hash[:-1]]
    new_group = new_bucket | np.r_[True, passes[1:] != passes[:-1]]
    bucket_start = np.maximum.accumulate(np.where(new_bucket, position, 0))
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    group = np.cumsum(new_group) - 1
    in_group = np.bincount(group)[group]  # P
    linked = group_start - bucket_start  # S
    with_linked = linked <= s.max_bucket
    pairs_here = np.where(
        with_linked,
        (linked + in_group >= 2) & (linked + in_group <= s.max_bucket),
        (in_group >= 2) & (in_group <= s.max_bucket),
    )
    start = np.where(with_linked, bucket_start, group_start)
    count = np.where((passes >= 0) & pairs_here, position - start, 0)
    first = np.repeat(np.cumsum(count) - count, count)
    partner = np.repeat(start, count) + np.arange(int(count.sum())) - first
    return np.repeat(node, count), node[partner]


def _scores(
    con: duckdb.DuckDBPyConnection, x: np.ndarray, y: np.ndarray, s: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Estimated Jaccard of each pair (the share of equal MinHash minima), and whether both notices
    have a signature."""
    wanted = np.unique(np.concatenate([x, y]))
    con.register("_wanted", pa.table({"i": pa.array(wanted, pa.int64())}))
    got = con.sql(
        """SELECT d.i, m.signature FROM notice_minhash m JOIN _link_nodes d ON d.id = m.notice_id
           SEMI JOIN _wanted w ON w.i = d.i"""
    ).to_arrow_table()
    con.unregister("_wanted")
    nodes = got.column("i").to_numpy()
    chunks = got.column("signature").chunks  # each chunk's offsets are 32-bit: not combined into one
    sigs = np.concatenate(
        [_signature_matrix(chunk, s.num_perm) for chunk in chunks]
        or [np.empty((0, s.num_perm), dtype=np.uint32)]
    )
    row_of = np.full(int(wanted.max()) + 1 if len(wanted) else 0, -1, dtype=np.int64)
    row_of[nodes] = np.arange(len(nodes))
    known = (row_of[x] >= 0) & (row_of[y] >= 0) if len(x) else np.zeros(0, dtype=bool)
    scores = np.zeros(len(x))
    for lo in range(0, len(x), _SCORE_STEP):
        hi = lo + _SCORE_STEP
        mine, theirs = row_of[x[lo:hi]], row_of[y[lo:hi]]
        scores[lo:hi] = np.count_nonzero(sigs[mine] == sigs[theirs], axis=1) / s.num_perm
    return scores, known


def _signature_matrix(blobs: pa.BinaryArray, num_perm: int) -> np.ndarray:
    """The signatures (blobs of num_perm uint32 minima, one after another in the array's data buffer)
    as a matrix viewing that buffer: not a Python object each."""
    offsets = np.frombuffer(blobs.buffers()[1], dtype=np.int32, count=len(blobs) + 1, offset=blobs.offset * 4)
    width = num_perm * 4
    if (np.diff(offsets) != width).any():
        raise ValueError(f"a stored MinHash signature is not {width} bytes long")
    data = np.frombuffer(
        blobs.buffers()[2], dtype=np.uint32, count=len(blobs) * num_perm, offset=int(offsets[0])
    )
    return data.reshape(len(blobs), num_perm)


def _titles_agree(con: duckdb.DuckDBPyConnection, x: np.ndarray, y: np.ndarray, s: Settings) -> np.ndarray:
    """decision.titles_agree of each pair's title keys: equal keys agree, the others are asked one by one."""
    wanted = np.unique(np.concatenate([x, y]))
    con.register("_wanted", pa.table({"i": pa.array(wanted, pa.int64())}))
    got = con.sql(
        """SELECT w.i, coalesce(k.title_key, '') AS title_key FROM _wanted w JOIN _link_nodes d ON d.i = w.i
           LEFT JOIN notice_keys k ON k.notice_id = d.id ORDER BY w.i"""
    ).to_arrow_table()
    con.unregister("_wanted")
    encoded = got.column("title_key").combine_chunks().dictionary_encode()
    title_id = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    titles: list[str] = encoded.dictionary.to_pylist()
    tx, ty = title_id[np.searchsorted(wanted, x)], title_id[np.searchsorted(wanted, y)]
    pairs, pair_of = np.unique(tx * len(titles) + ty, return_inverse=True)  # templated titles repeat
    a, b = pairs // len(titles), pairs % len(titles)
    agree = a == b
    lengths = np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))
    la, lb = lengths[a], lengths[b]
    shorter, gap = np.minimum(la, lb), np.abs(la - lb)
    # necessary: at most max_edits insertions and deletions apart, or the shorter (6+) inside the longer
    ask = np.flatnonzero(~agree & (shorter > 0) & ((gap <= s.title_max_edits) | (shorter >= 6)))
    edits = process.cpdist(
        [titles[i] for i in a[ask]], [titles[i] for i in b[ask]], scorer=Indel.distance, workers=1
    ).astype(np.int64)
    ask = ask[(edits <= s.title_max_edits) | ((edits == gap[ask]) & (shorter[ask] >= 6))]
    agree[ask] = [
        titles_agree(titles[i], titles[j], s) for i, j in zip(a[ask].tolist(), b[ask].tolist(), strict=True)
    ]
    return agree[pair_of]


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
