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

Incremental: MinHash signatures and LSH band hashes of linked notices are kept in
`notice_minhash` / `notice_lsh_bands`, and comparison keys in `notice_keys`, so the store
is never re-shingled. After linking, the aggregate columns of the touched procurements are
recomputed from their member notices (spend = award/contract value when known, else budget).
Settings live in data/linking.json.
"""

from __future__ import annotations

import gc
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from datasketch import MinHash, MinHashLSH
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

EXTRA_SCHEMA = """
CREATE TABLE IF NOT EXISTS notice_minhash (notice_id VARCHAR NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS notice_lsh_bands (notice_id VARCHAR NOT NULL, band SMALLINT NOT NULL, hash BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS notice_keys (
    notice_id VARCHAR NOT NULL, buyer_key VARCHAR, title_key VARCHAR, code_key VARCHAR, cancelled BOOLEAN NOT NULL
);
ALTER TABLE procurements ADD COLUMN IF NOT EXISTS buyer_key VARCHAR;
ALTER TABLE procurements ADD COLUMN IF NOT EXISTS title_key VARCHAR;
ALTER TABLE procurements ADD COLUMN IF NOT EXISTS code_key VARCHAR;
ALTER TABLE procurements ADD COLUMN IF NOT EXISTS notices_all INTEGER;
ALTER TABLE procurements ADD COLUMN IF NOT EXISTS spend_notice VARCHAR;
"""

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_CN_NUM = "一二三四五六七八九十百零〇"


@dataclass(frozen=True)
class Settings:
    raw: dict[str, Any]
    num_perm: int
    shingle: int
    max_chars: int
    min_chars: int
    seed: int
    lsh_threshold: float
    max_candidates: int
    max_bucket: int
    near_duplicate: float
    title_max_edits: int
    max_fuzzy_pool: int
    pending_chunk: int
    repost: float
    title_similarity: float
    window: timedelta
    code_window: timedelta
    code_min_chars: int
    buyer_conflict_below: float
    phase_words: tuple[str, ...]
    phase_first_chars: frozenset[str]
    cancel_words: tuple[str, ...]
    amendment_words: tuple[str, ...]
    lot_pattern: re.Pattern[str]
    amendment_pattern: re.Pattern[str]
    cancel_pattern: re.Pattern[str]
    bands: tuple[tuple[int, int], ...] = field(default=())


@cache
def settings() -> Settings:
    raw = json.loads(resources.files("procurewatch").joinpath("data/linking.json").read_text("utf-8"))
    mh = raw["minhash"]
    lsh = MinHashLSH(threshold=mh["lsh_threshold"], num_perm=mh["num_perm"])
    markers = "|".join(re.escape(m) for m in raw["lot_markers"])
    return Settings(
        raw=raw,
        num_perm=mh["num_perm"],
        shingle=mh["shingle_chars"],
        max_chars=mh["max_chars"],
        min_chars=mh["min_chars"],
        seed=mh["seed"],
        lsh_threshold=mh["lsh_threshold"],
        max_candidates=mh["max_candidates"],
        max_bucket=mh["max_bucket"],
        near_duplicate=raw["near_duplicate_jaccard"],
        title_max_edits=raw["title_max_edits"],
        max_fuzzy_pool=raw["max_fuzzy_pool"],
        pending_chunk=raw["pending_chunk"],
        repost=raw["repost_jaccard"],
        title_similarity=raw["title_similarity"],
        window=timedelta(days=raw["date_window_days"]),
        code_window=timedelta(days=raw["project_code_window_days"]),
        code_min_chars=raw["project_code_min_chars"],
        buyer_conflict_below=raw["buyer_conflict_below"],
        phase_words=tuple(sorted(raw["phase_words"], key=len, reverse=True)),
        phase_first_chars=frozenset(w[0] for w in raw["phase_words"] if w),
        cancel_words=tuple(raw["cancel_words"]),
        amendment_words=tuple(raw["amendment_words"]),
        lot_pattern=re.compile(rf"第?[{_CN_NUM}\d]+(?:{markers})"),
        amendment_pattern=_any_of(raw["amendment_words"]),
        cancel_pattern=_any_of(raw["cancel_words"]),
        bands=tuple(tuple(r) for r in lsh.hashranges),
    )


def _any_of(words: list[str]) -> re.Pattern[str]:
    """A pattern found in a text exactly when one of the words is in it."""
    return re.compile("|".join(re.escape(w) for w in words if w) or "(?!)")


@cache
def _permutations() -> np.ndarray:
    s = settings()
    return MinHash(num_perm=s.num_perm, seed=s.seed).permutations


# ---------------------------------------------------------------- normalisation


def normalise_text(text: str | None) -> str:
    """Lower case, NFKC, without whitespace or punctuation: what re-posts have in common."""
    if not text:
        return ""
    text = _NON_WORD.sub("", text)
    if not unicodedata.is_normalized("NFKC", text):  # full-width letters and digits; rare, and NFKC is slow
        text = _NON_WORD.sub("", unicodedata.normalize("NFKC", text))
    return text.lower()


@cache
def _word_chars() -> np.ndarray:
    """keep[c]: code point c is not removed by `normalise_text` (found with the very same pattern)."""
    keep = np.ones(0x110000, dtype=bool)
    for match in _NON_WORD.finditer("".join(map(chr, range(0x110000)))):
        keep[match.start() : match.end()] = False
    return keep


def normalise_many(texts: list[str | None]) -> list[str]:
    """`normalise_text` of many texts: non-word characters dropped with one table lookup per few
    thousand texts (small enough for the arrays to stay in cache)."""
    out: list[str] = []
    for start in range(0, len(texts), 4096):
        out += _normalise_block(texts[start : start + 4096])
    return out


def _normalise_block(texts: list[str | None]) -> list[str]:
    plain = [t or "" for t in texts]
    try:
        codes = np.frombuffer("".join(plain).encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate somewhere: one text at a time
        return [normalise_text(t) for t in plain]
    keep = _word_chars()[codes]
    lengths = np.fromiter(map(len, plain), dtype=np.int64, count=len(plain))
    kept = np.zeros(len(plain), dtype=np.int64)  # characters kept per text
    nonempty = np.flatnonzero(lengths)
    if len(nonempty):
        kept[nonempty] = np.add.reduceat(keep, (np.cumsum(lengths) - lengths)[nonempty], dtype=np.int64)
    ends = np.cumsum(kept)
    starts = (ends - kept).tolist()
    joined = codes[keep].tobytes().decode("utf-32-le")
    out = []
    for start, end in zip(starts, ends.tolist(), strict=True):
        text = joined[start:end]
        if not unicodedata.is_normalized("NFKC", text):
            text = _NON_WORD.sub("", unicodedata.normalize("NFKC", text))
        out.append(text.lower())
    return out


def title_key(title: str | None) -> str:
    """The title with phase words (招标公告, 中标结果, 更正公告 ...) removed, for comparing phases."""
    return _strip_phase_words(normalise_text(title))


def _strip_phase_words(key: str) -> str:
    for word in _phase_words_starting_with(settings().phase_first_chars.intersection(key)):
        key = key.replace(word, "")
    return key


@lru_cache(maxsize=4096)
def _phase_words_starting_with(present: frozenset[str]) -> tuple[str, ...]:
    """The phase words, in removal order, that start with one of these characters: the only ones that
    can occur in a title with these characters, since removing words adds no characters."""
    return tuple(w for w in settings().phase_words if w and w[0] in present)


def code_key(code: str | None) -> str | None:
    return _code_key_of(normalise_text(code))


def _code_key_of(normalised: str) -> str | None:
    key = normalised.upper()
    return key if len(key) >= settings().code_min_chars else None


def buyer_key(name: str | None) -> str | None:
    return normalise_text(name) or None


@lru_cache(maxsize=65536)
def distinguishing_tokens(key: str) -> frozenset[str]:
    """Numbers and lot/phase markers (二标段, 第3批): titles differing in them are different purchases."""
    lots = settings().lot_pattern.findall(key)
    rest = settings().lot_pattern.sub(" ", key)
    return frozenset(lots) | frozenset(_DIGITS.findall(rest))


def tokens_conflict(a: str, b: str) -> bool:
    ta, tb = distinguishing_tokens(a), distinguishing_tokens(b)
    return bool(ta and tb and ta != tb)


def phase_of(notice_type: str | None, title: str | None) -> str:
    """The notice type, with corrections named in the title (更正公告) counted as amendments."""
    if notice_type in (None, "other", "tender") and settings().amendment_pattern.search(title or ""):
        return "amendment"
    return notice_type or "other"


def is_cancellation(notice_type: str | None, title: str | None) -> bool:
    return notice_type == "cancellation" or bool(settings().cancel_pattern.search(title or ""))


# ---------------------------------------------------------------- MinHash


def _identity(value: Any) -> Any:
    return value


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the character shingles of already-normalised text (vectorised)."""
    s = settings()
    codes = np.frombuffer(text[: s.max_chars].encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    k = s.shingle
    if len(codes) < k:
        return np.empty(0, dtype=np.uint32)
    h = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    for i in range(k):  # polynomial hash of each window, modulo 2**32
        h = (h * np.uint64(1000003) + codes[i : len(codes) - k + 1 + i]) & np.uint64(0xFFFFFFFF)
    return np.unique(h.astype(np.uint32))


def signature(normalised: str) -> np.ndarray | None:
    """MinHash signature (uint32 array) of one text with datasketch, or None when too short to judge."""
    s = settings()
    if len(normalised) < s.min_chars:
        return None
    m = MinHash(num_perm=s.num_perm, permutations=_permutations(), scheme="affine32", hashfunc=_identity)
    m.update_batch(shingle_hashes(normalised))
    return m.hashvalues.astype(np.uint32)


def signatures(texts: list[str]) -> list[np.ndarray | None]:
    """`signature` for many texts at once, vectorised over all their shingles.

    Same values as datasketch's affine32 scheme (MurmurHash3 finaliser, then h -> a*h + b mod 2**32,
    minimum per permutation), computed for a whole batch instead of per text."""
    s = settings()
    out: list[np.ndarray | None] = [None] * len(texts)
    todo = [i for i, t in enumerate(texts) if len(t) >= s.min_chars]
    block: list[int] = []
    size = 0
    for i in todo:
        block.append(i)
        size += min(len(texts[i]), s.max_chars)
        if size >= 250_000:
            _signature_block(texts, block, out)
            block, size = [], 0
    if block:
        _signature_block(texts, block, out)
    return out


def _signature_block(texts: list[str], block: list[int], out: list[np.ndarray | None]) -> None:
    s = settings()
    k = s.shingle
    pieces = [texts[i][: s.max_chars] for i in block]
    lengths = np.fromiter((len(t) for t in pieces), dtype=np.int64, count=len(pieces))
    codes = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32)
    n = len(codes) - k + 1
    h = np.zeros(n, dtype=np.uint32)
    for i in range(k):  # polynomial hash of every window (mod 2**32), as in shingle_hashes
        h = h * np.uint32(1000003) + codes[i : i + n]
    valid = np.ones(n, dtype=bool)  # drop windows that straddle two texts
    for back in range(1, k):
        ends = np.cumsum(lengths) - back
        valid[ends[ends < n]] = False
    doc = np.repeat(np.arange(len(block)), lengths)[:n][valid]
    h = h[valid]
    c1, m1, c2, m2, c3 = (
        np.uint32(16),
        np.uint32(0x85EBCA6B),
        np.uint32(13),
        np.uint32(0xC2B2AE35),
        np.uint32(16),
    )
    h = h ^ (h >> c1)
    h = h * m1
    h = h ^ (h >> c2)
    h = h * m2
    h = h ^ (h >> c3)
    a, b = (x.astype(np.uint32) for x in _permutations())
    firsts = np.searchsorted(doc, np.arange(len(block)))
    mins = np.empty((len(a), len(block)), dtype=np.uint32)
    permuted = np.empty_like(h)
    for j in range(len(a)):  # one permutation at a time, in place: 1-D arrays stay in cache
        np.multiply(h, a[j], out=permuted)
        permuted += b[j]
        np.minimum.reduceat(permuted, firsts, out=mins[j])
    for row, i in enumerate(block):
        out[i] = mins[:, row].copy()


@cache
def _band_multipliers() -> np.ndarray:
    return np.random.RandomState(settings().seed).randint(
        1, 2**62, settings().num_perm, dtype=np.int64
    ).astype(np.uint64) * np.uint64(2) + np.uint64(1)


def band_hashes_many(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit hash per LSH band (columns) for each signature (rows): a random linear combination of
    the band's minima, so equal bands give equal hashes."""
    weighted = sigs.astype(np.uint64) * _band_multipliers()[None, :]
    out = np.empty((len(sigs), len(settings().bands)), dtype=np.uint64)
    for i, (start, end) in enumerate(settings().bands):
        out[:, i] = weighted[:, start:end].sum(axis=1, dtype=np.uint64)
    return out.view(np.int64)


def band_hashes(sig: np.ndarray) -> list[int]:
    return band_hashes_many(sig[None, :])[0].tolist()


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


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for statement in EXTRA_SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)


def link_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Link every notice without a notice_links row; return how many were linked.

    Pending notices are linked in date-ordered passes of `pending_chunk` (one transaction each when
    the caller holds none): each pass links against the store as the passes before it left it, so
    the result is that of linking incrementally, and memory stays flat for any number of notices.
    """
    ensure_tables(con)
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
    for table in ("notice_minhash", "notice_lsh_bands", "notice_keys"):  # leftovers of an interrupted run
        con.execute(f"DELETE FROM {table} WHERE notice_id IN (SELECT id FROM _pending)")

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
    procs = _store_procurements(con, pending)
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
        if len(same_buyer) <= s.max_fuzzy_pool:  # a buyer with thousands of purchases: exact titles only
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
    """Pending notices in link order; signatures, bands and keys are written as we go."""
    s = settings()
    out: list[_Pending] = []
    (total,) = con.execute("SELECT count(*) FROM _pending").fetchone() or (0,)
    sigs = np.zeros((total, s.num_perm), dtype=np.uint32)
    has_sig = np.zeros(total, dtype=bool)
    bands = np.zeros((total, len(s.bands)), dtype=np.int64)
    step = 20_000
    for low in range(1, total + 1, step):
        chunk = con.execute(
            """SELECT n.id, n.fingerprint, n.published, n.ocid, n.buyer, n.title, n.project_code, n.notice_type,
                      coalesce(n.title, '') || ' ' || coalesce(n.body, '') AS text
               FROM notices n JOIN _pending p ON p.id = n.id WHERE p.ord >= ? AND p.ord < ? ORDER BY p.ord""",
            [low, low + step],
        ).fetchall()
        if not chunk:
            continue
        first = len(out)
        ids, fps, days, ocids, buyers, titles, codes, types, texts = (
            list(c) for c in zip(*chunk, strict=True)
        )
        k = len(chunk)
        normalised = normalise_many(texts + titles + buyers + codes)
        for i, sig in enumerate(signatures(normalised[:k])):
            if sig is not None:
                sigs[first + i] = sig
                has_sig[first + i] = True
        for nid, fp, published, ocid, title, ntype, title_norm, buyer_norm, code_norm in zip(
            ids,
            fps,
            days,
            ocids,
            titles,
            types,
            normalised[k : 2 * k],
            normalised[2 * k : 3 * k],
            normalised[3 * k :],
            strict=True,
        ):
            out.append(
                _Pending(
                    id=nid,
                    fingerprint=fp,
                    published=published,
                    ocid=ocid or None,
                    buyer_key=buyer_norm or None,
                    title_key=_strip_phase_words(title_norm),
                    phase=phase_of(ntype, title),
                    title_norm=title_norm,
                    code_key=_code_key_of(code_norm),
                    cancelled=is_cancellation(ntype, title),
                )
            )
        items = out[first:]
        key_rows = {
            "notice_id": ids,
            "buyer_key": [p.buyer_key for p in items],
            "title_key": [p.title_key for p in items],
            "code_key": [p.code_key for p in items],
            "cancelled": [p.cancelled for p in items],
        }
        rows = first + np.flatnonzero(has_sig[first : len(out)])
        bands[rows] = band_hashes_many(sigs[rows])
        ids = pa.array(key_rows["notice_id"], pa.string())
        local = pa.array(rows - first)
        matrix = sigs[rows]
        signature_blobs = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(matrix.shape[1] * 4), len(matrix), [None, pa.py_buffer(matrix.tobytes())]
        ).cast(pa.binary())
        nbands = bands.shape[1]
        sig_table = pa.table({"notice_id": ids.take(local), "signature": signature_blobs})
        band_table = pa.table(
            {
                "notice_id": ids.take(pa.array(np.repeat(rows - first, nbands))),
                "band": pa.array(np.tile(np.arange(nbands, dtype=np.int16), len(rows))),
                "hash": pa.array(bands[rows].reshape(-1)),
            }
        )
        keys = pa.table(
            key_rows,
            schema=pa.schema(
                [
                    ("notice_id", pa.string()),
                    ("buyer_key", pa.string()),
                    ("title_key", pa.string()),
                    ("code_key", pa.string()),
                    ("cancelled", pa.bool_()),
                ]
            ),
        )
        con.register("_sigs", sig_table)
        con.register("_bands", band_table)
        con.register("_keys", keys)
        con.execute("INSERT INTO notice_minhash SELECT * FROM _sigs")
        con.execute("INSERT INTO notice_lsh_bands SELECT * FROM _bands")
        con.execute("INSERT INTO notice_keys SELECT * FROM _keys")
        for name in ("_sigs", "_bands", "_keys"):
            con.unregister(name)
    return _Batch(out, sigs, has_sig, bands)


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
           ANTI JOIN _pending p ON p.id = b.notice_id
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
        info[node] = _Other(store_ids[node], key, ntype, normalise_text(title))
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


def _store_procurements(con: duckdb.DuckDBPyConnection, pending: list[_Pending]) -> dict[str, _Proc]:
    """Stored procurements that could receive a pending notice: same code, buyer or title key, or linked
    to a near-duplicate candidate."""
    keys = pa.table(
        {
            "code_key": [p.code_key for p in pending],
            "buyer_key": [p.buyer_key for p in pending],
            "title_key": [p.title_key for p in pending],
        }
    )
    con.register("_pkeys", keys)
    rows = con.execute(
        """SELECT id, title_key, buyer_key, code_key, first_published, last_published FROM procurements
           WHERE code_key IN (SELECT code_key FROM _pkeys)
              OR buyer_key IN (SELECT buyer_key FROM _pkeys)
              OR title_key IN (SELECT title_key FROM _pkeys)
              OR id IN (SELECT l.procurement_id FROM notice_links l
                        JOIN (SELECT DISTINCT other FROM _candidates) c ON c.other = l.notice_id)"""
    ).fetchall()
    con.unregister("_pkeys")
    return {r[0]: _Proc(r[0], r[1] or "", r[2], r[3], r[4], r[5]) for r in rows}


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
    ensure_tables(con)
    con.execute("DROP TABLE IF EXISTS _touched")
    con.execute(
        f"CREATE TEMP TABLE _touched AS {touched_sql or 'SELECT DISTINCT procurement_id FROM notice_links'}"
    )
    con.execute("DELETE FROM procurements WHERE id IN (SELECT procurement_id FROM _touched)")
    con.execute(_REFRESH)
    con.execute("DROP TABLE IF EXISTS _touched")
