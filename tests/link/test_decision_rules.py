"""The title and key rules of decision.py answer as their definitions do, shortcuts included."""

from __future__ import annotations

import random

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from procurewatch.link.decision import Pending, Proc, keys_conflict, titles_close, tokens_conflict
from procurewatch.link.keys import settings


def close_by_definition(a: str, b: str, max_edits: int) -> bool:
    """One contains the other (both of 6+ characters), or an edit script of at most `max_edits`
    operations, none a replacement."""
    if min(len(a), len(b)) >= 6 and (a in b or b in a):
        return True
    if Levenshtein.distance(a, b) > max_edits:
        return False
    return all(op.tag != "replace" for op in Levenshtein.editops(a, b))


def edited(rng: random.Random, text: str, alphabet: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(0, 2)):
        at = rng.randint(0, len(chars))
        action = rng.choice(("insert", "delete", "replace"))
        if action == "insert":
            chars.insert(at, rng.choice(alphabet))
        elif chars:
            at = min(at, len(chars) - 1)
            if action == "delete":
                del chars[at]
            else:
                chars[at] = rng.choice(alphabet)
    return "".join(chars)


def test_titles_close_equals_its_definition_for_any_number_of_edits():
    rng = random.Random(20)
    alphabet = "监控项目年度1二标段"
    for _ in range(20_000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        b = edited(rng, a, alphabet)
        for max_edits in (0, 1, 2, 3):
            assert titles_close(a, b, max_edits) == close_by_definition(a, b, max_edits), (a, b, max_edits)


def test_keys_conflict_of_equal_keys_and_of_buyers_named_alike():
    s = settings()
    title = "视频监控系统二标段采购项目"
    pending = Pending("n1", "f", None, None, "某市公安局", title, "ZB-2024-001", False)
    assert not keys_conflict(pending, Proc("p", title, "某市公安局", "ZB-2024-001", None, None), s)
    assert keys_conflict(pending, Proc("p", "视频监控系统三标段采购项目", "某市公安局", None, None, None), s)
    other_buyer = "遥远的县教育局"
    assert fuzz.partial_ratio("某市公安局", other_buyer) < s.buyer_conflict_below
    assert keys_conflict(pending, Proc("p", title, other_buyer, None, None, None), s)
    assert not tokens_conflict(title, title)
