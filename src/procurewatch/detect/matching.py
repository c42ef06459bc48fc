"""One scan of one text: find every lexicon key, keep the ones that stand, map them back.

A hit stands when (1) Latin/Cyrillic/digit terms sit at word boundaries, (2) no longer
keyword, vendor alias or not-surveillance phrase covers it (the longer phrase wins), and
(3) the context rules targeting it allow it (suppress: no false-friend context nearby;
require: a confirming context nearby).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from procurewatch.detect.folding import normalise
from procurewatch.detect.lexicon import Lexicon, Role, Rule, is_word

_CLAIMING = frozenset({"keyword", "vendor", "blocker", "code"})
_OVERLAP_BLOCKABLE = frozenset({"medium", "weak"})
_CLAUSE_BREAK = re.compile(r"[，。；;,.!?！？、\n:：]")


@dataclass(slots=True, frozen=True)
class Match:
    start: int  # in the ORIGINAL text
    end: int
    key: str
    role: Role


@dataclass(slots=True)
class Scan:
    """What one text yielded: standing matches, and keys a context rule ruled out."""

    matches: list[Match] = field(default_factory=list)
    suppressed: set[str] = field(default_factory=set)
    suppressing_rules: set[str] = field(default_factory=set)  # ids of suppress rules that fired
    length: int = 0


def _left_ok(text: str, start: int) -> bool:
    return start == 0 or not is_word(text[start - 1])


def _right_ok(text: str, end: int) -> bool:
    return end >= len(text) or not is_word(text[end])


def scan(text: str, lex: Lexicon) -> Scan:
    result = Scan(length=len(text))
    if not text:
        return result
    norm = normalise(text)
    ntext = norm.text
    claims: list[tuple[int, int, str, Role]] = []
    context: dict[str, list[tuple[int, int]]] = {}
    info = lex.info
    for last, key in lex.automaton.iter(ntext):
        end = last + 1
        start = end - len(key)
        is_context, left, right, claiming = info[key]
        if left and not _left_ok(ntext, start):
            continue
        if right and not _right_ok(ntext, end):
            if not any(r.prefix for r in claiming):
                continue
            claiming = tuple(r for r in claiming if r.prefix)
            is_context = False
        if is_context:
            context.setdefault(key, []).append((start, end))
        for role in claiming:
            claims.append((start, end, key, role))
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
    for start, end, key, role in kept:
        if role.kind == "blocker":
            continue
        if blocked and role.strength in _OVERLAP_BLOCKABLE and any(s < end and start < e for s, e in blocked):
            continue  # shares words with a not-surveillance phrase (动环监控系统, 质量监控服务)
        rules = lex.rules_for.get(key)
        if rules:
            if breaks is None and any(r.clause for r in rules):
                breaks = [m.start() for m in _CLAUSE_BREAK.finditer(ntext)]
            blocking = _blocking_rule(rules, start, end, context, breaks)
            if blocking is not None:
                result.suppressed.add(key)
                if blocking.action == "suppress":
                    result.suppressing_rules.add(blocking.id)
                continue
        ostart, oend = norm.span(start, end)
        result.matches.append(Match(ostart, oend, key, role))
    return result


def _crosses(breaks: list[int] | None, a: int, b: int) -> bool:
    """Whether a clause break lies in [a, b)."""
    if not breaks or a >= b:
        return False
    i = bisect_left(breaks, a)
    return i < len(breaks) and breaks[i] < b


def _near(
    positions: list[tuple[int, int]] | None, start: int, end: int, rule: Rule, breaks: list[int] | None
) -> bool:
    if not positions:
        return False
    lo = start - rule.window if rule.side != "after" else start
    hi = end + rule.window if rule.side != "before" else end
    for cs, ce in positions:
        if start <= cs and ce <= end:
            continue  # the context word is part of the hit itself
        if rule.side == "after" and cs < end:
            continue
        if rule.side == "before" and ce > start:
            continue
        if ce >= lo and cs <= hi:
            if rule.clause and (_crosses(breaks, ce, start) or _crosses(breaks, end, cs)):
                continue
            return True
    return False


def _any_near(
    keys: frozenset[str],
    context: dict[str, list[tuple[int, int]]],
    start: int,
    end: int,
    rule: Rule,
    breaks: list[int] | None,
) -> bool:
    return any(k in keys and _near(positions, start, end, rule, breaks) for k, positions in context.items())


def _blocking_rule(
    rules: tuple[Rule, ...],
    start: int,
    end: int,
    context: dict[str, list[tuple[int, int]]],
    breaks: list[int] | None,
) -> Rule | None:
    """The first rule that rules this hit out, or None when every rule allows it."""
    for rule in rules:
        found = _any_near(rule.context, context, start, end, rule, breaks)
        if rule.action == "require":
            if not found:
                return rule
        elif found and not _any_near(rule.unless, context, start, end, rule, breaks):
            return rule
    return None
