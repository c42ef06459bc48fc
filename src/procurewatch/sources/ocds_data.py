"""OCDS knowledge tables (package data under data/ocds/), loaded once."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

from procurewatch import knowledge


def load(name: str) -> dict[str, Any]:
    """A table under data/ocds/ (knowledge.py reads and caches it; callers do not change it)."""
    table: dict[str, Any] = knowledge.load_json("ocds", name)
    return table


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used to match names."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


@cache
def country_names() -> dict[str, str]:
    table: dict[str, str] = {}
    for code, names in load("countries.json")["countries"].items():
        table[fold(code)] = code
        for name in names:
            table.setdefault(fold(name), code)
    return table


@cache
def ocid_prefixes() -> list[tuple[str, str]]:
    """(lower-case prefix, ISO2), longest prefix first."""
    rows = [
        (prefix.lower(), row["country"]) for prefix, row in load("ocid_prefixes.json")["prefixes"].items()
    ]
    return sorted(rows, key=lambda row: -len(row[0]))


@cache
def publisher_countries() -> list[tuple[str, str]]:
    return [(name.casefold(), code) for name, code in load("publishers.json")["publishers"].items()]


@cache
def notice_types() -> dict[str, Any]:
    return load("notice_types.json")


@cache
def language_aliases() -> dict[str, str]:
    return load("language_aliases.json")["aliases"]


def country_from_name(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return country_names().get(fold(name))


def country_from_ocid(ocid: Any) -> str | None:
    if not isinstance(ocid, str):
        return None
    lowered = ocid.strip().lower()
    for prefix, code in ocid_prefixes():
        if lowered.startswith(prefix):
            return code
    return None


def country_from_publisher(publisher: Any) -> str | None:
    if not isinstance(publisher, str):
        return None
    lowered = publisher.casefold()
    for name, code in publisher_countries():
        if name in lowered:
            return code
    return None


@cache
def buyer_name_rules() -> tuple[frozenset[str], re.Pattern[str], frozenset[str]]:
    """(folded republisher names, pattern of public-body head nouns, connector words)."""
    raw = load("buyer_names.json")
    heads = sorted(raw["public_body_heads"], key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(h) for h in heads) + r")\b")
    return frozenset(fold(n) for n in raw["republishers"]), pattern, frozenset(raw["name_connectors"])


def is_republisher(name: str) -> bool:
    return fold(name) in buyer_name_rules()[0]


def public_body_in(text: str) -> str | None:
    """First capitalised organisation name ending in a public-body noun ('South Gloucestershire Council')."""
    _, heads, connectors = buyer_name_rules()
    for match in heads.finditer(text):
        words = text[: match.start()].split()
        name: list[str] = []
        while words and (words[-1][:1].isupper() or (name and words[-1] in connectors)):
            name.insert(0, words.pop())
        while name and name[0] in connectors:
            name.pop(0)
        if name:
            return " ".join([*name, match.group(0)])
    return None
