"""Notice phase (tender | amendment | award | contract | cancellation | other) from phase words (data)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

from procurewatch import knowledge

PHASES = frozenset({"tender", "amendment", "award", "contract", "cancellation", "other"})
_DATA = knowledge.load_json("parse", "phases.json")
_RULES: list[tuple[str, str]] = [(word.lower(), phase) for word, phase in _DATA["rules"]]
# Codes such as TED's "CAN" count only as a field's whole value: inside a title they are ordinary letters.
_EXACT: dict[str, str] = {k.casefold(): v for k, v in _DATA["exact"].items() if not k.startswith("_")}
_SPACES = re.compile(r"[ \t\u3000]+")


def _rule_automaton(ascii_words: bool) -> ahocorasick.Automaton:
    """Each rule's word → the index of the first rule that names it: one pass finds every rule that
    applies. Without ASCII words: the automaton for text whose spaces are squeezed out."""
    automaton = ahocorasick.Automaton()
    for index, (word, _phase) in enumerate(_RULES):
        if (ascii_words or not word.isascii()) and word not in automaton:
            automaton.add_word(word, index)
    automaton.make_automaton()
    return automaton


_ANY_WORD = _rule_automaton(ascii_words=True)
_SPACED_WORDS = _rule_automaton(ascii_words=False)


def phase_of(text: str) -> str | None:
    """The phase named by the first rule whose word occurs in `text` (spaces between characters
    ignored for non-ASCII words: 成 交 公 示), or None."""
    lowered = text.lower()
    squeezed = _SPACES.sub("", lowered)
    first = min((index for _end, index in _ANY_WORD.iter(lowered)), default=len(_RULES))
    if squeezed != lowered:
        first = min(first, min((index for _end, index in _SPACED_WORDS.iter(squeezed)), default=first))
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
    hints = [hint] if isinstance(hint, str) else list(hint or [])
    for source in (title, *(str(h) for h in hints)):
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
