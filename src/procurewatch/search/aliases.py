"""Known aliases of a searched name: 'Hikvision' also finds 海康威视 and Хіквіжн (data/vendors.json).

A query word or phrase that is, folded (case, width, Traditional/Simplified), a vendor's name or one
of its aliases is searched as any of them. Aliases that contain a shorter alias of the same vendor
are left out (海康威视 already finds 杭州海康威视数字技术股份有限公司); ambiguous aliases (海康 needs a
camera word near it) are never added.
"""

from __future__ import annotations

from functools import cache

from procurewatch import knowledge
from procurewatch.detect.folding import normalise_term


@cache
def _groups() -> dict[str, tuple[str, ...]]:
    """Folded alias → the vendor's search terms (shortest first, none containing another)."""
    out: dict[str, tuple[str, ...]] = {}
    claimed: dict[str, set[str]] = {}
    for vid, vendor in knowledge.vendors().items():
        folded = {normalise_term(a) for a in [vendor["name"], *vendor.get("aliases", [])]} - {""}
        terms: list[str] = []
        for term in sorted(folded, key=len):
            if not any(t in term for t in terms):
                terms.append(term)
        for alias in folded:
            claimed.setdefault(alias, set()).add(vid)
            out[alias] = tuple(terms)
    return {alias: terms for alias, terms in out.items() if len(claimed[alias]) == 1}


def alias_terms(text: str) -> list[str]:
    """Other terms that name what `text` names; [] for a text that is no known alias."""
    folded = normalise_term(text)
    return [t for t in _groups().get(folded, ()) if t != folded]
