"""Index tokens: the batch pair-maker gives exactly the pairs of the one-text reference."""

from __future__ import annotations

import pytest

from procurewatch.search.tokens import (
    MAX_TOKEN,
    PIECE_CACHE,
    Segmenter,
    bigram_texts,
    bigram_tokens,
    index_texts,
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


def test_index_texts_gives_both_fields():
    segs, bigrams = index_texts(["2019年海康威视摄像机"])
    assert seg_analyzer().analyze(segs[0]) == seg_tokens("2019年海康威视摄像机")
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
    assert word_analyzer().analyze(segs[0]) == expected
    assert word_analyzer().analyze(segs[2]) == expected


def test_split_words_agrees_with_the_regex_on_every_code_point():
    text = "".join(chr(c) for c in range(0x20, 0x30000, 7) if not 0xD800 <= c < 0xE000)
    assert word_analyzer().analyze(split_words([text])[0]) == seg_analyzer().analyze(text)


def _reference(text: str) -> tuple[list[str], list[str]]:
    """A text's seg words (before the analyzer's long-word filter) and pairs, each text on its own."""
    return word_analyzer().analyze(split_words([seg_text(text)])[0]), bigram_tokens(text)


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
        assert [(word_analyzer().analyze(s), b.split()) for s, b in zip(segs, bigrams, strict=True)] == [
            _reference(t) for t in PIECES
        ]


def test_segmenter_forgets_pieces_beyond_its_limit(monkeypatch):
    monkeypatch.setattr("procurewatch.search.tokens.PIECE_CACHE", 3)
    segmenter = Segmenter()
    texts = ["人脸识别，卡口，声纹，雪亮", "视频监控；摄像机"]
    first = segmenter.index_texts(texts)
    assert len(segmenter.known) <= 3
    assert segmenter.index_texts(texts) == first
    assert PIECE_CACHE > 3
