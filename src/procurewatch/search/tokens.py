"""Tokens of the full-text index (search/index.py): rjieba words and CJK character pairs.

  seg     rjieba `cut_for_search` words, split where the script changes (2019年 → 2019, 年) and
          lower-cased: the tokens of tantivy's analyzer `seg_analyzer` (a regex tokenizer, SEG_PATTERN)
  bigram  overlapping character pairs of every CJK run (a lone CJK character stands for itself),
          made here and split on whitespace by tantivy

Indexing turns a batch of texts into both at once (`index_texts`), each with a few array operations
over the batch's code points: per-token Python loops were about half of the indexing time. The seg
texts are split here where `seg_analyzer` would split them (`split_words`), so tantivy splits them
on whitespace (`word_analyzer`): its regex tokenizer cost more than half of tantivy's indexing time.
Which code points are word characters is asked of that regex tokenizer itself, so both agree.
Indexing keeps one `Segmenter`, which cuts each piece of Chinese text between punctuation once and
remembers its words and pairs: notices repeat their buyers, headings and clauses.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import cache, cached_property
from operator import itemgetter

import numpy as np
import tantivy

# Kana, CJK Extension A, CJK Unified, Hangul syllables, CJK compatibility: the scripts without spaces
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
_CJK = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES)
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W{_CJK}]+)")
_WORDS = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_OTHER_LETTER = re.compile(rf"[^\W\x00-\x7f{_CJK}]")  # a word character beyond ASCII and the CJK scripts
_SPACE = 0x20
MAX_TOKEN = 60  # bytes; longer tokens (base64, hashes) are dropped

# `seg_tokens` for tantivy's regex tokenizer (Rust syntax): Python's \w is letters, numbers and _
_CJK_RUST = "".join(f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in _CJK_RANGES)
SEG_PATTERN = rf"[{_CJK_RUST}]+|[[\p{{L}}\p{{N}}_]--[{_CJK_RUST}]]+"


def runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is_cjk, run) for each run of CJK characters or of other word characters."""
    for match in _RUNS.finditer(text):
        cjk, word = match.groups()
        yield (True, cjk) if cjk else (False, word)


def pairs(run: str) -> list[str]:
    """The overlapping character pairs of one CJK run (the run itself when it is one character)."""
    if len(run) == 1:
        return [run]
    return list(map(str.__add__, run, run[1:]))


def seg_text(text: str) -> str:
    """The seg field's text before `seg_analyzer`: rjieba search-mode words for CJK runs, the rest as
    it is (the analyzer splits it into words).

    rjieba is given no text without CJK, and no other text with letters beyond ASCII, whole: it cuts
    Cyrillic and accented Latin words into letters (Закупівля → З а к у п і в л я, recunoaștere →
    recunoa ș tere), which no word query then finds, and on text without CJK (most OCDS notices) it
    is the slowest step of indexing. A Chinese text of ASCII words and CJK is cut whole: one call
    is faster than a call per CJK run."""
    return _seg(text, bool(_CJK_RUN.search(text)), bool(_OTHER_LETTER.search(text)))


def _seg(text: str, has_cjk: bool, has_other_letters: bool) -> str:
    if not has_cjk:
        return text
    import rjieba  # loads its dictionary; only indexing needs it, not the server's queries

    cut = rjieba.cut_for_search
    if not has_other_letters:
        return " ".join(cut(text))
    return _CJK_RUN.sub(lambda run: f" {' '.join(cut(run.group()))} ", text)


_warming: threading.Thread | None = None


def warm_up() -> None:
    """Make the code-point tables cutting needs in a thread of its own, while this thread reads the store
    (DuckDB releases Python's lock, the tables mostly hold it); the first cut waits for them. Started once a
    process has texts to cut: the server's queries need none of it. rjieba's dictionary is still loaded at
    the first text with CJK to cut, so that a process cutting none never holds it."""
    global _warming
    if _warming is None:
        # not a daemon: a process that fails at once (a store in use) waits for the tables at exit, where a
        # daemon thread stopped inside NumPy aborts the process instead of exiting with its error
        _warming = threading.Thread(target=_kinds, name="pw-warm-up")
        _warming.start()


def _warmed() -> None:
    """Wait for `warm_up`'s thread, if one was started (its tables are computed once, not again here)."""
    if _warming is not None:
        _warming.join()


# pieces of text whose field texts are remembered (`Segmenter`): notices repeat buyers, headings and
# clauses; a batch's new pieces may pass it until the batch is done, then all are forgotten
PIECE_CACHE = 2**16
# characters rjieba's cut keeps in words besides CJK and ASCII letters and digits (jieba-rs RE_HAN_DEFAULT)
_JIEBA_WORD_PUNCTUATION = "+#&.%-"


class Segmenter:
    """The seg and bigram texts of notice texts, for a whole batch at once, made piece by piece for
    texts with CJK and no letters beyond ASCII (the texts rjieba cuts whole), each piece's once.

    A piece is a run of characters between separators: characters that are word characters neither to
    `seg_analyzer` nor to rjieba's cut. rjieba's words never span a separator (its cut gives each
    character outside its word class as a word of its own), `split_words` makes a separator a space,
    and no CJK run (no pair) spans one: the words and pairs of a text are those of its pieces, in order.
    """

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, str]] = {}  # piece -> its seg text (split) and its pairs
        self.runs: dict[str, str] = {}  # CJK run of a text with other letters -> its rjieba words

    def index_texts(self, texts: list[str]) -> tuple[list[str | tantivy.PreTokenizedString], list[str]]:
        """The seg texts (made by `lowered_words`) and bigram texts of a batch of notice texts."""
        if not texts:
            return [], []
        _warmed()
        batch = _Batch(texts)
        kinds = _kinds()[batch.codes]
        # the kinds each text has (the newline after each text is in its span, and is of no kind)
        has = np.bitwise_or.reduceat(np.append(kinds, np.uint8(0)), batch.first)
        whole = (has & (_CJK_KIND | _OTHER_KIND | _UNSURE_KIND)) == _CJK_KIND
        segs: list[str | tantivy.PreTokenizedString] = [""] * len(texts)
        bigrams = [""] * len(texts)
        if whole.any():
            self._by_pieces(batch, kinds, whole, segs, bigrams)
        rest = np.flatnonzero(~whole).tolist()
        if rest:
            with_cjk = [i for i in rest if has[i] & _CJK_KIND]
            cut = {i: _CJK_RUN.sub(self._cut_run, texts[i]) for i in with_cjk}
            for i, seg in zip(rest, lowered_words([cut.get(i, texts[i]) for i in rest]), strict=True):
                segs[i] = seg
            for i, pairs_text in zip(with_cjk, bigram_texts([texts[i] for i in with_cjk]), strict=True):
                bigrams[i] = pairs_text
        return segs, bigrams

    def _cut_run(self, run: re.Match[str]) -> str:
        words = self.runs.get(run.group())
        if words is None:
            if len(self.runs) >= PIECE_CACHE:
                self.runs.clear()
            words = self.runs[run.group()] = _cut_words(run.group())
        return f" {words} "

    def _by_pieces(
        self,
        batch: _Batch,
        kinds: np.ndarray,
        whole: np.ndarray,
        segs: list[str | tantivy.PreTokenizedString],
        bigrams: list[str],
    ) -> None:
        # the texts cut whole, with every run of separators (and every other text) made one NUL, so
        # that str.split makes all pieces at once: NUL, piece, NUL, ..., piece, NUL
        in_whole = np.repeat(whole, batch.lengths + 1)[: len(batch.codes)]
        inside = np.zeros(len(batch.codes) + 2, dtype=bool)
        inside[1:-1] = ((kinds & _SEPARATOR_KIND) == 0) & in_whole
        kept = inside.copy()
        kept[1:] |= inside[:-1]  # a piece's characters and the first place after each piece
        kept[0] = True
        codes = np.zeros(len(inside), dtype=np.uint32)
        codes[1:-1] = batch.codes
        codes[~inside] = 0
        pieces = codes[kept].tobytes().decode("utf-32-le", "surrogatepass").split("\0")[1:-1]
        starts = np.flatnonzero(inside[1:] & ~inside[:-1])  # in batch.codes
        bounds = [*np.searchsorted(starts, batch.first).tolist(), len(pieces)]
        found = list(map(self.known.get, pieces))
        if None in found:
            new = list(dict.fromkeys(p for p, f in zip(pieces, found, strict=True) if f is None))
            new_segs, odd = _split(_cut_pieces(new), lower=True)
            if any(odd):  # the texts cut whole have no character `lowered_words` leaves to tantivy
                raise RuntimeError("a piece of text could not be lower-cased")
            self.known.update(zip(new, zip(new_segs, bigram_texts(new), strict=True), strict=True))
            found = list(map(self.known.__getitem__, pieces))
            if len(self.known) > PIECE_CACHE:
                self.known.clear()
        seg_of, pairs_of = list(map(itemgetter(0), found)), list(map(itemgetter(1), found))
        for i in np.flatnonzero(whole).tolist():
            lo, hi = bounds[i], bounds[i + 1]
            segs[i], bigrams[i] = " ".join(seg_of[lo:hi]), " ".join(pairs_of[lo:hi])


def _cut_words(piece: str) -> str:
    import rjieba  # loads its dictionary; only indexing needs it, not the server's queries

    return " ".join(rjieba.cut_for_search(piece))


def _cut_pieces(pieces: list[str]) -> list[str]:
    """`_cut_words` of each piece, by one rjieba call over the pieces joined by newlines: rjieba cuts
    each run of its word characters alone and gives a newline (never in a piece) as a word of its own,
    so the words between two newlines are those of the piece alone."""
    import rjieba

    if not pieces:
        return []
    cut = " ".join(rjieba.cut_for_search("\n".join(pieces))).split(" \n ")
    if len(cut) != len(pieces):  # a piece holding what rjieba took with a newline: each alone
        return [_cut_words(p) for p in pieces]
    return cut


_CJK_KIND, _OTHER_KIND, _SEPARATOR_KIND, _UNSURE_KIND = np.uint8(1), np.uint8(2), np.uint8(4), np.uint8(8)


@cache
def _kinds() -> np.ndarray:
    """Bits by code point: CJK (`_is_cjk`), a letter beyond ASCII and CJK (`_is_other_letter`), a word
    character `lowered_words` leaves tantivy to lower-case (`_lower_case`), and a separator of
    `Segmenter`'s pieces: of the Basic Multilingual Plane (beyond it none), a character that
    `seg_analyzer` (asked) keeps out of words and rjieba's cut too."""
    separator = np.zeros(0x110000, dtype=bool)
    codes = np.array([c for c in range(0x10000) if not 0xD800 <= c < 0xE000], dtype=np.uint32)
    separator[codes] = ~_word_chars().of(codes)
    separator[[ord(c) for c in _JIEBA_WORD_PUNCTUATION]] = False
    for first, last in ("09", "AZ", "az"):
        separator[ord(first) : ord(last) + 1] = False
    kinds = _is_cjk() * _CJK_KIND + _is_other_letter() * _OTHER_KIND + separator * _SEPARATOR_KIND
    return (kinds + _lower_case()[1] * _UNSURE_KIND).astype(np.uint8)


def seg_tokens(text: str) -> list[str]:
    """The seg tokens of a text, in Python: the reference `seg_analyzer` is tested against (it gives
    the same tokens from `seg_text`, minus those longer than MAX_TOKEN bytes)."""
    return _WORDS.findall(seg_text(text).lower())


def seg_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(SEG_PATTERN))
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def word_analyzer() -> tantivy.TextAnalyzer:
    """The seg field's analyzer for texts made by `lowered_words`: the tokens of `seg_analyzer`. A word
    and its lowercase have the same length in bytes there, so dropping long words before lower-casing
    them, as `seg_analyzer` does, drops the same words."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .build()
    )


@cache
def lowering_word_analyzer() -> tantivy.TextAnalyzer:
    """The analyzer of texts made by `split_words`: the tokens of `seg_analyzer`."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def pair_analyzer() -> tantivy.TextAnalyzer:
    """Pairs are of CJK characters, which have no case, and of at most 6 bytes: no filter changes them."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def bigram_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        tokens.extend(pairs(run))
    return tokens


@cache
def _is_cjk() -> np.ndarray:
    table = np.zeros(0x110000, dtype=bool)
    for lo, hi in _CJK_RANGES:
        table[lo : hi + 1] = True
    return table


@cache
def _is_other_letter() -> np.ndarray:
    """Code points `_OTHER_LETTER` matches, for the Basic Multilingual Plane; beyond it every code point
    counts as one (rare, and then only the slower, always correct, cut is chosen)."""
    table = np.ones(0x110000, dtype=bool)
    table[:0x10000] = [bool(_OTHER_LETTER.match(chr(c))) for c in range(0x10000)]
    return table


class _WordChars:
    """Which code points `seg_analyzer`'s regex tokenizer keeps in words, asked of the tokenizer for
    each code point the first time it is met (one call for all the new ones of a batch)."""

    def __init__(self) -> None:
        self.known = np.zeros(0x110000, dtype=bool)
        self.word = np.zeros(0x110000, dtype=bool)
        self.known[0xD800:0xE000] = True  # surrogates: never in text tantivy is given
        self.tokenizer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(SEG_PATTERN)).build()

    def of(self, codes: np.ndarray) -> np.ndarray:
        new = codes[~self.known[codes]]
        if len(new):
            new = np.unique(new)
            # each code point alone between spaces: a token exactly when it is a word character
            words = self.tokenizer.analyze(" ".join(map(chr, new.tolist())))
            self.word[[ord(w) for w in words]] = True
            self.known[new] = True
        return self.word[codes]


@cache
def _word_chars() -> _WordChars:
    return _WordChars()


class _Batch:
    """The code points of a batch of texts, joined by newlines, with where each text lies."""

    def __init__(self, texts: list[str]) -> None:
        joined = "\n".join(texts)  # a separator that is not CJK, so no pair crosses two texts
        self.codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.first = np.cumsum(self.lengths + 1) - self.lengths - 1  # where each text starts in `codes`

    @cached_property
    def cjk(self) -> np.ndarray:
        """Whether each code point is CJK (not needed for the texts cut piece by piece)."""
        return _is_cjk()[self.codes]

    def any_in_each(self, mask: np.ndarray) -> list[bool]:
        """Whether each text has a code point where `mask` is true."""
        before = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        return (before[self.first + self.lengths] > before[self.first]).tolist()


def bigram_texts(texts: list[str]) -> list[str]:
    """`" ".join(bigram_tokens(t))` for each text (up to a trailing space), for a whole batch at once."""
    if not texts:
        return []
    return _bigrams(texts, _Batch(texts))


def _bigrams(texts: list[str], batch: _Batch) -> list[str]:
    """Every position i of the joined texts where characters i and i+1 are both CJK starts a pair
    (3 output code points: the two characters and a space); a CJK character with no CJK neighbour
    is a token of its own (2 code points). The output is laid out with one cumulative sum."""
    codes, cjk = batch.codes, batch.cjk
    before = np.zeros_like(cjk)
    before[1:] = cjk[:-1]
    after = np.zeros_like(cjk)
    after[:-1] = cjk[1:]
    pair = cjk & after
    single = cjk & ~before & ~after
    ends = np.cumsum(pair * 3 + single * 2, dtype=np.int64)  # end of each position's output
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint32)
    at = np.flatnonzero(pair)
    start = ends[at] - 3
    out[start], out[start + 1], out[start + 2] = codes[at], codes[at + 1], _SPACE
    at = np.flatnonzero(single)
    start = ends[at] - 2
    out[start], out[start + 1] = codes[at], _SPACE
    done_before = np.concatenate([[0], ends])  # output written before position i
    first, lengths = batch.first, batch.lengths
    lows, highs = done_before[first].tolist(), done_before[first + lengths].tolist()
    text = out.tobytes().decode("utf-32-le", "surrogatepass")
    return [text[lo:hi] for lo, hi in zip(lows, highs, strict=True)]


def index_texts(texts: list[str]) -> tuple[list[str], list[str]]:
    """The seg and bigram field texts of a batch of notice texts (`Segmenter.index_texts`; indexing keeps
    one Segmenter for all its batches)."""
    return Segmenter().index_texts(texts)


def split_words(texts: list[str]) -> list[str]:
    """Each text with every character `seg_analyzer` leaves out of words made a space, and a space
    where a word changes between CJK and other scripts, so that whitespace splits it into the same
    words, in the same order (so at the same positions)."""
    return _split(texts, lower=False)[0]


def lowered_words(texts: list[str]) -> list[str | tantivy.PreTokenizedString]:
    """`split_words` of each text, lower-cased as `seg_analyzer` lower-cases words, for `word_analyzer`
    (which then needs no lower-casing filter: tantivy's took an eighth of its indexing time). A text with
    a character lower-cased into another length or more than one character (İ → i̇), which would change
    which words the long-word filter drops, comes pre-tokenized by `lowering_word_analyzer` instead."""
    segs, odd = _split(texts, lower=True)
    if any(odd):
        redo = [i for i, o in enumerate(odd) if o]
        analyzer = lowering_word_analyzer()
        for i, seg in zip(redo, split_words([texts[i] for i in redo]), strict=True):
            segs[i] = analyzer.pre_tokenize(seg)
    return list(segs)


def _split(texts: list[str], lower: bool) -> tuple[list[str], list[bool]]:
    if not texts:
        return [], []
    batch = _Batch(texts)
    codes, cjk = batch.codes, batch.cjk
    word = _word_chars().of(codes)
    odd: list[bool] = []
    if lower:
        lowered, unsure = _lower_case()
        left = word & unsure[codes]
        odd = batch.any_in_each(left) if left.any() else [False] * len(texts)
        codes = lowered[codes]
    out = np.where(word, codes, np.uint32(_SPACE))
    boundary = np.zeros_like(word)
    boundary[1:] = word[1:] & word[:-1] & (cjk[1:] != cjk[:-1])  # a space goes before these
    spaces = np.flatnonzero(boundary)
    if len(spaces):
        out = np.insert(out, spaces, np.uint32(_SPACE))
    # a text's first character never gets a space before it (a newline precedes it in `codes`)
    shift = np.searchsorted(spaces, batch.first, side="right")
    ends = batch.first + batch.lengths
    starts = (batch.first + shift).tolist()
    stops = (ends + np.searchsorted(spaces, ends, side="right")).tolist()
    text = out.tobytes().decode("utf-32-le", "surrogatepass")
    return [text[lo:hi] for lo, hi in zip(starts, stops, strict=True)], odd


@cache
def _lower_case() -> tuple[np.ndarray, np.ndarray]:
    """Each code point lower-cased as tantivy's lower-casing filter lower-cases it (asked, a word character
    of the Basic Multilingual Plane at a time), and whether it is one not lower-cased here: its lowercase
    is not one character of the same UTF-8 length, or it is a word character beyond the plane."""
    lowered = np.arange(0x110000, dtype=np.uint32)
    unsure = np.ones(0x110000, dtype=bool)
    unsure[:0x10000] = False
    codes = np.array([c for c in range(0x10000) if not 0xD800 <= c < 0xE000], dtype=np.uint32)
    words = codes[_word_chars().of(codes)].tolist()
    cases = _lower_caser().analyze(" ".join(map(chr, words)))  # word characters are never whitespace
    if len(cases) != len(words):
        raise RuntimeError("tantivy's lower-casing filter did not lower-case one character at a time")
    for code, case in zip(words, cases, strict=True):
        if len(case) == 1 and len(case.encode()) == len(chr(code).encode()) and not case.isspace():
            lowered[code] = ord(case)
        else:
            unsure[code] = True
    return lowered, unsure


def _lower_caser() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).filter(tantivy.Filter.lowercase()).build()
    )
