"""ChinaFile-style purchaser types from the buyer's name (a report option, not part of relevance)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from procurewatch.detect.folding import fold


@lru_cache(maxsize=1)
def _raw() -> dict[str, list[str]]:
    path = resources.files("procurewatch") / "data" / "purchasers.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def purchaser_patterns() -> dict[str, list[str]]:
    """Type id → substrings of buyer names. Chinese patterns come in Simplified and Traditional form;
    Latin/Cyrillic ones in lower case, so compare them against the lower-cased name
    (e.g. in SQL: contains(lower(buyer), pattern))."""
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    out: dict[str, list[str]] = {}
    for kind, patterns in _raw().items():
        seen: list[str] = []
        for pattern in patterns:
            for variant in (pattern.lower(), to_traditional.convert(pattern).lower()):
                if variant not in seen:
                    seen.append(variant)
        out[kind] = seen
    return out


@lru_cache(maxsize=1)
def _folded() -> dict[str, tuple[str, ...]]:
    return {kind: tuple({fold(p) for p in patterns}) for kind, patterns in _raw().items()}


def buyer_types(name: str) -> list[str]:
    """Purchaser types whose pattern occurs in `name` (Traditional, full-width and case folded)."""
    if not name:
        return []
    folded = fold(name)
    return [kind for kind, patterns in _folded().items() if any(p in folded for p in patterns)]


def buyer_type_condition(types: list[str], params: list[Any], column: str = "p.buyer") -> str:
    """SQL that holds when the buyer name matches any of the purchaser types (ChinaFile-style substrings).
    A type with no substrings (e.g. 'other') matches buyers that match no other type."""
    patterns = purchaser_patterns()
    unknown = [t for t in types if t not in patterns]
    if unknown:
        raise ValueError(f"unknown buyer type(s) {', '.join(unknown)}; known: {', '.join(sorted(patterns))}")

    def any_of(subs: list[str]) -> str:
        params.extend(subs)
        return "(" + " OR ".join(f"contains(lower({column}), ?)" for _ in subs) + ")" if subs else "FALSE"

    parts = []
    for t in types:
        if patterns[t]:
            parts.append(any_of(patterns[t]))
        else:
            everything = [s for subs in patterns.values() for s in subs]
            parts.append(f"({column} IS NOT NULL AND NOT {any_of(everything)})")
    return "(" + " OR ".join(parts) + ")"
