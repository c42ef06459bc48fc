"""One scan of one text: find every lexicon key, keep the ones that stand, map them back.

A hit stands when (1) Latin/Cyrillic/digit terms sit at word boundaries, (2) no longer
keyword, vendor alias or not-surveillance phrase covers it (the longer phrase wins), and
(3) the context rules targeting it allow it (suppress: no false-friend context nearby;
require: a confirming context nearby; a domain rule also fires when its domain is in the
purchase's object). The same pass finds the section headings, so every standing hit also
says where it sits: in the object of the purchase, in boilerplate, or elsewhere, and
whether it is one item of a longer enumeration.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from typing import Any

import numpy as np

from procurewatch.detect.folding import Normalised, normalise
from procurewatch.detect.lexicon import Lexicon, Role, Rule, is_word

_CLAIMING = frozenset({"keyword", "vendor", "blocker", "code"})
_OVERLAP_BLOCKABLE = frozenset({"medium", "weak"})
_CLAUSE_BREAK_CHARS = "，。；;,.!?！？、\n:："
_CLAUSE_BREAK = re.compile(f"[{re.escape(_CLAUSE_BREAK_CHARS)}]")
# inside a bracketed enumeration only 、 , ， separate items; anything else ends the bracket's reach
_BRACKET_ITEMS = re.compile(r"[(（][^()（）。；;!?！？\n:：]*")
# what ends an enumeration, and what separates its items
_LIST_END_CHARS = "。；;!?！？\n:：|()（）【】[]"
_LIST_END = re.compile(f"[{re.escape(_LIST_END_CHARS)}]")
_LIST_SEP = re.compile(r"[、，,/／]|及|和|与|以及")
_TITLE_LIST_SEP = re.compile(
    r"[、，,/／]"
)  # in a title, 及/和/与 join a thing and its works (监控设备及施工)
_SURROGATE = re.compile("[\ud800-\udfff]")
_LIST_REACH = 400
_SCAN_ALL = 8  # a context word's positions up to this many are walked from the first
_POSITIONS_BY_ARRAY = 512  # text length from which array operations find characters faster than re
_MAX_POS = 1 << 62


@dataclass(slots=True, frozen=True)
class Match:
    start: int  # in the ORIGINAL text
    end: int
    key: str
    role: Role
    zone: str = "plain"  # object | boilerplate | plain: the part of the text the hit sits in
    list_items: int = 0  # items of the enumeration the hit is one of (0: not in one)


@dataclass(slots=True)
class Scan:
    """What one text yielded: standing matches, and keys a context rule ruled out."""

    matches: list[Match] = field(default_factory=list)
    suppressed: set[str] = field(default_factory=set)
    suppressing_rules: set[str] = field(default_factory=set)  # ids of suppress rules that fired
    unconfirmed: list[Match] = field(default_factory=list)  # title hits a require rule held back
    length: int = 0
    domains: set[str] = field(default_factory=set)  # domains named in the object part of this text
    object_markers: set[str] = field(default_factory=set)  # service/works/broad markers in the object part


def _left_ok(text: str, start: int) -> bool:
    return start == 0 or not is_word(text[start - 1])


def _right_ok(text: str, end: int) -> bool:
    return end >= len(text) or not is_word(text[end])


def scan(
    text: str,
    lex: Lexicon,
    *,
    whole_object: bool = False,
    own_object: bool = False,
    object_domains: frozenset[str] = frozenset(),
    norm: Normalised | None = None,
    claimed: bool | None = None,
) -> Scan:
    """Scan `text`. `whole_object`: the text names the purchase (a title). `own_object`: no title names
    it, so this text's own object parts do. `object_domains`: domains the purchase's object names
    elsewhere (in the title), which rule out their targets here too. `norm`: normalise(text), when the
    caller has it already. `claimed`: whether a key that claims a hit is in it (has_claim), when known."""
    result = Scan(length=len(text))
    if not text:
        return result
    if norm is None:
        norm = normalise(text)
    ntext = norm.text
    naming = whole_object or own_object
    if not naming and not (has_claim(ntext, lex) if claimed is None else claimed):
        return result  # no claiming key at all: the full pass below would keep nothing
    claims: list[tuple[int, int, str, Role]] = []
    context: dict[str, list[tuple[int, int]]] = {}
    markers: list[tuple[int, int, tuple[str, ...]]] = []
    key_info = lex.key_info
    for index, start, end in _matches(lex.matcher, ntext, overlapping=True):
        key, is_context, left, right, claiming, marks, object_only = key_info[index]
        if object_only and not naming:
            continue  # a service or works word in a text that does not name the purchase
        if left and not _left_ok(ntext, start) and not _mangled_break_before(ntext, text, norm, start):
            continue
        if right and not _right_ok(ntext, end) and not _mangled_break_after(ntext, text, norm, end):
            if not any(r.prefix for r in claiming):
                continue
            claiming = tuple(r for r in claiming if r.prefix)
            is_context = False
            marks = ()
        if is_context:
            context.setdefault(key, []).append((start, end))
        if marks:
            markers.append((start, end, marks))
        for role in claiming:
            claims.append((start, end, key, role))
    if not claims and not naming:
        return result
    zones = [] if whole_object else _zones(markers, lex.sections["zone_chars"])
    domains = object_domains
    if naming:  # this text names the purchase: its object part's markers and domains
        words = [(c[0], c[1]) for c in claims if c[3].kind in ("keyword", "vendor")]
        in_object = _object_part(markers, zones, whole_object, words)
        result.object_markers = {
            m for _, _, marks in in_object for m in marks if not m.startswith("section:")
        }
        result.domains = _domains_in(context, zones, whole_object, lex)
        domains = object_domains | result.domains
    if not claims:
        return result
    claims.sort(key=lambda c: (c[0], -c[1]))
    kept: list[tuple[int, int, str, Role]] = []
    max_end = -1
    span_end = -1
    span_start = -1
    for claim in claims:
        start, end = claim[0], claim[1]
        if end <= max_end and not (start == span_start and end == span_end):
            continue  # inside a longer claim
        if end > max_end:
            max_end, span_start, span_end = end, start, end
        kept.append(claim)
    blocked = [(s, e) for s, e, _, r in kept if r.kind == "blocker"]
    breaks: list[int] | None = None
    stops: list[int] | None = None
    list_cfg = lex.sections["list"]
    for start, end, key, role in kept:
        if role.kind == "blocker":
            continue
        if blocked and role.strength in _OVERLAP_BLOCKABLE and any(s < end and start < e for s, e in blocked):
            continue  # shares words with a not-surveillance phrase (动环监控系统, 质量监控服务)
        rules = lex.rules_for.get(key)
        if rules:
            if breaks is None and any(r.clause for r in rules):
                breaks = _positions(ntext, _CLAUSE_BREAK, _CLAUSE_BREAK_CHARS)
            blocking = _blocking_rule(rules, start, end, context, breaks, domains, ntext)
            if blocking is not None:
                result.suppressed.add(key)
                if blocking.action == "suppress":
                    result.suppressing_rules.add(blocking.id)
                elif whole_object:
                    ostart, oend = norm.span(start, end)
                    result.unconfirmed.append(Match(ostart, oend, key, role, "object"))
                continue
        zone = "object" if whole_object else _zone_of(zones, start)
        if stops is None:
            stops = _positions(ntext, _LIST_END, _LIST_END_CHARS)
        items, item = _enumeration(ntext, start, end, list_cfg, whole_object, stops)
        if items and _bare_in_list(key, item, list_cfg):
            result.suppressed.add(key)  # a bare 安防 among a building's subsystems names no camera
            continue
        ostart, oend = norm.span(start, end)
        result.matches.append(Match(ostart, oend, key, role, zone, items))
    return result


def has_claim(ntext: str, lex: Lexicon) -> bool:
    """Whether a key that claims a hit (keyword, vendor alias, blocker, code) is anywhere in the
    normalised `ntext`: without one, no scan of it keeps a match."""
    return bool(_matches(lex.claims_matcher, ntext, overlapping=False))


def may_claim(folded: str, lex: Lexicon) -> bool:
    """False only when no key that claims a hit is in the normalised text made of `folded` (folded text
    before the space step, folding.space_step): that step only removes spaces, so each key in its
    result is, without its spaces, in `folded` without spaces. One pass, and no space step, for a notice
    none of whose texts holds such a key (most notices)."""
    return bool(_matches(lex.unspaced_claims_matcher, folded.replace(" ", ""), overlapping=False))


def may_claim_each(folded: Sequence[str], lex: Lexicon) -> list[bool]:
    """may_claim of each text, by one pass over them all (joined by a line break, which no key holds:
    no match spans two texts, and each text holding a key has a match of its own)."""
    stripped = [text.replace(" ", "") for text in folded]
    ends = list(accumulate(len(text) + 1 for text in stripped))  # where each text's successor starts
    found = [False] * len(stripped)
    for _, start, _ in _matches(lex.unspaced_claims_matcher, "\n".join(stripped), overlapping=False):
        found[bisect_right(ends, start)] = True
    return found


def claim_starts(ntext: str, lex: Lexicon) -> list[int]:
    """Where keys that claim a hit start in the normalised `ntext` (some of them: those that do not
    overlap, in order; one at least wherever one is)."""
    return [start for _, start, _ in _matches(lex.claims_matcher, ntext, overlapping=False)]


def _matches(matcher: Any, text: str, overlapping: bool) -> list[tuple[int, int, int]]:
    """(key index, start, end) of each match, in the order pyahocorasick gave them (by end)."""
    try:
        return matcher.find_matches_as_indexes(text, overlapping=overlapping)
    except UnicodeEncodeError:  # a lone surrogate: no key has one, so a stand-in of one character does
        return matcher.find_matches_as_indexes(_SURROGATE.sub("\ufffd", text), overlapping=overlapping)


def _positions(text: str, pattern: re.Pattern[str], chars: str) -> list[int]:
    """Where each character of `chars` (what `pattern` matches, one at a time) stands in `text`."""
    if len(text) < _POSITIONS_BY_ARRAY:
        return [m.start() for m in pattern.finditer(text)]
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # beyond the BMP, every code point reads the table's last entry (U+FFFF, a noncharacter: not wanted)
    return np.flatnonzero(_char_table(chars)[np.minimum(codes, 0xFFFF)]).tolist()


@cache
def _char_table(chars: str) -> np.ndarray:
    """table[c]: code point c (in the BMP) is one of `chars`."""
    table = np.zeros(0x10000, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


def _mangled_break_before(ntext: str, text: str, norm: Normalised, start: int) -> bool:
    """A line break flattened into the letters "rn" just before an upper-case term ("...rnCCTV")."""
    if ntext[max(start - 2, 0) : start] != "rn":
        return False
    first = text[norm.original(start)]
    return first.isupper() or first.isdigit()


def _mangled_break_after(ntext: str, text: str, norm: Normalised, end: int) -> bool:
    """A line break flattened into "rn" right after a term ("CCTVrn", "CCTVrnCameras")."""
    i = end
    while ntext[i : i + 2] == "rn":
        i += 2
    if i == end:
        return False
    if i >= len(ntext) or not is_word(ntext[i]):
        return True
    following = text[norm.original(i)]
    return following.isupper() or following.isdigit()


def _zones(
    markers: list[tuple[int, int, tuple[str, ...]]], zone_chars: dict[str, int]
) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the object and boilerplate parts opened by section headings."""
    headings = sorted(
        (s, e, m.split(":", 1)[1]) for s, e, marks in markers for m in marks if m.startswith("section:")
    )
    zones: list[tuple[int, int, str]] = []
    for i, (_, end, kind) in enumerate(headings):
        if kind == "stop":
            continue
        limit = end + zone_chars.get(kind, 300)
        following = next((s for s, _, _ in headings[i + 1 :] if s >= end), limit)
        zones.append((end, min(limit, following), kind))
    return zones


def _zone_of(zones: list[tuple[int, int, str]], pos: int) -> str:
    """Zones come sorted by start and do not overlap (each ends where the next heading starts)."""
    i = bisect_right(zones, (pos, _MAX_POS, "~")) - 1
    if i >= 0 and zones[i][0] <= pos < zones[i][1]:
        return zones[i][2]
    return "plain"


def _object_part(
    markers: list[tuple[int, int, tuple[str, ...]]],
    zones: list[tuple[int, int, str]],
    whole: bool,
    words: list[tuple[int, int]],
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Markers in the object part, without those inside a longer marker (设计 inside 设计院) or sharing
    characters with a surveillance term (工程 of 雪亮工程, 监控工程)."""
    chosen = [m for m in markers if whole or _zone_of(zones, m[0]) == "object"]
    if words:
        chosen = [m for m in chosen if not any(s < m[1] and m[0] < e for s, e in words)]
    if len(chosen) < 2:
        return chosen
    return [m for m in chosen if not any(o is not m and o[0] <= m[0] and m[1] <= o[1] for o in chosen)]


def _domains_in(
    context: dict[str, list[tuple[int, int]]], zones: list[tuple[int, int, str]], whole: bool, lex: Lexicon
) -> set[str]:
    found: set[str] = set()
    for key, positions in context.items():
        ids = lex.domain_of.get(key)
        if ids and (whole or any(_zone_of(zones, s) == "object" for s, _ in positions)):
            found |= ids
    return found


def _enumeration(
    ntext: str, start: int, end: int, cfg: dict, title: bool, stops: list[int]
) -> tuple[int, str]:
    """(items, the item holding [start, end)) when the hit is one item of a long enough enumeration.

    `stops`: positions of the characters that end an enumeration in `ntext`, in order."""
    i = bisect_left(stops, start)
    seg_start = max(stops[i - 1] + 1 if i else 0, start - _LIST_REACH)
    j = bisect_left(stops, end)
    seg_end = min(stops[j] if j < len(stops) else len(ntext), end + _LIST_REACH)
    segment = ntext[seg_start:seg_end]
    seps = list((_TITLE_LIST_SEP if title else _LIST_SEP).finditer(segment))
    items = len(seps) + 1
    if items < (cfg["title_min_items"] if title else cfg["min_items"]):
        return 0, ""
    latin = len(segment.encode("ascii", "ignore")) > len(segment) / 2
    limit = cfg["max_item_chars"] * (3 if latin else 1)
    # the first and last items run on into the words around the list (…工程交安设施、监控、声屏障等附属…):
    # the items between them, when there are some, say how long this list's items are
    inner = seps[-1].start() - seps[0].end() - sum(len(m.group()) for m in seps[1:-1]) if items > 2 else 0
    if (inner / (items - 2) if items > 2 else len(segment) / items) > limit:
        return 0, ""
    rel = start - seg_start
    left = max((m.end() for m in seps if m.end() <= rel), default=0)
    right = min((m.start() for m in seps if m.start() >= end - seg_start), default=len(segment))
    return items, segment[left:right]


def _bare_in_list(key: str, item: str, cfg: dict) -> bool:
    return any(w in key for w in cfg["drop_containing"]) and not any(
        w in item for w in cfg["keep_containing"]
    )


def _crosses(breaks: list[int] | None, a: int, b: int) -> bool:
    """Whether a clause break lies in [a, b)."""
    if not breaks or a >= b:
        return False
    i = bisect_left(breaks, a)
    return i < len(breaks) and breaks[i] < b


def _near(
    positions: list[tuple[int, int]] | None,
    start: int,
    end: int,
    rule: Rule,
    breaks: list[int] | None,
    text: str = "",
) -> bool:
    """Whether a context word at one of `positions` (one key's, so of one length and in order) is near
    enough to the hit [start, end) for `rule`."""
    if not positions:
        return False
    lo = start - rule.window if rule.side != "after" else start
    hi = end + rule.window if rule.side != "before" else end
    first = 0
    if len(positions) > _SCAN_ALL:  # skip to the first word ending at lo or later (ce >= lo)
        cs, ce = positions[0]
        first = bisect_left(positions, (lo - (ce - cs),))
    for i in range(first, len(positions)):
        cs, ce = positions[i]
        if cs > hi:
            return False  # this word and every later one start after the window
        if start <= cs and ce <= end:
            continue  # the context word is part of the hit itself
        if rule.side == "after" and cs < end:
            continue
        if rule.side == "before" and ce > start:
            continue
        if ce >= lo and cs <= hi:
            crossed = rule.clause and (_crosses(breaks, ce, start) or _crosses(breaks, end, cs))
            if crossed and not (ce <= start and _heads_bracket(text, ce, start)):
                continue
            return True
    return False


def _heads_bracket(text: str, ce: int, start: int) -> bool:
    """Whether a context word ending at `ce` heads the bracketed enumeration the hit at `start` is an item
    of (厂区管网（电缆、桥架、通讯、监控）): the head names what every item belongs to."""
    if ce >= len(text) or text[ce] not in "(（":
        return False
    m = _BRACKET_ITEMS.match(text, ce)
    return m is not None and m.end() >= start


def _any_near(
    keys: frozenset[str],
    context: dict[str, list[tuple[int, int]]],
    start: int,
    end: int,
    rule: Rule,
    breaks: list[int] | None,
    text: str = "",
) -> bool:
    if len(keys) < len(context):
        for key in keys:
            positions = context.get(key)
            if positions and _near(positions, start, end, rule, breaks, text):
                return True
        return False
    for key, positions in context.items():
        if key in keys and _near(positions, start, end, rule, breaks, text):
            return True
    return False


def _blocking_rule(
    rules: tuple[Rule, ...],
    start: int,
    end: int,
    context: dict[str, list[tuple[int, int]]],
    breaks: list[int] | None,
    domains: frozenset[str] | set[str] = frozenset(),
    text: str = "",
) -> Rule | None:
    """The first rule that rules this hit out, or None when every rule allows it."""
    for rule in rules:
        found = (rule.domain and rule.domain in domains) or _any_near(
            rule.context, context, start, end, rule, breaks, text
        )
        if rule.action == "require":
            if not found:
                return rule
        elif found and not _any_near(rule.unless, context, start, end, rule, breaks, text):
            return rule
    return None
