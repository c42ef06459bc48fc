"""Text normalisation for matching, with an offset map back to the original text.

One character in, one character out (NFKC width folding, lower case, accents stripped,
Traditional → Simplified Chinese, hyphens and apostrophes unified), then whitespace
runs are removed between Chinese characters and collapsed to one space elsewhere.
Only that last step changes length, so the map back is a short list of segments.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np

_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad"
_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WHITESPACE = "\t\n\r\f\v\u3000\xa0\u2028\u2029\u200b\x1c\x1d\x1e\x1f\x85\ufeff"
# a run of spaces between CJK characters, or any run of 2+ (same as (?<=[CJK]) +(?=[CJK])| {2,}, but
# starting with a literal space, so the regex engine skips ahead to spaces instead of trying everywhere)
_SPACE_RUN = re.compile(rf" (?<=[{_CJK}] ) *(?=[{_CJK}])| {{2,}}")
_SPACES = re.compile("  +")  # " {2,}", written so that the regex engine skips ahead to two spaces
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_CJK_GAP = re.compile(rf" (?<=[{_CJK}] ) *(?=[{_CJK}])")  # the first alternative of _SPACE_RUN
# at the start of a text: of each text of several joined by FIELD_BREAK (folded text has no line break)
_LEADING_RUN_BEFORE_CJK = re.compile(rf"^ {{2,}}(?=[{_CJK}])", re.MULTILINE)
FIELD_BREAK = "\n"
# Damage that splits words in scraped text: markup tags and entities left in, and line breaks flattened
# into the letters "rn" or a literal "\r\n" between Chinese characters (视频rn监控). Blanked to spaces of
# the same length, so the offset map stays one to one and the space step below joins the words again.
_MARKUP = re.compile(r"<[a-z/!][^<>\n]{0,200}>|&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,5});")
_FLAT_BREAK = re.compile(rf"(?:rn|\\r\\n|\\n)+(?=[{_CJK}])")  # kept only when a CJK char precedes
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
# Folding by table lookup on an array beats str.translate (a dict lookup per character) from about
# this length on: 4-5x faster on notice bodies, where folding took a sixth of detection time
ARRAY_FROM_CHARS = 256


@lru_cache(maxsize=1)
def _table() -> dict[int, int]:
    """Code point → code point, for every BMP character whose normal form is one character."""
    import opencc

    cjk = [chr(i) for r in _CJK_RANGES for i in range(*r)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(cjk)).split("\n")
    t2s = {a: b for a, b in zip(cjk, simplified, strict=True) if a != b and len(b) == 1}
    table: dict[int, int] = {}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        out = unicodedata.normalize("NFKC", char)
        if len(out) != 1:
            continue
        lowered = out.lower()
        out = lowered if len(lowered) == 1 else out
        decomposed = unicodedata.normalize("NFD", out)
        if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
            out = decomposed[0]
        out = t2s.get(out, out)
        if out in _HYPHENS:
            out = " "
        elif out in _APOSTROPHES:
            out = "'"
        if out != char:
            table[code] = ord(out)
    for char in _HYPHENS + _WHITESPACE:
        table[ord(char)] = ord(" ")
    return table


class Normalised:
    """Normalised text and the way back to the original: per removed stretch, where normalised
    positions resume in the original. The map is made on first use: most texts match nothing, and
    their map is never read."""

    __slots__ = ("_folded", "_segments", "text")

    def __init__(self, text: str, folded: str | None = None) -> None:
        self.text = text
        # the text before the space step, kept while its map is not made (None: one to one)
        self._folded = folded if folded is not None and len(folded) != len(text) else None
        self._segments: tuple[tuple[int, ...], tuple[int, ...]] | None = None

    @property
    def seg_norm(self) -> tuple[int, ...]:
        return self._map()[0]

    @property
    def seg_orig(self) -> tuple[int, ...]:
        return self._map()[1]

    def original(self, pos: int) -> int:
        """Original index of the character at normalised index `pos`."""
        if self._folded is None:
            return pos
        seg_norm, seg_orig = self._map()
        k = bisect_right(seg_norm, pos) - 1
        return seg_orig[k] + (pos - seg_norm[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised span [start, end)."""
        return self.original(start), self.original(end - 1) + 1

    def _map(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if self._segments is None:
            self._segments = _space_map(self._folded) if self._folded is not None else ((0,), (0,))
        return self._segments


def fold(text: str) -> str:
    """Character-wise folding only (length preserving)."""
    if text.isascii():  # (a flag of the string, not a scan) most OCDS and TED texts
        return text.encode("ascii").translate(_ascii_table()).decode("ascii")
    if len(text) < ARRAY_FROM_CHARS:
        return text.translate(_table_string())
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _folding_array().take(codes).tobytes().decode("utf-32-le", "surrogatepass")


def normalise(text: str) -> Normalised:
    return _finish(fold(text))


def normalise_joined(texts: Sequence[str], folded: Sequence[str] | None = None) -> tuple[str, str]:
    """(normalised, folded): normalise() of each text, joined by FIELD_BREAK, and the same texts folded
    (markup blanked) before the space step, joined the same way. One table lookup and one run of each
    step for all of a notice's texts: folding is character by character, and no step reaches across a
    FIELD_BREAK (folding turns every line break into a space, and each step's pattern stops at one or
    needs a CJK character or a space on both sides), so each text comes out as on its own. `folded`:
    fold() of each text, when the caller has folded them already (`fold_each` over many notices)."""
    joined, has_cjk = fold_joined(texts, folded)
    return space_step(joined, has_cjk), joined


def fold_joined(texts: Sequence[str], folded: Sequence[str] | None = None) -> tuple[str, bool]:
    """`normalise_joined`'s folded text (before the space step), and whether it holds a CJK character
    (`space_step`'s second argument)."""
    return blank_damage(FIELD_BREAK.join(fold_each(texts) if folded is None else folded))


_FOLD_TOGETHER_CHARS = 1 << 18  # texts folded in one call: its arrays stay a few MB


def fold_each(texts: Sequence[str]) -> list[str]:
    """fold() of each text, by one call over texts joined (folding is character by character): a call's
    fixed costs (encoding, the array's) are most of folding a short text, so the texts of many notices
    folded together cost a third of a call a notice. Joined up to _FOLD_TOGETHER_CHARS at a time."""
    out: list[str] = []
    group: list[str] = []
    size = 0
    for text in texts:
        if group and size + len(text) > _FOLD_TOGETHER_CHARS:
            out += _fold_group(group)
            group, size = [], 0
        group.append(text)
        size += len(text)
    if group:
        out += _fold_group(group)
    return out


def _fold_group(texts: list[str]) -> list[str]:
    if len(texts) == 1:
        return [fold(texts[0])]
    folded = fold("".join(texts))
    parts = []
    start = 0
    for text in texts:
        end = start + len(text)
        parts.append(folded[start:end])
        start = end
    return parts


def split_joined(normalised: str, folded: str) -> list[Normalised]:
    """The `Normalised` of each text of `normalise_joined`'s result."""
    return [
        Normalised(text, before)
        for text, before in zip(normalised.split(FIELD_BREAK), folded.split(FIELD_BREAK), strict=True)
    ]


def _finish(folded: str) -> Normalised:
    """The steps after folding: markup and flattened line breaks blanked, then the space step."""
    return Normalised(*_finish_steps(folded))


def _finish_steps(folded: str) -> tuple[str, str]:
    """(normalised, folded with markup and flattened line breaks blanked) of folded text."""
    folded, has_cjk = blank_damage(folded)
    return space_step(folded, has_cjk), folded


def blank_damage(folded: str) -> tuple[str, bool]:
    """Folded text with markup and flattened line breaks blanked (same length), and whether it holds a
    CJK character: the steps before the space step."""
    if "<" in folded or "&" in folded:
        folded = _MARKUP.sub(_blank, folded)
    # every step below but the last needs a CJK character next to what it changes (most texts of
    # other scripts have an "rn" somewhere: government, modern ...)
    has_cjk = not folded.isascii() and _CJK_CHAR.search(folded) is not None
    if has_cjk and ("rn" in folded or "\\" in folded):
        folded = _FLAT_BREAK.sub(_blank_after_cjk, folded)
    return folded, has_cjk


def space_step(folded: str, has_cjk: bool) -> str:
    """The normalised text of `blank_damage`'s result: the one step that changes length, and only by
    removing spaces."""
    if " " not in folded:
        return folded
    # The space step, as whole-text substitutions (the map back is made from `folded` when needed):
    # a run between CJK characters goes, and so does a leading run of 2+ before one; any other run
    # of 2+ becomes one space. Each run is one of these or none, so the order does not matter.
    out = folded
    if has_cjk:
        out = _CJK_GAP.sub("", out)
        if out.startswith("  ") or FIELD_BREAK + "  " in out:
            out = _LEADING_RUN_BEFORE_CJK.sub("", out)
    if "  " in out:
        out = _SPACES.sub(" ", out)
    return out


def _space_map(folded: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(normalised positions, original positions) where each removed stretch of `folded` ends."""
    if len(folded) >= ARRAY_FROM_CHARS:
        return _space_map_array(folded)
    space_runs = _SPACE_RUN if _CJK_CHAR.search(folded) else _SPACES
    seg_norm = [0]
    seg_orig = [0]
    out_len = 0
    last = 0
    for m in space_runs.finditer(folded):
        a, b = m.span()
        keep = (
            1
            if (folded[a - 1 : a] and not _is_cjk(folded[a - 1])) or not _is_cjk(folded[b : b + 1] or " ")
            else 0
        )
        out_len += a + keep - last
        last = b
        seg_norm.append(out_len)
        seg_orig.append(b)
    return tuple(seg_norm), tuple(seg_orig)


def _space_map_array(folded: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """`_space_map` by array operations over every run of spaces: a run is a stretch the space step
    changes when it lies between CJK characters or is 2+ long, and it goes whole when nothing or a
    CJK character precedes it and a CJK character follows; otherwise one space of it stays."""
    codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = np.zeros(len(codes) + 2, dtype=bool)
    space[1:-1] = codes == 0x20
    edges = np.flatnonzero(space[1:] != space[:-1])
    starts, ends = edges[0::2], edges[1::2]
    has_prev = starts > 0
    has_next = ends < len(codes)
    prev_cjk = np.zeros(len(starts), dtype=bool)
    prev_cjk[has_prev] = _cjk_codes(codes[starts[has_prev] - 1])
    next_cjk = np.zeros(len(ends), dtype=bool)
    next_cjk[has_next] = _cjk_codes(codes[ends[has_next]])
    length = ends - starts
    changed = (prev_cjk & next_cjk) | (length >= 2)
    keep = ~((~has_prev | prev_cjk) & next_cjk)
    removed = np.cumsum((length - keep)[changed])
    resume = ends[changed]
    return (0, *(resume - removed).tolist()), (0, *resume.tolist())


def _cjk_codes(codes: np.ndarray) -> np.ndarray:
    out = np.zeros(len(codes), dtype=bool)
    for low, high in _CJK_RANGES:
        out |= (codes >= low) & (codes < high)
    return out


@cache
def _table_string() -> str:
    """`_table()` as a string over the BMP, for str.translate: indexing it never misses, where a dict
    lookup that misses (most characters) costs an exception inside translate. Characters beyond the
    BMP miss it and stay as they are, as with the dict."""
    mapping = _table()
    return "".join(chr(mapping.get(code, code)) for code in range(0x10000))


@cache
def _ascii_table() -> bytes:
    """`_table()` over ASCII, for bytes.translate (folding keeps ASCII text ASCII)."""
    mapping = _table()
    return bytes(mapping.get(code, code) for code in range(128)) + bytes(range(128, 256))


@cache
def _folding_array() -> np.ndarray:
    """`_table()` as an array over every code point (identity where the table has no entry)."""
    table = np.arange(0x110000, dtype=np.uint32)
    mapping = _table()
    table[np.fromiter(mapping.keys(), dtype=np.int64)] = np.fromiter(mapping.values(), dtype=np.uint32)
    return table


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def _blank_after_cjk(m: re.Match[str]) -> str:
    start = m.start()
    return _blank(m) if start and _is_cjk(m.string[start - 1]) else m.group()


def _is_cjk(char: str) -> bool:
    if not char:
        return False
    code = ord(char)
    return 0x3400 <= code < 0x4DC0 or 0x4E00 <= code < 0xA000 or 0xF900 <= code < 0xFB00


def normalise_term(term: str) -> str:
    return normalise(term.strip()).text
