"""Each text of a notice normalised once, for every scan of it.

Detection scans the title, the body and the attachments, some of them twice (the title again when
the body names its domain; the body's domain words). The texts are normalised here together, once:
`joined` holds them all for the one pass that tells whether any term is there at all (most notices
have none, and need nothing else), and `fields()` the same `Normalised` (folding.py: folded text
and its map back to the original) of each text for every scan of it. `may_claim` first asks the
same of the folded texts with their spaces removed, which the space step (the one step that makes
`joined` from them) need not run for: most notices end there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from procurewatch.detect.folding import Normalised, fold_joined, space_step, split_joined
from procurewatch.detect.matching import may_claim, may_claim_each
from procurewatch.model import TEXT_FIELDS, Notice

if TYPE_CHECKING:
    from procurewatch.detect.lexicon import Lexicon


class NoticeTexts:
    """The normalised texts of a notice (TEXT_FIELDS order; '' for an empty one), and the texts
    themselves (`originals`). `folded`: folding.fold of each text, when the caller has folded them."""

    __slots__ = ("_claims", "_fields", "_folded", "_has_cjk", "_joined", "originals")

    def __init__(self, texts: list[str], folded: Sequence[str] | None = None) -> None:
        self.originals = texts
        # every text folded and joined by folding.FIELD_BREAK (no term spans one) before the space step,
        # from which `joined` is made and fields() cuts each text's own (folding.normalise_joined)
        self._folded, self._has_cjk = fold_joined(texts, folded)
        # without a CJK character the space step only shortens runs of spaces, and is made at once
        self._joined = None if self._has_cjk else space_step(self._folded, False)
        self._claims: bool | None = None  # may_claim, when answered for many texts at once (`answer_claims`)
        self._fields: dict[str, Normalised] | None = None

    @property
    def joined(self) -> str:
        """Every text normalised, joined by FIELD_BREAK (folding.normalise_joined's first text)."""
        if self._joined is None:
            self._joined = space_step(self._folded, self._has_cjk)
        return self._joined

    def may_claim(self, lex: Lexicon) -> bool:
        """False when no key that claims a hit is in `joined`, True when one may be. Texts holding CJK
        characters are tested without their spaces (matching.may_claim); others are not (their space step
        only shortens runs of spaces, and without spaces their words run together: short keys would
        match across them too often)."""
        if self._claims is not None:
            return self._claims
        return not self._has_cjk or may_claim(self._folded, lex)

    def fields(self) -> dict[str, Normalised]:
        """folding.normalise of each text, by field name."""
        if self._fields is None:
            self._fields = dict(zip(TEXT_FIELDS, split_joined(self.joined, self._folded), strict=True))
        return self._fields


def answer_claims(texts: Sequence[NoticeTexts], lex: Lexicon) -> None:
    """Each text's may_claim (with `lex`) answered by one pass over all of those holding CJK characters
    (matching.may_claim_each): a pass's fixed costs are a part of a notice's."""
    cjk = [text for text in texts if text._has_cjk]
    for text, found in zip(cjk, may_claim_each([text._folded for text in cjk], lex), strict=True):
        text._claims = found


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
