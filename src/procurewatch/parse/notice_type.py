"""Notice phase (tender | amendment | award | contract | cancellation | other) from phase words (data)."""

from __future__ import annotations

from collections.abc import Iterable

from procurewatch.parse._data import load_json

PHASES = frozenset({"tender", "amendment", "award", "contract", "cancellation", "other"})
_RULES: list[tuple[str, str]] = [(word.lower(), phase) for word, phase in load_json("phases.json")["rules"]]


def phase_of(text: str) -> str | None:
    """The phase named by the first rule whose word occurs in `text`, or None."""
    lowered = text.lower()
    for word, phase in _RULES:
        if word in lowered:
            return phase
    return None


def notice_phase(title: str, hint: str | Iterable[str] | None, body_opening: str = "") -> str:
    """Title words decide; else the source's own phase words; else the body's opening; else 'other'."""
    hints = [hint] if isinstance(hint, str) else list(hint or [])
    for source in (title, *(str(h) for h in hints), body_opening):
        if source:
            phase = phase_of(source)
            if phase:
                return phase
    return "other"
