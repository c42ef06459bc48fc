"""The fast paths of a scan give exactly what the plain definitions give."""

from __future__ import annotations

import random

from procurewatch.detect import matching as M
from procurewatch.detect.lexicon import Rule


def test_break_and_stop_positions_equal_the_patterns_in_short_and_long_texts():
    rnd = random.Random(7)
    alphabet = [*M._CLAUSE_BREAK_CHARS, *M._LIST_END_CHARS, "a", "中", "\\", "^", "\U00020000", "\uffff"]
    for _ in range(500):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 3 * M._POSITIONS_BY_ARRAY)))
        for pattern, chars in ((M._CLAUSE_BREAK, M._CLAUSE_BREAK_CHARS), (M._LIST_END, M._LIST_END_CHARS)):
            assert M._positions(text, pattern, chars) == [m.start() for m in pattern.finditer(text)]


def _plain_near(positions, start, end, rule, breaks, text=""):
    lo = start - rule.window if rule.side != "after" else start
    hi = end + rule.window if rule.side != "before" else end
    for cs, ce in positions:
        if start <= cs and ce <= end:
            continue
        if rule.side == "after" and cs < end:
            continue
        if rule.side == "before" and ce > start:
            continue
        if ce >= lo and cs <= hi:
            crossed = rule.clause and (M._crosses(breaks, ce, start) or M._crosses(breaks, end, cs))
            if crossed and not (ce <= start and M._heads_bracket(text, ce, start)):
                continue
            return True
    return False


def test_a_context_word_is_near_by_bisection_exactly_when_by_walking_every_position():
    rnd = random.Random(8)
    for _ in range(3000):
        length = rnd.randint(1, 4)
        starts = sorted(rnd.sample(range(400), rnd.randint(1, 40)))
        positions = [(s, s + length) for s in starts]
        start = rnd.randint(0, 400)
        end = start + rnd.randint(1, 6)
        rule = Rule(
            "r",
            "suppress",
            rnd.randint(0, 30),
            frozenset(),
            side=rnd.choice(["both", "after", "before"]),
            clause=rnd.random() < 0.5,
        )
        breaks = sorted(rnd.sample(range(420), 30))
        expected = _plain_near(positions, start, end, rule, breaks)
        assert M._near(positions, start, end, rule, breaks) == expected


def test_a_notice_may_hold_a_claiming_key_whenever_its_normalised_texts_hold_one():
    from procurewatch.detect.folding import normalise_joined
    from procurewatch.detect.lexicon import lexicon
    from procurewatch.detect.texts import NoticeTexts

    lex = lexicon()
    claiming = [key for key, _, _, _, roles, _, _ in lex.key_info if roles]
    cjk_keys = [k for k in claiming if len(k) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in k)]
    spaced = cjk_keys[0][0] + "  " + cjk_keys[0][1:]  # the space step joins it again: 视频 监控
    texts = NoticeTexts([spaced, "", "采购 公告"])
    assert M.claim_starts(texts.joined, lex) and texts.may_claim(lex)
    assert not NoticeTexts(["办公 家具 采购", "采购 公告", ""]).may_claim(lex)
    rnd = random.Random(11)
    pieces = [
        *rnd.sample(claiming, 200),
        "公告",
        "采购",
        "a",
        "中",
        " ",
        "  ",
        "\u3000",
        "<b>",
        "rn",
        "-",
        "Ａ",
    ]
    for _ in range(2000):
        group = [
            "".join(rnd.choice(pieces) + rnd.choice(["", " ", ""]) for _ in range(rnd.randint(0, 6)))
            for _ in range(3)
        ]
        texts = NoticeTexts(group)
        if M.claim_starts(texts.joined, lex):
            assert texts.may_claim(lex)
        assert texts.joined == normalise_joined(group)[0]


def test_texts_tested_together_for_claiming_keys_come_out_as_each_alone():
    from procurewatch.detect.lexicon import lexicon

    lex = lexicon()
    claiming = [key for key, _, _, _, roles, _, _ in lex.key_info if roles]
    rnd = random.Random(12)
    pieces = [*rnd.sample(claiming, 100), "公告", "中", " ", "\n", "", "\ud800", "a"]
    for _ in range(200):
        texts = [
            "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 5))) for _ in range(rnd.randint(0, 9))
        ]
        assert M.may_claim_each(texts, lex) == [M.may_claim(text, lex) for text in texts]
