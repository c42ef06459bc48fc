"""Text normalisation shared by the extractors (full-width forms, whitespace)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import accumulate

import numpy as np

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, ideographic space → space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_NARROW_OF = {chr(wide): chr(narrow) for wide, narrow in _HALFWIDTH.items()}
_CHANGED = frozenset(_NARROW_OF) | frozenset(_NARROW_OF.values())  # what halfwidth replaces, and with what
_WIDE = re.compile("[\uff01-\uff5e\u3000\xa0]")


class _Batch(threading.local):
    """The batch a thread is understanding (batch_forms): each thread's own, so that two threads
    understanding at once neither share nor end each other's."""

    def __init__(self) -> None:
        self.kept: dict[str, str] | None = None  # halfwidth forms made while the batch is understood
        self.ahead: list[str] = []  # texts whose halfwidth forms will be wanted (made_ahead)


_here = _Batch()


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; offsets are unchanged (1:1 mapping)."""
    kept = _here.kept
    if kept is None:
        return _recent(text)
    flat = kept.get(text)
    if flat is None:
        if _here.ahead:
            _make_ahead(kept, _here.ahead)
            flat = kept.get(text)
        if flat is None:
            flat = kept[text] = _halfwidth(text)
    return flat


def made_ahead(*texts: str) -> None:
    """Texts of the batch under way (batch_forms) whose halfwidth forms will be wanted: they are made all
    together when the first is, by one pass over their UTF-16 code units (_forms)."""
    if _here.kept is not None:
        _here.ahead.extend(texts)


@contextmanager
def batch_forms() -> Iterator[None]:
    """Keep every text's halfwidth form until the block ends. A batch's documents are understood a step
    at a time, so several steps normalise each notice's text and title, each after the whole batch has
    passed through the step before: a cache of the last few texts no longer holds them."""
    if _here.kept is not None:  # inside a batch already: its forms are kept
        yield
        return
    _here.kept = {}
    try:
        yield
    finally:
        _here.kept = None
        _here.ahead.clear()


def _make_ahead(kept: dict[str, str], ahead: list[str]) -> None:
    texts = [text for text in dict.fromkeys(ahead) if text not in kept]
    ahead.clear()
    start = size = 0
    for end, text in enumerate(texts, start=1):
        size += len(text)
        if size >= _JOINED_MAX or end == len(texts):  # a few copies of the joined text are held at once
            for one, flat in zip(texts[start:end], _forms(texts[start:end]), strict=True):
                kept[one] = flat
            start, size = end, 0


_JOINED_MAX = 1 << 18  # characters of texts normalised together


# each UTF-16 code unit's halfwidth form: a surrogate is left as it is, so a character outside the BMP is too
_UNIT_FORMS = np.arange(0x10000, dtype=np.uint16)
for _wide, _narrow in _HALFWIDTH.items():
    _UNIT_FORMS[_wide] = _narrow


def _forms(texts: list[str]) -> list[str]:
    """[_halfwidth(text) for text in texts], joined into one text and mapped by one table lookup of each
    UTF-16 code unit instead of a regex search and a replace for each distinct wide character."""
    joined = "".join(texts)
    units = np.frombuffer(joined.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    flat = _UNIT_FORMS.take(units).tobytes().decode("utf-16-le", "surrogatepass")
    if len(flat) != len(joined):  # lone surrogates met across a boundary became one character: apart
        return [_halfwidth(text) for text in texts]
    ends = list(accumulate(map(len, texts)))
    return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


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


_Tree = dict[str, "_Tree"]  # a character → the characters after it; "" where a word ends


def spaced_longest(words: Iterable[str]) -> str:
    """A regex for any of `words`, each `spaced`, the longest that matches where several do: what the
    alternation of the words from longest to shortest matches, written as a tree of their characters. The
    words that match at one place are prefixes of each other, so the tree tries them in the same order
    (the longest first), but reads each character once instead of once per word that shares it."""
    tree: _Tree = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here
    return _branches(tree, first=True)


def _branches(node: _Tree, first: bool = False) -> str:
    gap = "" if first else r"\s*"
    ways = [gap + re.escape(char) + _branches(rest) for char, rest in node.items() if char]
    if not ways:
        return ""
    body = ways[0] if len(ways) == 1 and "" not in node else f"(?:{'|'.join(ways)})"
    return f"{body}?" if "" in node else body  # a word ends here: longer words are tried first
