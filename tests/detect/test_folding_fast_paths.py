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


def test_ascii_folding_equals_translate():
    rnd = random.Random(8)
    for _ in range(300):
        text = "".join(chr(rnd.randrange(128)) for _ in range(rnd.randint(0, 2 * N.ARRAY_FROM_CHARS)))
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


def _plain_normalise(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """The space step by its definition: each run the plain pattern finds, one match at a time."""
    folded = N.fold(text)
    folded = re.sub(r"<[a-z/!][^<>\n]{0,200}>|&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,5});", N._blank, folded)
    folded = N._FLAT_BREAK.sub(N._blank_after_cjk, folded)
    plain = re.compile(rf"(?<=[{N._CJK}]) +(?=[{N._CJK}])| {{2,}}")
    pieces, seg_norm, seg_orig, last, out_len = [], [0], [0], 0, 0
    for m in plain.finditer(folded):
        a, b = m.span()
        before_other = a > 0 and not N._is_cjk(folded[a - 1])
        keep = 1 if before_other or not N._is_cjk(folded[b : b + 1]) else 0
        pieces.append(folded[last : a + keep])
        out_len += a + keep - last
        last = b
        seg_norm.append(out_len)
        seg_orig.append(b)
    pieces.append(folded[last:])
    return "".join(pieces), tuple(seg_norm), tuple(seg_orig)


def test_normalise_and_its_lazy_map_equal_the_plain_definition():
    texts = [
        *random_texts(3000, 0, 40, seed=3),
        *random_texts(100, N.ARRAY_FROM_CHARS, 2 * N.ARRAY_FROM_CHARS, seed=4),
        "  中文",
        " 中",
        "中 ",
        "视频rn监控 <br/>系 统&nbsp; ok",
    ]
    for text in texts:
        expected_text, seg_norm, seg_orig = _plain_normalise(text)
        norm = N.normalise(text)
        assert norm.text == expected_text, text
        assert (norm.seg_norm, norm.seg_orig) == (seg_norm, seg_orig), text
        for pos in range(len(norm.text)):
            k = max(i for i, s in enumerate(seg_norm) if s <= pos)
            assert norm.original(pos) == seg_orig[k] + pos - seg_norm[k]


def test_texts_normalised_together_come_out_as_each_alone():
    rnd = random.Random(5)
    pieces = ["  中文", "rn监控", "<br/>", "&nbsp;", "<a", "b>", "中 ", " 文", "\n", "a  b", "rn", "\\n"]
    texts = [
        *random_texts(600, 0, 30, seed=6),
        *("".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6))) for _ in range(600)),
        *random_texts(30, N.ARRAY_FROM_CHARS, 2 * N.ARRAY_FROM_CHARS, seed=7),
    ]
    for _ in range(400):
        group = [rnd.choice(texts) for _ in range(rnd.randint(1, 4))]
        together = N.split_joined(*N.normalise_joined(group))
        alone = [N.normalise(text) for text in group]
        assert [n.text for n in together] == [n.text for n in alone], group
        assert [(n.seg_norm, n.seg_orig) for n in together] == [(n.seg_norm, n.seg_orig) for n in alone]
        joined, _ = N.normalise_joined(group)
        assert joined == N.FIELD_BREAK.join(n.text for n in alone)


def test_texts_folded_in_one_call_come_out_as_each_alone(monkeypatch):
    texts = [
        *random_texts(300, 0, 40, seed=9),
        *random_texts(30, N.ARRAY_FROM_CHARS, 3 * N.ARRAY_FROM_CHARS, seed=10),
        "",
        "\ud800",
        "\udc00",  # after the one before: two lone surrogates side by side, not one character
    ]
    alone = [N.fold(text) for text in texts]
    assert N.fold_each(texts) == alone
    monkeypatch.setattr(N, "_FOLD_TOGETHER_CHARS", 100)  # groups cut between texts, a longer text alone
    assert N.fold_each(texts) == alone
    assert N.normalise_joined(texts, N.fold_each(texts)) == N.normalise_joined(texts)
