"""Near-duplicate candidates of the pending notices, found by LSH over their MinHash signatures.

Comparing every pending notice with every stored one is out of the question, so each pending notice
is compared only with the notices that share one of its LSH band buckets (stored and linked ones, or
earlier ones of the same pass), scored by estimated Jaccard (the share of equal MinHash minima), and
kept when the score reaches `near_duplicate` and the titles can still agree. The bucket join and the
scoring are done on whole arrays: linking runs this once per pass, not once per notice. The signatures
and band hashes were made when the notices were stored (keys.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from rapidfuzz import process
from rapidfuzz.distance import Indel

from procurewatch.link.decision import Other, Pending
from procurewatch.link.keys import Settings, normalise_many, phase_of


@dataclass(frozen=True)
class Batch:
    """The pending notices in link order, with their MinHash signatures (row i is pending[i]; rows of
    notices too short to judge are zero and unused) and LSH band hashes."""

    pending: list[Pending]
    sigs: np.ndarray
    has_sig: np.ndarray
    bands: np.ndarray


class FullBuckets:
    """The LSH buckets found holding more than `max_bucket` linked notices during one linking run. Links
    are only added, so such a bucket never pairs anything again: its pending notices' lookups skip it
    instead of gathering its members from the store pass after pass."""

    def __init__(self, nbands: int) -> None:
        self._hashes = [np.empty(0, dtype=np.int64) for _ in range(nbands)]

    def add(self, bands: np.ndarray, hashes: np.ndarray) -> None:
        for band in np.unique(bands).tolist():
            self._hashes[band] = np.union1d(self._hashes[band], hashes[bands == band])

    def hold(self, bands: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """full[i]: the bucket (bands[i], hashes[i]) is one of them."""
        full = np.zeros(len(bands), dtype=bool)
        for band, known in enumerate(self._hashes):
            if len(known):
                here = bands == band
                full[here] = np.isin(hashes[here], known)
        return full


@dataclass(frozen=True)
class Near:
    """Per pending notice, its near-duplicate candidates at or above `near_duplicate`, best first."""

    offsets: list[int]
    others: list[Other]
    scores: list[float]

    def of(self, i: int) -> Iterable[tuple[Other, float]]:
        lo, hi = self.offsets[i], self.offsets[i + 1]
        if lo == hi:
            return ()  # most notices
        return zip(self.others[lo:hi], self.scores[lo:hi], strict=True)


def near_duplicates(
    con: duckdb.DuckDBPyConnection, batch: Batch, s: Settings, full: FullBuckets | None = None
) -> Near:
    """Candidates of each pending notice by LSH (stored notices, or earlier ones of this run, that share
    a band bucket), scored by estimated Jaccard. Fills the temp table `_candidates(other)` with the
    stored notices among them. `full`: the buckets known to be too big in the store, kept up to date."""
    n = len(batch.pending)
    x, y, store_ids = _lsh_pairs(con, batch, s, full)
    title_keys = _stored_title_keys(con, store_ids, np.unique(y[y >= n]) - n)
    # titles first: most pairs an LSH bucket gives reach `near_duplicate` but fail this far cheaper test,
    # so only the pairs left are scored, and only their stored candidates' signatures read
    # (docs/measurements.md)
    titles = [p.title_key for p in batch.pending] + [title_keys.get(i, "") for i in range(len(store_ids))]
    keep = _titles_may_agree(titles, x, y, s)
    x, y = x[keep], y[keep]
    store_sigs, row_of = _store_signatures(con, store_ids, np.unique(y[y >= n]) - n, s)
    known = np.ones(len(y), dtype=bool)  # a stored candidate without a signature is never compared
    known[y >= n] = row_of[y[y >= n] - n] >= 0
    x, y = x[known], y[known]
    scores = np.zeros(len(y))
    step = 16_384  # pairs at a time: small enough for the minima to stay in cache
    # counted in bytes when they can hold num_perm: half the time of counting in machine words
    count_type = np.uint8 if s.num_perm < 256 else np.intp
    for lo in range(0, len(x), step):  # estimated Jaccard: the share of equal minima
        xs, ys = x[lo : lo + step], y[lo : lo + step]
        stored = ys >= n
        if stored.any():
            theirs = np.empty((len(ys), s.num_perm), dtype=np.uint32)
            theirs[~stored] = batch.sigs[ys[~stored]]
            theirs[stored] = store_sigs[row_of[ys[stored] - n]]
        else:
            theirs = batch.sigs[ys]
        equal = batch.sigs[xs] == theirs
        scores[lo : lo + len(xs)] = equal.sum(axis=1, dtype=count_type) / s.num_perm
    keep = scores >= s.near_duplicate
    x, y, scores = x[keep], y[keep], scores[keep]
    order = np.lexsort((np.arange(len(x)), -scores, x))  # stable: ties keep the candidate order
    x, y, scores = x[order], y[order], scores[order]
    used = np.unique(y[y >= n]) - n
    con.execute("DROP TABLE IF EXISTS _candidates")
    con.register("_candidate_ids", pa.table({"other": pa.array([store_ids[i] for i in used], pa.string())}))
    con.execute("CREATE TEMP TABLE _candidates AS SELECT other FROM _candidate_ids")
    con.unregister("_candidate_ids")
    store_info = _stored_others(con, store_ids, used, title_keys)
    pending_info = {}
    others = []
    for node in y.tolist():
        if node < n:
            if node not in pending_info:
                p = batch.pending[node]
                pending_info[node] = Other(p.id, p.title_key, p.phase, p.title_norm)
            others.append(pending_info[node])
        else:
            others.append(store_info[node - n])
    offsets = np.searchsorted(x, np.arange(n + 1)).tolist()
    return Near(offsets, others, scores.tolist())


# title pairs compared at a time
_TITLE_PAIRS = 16_384


def _titles_may_agree(titles: list[str], x: np.ndarray, y: np.ndarray, s: Settings) -> np.ndarray:
    """For many pairs (x, y) of nodes with these titles, a necessary condition of `titles_agree`: one
    title empty, at most `title_max_edits` insertions and deletions apart, or the shorter a subsequence
    of the longer (as it is when one contains the other). Pairs failing it never agree, so they are not
    looked at one by one."""
    lengths = np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))
    la, lb = lengths[x], lengths[y]
    gap = np.abs(la - lb)
    empty = (la == 0) | (lb == 0)
    may = empty.copy()
    check = ~empty & ((gap <= s.title_max_edits) | (np.minimum(la, lb) >= 6))
    if s.title_max_edits < 2:  # equal lengths are an even number of edits apart: only equal titles agree
        same = check & (gap == 0)
        title_id = pa.array(titles, pa.string()).dictionary_encode().indices.to_numpy(zero_copy_only=False)
        may[same] = title_id[x[same]] == title_id[y[same]]
        check &= gap != 0
    xs, ys = x[check], y[check]
    edits = np.empty(len(xs), dtype=np.int64)
    for lo in range(0, len(xs), _TITLE_PAIRS):  # rapidfuzz copies the titles it is given
        mine, theirs = xs[lo : lo + _TITLE_PAIRS].tolist(), ys[lo : lo + _TITLE_PAIRS].tolist()
        edits[lo : lo + len(mine)] = process.cpdist(
            [titles[i] for i in mine], [titles[i] for i in theirs], scorer=Indel.distance, workers=1
        )
    may[check] = (edits <= s.title_max_edits) | ((edits == gap[check]) & (np.minimum(la, lb)[check] >= 6))
    return may


def _lsh_pairs(
    con: duckdb.DuckDBPyConnection, batch: Batch, s: Settings, full: FullBuckets | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Node pairs (x, y): x a pending notice (its index), y a notice sharing an LSH band bucket of at most
    `max_bucket` notices with it: an earlier pending one (its index) or a stored one (n + its index in
    the returned ids). Per x at most `max_candidates`, ordered by shared bands (most first), then id.
    A numpy self-join over the sorted hashes of each band."""
    n = len(batch.pending)
    rows = np.flatnonzero(batch.has_sig)
    nbands = batch.bands.shape[1]
    stored = _stored_members(con, np.tile(np.arange(nbands), len(rows)), batch.bands[rows].ravel(), s, full)
    encoded = stored.column("notice_id").combine_chunks().dictionary_encode()
    store_ids: list[str] = encoded.dictionary.to_pylist()
    store_node = n + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    store_band = stored.column("band").to_numpy()
    store_hash = stored.column("hash").to_numpy()
    total = n + len(store_ids)
    by_rank = np.argsort(np.array([p.id for p in batch.pending] + store_ids), kind="stable")
    rank = np.empty(total, dtype=np.int64)  # ties in shared bands go to the smaller id
    rank[by_rank] = np.arange(total)

    codes = [np.empty(0, dtype=np.int64)]  # x * total + rank of y, one per shared band
    for band in range(nbands):
        here = store_band == band
        hashes = np.concatenate([batch.bands[rows, band], store_hash[here]])
        node = np.concatenate([rows, store_node[here]])
        order = np.argsort(hashes)
        hashes, node = hashes[order], node[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        sizes = np.diff(np.r_[starts, len(hashes)])
        for size in np.unique(sizes[(sizes >= 2) & (sizes <= s.max_bucket)]).tolist():
            # buckets of this size; a bigger bucket is boilerplate, not evidence
            members = node[starts[sizes == size][:, None] + np.arange(size)]
            earliness = np.where(members < n, members, -1)  # stored notices come before every pending one
            bucket, a, b = np.nonzero(earliness[:, None, :] < earliness[:, :, None])  # b before a
            codes.append(members[bucket, a] * total + rank[members[bucket, b]])
    pairs, shared = np.unique(np.concatenate(codes), return_counts=True)  # by x, then id of y
    x, y = pairs // total, by_rank[pairs % total]
    order = np.argsort(x * (nbands + 1) + (nbands - shared), kind="stable")  # most shared bands first
    x, y = x[order], y[order]
    keep = np.arange(len(x)) - np.searchsorted(x, x) < s.max_candidates
    return x[keep], y[keep], store_ids


def _stored_members(
    con: duckdb.DuckDBPyConnection,
    bands: np.ndarray,
    hashes: np.ndarray,
    s: Settings,
    full: FullBuckets | None,
) -> pa.Table:
    """(notice_id, band, hash) of the linked notices in these buckets, but for buckets holding more than
    `max_bucket` of them; those found are added to `full`, and those already in it are not looked up."""
    if full is not None:
        looked_up = ~full.hold(bands, hashes)
        bands, hashes = bands[looked_up], hashes[looked_up]
    con.register("_mine", pa.table({"band": pa.array(bands.astype(np.int16)), "hash": pa.array(hashes)}))
    found = con.sql(
        """SELECT b.notice_id, b.band, b.hash, count(*) OVER (PARTITION BY b.band, b.hash) AS members
           FROM notice_lsh_bands b
           SEMI JOIN _mine m ON m.band = b.band AND m.hash = b.hash
           -- linked notices only: a notice of a later pass is not in the store yet
           SEMI JOIN notice_links l ON l.notice_id = b.notice_id
           -- a bucket already too big in the store stays too big: its members are never candidates
           QUALIFY members <= ? OR row_number() OVER (PARTITION BY b.band, b.hash) = 1""",
        params=[s.max_bucket],
    ).to_arrow_table()
    con.unregister("_mine")
    too_big = found.column("members").to_numpy() > s.max_bucket
    if full is not None and too_big.any():
        full.add(found.column("band").to_numpy()[too_big], found.column("hash").to_numpy()[too_big])
    return found.filter(pa.array(~too_big)).select(["notice_id", "band", "hash"])


def _read_wanted(
    con: duckdb.DuckDBPyConnection, store_ids: list[str], wanted: np.ndarray, sql: str
) -> pa.Table:
    """The rows of `sql`, which reads `_wanted(other, node)`: the ids of these stored candidates (indices
    in store_ids)."""
    con.register(
        "_wanted",
        pa.table({"other": pa.array([store_ids[i] for i in wanted], pa.string()), "node": pa.array(wanted)}),
    )
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("_wanted")


def _stored_title_keys(
    con: duckdb.DuckDBPyConnection, store_ids: list[str], wanted: np.ndarray
) -> dict[int, str]:
    """The title keys of the wanted stored candidates (indices in store_ids) that have keys."""
    if not len(wanted):
        return {}
    table = _read_wanted(
        con,
        store_ids,
        wanted,
        "SELECT w.node, coalesce(k.title_key, '') FROM _wanted w JOIN notice_keys k ON k.notice_id = w.other",
    )
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def _stored_others(
    con: duckdb.DuckDBPyConnection, store_ids: list[str], nodes: np.ndarray, title_keys: dict[int, str]
) -> dict[int, Other]:
    """node -> the Other of these stored candidates (indices in store_ids), each a stored notice."""
    if not len(nodes):
        return {}
    table = _read_wanted(
        con,
        store_ids,
        nodes,
        "SELECT w.node, n.notice_type, n.title FROM _wanted w JOIN notices n ON n.id = w.other",
    )
    found, types, titles = (table.column(i).to_pylist() for i in range(3))
    return {
        node: Other(store_ids[node], title_keys.get(node, ""), phase_of(ntype, title), title_norm)
        for node, ntype, title, title_norm in zip(found, types, titles, normalise_many(titles), strict=True)
    }


def _store_signatures(
    con: duckdb.DuckDBPyConnection, store_ids: list[str], wanted: np.ndarray, s: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Signatures of the wanted stored candidates (indices in store_ids): the signature of store_ids[i] is
    sigs[row_of[i]], row_of[i] = -1 when it has none."""
    sigs = np.zeros((len(wanted), s.num_perm), dtype=np.uint32)
    row_of = np.full(len(store_ids), -1, dtype=np.int64)
    if not len(wanted):
        return sigs, row_of
    # the signatures apart from the other columns: joined on, each signature's bytes would be carried
    # through every join
    signed = _read_wanted(
        con,
        store_ids,
        wanted,
        "SELECT w.node, m.signature FROM notice_minhash m JOIN _wanted w ON w.other = m.notice_id",
    )
    sigs[: signed.num_rows] = signature_matrix(signed.column(1), s.num_perm)
    signed_nodes = signed.column(0).to_numpy()
    del signed
    row_of[signed_nodes] = np.arange(len(signed_nodes))
    return sigs, row_of


def signature_matrix(blobs: pa.Array | pa.ChunkedArray, num_perm: int) -> np.ndarray:
    """The signatures of a column of stored ones (blobs of num_perm uint32 minima; nulls skipped) as a
    matrix, row after row in the column's order, viewing the column's data buffer: not a Python object
    each."""
    if isinstance(blobs, pa.ChunkedArray):
        blobs = blobs.combine_chunks()
    kind = np.int64 if pa.types.is_large_binary(blobs.type) else np.int32
    offsets = np.frombuffer(
        blobs.buffers()[1], dtype=kind, count=len(blobs) + 1, offset=blobs.offset * np.dtype(kind).itemsize
    )
    width = num_perm * 4
    expected: int | np.ndarray = width
    if blobs.null_count:  # a null takes no bytes in the data buffer
        expected = np.where(blobs.is_valid().to_numpy(zero_copy_only=False), width, 0)
    if (np.diff(offsets) != expected).any():
        raise ValueError(f"a stored MinHash signature is not {width} bytes long")
    rows = len(blobs) - blobs.null_count
    if not rows:
        return np.zeros((0, num_perm), dtype=np.uint32)
    data = np.frombuffer(blobs.buffers()[2], dtype=np.uint32, count=rows * num_perm, offset=int(offsets[0]))
    return data.reshape(rows, num_perm)
