"""Each text of a notice normalised once, for every scan of it.

Detection scans the title, the body and the attachments, some of them twice (the title again when
the body names its domain; the body's domain words); each text is normalised here once, and the
same `Normalised` (folding.py: folded text and its map back to the original) serves every use.
"""

from __future__ import annotations

from procurewatch.detect.folding import Normalised, normalise_all
from procurewatch.model import TEXT_FIELDS, Notice


def normalised_fields(notice: Notice, title: str | None = None) -> dict[str, Normalised]:
    """folding.normalise of each text field of `notice` (TEXT_FIELDS: title, body, attachments; '' for
    an empty one), by field name, all folded in one pass. `title` stands in for the notice's title
    when given (detection reads it with the buyer's name blanked, same length)."""
    texts = [getattr(notice, name) or "" for name in TEXT_FIELDS]
    if title is not None:
        texts[0] = title
    return dict(zip(TEXT_FIELDS, normalise_all(texts), strict=True))
