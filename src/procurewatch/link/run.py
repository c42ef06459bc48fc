"""Linking notices into procurements, so that one purchase is counted once.

`link_pending(con)` links every notice that has no `notice_links` row yet, in date order,
to a procurement already in the store or to one created in the same run. The first rule
that holds decides, and the link keeps its reason and score:

  ocid            OCDS releases sharing an ocid                                   score 1
  fingerprint     exact re-post: same normalised-content hash (duplicate_of set)  score 1
  project_code    same normalised project code, buyers compatible, dates close    score 1
  near_duplicate  MinHash/LSH estimated Jaccard of the normalised text
                  (duplicate_of set when it reaches `repost_jaccard`)             score = Jaccard
  similarity      same buyer, title similarity after phase words are stripped
                  (招标公告/中标结果/更正公告 ...), dates within the window          score = ratio/100
  first           none of the above: the notice starts a new procurement          score 1

Incremental: each notice's MinHash signature, LSH band hashes and comparison keys are
made when it is stored (link_keys.py) and kept in `notice_minhash` / `notice_lsh_bands` /
`notice_keys`, so linking never re-reads bodies and the store is never re-shingled. After linking, the aggregate columns of the touched procurements are
recomputed from their member notices (spend = award/contract value when known, else budget).
Settings live in data/linking.json.
"""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

from procurewatch.link.keys import (
    Settings,
    band_hashes_many,
    link_rows,
    normalise_many,
    normalise_text,
    phase_of,
    settings,
)
from procurewatch.store.arrow_tables import to_tables
from procurewatch.store.tables import LINK_KEY_TABLES

_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=65536)
def distinguishing_tokens(key: str) -> frozenset[str]:
    """Numbers and lot/phase markers (二标段, 第3批): titles differing in them are different purchases."""
    lots = settings().lot_pattern.findall(key)
    rest = settings().lot_pattern.sub(" ", key)
    return frozenset(lots) | frozenset(_DIGITS.findall(rest))


def tokens_conflict(a: str, b: str) -> bool:
    ta, tb = distinguishing_tokens(a), distinguishing_tokens(b)
    return bool(ta and tb and ta != tb)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


# ---------------------------------------------------------------- linking


@dataclass
class _Proc:
    id: str
    title_key: str
    buyer_key: str | None
    code_key: str | None
    first: date | None
    last: date | None

    def near(self, day: date | None, window: timedelta) -> bool:
        if day is None or self.first is None or self.last is None:
            return True
        return self.first - window <= day <= self.last + window

    def extend(self, day: date | None) -> None:
        if day is None:
            return
        self.first = day if self.first is None else min(self.first, day)
        self.last = day if self.last is None else max(self.last, day)


@dataclass
class _Pending:
    id: str
    fingerprint: str
    published: date | None
    ocid: str | None
    buyer_key: str | None
    title_key: str
    code_key: str | None
    cancelled: bool
    phase: str = "other"
    title_norm: str = ""


_KeyIndex = defaultdict[str, dict[str, str]]  # key -> {procurement id: its title key}, in insertion order


def link_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Link every notice without a notice_links row; return how many were linked.

    Pending notices are linked in date-ordered passes of `pending_chunk` (one transaction each when
    the caller holds none): each pass links against the store as the passes before it left it, so
    the result is that of linking incrementally, and memory stays flat for any number of notices.
    """
    chunk = settings().pending_chunk
    linked = 0
    while True:
        own_transaction = _begin(con)
        try:
            with _collector_paused():
                done = _link(con, chunk)
            if own_transaction:
                con.execute("COMMIT")
        except BaseException:
            if own_transaction:
                con.execute("ROLLBACK")
            raise
        linked += done
        # up to 65,536 titles' tokens (~30 MB), mostly of this pass: kept, they raised each later
        # pass's peak (200k notices in a fresh process: 469 -> 439 MB when cleared, no slower)
        distinguishing_tokens.cache_clear()
        if done < chunk:
            return linked


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Linking allocates millions of small acyclic objects while holding hundreds of thousands: the
    cyclic garbage collector would rescan them over and over (about 10% of linking time at 200k)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        return False  # the caller holds a transaction; we run inside it
    return True


def _link(con: duckdb.DuckDBPyConnection, limit: int) -> int:
    s = settings()
    con.execute("DROP TABLE IF EXISTS _pending")
    con.execute(
        """CREATE TEMP TABLE _pending AS
           SELECT id, row_number() OVER (ORDER BY published NULLS LAST, id) AS ord
           FROM (SELECT n.id, n.published FROM notices n ANTI JOIN notice_links l ON l.notice_id = n.id
                 ORDER BY n.published NULLS LAST, n.id LIMIT ?)""",
        [limit],
    )
    (count,) = con.execute("SELECT count(*) FROM _pending").fetchone() or (0,)
    if not count:
        return 0
    batch = _read_pending(con)
    pending = batch.pending
    candidates = _near_duplicates(con, batch)

    fp_map = _store_fingerprints(con)
    ocid_map: dict[str, str] = dict(
        con.execute(
            """SELECT ocid, min(id) FROM procurements
               WHERE ocid IN (SELECT n.ocid FROM notices n JOIN _pending p ON p.id = n.id) GROUP BY ocid"""
        ).fetchall()
    )
    procs, crowded = _store_procurements(con, pending, s.max_fuzzy_pool)
    by_code: _KeyIndex = defaultdict(dict)
    by_buyer: _KeyIndex = defaultdict(dict)
    by_title: _KeyIndex = defaultdict(dict)
    for proc in procs.values():
        _index(proc, by_code, by_buyer, by_title, None)
    link_of: dict[str, str] = dict(
        con.execute(
            """SELECT l.notice_id, l.procurement_id FROM notice_links l
               JOIN _candidates c ON c.other = l.notice_id"""
        ).fetchall()
    )

    decided: list[tuple[str, str, str, float, str | None]] = []
    for i, p in enumerate(pending):
        pid, reason, score, dup = _decide(
            p,
            s,
            fp_map,
            ocid_map,
            by_code,
            by_buyer,
            by_title,
            procs,
            crowded,
            candidates.of(i),
            link_of,
        )
        if pid is None:
            pid, reason, score, dup = p.id, "first", 1.0, None
            proc = _Proc(p.id, p.title_key, p.buyer_key, p.code_key, p.published, p.published)
            procs[pid] = proc
            _index(proc, by_code, by_buyer, by_title, p)
            if p.ocid:
                ocid_map.setdefault(p.ocid, pid)
        else:
            proc = procs[pid]
            proc.extend(p.published)
            proc.buyer_key = proc.buyer_key or p.buyer_key
            proc.code_key = proc.code_key or p.code_key
            _index(proc, by_code, by_buyer, by_title, p)
        link_of[p.id] = pid
        fp_map.setdefault(p.fingerprint, (p.id, pid))
        decided.append((p.id, pid, reason, score, dup))

    names = ("notice_id", "procurement_id", "reason", "score", "duplicate_of")
    con.register("_links", pa.table(dict(zip(names, map(list, zip(*decided, strict=True)), strict=True))))
    con.execute(
        "INSERT INTO notice_links SELECT notice_id, procurement_id, reason, score, duplicate_of FROM _links"
    )
    refresh_procurements(con, "SELECT DISTINCT procurement_id FROM _links")
    con.unregister("_links")
    con.execute("DROP TABLE IF EXISTS _pending")
    con.execute("DROP TABLE IF EXISTS _candidates")
    return len(pending)


def _index(
    proc: _Proc, by_code: _KeyIndex, by_buyer: _KeyIndex, by_title: _KeyIndex, member: _Pending | None
) -> None:
    """Make the procurement findable under its own keys and under those of a new member notice."""
    for index, keys in (
        (by_code, (proc.code_key, member and member.code_key)),
        (by_buyer, (proc.buyer_key, member and member.buyer_key)),
        (by_title, (proc.title_key, member and member.title_key)),
    ):
        for key in keys:
            if key:
                index[key][proc.id] = proc.title_key


def _decide(
    p: _Pending,
    s: Settings,
    fp_map: dict[str, tuple[str, str]],
    ocid_map: dict[str, str],
    by_code: _KeyIndex,
    by_buyer: _KeyIndex,
    by_title: _KeyIndex,
    procs: dict[str, _Proc],
    crowded: set[str],
    near: Iterable[tuple[_Other, float]],
    link_of: dict[str, str],
) -> tuple[str | None, str, float, str | None]:
    if p.ocid and p.ocid in ocid_map:
        return ocid_map[p.ocid], "ocid", 1.0, None
    if p.fingerprint in fp_map:
        first_id, pid = fp_map[p.fingerprint]
        return pid, "fingerprint", 1.0, first_id
    if p.code_key:
        for pid in list(by_code.get(p.code_key, {}))[-s.max_fuzzy_pool :]:
            proc = procs[pid]
            if proc.near(p.published, s.code_window) and not _buyers_conflict(p.buyer_key, proc.buyer_key, s):
                return proc.id, "project_code", 1.0, None
    for other, score in near:  # best first, all at or above near_duplicate
        pid = link_of.get(other.id)
        if pid is None:
            continue  # a later notice of this run; it will find this one
        if titles_agree(p.title_key, other.title_key, s) and not _keys_conflict(p, procs[pid]):
            # a re-post: same phase, and nearly the same text or the same title with other
            # boilerplate; a correction (更正公告) repeating the tender is not a re-post
            repost = other.phase == p.phase and (score >= s.repost or other.title_norm == p.title_norm)
            return pid, "near_duplicate", round(score, 4), other.id if repost else None
    if p.title_key:
        # same buyer (titles compared), or the very same title from a notice that names no buyer
        pool = dict(by_title.get(p.title_key) or {})
        same_buyer = by_buyer.get(p.buyer_key) or {} if p.buyer_key else {}
        # a buyer with thousands of purchases: exact titles only
        if p.buyer_key not in crowded and len(same_buyer) <= s.max_fuzzy_pool:
            pool.update(same_buyer)
        for _, score, pid in process.extract(
            p.title_key, pool, scorer=fuzz.ratio, score_cutoff=s.title_similarity, limit=3
        ):
            proc = procs[pid]
            if (
                proc.near(p.published, s.window)
                and titles_close(p.title_key, proc.title_key, s.title_max_edits)
                and not _keys_conflict(p, proc)
            ):
                return proc.id, "similarity", round(score / 100, 4), None
    return None, "first", 1.0, None


def titles_agree(a: str, b: str, s: Settings) -> bool:
    """Templated notices share most of their text; a near-duplicate must also say the same in its title."""
    if not a or not b:
        return a == b
    return titles_close(a, b, s.title_max_edits)


def titles_close(a: str, b: str, max_edits: int) -> bool:
    """One title contains the other (a portal tag, 第2次公示), or at most `max_edits` characters were
    inserted or deleted (年→年度, 规范→规范书) and none replaced: 体脂秤→健康手环 or an inserted 监理
    is another purchase."""
    if min(len(a), len(b)) >= 6 and (a in b or b in a):
        return True
    if Levenshtein.distance(a, b, score_cutoff=max_edits + 1) > max_edits:
        return False
    return all(op.tag != "replace" for op in Levenshtein.editops(a, b))


def _buyers_conflict(a: str | None, b: str | None, s: Settings) -> bool:
    return bool(a and b and fuzz.partial_ratio(a, b) < s.buyer_conflict_below)


def _keys_conflict(p: _Pending, proc: _Proc) -> bool:
    """Different project codes, different buyers or different lot/phase numbers: not one purchase."""
    if p.code_key and proc.code_key and p.code_key != proc.code_key:
        return True
    if _buyers_conflict(p.buyer_key, proc.buyer_key, settings()):
        return True
    return tokens_conflict(p.title_key, proc.title_key)


@dataclass(frozen=True)
class _Batch:
    """The pending notices in link order, with their MinHash signatures (row i is pending[i]; rows of
    notices too short to judge are zero and unused) and LSH band hashes."""

    pending: list[_Pending]
    sigs: np.ndarray
    has_sig: np.ndarray
    bands: np.ndarray


def _read_pending(con: duckdb.DuckDBPyConnection) -> _Batch:
    """Pending notices in link order, with the keys and signatures stored beside them."""
    _complete_link_rows(con)
    s = settings()
    table = con.sql(
        """SELECT n.id, n.fingerprint, n.published, n.ocid, n.title, n.notice_type,
                  k.buyer_key, k.title_key, k.code_key, k.cancelled, m.signature
           FROM _pending p JOIN notices n ON n.id = p.id JOIN notice_keys k ON k.notice_id = p.id
           LEFT JOIN notice_minhash m ON m.notice_id = p.id ORDER BY p.ord"""
    ).to_arrow_table()
    ids, fps, days, ocids, titles, types, buyer_keys, title_keys, code_keys, cancelled, blobs = (
        table.column(i).to_pylist() for i in range(table.num_columns)
    )
    sigs = np.zeros((len(ids), s.num_perm), dtype=np.uint32)
    has_sig = np.fromiter((b is not None for b in blobs), dtype=bool, count=len(blobs))
    rows = np.flatnonzero(has_sig)
    if len(rows):
        sigs[rows] = np.frombuffer(b"".join(b for b in blobs if b is not None), dtype=np.uint32).reshape(
            len(rows), s.num_perm
        )
    bands = np.zeros((len(ids), len(s.bands)), dtype=np.int64)
    bands[rows] = band_hashes_many(sigs[rows])
    title_norms = normalise_many(titles)
    pending = [
        _Pending(
            id=nid,
            fingerprint=fp,
            published=published,
            ocid=ocid or None,
            buyer_key=buyer,
            title_key=tkey or "",
            phase=phase_of(ntype, title),
            title_norm=title_norm,
            code_key=code,
            cancelled=cancel,
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
    return _Batch(pending, sigs, has_sig, bands)


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


@dataclass(frozen=True)
class _Other:
    """A notice a pending notice may be a near-duplicate of: stored, or earlier in this run."""

    id: str
    title_key: str
    phase: str
    title_norm: str


@dataclass(frozen=True)
class _Near:
    """Per pending notice, its near-duplicate candidates at or above `near_duplicate`, best first."""

    offsets: list[int]
    others: list[_Other]
    scores: list[float]

    def of(self, i: int) -> zip[tuple[_Other, float]]:
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return zip(self.others[lo:hi], self.scores[lo:hi], strict=True)


def _near_duplicates(con: duckdb.DuckDBPyConnection, batch: _Batch) -> _Near:
    """Candidates of each pending notice by LSH (stored notices, or earlier ones of this run, that share
    a band bucket), scored by estimated Jaccard. Fills the temp table `_candidates(other)` with the
    stored notices among them."""
    s = settings()
    n = len(batch.pending)
    x, y, store_ids = _lsh_pairs(con, batch)
    store_sigs, row_of, store_info = _store_candidates(con, store_ids, np.unique(y[y >= n]) - n)
    known = np.ones(len(y), dtype=bool)
    known[y >= n] = row_of[y[y >= n] - n] >= 0
    scores = np.zeros(len(y))
    step = 16_384  # pairs at a time: a few MB of minima, which stay in cache
    for lo in range(0, len(x), step):  # estimated Jaccard: the share of equal minima
        xs, ys = x[lo : lo + step], y[lo : lo + step]
        stored = ys >= n
        if stored.any():
            theirs = np.empty((len(ys), s.num_perm), dtype=np.uint32)
            theirs[~stored] = batch.sigs[ys[~stored]]
            theirs[stored] = store_sigs[row_of[ys[stored] - n]]
        else:
            theirs = batch.sigs[ys]
        scores[lo : lo + len(xs)] = np.count_nonzero(batch.sigs[xs] == theirs, axis=1) / s.num_perm
    keep = known & (scores >= s.near_duplicate)
    x, y, scores = x[keep], y[keep], scores[keep]
    titles = [p.title_key for p in batch.pending] + [
        store_info[i].title_key if i in store_info else "" for i in range(len(store_ids))
    ]
    keep = _titles_may_agree(titles, x, y, s)
    x, y, scores = x[keep], y[keep], scores[keep]
    order = np.lexsort((np.arange(len(x)), -scores, x))  # stable: ties keep the candidate order
    x, y, scores = x[order], y[order], scores[order]
    used = np.unique(y[y >= n]) - n
    con.execute("DROP TABLE IF EXISTS _candidates")
    con.register("_candidate_ids", pa.table({"other": pa.array([store_ids[i] for i in used], pa.string())}))
    con.execute("CREATE TEMP TABLE _candidates AS SELECT other FROM _candidate_ids")
    con.unregister("_candidate_ids")
    pending_info = {}
    others = []
    for node in y.tolist():
        if node < n:
            if node not in pending_info:
                p = batch.pending[node]
                pending_info[node] = _Other(p.id, p.title_key, p.phase, p.title_norm)
            others.append(pending_info[node])
        else:
            others.append(store_info[node - n])
    offsets = np.searchsorted(x, np.arange(n + 1)).tolist()
    return _Near(offsets, others, scores.tolist())


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
    xs, ys = x[check].tolist(), y[check].tolist()
    edits = process.cpdist(
        [titles[i] for i in xs], [titles[i] for i in ys], scorer=Indel.distance, workers=1
    ).astype(np.int64)
    may[check] = (edits <= s.title_max_edits) | ((edits == gap[check]) & (np.minimum(la, lb)[check] >= 6))
    return may


def _lsh_pairs(con: duckdb.DuckDBPyConnection, batch: _Batch) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Node pairs (x, y): x a pending notice (its index), y a notice sharing an LSH band bucket of at most
    `max_bucket` notices with it: an earlier pending one (its index) or a stored one (n + its index in
    the returned ids). Per x at most `max_candidates`, ordered by shared bands (most first), then id.
    A numpy self-join over the sorted hashes of each band."""
    s = settings()
    n = len(batch.pending)
    rows = np.flatnonzero(batch.has_sig)
    nbands = batch.bands.shape[1]
    mine = pa.table(
        {
            "band": pa.array(np.tile(np.arange(nbands, dtype=np.int16), len(rows))),
            "hash": pa.array(batch.bands[rows].reshape(-1)),
        }
    )
    con.register("_mine", mine)
    stored = con.sql(
        """SELECT b.notice_id, b.band, b.hash FROM notice_lsh_bands b
           SEMI JOIN _mine m ON m.band = b.band AND m.hash = b.hash
           -- linked notices only: a notice of a later pass is not in the store yet
           SEMI JOIN notice_links l ON l.notice_id = b.notice_id
           -- a bucket already too big in the store stays too big: its members are never candidates
           QUALIFY count(*) OVER (PARTITION BY b.band, b.hash) <= ?""",
        params=[s.max_bucket],
    ).to_arrow_table()
    con.unregister("_mine")
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


def _store_candidates(
    con: duckdb.DuckDBPyConnection, store_ids: list[str], wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[int, _Other]]:
    """Signatures and comparison keys of the wanted stored candidates (indices in store_ids): the
    signature of store_ids[i] is sigs[row_of[i]], row_of[i] = -1 when it has none."""
    sigs = np.zeros((len(wanted), settings().num_perm), dtype=np.uint32)
    row_of = np.full(len(store_ids), -1, dtype=np.int64)
    if not len(wanted):
        return sigs, row_of, {}
    con.register(
        "_wanted",
        pa.table({"other": pa.array([store_ids[i] for i in wanted], pa.string()), "node": pa.array(wanted)}),
    )
    rows = con.execute(
        """SELECT w.node, m.signature, coalesce(k.title_key, ''), n.notice_type, n.title
           FROM notice_minhash m JOIN _wanted w ON w.other = m.notice_id JOIN notices n ON n.id = m.notice_id
           LEFT JOIN notice_keys k ON k.notice_id = m.notice_id"""
    ).fetchall()
    con.unregister("_wanted")
    info: dict[int, _Other] = {}
    for row, (node, blob, key, ntype, title) in enumerate(rows):
        sigs[row] = np.frombuffer(blob, dtype=np.uint32)
        row_of[node] = row
        info[node] = _Other(store_ids[node], key, phase_of(ntype, title), normalise_text(title))
    return sigs, row_of, info


def _store_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    rows = con.execute(
        """SELECT n.fingerprint, arg_min(n.id, coalesce(n.published, DATE '9999-12-31')),
                  arg_min(l.procurement_id, coalesce(n.published, DATE '9999-12-31'))
           FROM notices n JOIN notice_links l ON l.notice_id = n.id
           WHERE n.fingerprint IN (SELECT n2.fingerprint FROM notices n2 JOIN _pending p ON p.id = n2.id)
           GROUP BY n.fingerprint"""
    ).fetchall()
    return {fp: (nid, pid) for fp, nid, pid in rows}


def _store_procurements(
    con: duckdb.DuckDBPyConnection, pending: list[_Pending], max_pool: int
) -> tuple[dict[str, _Proc], set[str]]:
    """Stored procurements that could receive a pending notice: same code, buyer or title key, or linked
    to a near-duplicate candidate; and the crowded buyer keys, those with more than `max_pool` stored
    procurements. A crowded buyer's procurements are only compared by exact title, so they are not
    read by buyer (the last pass of 400k notices read 128k procurements, most of them for nothing)."""
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
              OR (buyer_key IN (SELECT buyer_key FROM _pkeys) AND buyer_key NOT IN (SELECT buyer_key FROM _crowded))
              OR title_key IN (SELECT title_key FROM _pkeys)
              OR id IN (SELECT l.procurement_id FROM notice_links l
                        JOIN (SELECT DISTINCT other FROM _candidates) c ON c.other = l.notice_id)"""
    ).fetchall()
    con.unregister("_pkeys")
    con.unregister("_crowded")
    return {r[0]: _Proc(r[0], r[1] or "", r[2], r[3], r[4], r[5]) for r in rows}, crowded


# ---------------------------------------------------------------- aggregates

_REFRESH = """
INSERT INTO procurements (id, title, buyer, project_code, ocid, first_published, last_published, status,
                          notices, spend_value, spend_currency, spend_kind, relevant, score, title_match,
                          country, province, city, admin_code, buyer_key, title_key, code_key, notices_all,
                          spend_notice)
WITH m AS (
    SELECT l.procurement_id AS pid, l.duplicate_of, n.id, n.title, n.buyer, n.project_code, n.ocid,
           n.published, n.notice_type, n.amount_value, n.amount_currency, n.amount_kind, n.relevant, n.score,
           n.title_match, n.country, n.province, n.city, n.admin_code, k.buyer_key, k.title_key, k.code_key,
           coalesce(k.cancelled, n.notice_type = 'cancellation') AS cancelled,
           coalesce(n.published, DATE '9999-12-31') AS sort_day
    FROM notice_links l JOIN notices n ON n.id = l.notice_id
    LEFT JOIN notice_keys k ON k.notice_id = n.id
    WHERE l.procurement_id IN (SELECT procurement_id FROM _touched)
),
spend AS (
    SELECT pid, id AS spend_notice, amount_value, amount_currency, amount_kind FROM m
    WHERE amount_value IS NOT NULL AND amount_currency IS NOT NULL AND amount_kind IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY pid
        ORDER BY CASE WHEN amount_kind IN ('award', 'contract') THEN 0 ELSE 1 END,
                 coalesce(published, DATE '0001-01-01') DESC, id) = 1
),
agg AS (
    SELECT pid,
           arg_min(title, sort_day) AS title,
           arg_min(buyer, sort_day) FILTER (WHERE buyer IS NOT NULL) AS buyer,
           arg_min(project_code, sort_day) FILTER (WHERE project_code IS NOT NULL) AS project_code,
           arg_min(ocid, sort_day) FILTER (WHERE ocid IS NOT NULL) AS ocid,
           min(published) AS first_published, max(published) AS last_published,
           CASE WHEN bool_or(cancelled) THEN 'cancelled'
                WHEN bool_or(notice_type = 'contract') THEN 'contracted'
                WHEN bool_or(notice_type = 'award') THEN 'awarded'
                ELSE 'open' END AS status,
           count(*) FILTER (WHERE duplicate_of IS NULL) AS notices,
           bool_or(relevant) AS relevant, max(score) AS score, bool_or(title_match) AS title_match,
           arg_min(country, sort_day) FILTER (WHERE country IS NOT NULL) AS country,
           arg_min(province, sort_day) FILTER (WHERE province IS NOT NULL) AS province,
           arg_min(city, sort_day) FILTER (WHERE city IS NOT NULL) AS city,
           arg_min(admin_code, sort_day) FILTER (WHERE admin_code IS NOT NULL) AS admin_code,
           arg_min(buyer_key, sort_day) FILTER (WHERE buyer_key IS NOT NULL) AS buyer_key,
           arg_min(title_key, sort_day) AS title_key,
           arg_min(code_key, sort_day) FILTER (WHERE code_key IS NOT NULL) AS code_key,
           count(*) AS notices_all
    FROM m GROUP BY pid
)
SELECT a.pid, a.title, a.buyer, a.project_code, a.ocid, a.first_published, a.last_published, a.status,
       a.notices, s.amount_value, s.amount_currency, s.amount_kind, a.relevant, a.score, a.title_match,
       a.country, a.province, a.city, a.admin_code, a.buyer_key, a.title_key, a.code_key, a.notices_all,
       s.spend_notice
FROM agg a LEFT JOIN spend s ON s.pid = a.pid
"""


def refresh_procurements(con: duckdb.DuckDBPyConnection, touched_sql: str | None = None) -> None:
    """Recompute the aggregate row of each touched procurement (all of them when touched_sql is None)."""
    con.execute("DROP TABLE IF EXISTS _touched")
    con.execute(
        f"CREATE TEMP TABLE _touched AS {touched_sql or 'SELECT DISTINCT procurement_id FROM notice_links'}"
    )
    con.execute("DELETE FROM procurements WHERE id IN (SELECT procurement_id FROM _touched)")
    con.execute(_REFRESH)
    con.execute("DROP TABLE IF EXISTS _touched")
