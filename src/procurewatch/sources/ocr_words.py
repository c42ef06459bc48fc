"""OCR text put right against the words the project looks for: a taxonomy term or vendor name that the
engine read with one unsure character wrong (僵情管控 for 舆情管控) or with one unsure character too
many (中科上曙光 for 中科曙光, a fragment of 曙 read as its own word) is written as the word.

This is what Tesseract's user-words file does for space-separated languages; its LSTM models do not use
one for Chinese (measured: `--user-words` changes nothing with chi_sim). Only characters of words the
engine itself was unsure of (confidence below data/ocr.json's `unsure_word_confidence`) are changed, and
only to make a whole word of at least `lexicon_min_characters` Han characters, so clear text is never
rewritten and a short word cannot be made out of noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from procurewatch.knowledge import load_json

GAP = "\0"  # stands for the one character a near word may have wrong


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: frozenset[str]  # what a near word may be put right to
    by_gap: dict[str, str]  # a word with one character replaced by GAP → the word (when only one fits)
    lengths: tuple[int, ...]
    known: frozenset[str]  # every known Han word of two characters or more: an unsure character in one
    known_lengths: tuple[int, ...]  # of them (监测 in 视频监测) is left as read


def settings() -> dict[str, object]:
    return load_json("ocr.json")["lexicon"]


def _han(text: str) -> bool:
    return all("\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" for char in text)


def known_words() -> set[str]:
    """The Han words detection knows: taxonomy terms, vendor names and their aliases, and the ordinary
    phrases and context words it sets apart from them."""
    found: set[str] = set()
    for category in load_json("taxonomy", "terms", "zh.json").values():
        if isinstance(category, dict):
            for terms in category.values():
                found.update(t for t in terms if isinstance(t, str))
    for vendor in load_json("vendors.json")["vendors"]:
        found.update(vendor.get("aliases", []))
        found.update(entry["alias"] for entry in vendor.get("ambiguous", []))
    # the ordinary phrases detection knows compete too, so 环境监测 is not made into a near term
    found.update(load_json("taxonomy", "not_surveillance.json").get("zh", []))
    for rule in load_json("taxonomy", "context_rules.json"):
        for key in ("targets", "context", "unless"):
            found.update(word for word in rule.get(key, []) if isinstance(word, str))
    return {word for word in found if len(word) >= 2 and _han(word)}


@cache
def lexicon() -> Lexicon:
    known = known_words()
    minimum = int(settings()["min_characters"])  # type: ignore[call-overload]
    words = {word for word in known if len(word) >= minimum}
    by_gap: dict[str, str] = {}
    clashing: set[str] = set()
    for word in words:
        for at in range(len(word)):
            key = word[:at] + GAP + word[at + 1 :]
            if by_gap.setdefault(key, word) != word:
                clashing.add(key)  # two words differ only there: the character cannot be told
    for key in clashing:
        del by_gap[key]
    return Lexicon(
        frozenset(words),
        by_gap,
        tuple(sorted({len(word) for word in words})),
        frozenset(known),
        tuple(sorted({len(word) for word in known})),
    )


def unsure_below() -> float:
    return float(settings()["unsure_word_confidence"])  # type: ignore[arg-type]


def put_right(line: str, unsure: set[int]) -> str:
    """`line` with the near words around its unsure characters (indexes into it) written as the words."""
    if not unsure:
        return line
    chars = list(line)
    words = lexicon()
    for at in sorted(unsure, reverse=True):  # from the end, so a dropped character moves nothing unseen
        if at >= len(chars) or not _han(chars[at]):
            continue
        replacement = _replacement(chars, at, words)
        if replacement is not None:
            chars[at : at + 1] = replacement
    return "".join(chars)


def _replacement(chars: list[str], at: int, words: Lexicon) -> list[str] | None:
    """What the unsure character at `at` becomes ([] when it is one too many), or None."""
    if _inside_a_word(chars, at, words):
        return None
    for length in words.lengths:
        for offset in range(length):
            start = at - offset
            if start < 0 or start + length > len(chars):
                continue
            window = chars[start : start + length]
            word = words.by_gap.get("".join(window[:offset]) + GAP + "".join(window[offset + 1 :]))
            if word is not None and word[offset] != chars[at]:
                return [word[offset]]
        for offset in range(1, length):  # an extra character inside the word, not at its ends
            start = at - offset
            if start < 0 or start + length + 1 > len(chars):
                continue
            if "".join(chars[start:at] + chars[at + 1 : start + length + 1]) in words.words:
                return []
    return None


def _inside_a_word(chars: list[str], at: int, words: Lexicon) -> bool:
    for length in words.known_lengths:
        for start in range(max(0, at - length + 1), min(at, len(chars) - length) + 1):
            if "".join(chars[start : start + length]) in words.known:
                return True
    return False
