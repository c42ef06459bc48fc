"""Classification codes (CPV, DK021, UNSPSC) of a notice's items as surveillance evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from procurewatch.detect.lexicon import Lexicon, lexicon

_DIGITS = re.compile(r"\d+")
_SCHEME_ALIASES = {"CPV": "CPV", "DK021": "DK021", "ДК021": "DK021", "UNSPSC": "UNSPSC"}


@dataclass(slots=True, frozen=True)
class CodeFinding:
    scheme: str
    code: str  # the item's code, 8 digits
    listed: str  # the listed code it falls under
    category: str
    strength: str
    meaning: str


def scheme_name(raw: str | None) -> str | None:
    if not raw:
        return None
    if isinstance(raw, str):
        return _scheme_of(raw)  # a few names, on item after item
    return _scheme_uncached(raw)


@lru_cache(maxsize=1024)
def _scheme_of(raw: str) -> str | None:
    return _scheme_uncached(raw)


def _scheme_uncached(raw: str) -> str | None:
    compact = re.sub(r"[\s:_\-]", "", raw).upper()
    compact = re.sub(r"2015$", "", compact)
    return _SCHEME_ALIASES.get(compact)


def code_digits(raw: Any) -> str | None:
    match = _DIGITS.match(str(raw or "").strip())
    return match.group()[:8] if match and len(match.group()) >= 8 else None


def lookup(scheme: str, code: str, lex: Lexicon) -> CodeFinding | None:
    """The listed code `code` is or descends from (trailing digits zeroed one by one)."""
    if lex is lexicon():
        return _listed(scheme, code)  # CPV codes repeat across notices
    return _lookup(scheme, code, lex)


@lru_cache(maxsize=16384)
def _listed(scheme: str, code: str) -> CodeFinding | None:
    return _lookup(scheme, code, lexicon())


def _lookup(scheme: str, code: str, lex: Lexicon) -> CodeFinding | None:
    table = lex.codes.get(scheme)
    if not table:
        return None
    candidate = code
    for cut in range(len(code), 1, -1):
        candidate = code[:cut].ljust(8, "0")
        entry = table.get(candidate)
        if entry is not None:
            if not entry.get("category"):
                return None
            return CodeFinding(
                scheme, code, candidate, entry["category"], entry["strength"], entry["meaning"]
            )
    return None


def item_codes(items: list[dict[str, Any]], lex: Lexicon) -> list[CodeFinding]:
    found: list[CodeFinding] = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        scheme = scheme_name(item.get("scheme"))
        code = code_digits(item.get("id"))
        if scheme and code:
            finding = lookup(scheme, code, lex)
            if finding is not None and finding not in found:
                found.append(finding)
    return found
