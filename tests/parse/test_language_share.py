"""The Han share of a text read without counting its letters (a Chinese title) answers as the count does."""

from __future__ import annotations

import random

from procurewatch.parse import language


def test_every_han_character_is_a_letter() -> None:
    hans = "".join(chr(c) for c in [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)])
    assert sum(map(len, language._LETTERS.findall(hans))) == len(hans)


def test_han_enough_is_the_han_ratio_against_the_share() -> None:
    rng = random.Random(20)
    alphabet = ["监", "控", "a", "B", "1", " ", "，", "é", "Я", "_", "㐀", "\u9fff", "。"]
    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert language._han_enough(text) == (language._han_ratio(text) >= language._HAN_SHARE), text
