"""Text normalisation shared by the extractors (full-width forms, whitespace)."""

from __future__ import annotations

import re
from functools import lru_cache

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, ideographic space → space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_NARROW_OF = {chr(wide): chr(narrow) for wide, narrow in _HALFWIDTH.items()}
_WIDE = re.compile("[\uff01-\uff5e\u3000\xa0]")


@lru_cache(maxsize=32)  # the extractors of one notice normalise the same text: do it once
def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII; offsets are unchanged (1:1 mapping)."""
    # a notice holds a handful of distinct wide characters (，：（）): one replace each is several times
    # faster than translate's lookup of every character. Each search resumes where the last wide character
    # was: none is left before it, and no narrow character is wide.
    found = _WIDE.search(text)
    while found is not None:
        at = found.start()
        text = text.replace(text[at], _NARROW_OF[text[at]])
        found = _WIDE.search(text, at + 1)
    return text


def spaced(word: str) -> str:
    """A regex for `word` that tolerates whitespace between its characters (PDF text: 采 购 人)."""
    return r"\s*".join(re.escape(ch) for ch in word)
