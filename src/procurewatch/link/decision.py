"""Which procurement a pending notice belongs to: the linking rules, in memory.

A `Linker` holds what the rules look at (the procurements in play and the indexes that find them,
the fingerprints and ocids already linked, the links of near-duplicate candidates) and links the
pending notices of one pass one after another, in date order, so each is decided against the store
and the notices before it. The first rule that holds decides, and the link keeps its reason and score:

  ocid            OCDS releases sharing an ocid                                   score 1
  fingerprint     exact re-post: same normalised-content hash (duplicate_of set)  score 1
  project_code    same normalised project code, buyers compatible, dates close    score 1
  near_duplicate  MinHash/LSH estimated Jaccard of the normalised text
                  (duplicate_of set when it reaches `repost_jaccard`)             score = Jaccard
  similarity      same buyer, title similarity after phase words are stripped
                  (招标公告/中标结果/更正公告 ...), dates within the window          score = ratio/100
  first           none of the above: the notice starts a new procurement          score 1

Nothing here reads or writes the store (run.py does), so the rules can be read, and tried, alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from procurewatch.link.keys import Settings, settings

_DIGITS = re.compile(r"\d+")

# the link row of one notice: procurement id, reason, score, the notice it re-posts (or None)
Link = tuple[str, str, float, str | None]


@dataclass(slots=True)  # a pass holds tens of thousands: no __dict__ each
class Proc:
    """A procurement as the rules see it: its keys and the dates of its notices so far."""

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


@dataclass(slots=True)
class Pending:
    """A notice to link, with its stored keys."""

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


@dataclass(frozen=True, slots=True)
class Other:
    """A notice a pending notice may be a near-duplicate of: stored, or earlier in this run."""

    id: str
    title_key: str
    phase: str
    title_norm: str


KeyIndex = defaultdict[str, dict[str, str]]  # key -> {procurement id: its title key}, in insertion order


class Linker:
    """The rules' state during one pass, and the decision for each pending notice in turn.

    fingerprints: fingerprint -> (first notice with it, its procurement); ocids: ocid -> procurement;
    procs: the procurements a pending notice could join; crowded: buyer keys with more than
    `max_fuzzy_pool` procurements (compared by exact title only); link_of: notice -> procurement, for
    the stored near-duplicate candidates (and, as they are linked, the pending notices)."""

    def __init__(
        self,
        s: Settings,
        fingerprints: dict[str, tuple[str, str]],
        ocids: dict[str, str],
        procs: dict[str, Proc],
        crowded: set[str],
        link_of: dict[str, str],
    ) -> None:
        self.s = s
        self.fingerprints = fingerprints
        self.ocids = ocids
        self.procs = procs
        self.crowded = crowded
        self.link_of = link_of
        self.by_code: KeyIndex = defaultdict(dict)
        self.by_buyer: KeyIndex = defaultdict(dict)
        self.by_title: KeyIndex = defaultdict(dict)
        for proc in procs.values():
            self._index(proc, None)

    def link(self, p: Pending, near: Iterable[tuple[Other, float]]) -> Link:
        """Decide p's procurement (a new one when no rule holds) and remember it for the notices after p."""
        decided = self.decide(p, near)
        if decided is None:
            link: Link = (p.id, "first", 1.0, None)
            proc = Proc(p.id, p.title_key, p.buyer_key, p.code_key, p.published, p.published)
            self.procs[p.id] = proc
            self._index(proc, None)  # its keys are p's
            if p.ocid:
                self.ocids.setdefault(p.ocid, p.id)
        else:
            link = decided
            proc = self.procs[link[0]]
            proc.extend(p.published)
            proc.buyer_key = proc.buyer_key or p.buyer_key
            proc.code_key = proc.code_key or p.code_key
            self._index(proc, p)
        self.link_of[p.id] = link[0]
        self.fingerprints.setdefault(p.fingerprint, (p.id, link[0]))
        return link

    def decide(self, p: Pending, near: Iterable[tuple[Other, float]]) -> Link | None:
        """The first rule that links p to a known procurement, or None: p starts a new one. `near` are
        p's near-duplicate candidates at or above `near_duplicate`, best first."""
        s = self.s
        if p.ocid and p.ocid in self.ocids:
            return self.ocids[p.ocid], "ocid", 1.0, None
        repost_of = self.fingerprints.get(p.fingerprint)
        if repost_of is not None:
            first_id, pid = repost_of
            return pid, "fingerprint", 1.0, first_id
        same_code = self.by_code.get(p.code_key) if p.code_key else None
        if same_code:
            for pid in list(same_code)[-s.max_fuzzy_pool :]:
                proc = self.procs[pid]
                if proc.near(p.published, s.code_window) and not buyers_conflict(
                    p.buyer_key, proc.buyer_key, s
                ):
                    return proc.id, "project_code", 1.0, None
        for other, score in near:
            pid = self.link_of.get(other.id)
            if pid is None:
                continue  # a later notice of this run; it will find this one
            if titles_agree(p.title_key, other.title_key, s) and not keys_conflict(p, self.procs[pid], s):
                # a re-post: same phase, and nearly the same text or the same title with other
                # boilerplate; a correction (更正公告) repeating the tender is not a re-post
                repost = other.phase == p.phase and (score >= s.repost or other.title_norm == p.title_norm)
                return pid, "near_duplicate", round(score, 4), other.id if repost else None
        if not p.title_key:
            return None
        # same buyer (titles compared), or the very same title from a notice that names no buyer
        pool = self.by_title.get(p.title_key)
        same_buyer = self.by_buyer.get(p.buyer_key) if p.buyer_key else None
        # a buyer with thousands of purchases: exact titles only
        if same_buyer and p.buyer_key not in self.crowded and len(same_buyer) <= s.max_fuzzy_pool:
            # the same-title procurements first, then the buyer's others (a copy: the indexes stay)
            pool = {**pool, **same_buyer} if pool else same_buyer
        if not pool:
            return None  # most notices: nothing to compare with
        for _, score, pid in process.extract(
            p.title_key, pool, scorer=fuzz.ratio, score_cutoff=s.title_similarity, limit=3
        ):
            proc = self.procs[pid]
            if (
                proc.near(p.published, s.window)
                and titles_close(p.title_key, proc.title_key, s.title_max_edits)
                and not keys_conflict(p, proc, s)
            ):
                return proc.id, "similarity", round(score / 100, 4), None
        return None

    def _index(self, proc: Proc, member: Pending | None) -> None:
        """Make the procurement findable under its own keys and under those of a new member notice."""
        pid, title = proc.id, proc.title_key
        for keys in (proc,) if member is None else (proc, member):
            if keys.code_key:
                self.by_code[keys.code_key][pid] = title
            if keys.buyer_key:
                self.by_buyer[keys.buyer_key][pid] = title
            if keys.title_key:
                self.by_title[keys.title_key][pid] = title


# ---------------------------------------------------------------- the rules


def titles_agree(a: str, b: str, s: Settings) -> bool:
    """Templated notices share most of their text; a near-duplicate must also say the same in its title."""
    if not a or not b:
        return a == b
    return titles_close(a, b, s.title_max_edits)


def titles_close(a: str, b: str, max_edits: int) -> bool:
    """One title contains the other (a portal tag, 第2次公示), or at most `max_edits` characters were
    inserted or deleted (年→年度, 规范→规范书) and none replaced: 体脂秤→健康手环 or an inserted 监理
    is another purchase."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 6 and (a in b or b in a):
        return True
    gap = abs(len(a) - len(b))
    if gap > max_edits:  # an edit changes the length by one at most
        return False
    if max_edits < 2:  # one edit at most, then a replacement between titles of the same length
        return gap == 1 and Levenshtein.distance(a, b, score_cutoff=1) <= 1
    if Levenshtein.distance(a, b, score_cutoff=max_edits + 1) > max_edits:
        return False
    return all(op.tag != "replace" for op in Levenshtein.editops(a, b))


def buyers_conflict(a: str | None, b: str | None, s: Settings) -> bool:
    # one buyer named the same way (the common case) is a full match, not worth the comparison
    return bool(a and b and a != b and fuzz.partial_ratio(a, b) < s.buyer_conflict_below)


def keys_conflict(p: Pending, proc: Proc, s: Settings) -> bool:
    """Different project codes, different buyers or different lot/phase numbers: not one purchase."""
    if p.code_key and proc.code_key and p.code_key != proc.code_key:
        return True
    if buyers_conflict(p.buyer_key, proc.buyer_key, s):
        return True
    return tokens_conflict(p.title_key, proc.title_key)


@lru_cache(maxsize=65536)
def distinguishing_tokens(key: str) -> frozenset[str]:
    """Numbers and lot/phase markers (二标段, 第3批): titles differing in them are different purchases."""
    lot_pattern = settings().lot_pattern
    lots = lot_pattern.findall(key)
    rest = lot_pattern.sub(" ", key) if lots else key
    return frozenset(lots) | frozenset(_DIGITS.findall(rest))


def tokens_conflict(a: str, b: str) -> bool:
    if a == b:
        return False
    ta, tb = distinguishing_tokens(a), distinguishing_tokens(b)
    return bool(ta and tb and ta != tb)
