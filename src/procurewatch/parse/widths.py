"""Text normalisation shared by the extractors (full-width forms, whitespace)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, ideographic space → space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_NARROW_OF = {chr(wide): chr(narrow) for wide, narrow in _HALFWIDTH.items()}
_CHANGED = frozenset(_NARROW_OF) | frozenset(_NARROW_OF.values())  # what halfwidth replaces, and with what
_WIDE = re.compile("[\uff01-\uff5e\u3000\xa0]")


_batch: dict[str, str] | None = None  # halfwidth forms made while a batch is understood (batch_forms)


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; offsets are unchanged (1:1 mapping)."""
    kept = _batch
    if kept is None:
        return _recent(text)
    flat = kept.get(text)
    if flat is None:
        flat = kept[text] = _halfwidth(text)
    return flat


@contextmanager
def batch_forms() -> Iterator[None]:
    """Keep every text's halfwidth form until the block ends. A batch's documents are understood a step
    at a time, so several steps normalise each notice's text and title, each after the whole batch has
    passed through the step before: a cache of the last few texts no longer holds them."""
    global _batch
    outer = _batch
    if outer is None:
        _batch = {}
    try:
        yield
    finally:
        _batch = outer


def _halfwidth(text: str) -> str:
    # a notice holds a handful of distinct wide characters (，：（）): one replace each is several times
    # faster than translate's lookup of every character. Each search resumes where the last wide character
    # was: none is left before it, and no narrow character is wide.
    found = _WIDE.search(text)
    while found is not None:
        at = found.start()
        text = text.replace(text[at], _NARROW_OF[text[at]])
        found = _WIDE.search(text, at + 1)
    return text


_recent = lru_cache(maxsize=32)(_halfwidth)  # outside a batch, the extractors of one notice share the text's


def markers(words: Iterable[str]) -> tuple[str, ...]:
    """A few characters, one of which every word holds (chosen greedily: the one most words hold first).
    A text that holds none of them holds none of the words, however `spaced` lets spaces in; full-width
    forms and what halfwidth makes of them are left out, so a text and its halfwidth form hold the same
    markers."""
    pending = [set(word) - _CHANGED for word in words]
    if not all(pending):
        raise ValueError("a word of full-width forms only has no marker")
    chosen: list[str] = []
    while pending:
        counts = Counter(char for chars in pending for char in chars)
        best = min(counts, key=lambda char: (-counts[char], char))
        chosen.append(best)
        pending = [chars for chars in pending if best not in chars]
    return tuple(chosen)


def holds_any(text: str, chars: tuple[str, ...]) -> bool:
    return any(char in text for char in chars)


def spaced(word: str) -> str:
    """A regex for `word` that tolerates whitespace between its characters (PDF text: 采 购 人)."""
    return r"\s*".join(re.escape(ch) for ch in word)
