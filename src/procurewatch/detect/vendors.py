"""Resolve a supplier's name (legal name, subsidiary, brand, any script) to a vendor id."""

from __future__ import annotations

from functools import lru_cache

from procurewatch.detect.lexicon import Lexicon, lexicon
from procurewatch.detect.matching import scan


def resolve_vendor(name: str, lex: Lexicon | None = None) -> str | None:
    """Vendor id named by `name`, or None. The longest alias wins when several match."""
    if not name:
        return None
    if lex is None or lex is lexicon():
        return _vendor_named(name)  # the same suppliers come back notice after notice
    return _resolve(name, lex)


@lru_cache(maxsize=8192)
def _vendor_named(name: str) -> str | None:
    return _resolve(name, lexicon())


def _resolve(name: str, lex: Lexicon) -> str | None:
    best: tuple[int, str] | None = None
    for match in scan(name, lex).matches:
        if match.role.kind == "vendor" and match.role.vendor:
            length = match.end - match.start
            if best is None or length > best[0]:
                best = (length, match.role.vendor)
    return best[1] if best else None
