"""Turn weighted signals into category and notice scores in 0..1 (weights in taxonomy/scoring.json)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def combine(weights: Iterable[float]) -> float:
    """Independent-evidence combination: 1 - prod(1 - w)."""
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - remaining


@dataclass(slots=True)
class CategorySignals:
    """Best weight per distinct signal (a term, a vendor, a code) within one category."""

    firm: dict[str, float] = field(default_factory=dict)
    weak: dict[str, float] = field(default_factory=dict)

    def add(self, signal: str, weight: float, weak: bool) -> None:
        bucket = self.weak if weak else self.firm
        if weight > bucket.get(signal, 0.0):
            bucket[signal] = weight

    def score(self, weak_cap: float) -> float:
        return combine([*self.firm.values(), min(combine(self.weak.values()), weak_cap)])

    def __bool__(self) -> bool:
        return bool(self.firm or self.weak)
