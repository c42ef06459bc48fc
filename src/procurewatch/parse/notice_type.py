"""Notice phase (tender | amendment | award | contract | cancellation | other) from phase words (data)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick_rs

from procurewatch import knowledge

PHASES = frozenset({"tender", "amendment", "award", "contract", "cancellation", "other"})
_DATA = knowledge.load_json("parse", "phases.json")
_RULES: list[tuple[str, str]] = [(word.lower(), phase) for word, phase in _DATA["rules"]]
# Codes such as TED's "CAN" count only as a field's whole value: inside a title they are ordinary letters.
_EXACT: dict[str, str] = {k.casefold(): v for k, v in _DATA["exact"].items() if not k.startswith("_")}
_SPACES = re.compile(r"[ \t\u3000]+")


def _rule_finder(words: dict[str, int]) -> tuple[ahocorasick_rs.AhoCorasick, dict[str, int]]:
    """The words, and for each the index of the first rule that names it: one pass finds every rule that
    applies."""
    return ahocorasick_rs.AhoCorasick(list(words)), words


_FIRST_RULE_OF: dict[str, int] = {}
for _index, (_word, _phase) in enumerate(_RULES):
    _FIRST_RULE_OF.setdefault(_word, _index)
_ANY_WORD = _rule_finder(_FIRST_RULE_OF)
# for text whose spaces are squeezed out: the words that are not ASCII (none holds what _SPACES squeezes, so
# each one found in the text is found in it squeezed too); the ASCII words are looked up in the text itself
_SPACED_WORDS = _rule_finder({w: i for w, i in _FIRST_RULE_OF.items() if not w.isascii()})
_ASCII_WORDS = [(i, w) for w, i in _FIRST_RULE_OF.items() if w.isascii()]
if any(_SPACES.search(w) for w in _FIRST_RULE_OF if not w.isascii()):
    raise ValueError("a phase word that is not ASCII holds a space: squeezed text would not show it")


def _first_rule(text: str, finder: tuple[ahocorasick_rs.AhoCorasick, dict[str, int]]) -> int:
    automaton, rule_of = finder
    try:
        # the words themselves, not their offsets (which the finder would count in characters for each)
        found = automaton.find_matches_as_strings(text, overlapping=True)
    except UnicodeEncodeError:  # a lone surrogate: the finder reads UTF-8; the words are looked up one by one
        return min([i for i in rule_of.values() if _RULES[i][0] in text], default=len(_RULES))
    return min(map(rule_of.__getitem__, found), default=len(_RULES))


def phase_of(text: str) -> str | None:
    """The phase named by the first rule whose word occurs in `text` (spaces between characters
    ignored for non-ASCII words: 成 交 公 示), or None."""
    lowered = text.lower()
    if " " in lowered or "\t" in lowered or "\u3000" in lowered:  # what _SPACES squeezes out
        first = _first_rule(_SPACES.sub("", lowered), _SPACED_WORDS)
        first = min(first, min([i for i, word in _ASCII_WORDS if word in lowered], default=first))
    else:
        first = _first_rule(lowered, _ANY_WORD)
    return _RULES[first][1] if first < len(_RULES) else None


def exact_phase(value: str) -> str | None:
    """The phase a source field's whole value names when it is a code (CAN → award), or None."""
    return _EXACT.get(value.strip().casefold())


_HEADING_CHARS = 12  # a line this short that names a phase is the page's heading (中标公告)
_HEADING_LINES = 8


def heading_phase(body_opening: str) -> str | None:
    """The phase a heading line among the body's first lines names on its own (a page whose first line is
    the project's name and whose second is 中标公告), or None."""
    lines = [_SPACES.sub("", line).strip("　 []【】") for line in body_opening.splitlines()]
    for line in [line for line in lines if line][:_HEADING_LINES]:
        if len(line) <= _HEADING_CHARS and not any(c in line for c in "：:"):  # 公告类型：磋商 is a field
            phase = phase_of(line)
            if phase:
                return phase
    return None


def notice_phase(title: str, hint: str | Iterable[str] | None, body_opening: str = "") -> str:
    """Title words decide; else the source's own phase words or codes; else a heading line of the body's
    opening; else the body's opening; else 'other'."""
    if title and (phase := phase_of(title)):
        return phase
    hints = [hint] if isinstance(hint, str) else list(hint or [])
    sources = [str(h) for h in hints] if hints else []
    for source in sources:
        if source:
            phase = phase_of(source) or (exact_phase(source) if source is not title else None)
            if phase:
                return phase
    return heading_phase(body_opening) or phase_of(body_opening) or "other"


_RUNNER_UP = _DATA["runner_up"]


def candidate_publicity(title: str, body: str) -> bool:
    """A publicity title (中标公示, not 中标结果公示) over a body that ranks a runner-up: the candidates
    are shown, nobody has been awarded yet."""
    squeezed = _SPACES.sub("", title)
    if not any(w in squeezed for w in _RUNNER_UP["publicity"]) or any(
        w in squeezed for w in _RUNNER_UP["result"]
    ):
        return False
    if any(w in body for w in _RUNNER_UP["declared"]):
        return False
    return any(w in body for w in _RUNNER_UP["words"])
