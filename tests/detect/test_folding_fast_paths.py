"""The fast paths of normalisation give exactly what the plain definitions give."""

from __future__ import annotations

import random
import re

import pytest

from procurewatch.detect import folding as N

ALPHABET = [
    " ",
    " ",
    " ",
    "中",
    "文",
    "臺",
    "a",
    "B",
    "\u3000",
    "\t",
    "-",
    "\xa0",
    "é",
    "Ａ",
    "\ud800",
    "\U00020000",
]


def random_texts(count: int, low: int, high: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(low, high))) for _ in range(count)]


@pytest.mark.parametrize("text", random_texts(200, N.ARRAY_FROM_CHARS, 3 * N.ARRAY_FROM_CHARS, seed=1))
def test_array_folding_equals_translate(text):
    assert N.fold(text) == text.translate(N._table())


def test_space_runs_are_found_as_by_the_plain_pattern():
    plain = re.compile(rf"(?<=[{N._CJK}]) +(?=[{N._CJK}])| {{2,}}")
    texts = [
        *random_texts(3000, 0, 40, seed=2),
        "中 文",
        "中  文",
        "a  b",
        "中 a",
        "  中",
        " 中 ",
        "中   a  中 文",
    ]
    for text in texts:
        expected = [m.span() for m in plain.finditer(text)]
        fast = N._SPACE_RUN if N._CJK_CHAR.search(text) else N._SPACES
        assert [m.span() for m in fast.finditer(text)] == expected, text


def test_long_and_short_texts_normalise_alike():
    sentence = "臺北市 政府  採購 CCTV-Kamera\u3000監視器 ok "
    short = N.normalise(sentence)
    long = N.normalise(sentence * 20)
    assert len(sentence * 20) >= N.ARRAY_FROM_CHARS
    assert long.text == short.text * 20
    assert short.text == "台北市政府采购 cctv kamera 监视器 ok "
