"""Index tokens: the batch pair-maker gives exactly the pairs of the one-text reference."""

from __future__ import annotations

import pytest
import tantivy

from procurewatch.search.tokens import (
    MAX_TOKEN,
    PIECE_CACHE,
    Segmenter,
    _cut_pieces,
    _cut_words,
    bigram_texts,
    bigram_tokens,
    index_texts,
    lowered_words,
    lowering_word_analyzer,
    seg_analyzer,
    seg_text,
    seg_tokens,
    split_words,
    word_analyzer,
)

TEXTS = [
    "",
    "a",
    "中",
    "x中y",
    "中文ab中",
    "视频监控系统采购项目（第2包）海康威视DS-2CD3T47",
    "Sistema de videovigilancia — cámaras IP",
    "\U00020000\U00020001中国",  # outside the BMP: not CJK here, so it splits the run
    "ひらがなカタカナ한국어",
    "二〇二三年\n人脸识别，卡口\t 中",
]


def test_batch_pairs_equal_the_reference_for_each_text():
    assert [t.split() for t in bigram_texts(TEXTS)] == [bigram_tokens(t) for t in TEXTS]


def test_no_pair_crosses_two_texts():
    assert [t.split() for t in bigram_texts(["人脸", "识别"])] == [["人脸"], ["识别"]]
    assert bigram_texts([]) == []


@pytest.mark.parametrize("text", TEXTS)
def test_one_text_at_a_time_gives_the_same_pairs(text):
    assert bigram_texts([text])[0].split() == bigram_tokens(text)


def _indexed(seg: str | tantivy.PreTokenizedString) -> list[tuple[str, int]]:
    """The words (and their positions) tantivy indexes for a seg text made by `lowered_words`."""
    if isinstance(seg, str):
        seg = word_analyzer().pre_tokenize(seg)
    return [(t.text, t.position) for t in seg.tokens]


def _words(seg: str | tantivy.PreTokenizedString) -> list[str]:
    return [word for word, _ in _indexed(seg)]


def test_index_texts_gives_both_fields():
    segs, bigrams = index_texts(["2019年海康威视摄像机"])
    assert _words(segs[0]) == seg_tokens("2019年海康威视摄像机")
    assert "2019" in segs[0].split() and "海康" in bigrams[0].split()


@pytest.mark.parametrize("text", [*TEXTS, "Cámaras ② IP-Kamera №5 ДАХУА Хіквіжн 2019年", "x" * 70 + " ok"])
def test_tantivy_splits_seg_words_as_the_python_reference_does(text):
    expected = [w for w in seg_tokens(text) if len(w.encode()) <= MAX_TOKEN]
    assert seg_analyzer().analyze(seg_text(text)) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Закупівля камер відеоспостереження", ["закупівля", "камер", "відеоспостереження"]),
        (
            "Achiziție sisteme cu recunoaștere facială",
            ["achiziție", "sisteme", "cu", "recunoaștere", "facială"],
        ),
        ("Videoüberwachung 视频监控 Überwachungskamera", ["videoüberwachung", "überwachungskamera"]),
        ("Хіквіжн: 海康威视摄像机", ["хіквіжн", "海康"]),
    ],
)
def test_words_beyond_ascii_stay_whole_with_or_without_chinese(text, words):
    tokens = seg_analyzer().analyze(seg_text(text))
    assert all(word in tokens for word in words), tokens
    cut_into_letters = [
        t for t in tokens if len(t) == 1 and not t.isascii() and not "\u4e00" <= t <= "\u9fff"
    ]
    assert cut_into_letters == []


def test_text_without_cjk_is_indexed_as_written():
    text = "Supply of CCTV-cameras, 2019 (lot 2)"
    assert seg_text(text) == text
    assert seg_tokens(text) == ["supply", "of", "cctv", "cameras", "2019", "lot", "2"]


TRICKY = [
    "snake_case_word 2019年DS-2CD3T47海康",
    "क्षेत्र सुरक्षा कैमरा",  # combining vowel signs: not letters to the regex
    "ΣΟΦΟΣ ΚΑΜΕΡΑΣ İstanbul ǅemal",
    "\u3040\u3097\u309b\u30fb中ー\u3000全角　ＡＢＣ１２３",  # kana-range gaps and marks, ideographic space
    "🙂监控🙂 x\u200by a\u0301b",
    "\U00020000\U0002a700abc\U0001d7ce中",
    "long " + "y" * 59 + " " + "z" * 61 + "中文" * 40,
]


@pytest.mark.parametrize("text", [*TEXTS, *TRICKY])
def test_split_seg_texts_give_the_regex_tokenizers_words(text):
    segs, _ = index_texts([text, "人脸 x_y", text])
    expected = seg_analyzer().analyze(seg_text(text))
    assert _words(segs[0]) == expected
    assert _words(segs[2]) == expected


def test_split_words_agrees_with_the_regex_on_every_code_point():
    text = "".join(chr(c) for c in range(0x20, 0x30000, 7) if not 0xD800 <= c < 0xE000)
    assert lowering_word_analyzer().analyze(split_words([text])[0]) == seg_analyzer().analyze(text)
    assert _words(lowered_words([text])[0]) == seg_analyzer().analyze(text)
    cased = "".join(
        chr(c) for c in range(0x20, 0x30000) if chr(c).lower() != chr(c) or chr(c).upper() != chr(c)
    )
    words = [f"{c}x Ab{c}" for c in cased]  # each cased character in texts of its own
    assert [_words(seg) for seg in lowered_words(words)] == [seg_analyzer().analyze(w) for w in words]
    assert sum(isinstance(seg, str) for seg in lowered_words(words)) > len(words) // 2


def _reference(text: str) -> tuple[list[tuple[str, int]], list[str]]:
    """A text's seg words with their positions, and its pairs, made for each text on its own as tantivy's
    analyzer made them before words were lower-cased in Python."""
    words = lowering_word_analyzer().pre_tokenize(split_words([seg_text(text)])[0]).tokens
    return [(t.text, t.position) for t in words], bigram_tokens(text)


PIECES = [
    *TEXTS,
    *TRICKY,
    "关于征集中国移动江西公司2026年-2028年全省布展支撑服务采购项目（第2包）\ncategory: 采购意见征求公告",
    "snake_case_word,a.b+c#d&e%f-g 海康威视DS-2CD3T47\r\n摄像机；人脸识别。",
    "中\x00文 a\x00b",  # NUL, the separator the pieces are split at, in the text itself
    "，。中国\n\n",
    "  ",
]


def test_segmenter_gives_the_words_and_pairs_of_each_text_alone():
    segmenter = Segmenter()
    for _ in range(2):  # the second time every piece is remembered
        segs, bigrams = segmenter.index_texts(PIECES)
        assert [(_indexed(s), b.split()) for s, b in zip(segs, bigrams, strict=True)] == [
            _reference(t) for t in PIECES
        ]


def test_pieces_cut_by_one_call_give_each_pieces_words():
    pieces = [
        "视频监控系统采购项目",
        "DS-2CD3T47",
        "2019年",
        "ひらがなカタカナ東京",  # kana: rjieba's word class takes them one at a time
        "한국어中文",
        "a.b+c#d&e%f-g",
        "\U00020000\U00020001中国",
        "中",
        "x",
    ]
    assert _cut_pieces(pieces) == [_cut_words(p) for p in pieces]
    assert _cut_pieces([]) == []


def test_pieces_rjieba_takes_with_a_newline_are_cut_one_by_one():
    pieces = ["中国", "a\r", "移动"]  # a carriage return before the newline: rjieba keeps the two together
    assert _cut_pieces(pieces) == [_cut_words(p) for p in pieces]


def test_segmenter_forgets_pieces_beyond_its_limit(monkeypatch):
    monkeypatch.setattr("procurewatch.search.tokens.PIECE_CACHE", 3)
    segmenter = Segmenter()
    texts = ["人脸识别，卡口，声纹，雪亮", "视频监控；摄像机"]
    first = segmenter.index_texts(texts)
    assert len(segmenter.known) <= 3
    assert segmenter.index_texts(texts) == first
    assert PIECE_CACHE > 3


LOWER = [
    "ΣΟΦΟΣ ΚΑΜΕΡΑΣ ǅemal Ωmega",  # final sigma stays σ: tantivy lower-cases a character at a time
    "İstanbul KAMERA \u212a",  # İ (2 bytes) lower-cases to i̇ (3), the Kelvin sign (3) to k (1)
    "İ" * 25 + "x 中 " + "İ" * 31 + " " + "\u212a" * 20 + " " + "\u212a" * 19 + "Ab",  # long by the bytes
    "Ǆ" * 29 + "a " + "Ⱥ" * 20 + " ok",
    "ＡＢＣ Ｋａｍｅｒａ CCTV-Kamera 中文 ŁÓDŹ",
    "\U00010400\U00010401 DESERET 中",  # letters with case beyond the Basic Multilingual Plane
]


@pytest.mark.parametrize("text", [*TEXTS, *TRICKY, *LOWER])
def test_lowered_words_give_the_words_tantivy_lower_cased(text):
    (seg,) = lowered_words([text])
    expected = lowering_word_analyzer().pre_tokenize(split_words([text])[0]).tokens
    assert _indexed(seg) == [(t.text, t.position) for t in expected]


def test_texts_with_words_tantivy_must_lower_case_come_pre_tokenized():
    plain, odd = lowered_words(["CCTV Kamera ΣΟΦΟΣ", "İstanbul"])
    assert plain == "cctv kamera σοφοσ"
    assert isinstance(odd, tantivy.PreTokenizedString)
    assert [t.text for t in odd.tokens] == ["i\u0307stanbul"]
