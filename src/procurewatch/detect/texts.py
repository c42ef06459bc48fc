"""Each text of a notice normalised once, for every scan of it.

Detection scans the title, the body and the attachments, some of them twice (the title again when
the body names its domain; the body's domain words). The texts are normalised here together, once:
`joined` holds them all for the one pass that tells whether any term is there at all (most notices
have none, and need nothing else), and `fields()` the same `Normalised` (folding.py: folded text
and its map back to the original) of each text for every scan of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from procurewatch.detect.folding import Normalised, normalise_joined, split_joined
from procurewatch.model import TEXT_FIELDS, Notice


class NoticeTexts:
    """The normalised texts of a notice (TEXT_FIELDS order; '' for an empty one), and the texts
    themselves (`originals`). `folded`: folding.fold of each text, when the caller has folded them."""

    __slots__ = ("_fields", "_folded", "joined", "originals")

    def __init__(self, texts: list[str], folded: Sequence[str] | None = None) -> None:
        self.originals = texts
        # every text normalised, joined by folding.FIELD_BREAK (no term spans one), and the same before
        # the space step, from which fields() cuts each text's own
        self.joined, self._folded = normalise_joined(texts, folded)
        self._fields: dict[str, Normalised] | None = None

    def fields(self) -> dict[str, Normalised]:
        """folding.normalise of each text, by field name."""
        if self._fields is None:
            self._fields = dict(zip(TEXT_FIELDS, split_joined(self.joined, self._folded), strict=True))
        return self._fields


def notice_texts(notice: Notice, title: str | None = None) -> NoticeTexts:
    """The texts of `notice` normalised. `title` stands in for the notice's title when given (detection
    reads it with the buyer's name blanked, same length)."""
    return NoticeTexts(texts_of(notice, title))


def texts_of(notice: Notice, title: str | None = None) -> list[str]:
    """The texts `notice_texts` normalises."""
    texts = [getattr(notice, name) or "" for name in TEXT_FIELDS]
    if title is not None:
        texts[0] = title
    return texts
