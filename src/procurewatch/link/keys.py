"""What linking compares of each notice: normalised keys, a MinHash signature and its LSH bands.

Computed where notices are made (the ingest workers, `link_rows`), so that linking (run.py)
never reads notice bodies back from the store; a notice stored without these rows (an older
store) gets them when it is linked. Settings live in data/linking.json; the MinHash permutations
and LSH bands that datasketch derives from them are kept in data/minhash_params.json, so neither
storing nor linking imports datasketch.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, lru_cache
from importlib import resources
from itertools import chain, pairwise
from typing import Any

import numpy as np

from procurewatch.store.string_buffers import repeated_string_buffers
from procurewatch.store.tables import PlainColumns, Values

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
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
        bands=tuple(
            (int(a), int(b)) for a, b in minhash_params(mh["num_perm"], mh["seed"], mh["lsh_threshold"])[1]
        ),
    )


def minhash_params(num_perm: int, seed: int, threshold: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """datasketch's MinHash permutations (2 x num_perm) and LSH band ranges for these settings: from
    data/minhash_params.json when it was made for them, else from datasketch (slow to import)."""
    kept = json.loads(resources.files("procurewatch").joinpath("data/minhash_params.json").read_text("utf-8"))
    if (kept["num_perm"], kept["seed"], kept["lsh_threshold"]) == (num_perm, seed, threshold):
        return np.array([kept["a"], kept["b"]], dtype=np.uint32), [tuple(r) for r in kept["bands"]]
    return datasketch_params(num_perm, seed, threshold)


def datasketch_params(num_perm: int, seed: int, threshold: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return MinHash(num_perm=num_perm, seed=seed).permutations, [tuple(r) for r in lsh.hashranges]


@cache
def permutations() -> np.ndarray:
    s = settings()
    return minhash_params(s.num_perm, s.seed, s.lsh_threshold)[0]


def _any_of(words: list[str]) -> re.Pattern[str]:
    """A pattern found in a text exactly when one of the words is in it."""
    return re.compile("|".join(re.escape(w) for w in words if w) or "(?!)")


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
    # a block of code points at a time: joined all at once, the million one-character strings made a
    # peak in every ingest worker (a character is dropped or not whatever its neighbours)
    for block in range(0, 0x110000, 0x10000):
        for match in _NON_WORD.finditer("".join(map(chr, range(block, block + 0x10000)))):
            keep[block + match.start() : block + match.end()] = False
    return keep


_DROPPED, _PLAIN, _OTHER = 0, 1, 2


@cache
def _char_classes() -> np.ndarray:
    """The class of every code point for `normalise_many`: _DROPPED by `normalise_text`'s pattern, else
    _PLAIN (an ASCII letter or digit or a CJK unified ideograph), else _OTHER. A text of plain characters
    only is NFKC-normalised already (none of them composes with another or has a compatibility form),
    and its lower case is that of its ASCII capitals."""
    classes = np.where(_word_chars(), np.uint8(_OTHER), np.uint8(_DROPPED))
    for first, last in (("0", "9"), ("A", "Z"), ("a", "z"), ("\u4e00", "\u9fff")):
        classes[ord(first) : ord(last) + 1] = _PLAIN
    return classes


def normalise_many(texts: list[str | None]) -> list[str]:
    """`normalise_text` of many texts: non-word characters dropped with one table lookup per few
    thousand texts (small enough for the arrays to stay in cache)."""
    out: list[str] = []
    for start in range(0, len(texts), 4096):
        out += _normalise_block(texts[start : start + 4096])
    return out


@dataclass(frozen=True, slots=True)
class _Kept:
    """What `normalise_text`'s pattern keeps of each text of a block: the kept code points end to end
    (`codes`), the same with ASCII capitals lowered (`lowered`: all of a text's result when it holds
    plain characters only), where each text's lie in them, and the texts holding other characters
    (`slow`, in order: NFKC and lower() may change theirs, `_slow_texts`)."""

    codes: np.ndarray
    lowered: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    slow: list[int]


def _kept(plain: list[str]) -> _Kept | None:
    """`_Kept` of these texts, or None when one holds a lone surrogate (no UTF-32 of them)."""
    try:
        codes = np.frombuffer("".join(plain).encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    classes = _char_classes().take(codes)  # take: indexing by an array of another type than intp is slower
    kept_at = np.flatnonzero(classes != _DROPPED)
    text_ends = np.cumsum(np.fromiter(map(len, plain), dtype=np.int64, count=len(plain)))
    kept_codes = codes.take(kept_at)
    ends = np.searchsorted(kept_at, text_ends)  # where each text's kept characters end among all kept
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1]
    capitals = (kept_codes - np.uint32(ord("A"))) < np.uint32(26)  # unsigned: below "A" wraps round
    others = _counts_before(classes == _OTHER, text_ends)
    others[1:] -= others[:-1].copy()
    lowered = kept_codes + capitals * np.uint32(32)
    return _Kept(kept_codes, lowered, starts, ends, np.flatnonzero(others).tolist())


def _normalise_block(texts: list[str | None]) -> list[str]:
    plain = [t or "" for t in texts]
    kept = _kept(plain)
    if kept is None:  # a lone surrogate somewhere: one text at a time
        return [normalise_text(t) for t in plain]
    out = _strings_from(kept, 0)
    for i, text in zip(kept.slow, _slow_texts(kept, kept.slow), strict=True):
        out[i] = text
    return out


def _slow_texts(kept: _Kept, indices: list[int]) -> list[str]:
    """The normalised texts of these texts of the block (texts holding other characters): NFKC when
    not NFKC already, and their own lower case."""
    # decoding all kept characters again costs about what decoding a thousand of them one text at a time does
    joined = kept.codes.tobytes().decode("utf-32-le") if len(indices) * 1000 > len(kept.codes) else None
    out: list[str] = []
    for i in indices:
        start, end = kept.starts[i], kept.ends[i]
        codes = kept.codes[start:end]
        text = joined[start:end] if joined is not None else codes.tobytes().decode("utf-32-le")
        if not unicodedata.is_normalized("NFKC", text):
            text = _nfkc_by_pieces(text, _char_classes().take(codes) == _OTHER)
        out.append(text.lower())
    return out


def _nfkc_by_pieces(text: str, other: np.ndarray) -> str:
    """NFKC of a text of kept characters (`other`: which are not plain), without the characters the
    normalising pattern drops. A plain character is a starter that no character before it composes
    with, and NFKC leaves it as it is: a text splits before each one into pieces normalised on their
    own (UAX #15, stable code points). So only the pieces holding other characters change: each run of
    other characters, with the plain one before it (`e` + U+0301 compose)."""
    flags = np.zeros(len(other) + 2, dtype=bool)
    flags[1:-1] = other
    edges = np.flatnonzero(flags[1:] != flags[:-1]).tolist()  # each run's start and end, in turn
    parts: list[str] = []
    done = 0
    for start, end in zip(edges[0::2], edges[1::2], strict=True):
        start -= start > 0  # the plain character before the run
        parts.append(text[done:start])
        parts.append(_NON_WORD.sub("", unicodedata.normalize("NFKC", text[start:end])))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _counts_before(flags: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of `flags` are set before each of these ends (positions in `flags`)."""
    return np.searchsorted(np.flatnonzero(flags), ends)


def title_key(title: str | None) -> str:
    """The title with phase words (招标公告, 中标结果, 更正公告 ...) removed, for comparing phases."""
    return _strip_phase_words(normalise_text(title))


def _strip_phase_words(key: str) -> str:
    for word in _phase_words_starting_with(settings().phase_first_chars.intersection(key)):
        key = key.replace(word, "")
    return key


def _strip_phase_words_many(keys: list[str]) -> list[str]:
    """`_strip_phase_words` of many normalised keys at once: the keys joined by a character no key
    holds (normalising removes it) and no phase word holds, so no word is found across two keys."""
    if not keys:
        return []  # "".split() would give one key
    joined = "\x00".join(keys)
    for word in settings().phase_words:
        if word and word in joined:  # finding is cheaper than replacing, and most words are not there
            joined = joined.replace(word, "")
    return joined.split("\x00")


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


def phase_of(notice_type: str | None, title: str | None) -> str:
    """The notice type, with corrections named in the title (更正公告) counted as amendments."""
    if notice_type in (None, "other", "tender") and settings().amendment_pattern.search(title or ""):
        return "amendment"
    return notice_type or "other"


def is_cancellation(notice_type: str | None, title: str | None) -> bool:
    return notice_type == "cancellation" or bool(settings().cancel_pattern.search(title or ""))


def _cancelled_many(types: list[str | None], titles: list[str | None]) -> list[bool]:
    """`is_cancellation` of many notices: the cancel words found by one pass over the titles joined by
    NUL, which no cancel word holds (so no match reaches across two titles); each title with a match
    in it is one the pattern finds on its own."""
    s = settings()
    if any("\x00" in word for word in s.cancel_words):
        found = [s.cancel_pattern.search(title or "") is not None for title in titles]
    else:
        ends = np.cumsum(np.fromiter((len(t or "") + 1 for t in titles), dtype=np.int64, count=len(titles)))
        starts = [m.start() for m in s.cancel_pattern.finditer("\x00".join([t or "" for t in titles]))]
        found = [False] * len(titles)
        for i in np.searchsorted(ends, starts, side="right").tolist():
            found[i] = True
    return [t == "cancellation" or hit for t, hit in zip(types, found, strict=True)]


# ---------------------------------------------------------------- MinHash


def identity_hash(value: Any) -> Any:
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
    from datasketch import MinHash

    s = settings()
    if len(normalised) < s.min_chars:
        return None
    m = MinHash(num_perm=s.num_perm, permutations=permutations(), scheme="affine32", hashfunc=identity_hash)
    m.update_batch(shingle_hashes(normalised))
    return m.hashvalues.astype(np.uint32)


def signatures(texts: list[str]) -> list[np.ndarray | None]:
    """`signature` for many texts at once, vectorised over all their shingles.

    Same values as datasketch's affine32 scheme (MurmurHash3 finaliser, then h -> a*h + b mod 2**32,
    minimum per permutation), computed for a whole batch instead of per text."""
    s = settings()
    out: list[np.ndarray | None] = [None] * len(texts)
    todo = [i for i, t in enumerate(texts) if len(t) >= s.min_chars]
    pieces = [texts[i][: s.max_chars] for i in todo]
    codes = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    sigs = np.zeros((len(todo), s.num_perm), dtype=np.uint32)
    _sign_into(codes, lengths, np.arange(len(todo)), sigs)
    for row, i in enumerate(todo):
        out[i] = sigs[row]
    return out


_SIGN_BLOCK = 250_000  # characters signed at a time: the arrays of a block stay a few MB


def _sign_into(codes: np.ndarray, lengths: np.ndarray, rows: np.ndarray, sigs: np.ndarray) -> None:
    """sigs[rows[i]] = the signature of the i-th text, whose (normalised, cut to max_chars, at least
    min_chars long) code points are the next lengths[i] of `codes`."""
    ends = np.cumsum(lengths)
    first = 0
    while first < len(lengths):
        base = int(ends[first - 1]) if first else 0
        # up to the text that takes the block to _SIGN_BLOCK characters, that one included
        last = min(int(np.searchsorted(ends, base + _SIGN_BLOCK)), len(lengths) - 1)
        sigs[rows[first : last + 1]] = _minima(codes[base : ends[last]], lengths[first : last + 1]).T
        first = last + 1


_DISTINCT_FROM = 500  # shingles per text, on average over a block, from which repeats are dropped first


def _minima(codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The MinHash minima (permutations x texts) of texts whose code points lie end to end in `codes`."""
    k = settings().shingle
    n = len(codes) - k + 1
    h = codes[:n].copy()  # polynomial hash of every window (mod 2**32), as in shingle_hashes
    for i in range(1, k):
        h *= np.uint32(1000003)
        h += codes[i : i + n]
    valid = np.ones(n, dtype=bool)  # drop windows that straddle two texts
    text_ends = np.cumsum(lengths)
    for back in range(1, k):
        ends = text_ends - back
        valid[ends[ends < n]] = False
    h = h[valid]
    for shift, multiplier in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):  # MurmurHash3's finaliser
        h ^= h >> np.uint32(shift)
        h *= np.uint32(multiplier)
    h ^= h >> np.uint32(16)
    texts = len(lengths)
    if len(h) >= _DISTINCT_FROM * texts:
        # Long texts repeat many shingles: each text's distinct hashes once (the minimum over repeats is
        # the same), from the (text, hash) pairs sorted. Short texts repeat too few to pay for the sort.
        doc = np.repeat(np.arange(texts, dtype=np.uint64), lengths)[:n][valid]
        pairs = (doc << np.uint64(32)) | h
        pairs.sort()
        distinct = np.empty(len(pairs), dtype=bool)
        distinct[:1] = True
        np.not_equal(pairs[1:], pairs[:-1], out=distinct[1:])
        pairs = pairs[distinct]
        h = pairs.astype(np.uint32)  # the low half
        firsts = np.searchsorted(pairs, np.arange(texts, dtype=np.uint64) << np.uint64(32))
    else:
        # each text but the last lost its last k - 1 windows, which straddle into the next
        firsts = text_ends - lengths - (k - 1) * np.arange(texts)
    a, b = (x.astype(np.uint32) for x in permutations())
    mins = np.empty((len(a), texts), dtype=np.uint32)
    permuted = np.empty_like(h)
    for j in range(len(a)):  # one permutation at a time, in place: 1-D arrays stay in cache
        np.multiply(h, a[j], out=permuted)
        permuted += b[j]
        np.minimum.reduceat(permuted, firsts, out=mins[j])
    return mins


_BAND_BLOCK = 4096  # signatures weighted at a time


@cache
def _band_multipliers() -> np.ndarray:
    return np.random.RandomState(settings().seed).randint(
        1, 2**62, settings().num_perm, dtype=np.int64
    ).astype(np.uint64) * np.uint64(2) + np.uint64(1)


def band_hashes_many(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit hash per LSH band (columns) for each signature (rows): a random linear combination of
    the band's minima, so equal bands give equal hashes. Made a block of rows at a time: the weighted
    minima of a whole linking pass would take twice its signatures for a moment."""
    multipliers = _band_multipliers()[None, :]
    bands = settings().bands
    out = np.empty((len(sigs), len(bands)), dtype=np.uint64)
    starts = np.array([start for start, _ in bands], dtype=np.intp)
    end = bands[-1][1] if bands else 0
    # bands side by side (as datasketch makes them): one reduction sums them all
    adjacent = bool(bands) and all(a[1] == b[0] for a, b in pairwise(bands))
    for lo in range(0, len(sigs), _BAND_BLOCK):
        weighted = sigs[lo : lo + _BAND_BLOCK].astype(np.uint64) * multipliers
        if adjacent and len(weighted):
            out[lo : lo + _BAND_BLOCK] = np.add.reduceat(weighted[:, :end], starts, axis=1, dtype=np.uint64)
            continue
        for i, (start, stop) in enumerate(bands):
            out[lo : lo + _BAND_BLOCK, i] = weighted[:, start:stop].sum(axis=1, dtype=np.uint64)
    return out.view(np.int64)


# ---------------------------------------------------------------- the stored rows


@dataclass(frozen=True)
class LinkRows:
    """The rows of the link key tables (store.tables.LINK_KEY_TABLES) of some notices, as columns,
    with the signature matrix they were made from (row i belongs to the i-th notice; rows of notices
    too short to judge are zero and `has_sig` is false)."""

    columns: dict[str, PlainColumns]
    sigs: np.ndarray
    has_sig: np.ndarray


def link_rows(
    ids: list[str],
    titles: list[str | None],
    bodies: list[str | None],
    buyers: list[str | None],
    codes: list[str | None],
    types: list[str | None],
) -> LinkRows:
    s = settings()
    k = len(ids)
    sigs = np.zeros((k, s.num_perm), dtype=np.uint32)
    has_sig = np.zeros(k, dtype=bool)
    title_norms: list[str] = []
    buyer_norms: list[str] = []
    code_norms: list[str] = []
    for lo in range(0, k, _NOTICES_A_BLOCK):
        hi = lo + _NOTICES_A_BLOCK
        titled, keyed = _normalised_and_signed(
            titles[lo:hi], bodies[lo:hi], buyers[lo:hi] + codes[lo:hi], sigs[lo:hi], has_sig[lo:hi]
        )
        title_norms += titled
        buyer_norms += keyed[: len(titled)]
        code_norms += keyed[len(titled) :]
    keys: PlainColumns = {
        "notice_id": ids,
        "buyer_key": [b or None for b in buyer_norms],
        "title_key": _strip_phase_words_many(title_norms),
        "code_key": [key if len(key) >= s.code_min_chars else None for key in map(str.upper, code_norms)],
        "cancelled": _cancelled_many(types, titles),
    }
    rows = np.flatnonzero(has_sig)
    matrix = sigs[rows]
    bands = band_hashes_many(matrix)
    nbands = bands.shape[1]
    signed = ids if len(rows) == k else [ids[i] for i in rows.tolist()]
    # each id nbands times in a row, as the buffers the workers send a string column as
    band_ids: Values | None = repeated_string_buffers(signed, nbands)
    if band_ids is None:  # ids Arrow will refuse: the list, for Arrow to say what is wrong
        band_ids = list(chain.from_iterable(zip(*[signed] * nbands, strict=True)))
    columns: dict[str, PlainColumns] = {
        "notice_minhash": {"notice_id": signed, "signature": matrix},
        "notice_lsh_bands": {
            "notice_id": band_ids,
            "band": np.tile(np.arange(nbands, dtype=np.int16), len(rows)),
            "hash": bands.reshape(-1),
        },
        "notice_keys": keys,
    }
    return LinkRows(columns, sigs, has_sig)


_NOTICES_A_BLOCK = 1024  # notices whose texts are normalised together (4,096 texts)


def _normalised_and_signed(
    titles: list[str | None],
    bodies: list[str | None],
    key_texts: list[str | None],
    sigs: np.ndarray,
    has_sig: np.ndarray,
) -> tuple[list[str], list[str]]:
    """The normalised titles of these notices and the normalised `key_texts` (their buyers and project
    codes); their signatures (of the title and body normalised together,
    `normalise_text(f"{title} {body}")`) written into `sigs`, and `has_sig` set where made.

    The titles, bodies and key texts are normalised as texts of one block, each title before its body. The
    space between them is dropped by normalising, so where neither holds other characters than plain
    ones (`_char_classes`), the notice's normalised text is its title's followed by its body's: already
    end to end in the block's kept characters, signed from there. The other notices' texts are normalised
    whole: NFKC and lower() read a character's neighbours, across where the title ends too."""
    s = settings()
    pairs = 2 * len(titles)
    plain = [text or "" for pair in zip(titles, bodies, strict=True) for text in pair]
    kept = _kept(plain + [text or "" for text in key_texts])
    if kept is None:  # a lone surrogate somewhere: every notice's text normalised on its own
        slow_rows = list(range(len(titles)))
        title_norms = normalise_many(titles)
        key_norms = normalise_many(key_texts)
    else:
        slow_rows = sorted({i // 2 for i in kept.slow if i < pairs})
        title_norms = _title_strings(kept, pairs)
        key_norms = _strings_from(kept, pairs)
        slow_titles = [i for i in kept.slow if i < pairs and i % 2 == 0]
        for i, text in zip(slow_titles, _slow_texts(kept, slow_titles), strict=True):
            title_norms[i // 2] = text
        slow_keys = [i for i in kept.slow if i >= pairs]
        for i, text in zip(slow_keys, _slow_texts(kept, slow_keys), strict=True):
            key_norms[i - pairs] = text
    texts = normalise_many([f"{titles[i] or ''} {bodies[i] or ''}" for i in slow_rows])
    signable = [
        (i, text[: s.max_chars]) for i, text in zip(slow_rows, texts, strict=True) if len(text) >= s.min_chars
    ]
    slow_codes = np.frombuffer("".join(text for _, text in signable).encode("utf-32-le"), dtype=np.uint32)
    slow_lengths = np.fromiter((len(text) for _, text in signable), dtype=np.int64, count=len(signable))
    slow_signed = np.fromiter((i for i, _ in signable), dtype=np.int64, count=len(signable))
    if kept is None:
        codes, lengths, rows = slow_codes, slow_lengths, slow_signed
    else:
        # each notice's title and body, end to end
        starts, ends = kept.starts[0:pairs:2], kept.ends[1:pairs:2]
        full = ends - starts
        quick = full >= s.min_chars
        quick[slow_rows] = False
        codes = kept.lowered[: int(ends[-1]) if pairs else 0]
        cut = np.flatnonzero(~quick | (full > s.max_chars)).tolist()
        if cut:  # the slow, the short and the ends of the long left out
            keep = np.ones(len(codes), dtype=bool)
            for i in cut:
                keep[starts[i] + (s.max_chars if quick[i] else 0) : ends[i]] = False
            codes = codes[keep]
        rows = np.flatnonzero(quick)
        lengths = np.minimum(full[rows], s.max_chars)
        if len(signable):
            codes = np.concatenate([codes, slow_codes])
            lengths = np.concatenate([lengths, slow_lengths])
            rows = np.concatenate([rows, slow_signed])
    _sign_into(codes, lengths, rows, sigs)
    has_sig[rows] = True
    return title_norms, key_norms


def _title_strings(kept: _Kept, pairs: int) -> list[str]:
    """The lowered kept characters of each title of a block's first `pairs` texts (a title, then its
    notice's body), as strings."""
    starts, ends = kept.starts[0:pairs:2], kept.ends[0:pairs:2]
    lengths = ends - starts
    at = np.cumsum(lengths)
    gathered = np.arange(int(at[-1]) if len(at) else 0) + np.repeat(starts - (at - lengths), lengths)
    joined = kept.lowered.take(gathered).tobytes().decode("utf-32-le")
    bounds = [0, *at.tolist()]
    return [joined[a:b] for a, b in pairwise(bounds)]


def _strings_from(kept: _Kept, first: int) -> list[str]:
    """The lowered kept characters of each text of a block from the `first`, as strings."""
    if first >= len(kept.starts):
        return []
    base = int(kept.starts[first])
    joined = kept.lowered[base:].tobytes().decode("utf-32-le")
    starts, ends = (kept.starts[first:] - base).tolist(), (kept.ends[first:] - base).tolist()
    return [joined[a:b] for a, b in zip(starts, ends, strict=True)]
